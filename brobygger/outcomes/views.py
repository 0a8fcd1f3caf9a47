"""Questionnaires: the person's link page, answering with the peer, links, due lists, trend."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from brobygger.accounts.access import public, role_required
from brobygger.accounts.models import Role
from brobygger.audit.models import AccessAction
from brobygger.lib.language import text_language
from brobygger.people.models import ConsentKind
from brobygger.people.services import has_current_consent
from brobygger.referrals import access as referral_access

from . import access, charts, selectors, services
from .models import Administration, AnsweredBy

STAFF = (Role.COORDINATOR, Role.PEER_WORKER, Role.RELATIVE_PEER)


def _posted_answers(request: HttpRequest, administration: Administration) -> dict[str, int | None]:
    """Every question of the form: a chosen value, or None for a skipped question."""
    answers: dict[str, int | None] = {}
    for item in administration.version.items:
        raw = request.POST.get(f"item-{item['key']}", "")
        answers[item["key"]] = int(raw) if raw.strip().lstrip("-").isdigit() else None
    return answers


def _questions(
    administration: Administration, language: str, posted: dict[str, int | None] | None = None
) -> list[dict[str, Any]]:
    chosen = (
        posted
        if posted is not None
        else dict(administration.answers.values_list("item_key", "value"))
    )
    labels = administration.version.labels(language)
    return [
        {"key": key, "text": text, "value": chosen.get(key), "labels": labels}
        for key, text in administration.version.item_texts(language)
    ]


def _closed_link(request: HttpRequest) -> HttpResponse:
    # Says nothing of whom the link was for or what was answered: anyone may hold it.
    return render(request, "outcomes/link_closed.html", status=410)


@public
@never_cache
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """The person answers on their own phone through the link sent to them."""
    administration = selectors.administration_for_token(token)
    if administration is None or not services.link_is_usable(administration):
        return _closed_link(request)
    language = text_language(administration.course.person.language)
    with translation.override(language):
        posted: dict[str, int | None] | None = None
        error = ""
        if request.method == "POST":
            action = request.POST.get("action", "")
            posted = _posted_answers(request, administration)
            try:
                if action == "decline":
                    services.decline(administration=administration, via_link=True)
                    return render(request, "outcomes/answer_done.html", {"declined": True})
                final = action == "send"
                services.save_answers(
                    administration=administration,
                    answers=posted,
                    final=final,
                    answered_by=AnsweredBy.PERSON_LINK,
                )
            except ValidationError as exc:
                if exc.code in ("link_closed", "closed", "no_consent"):
                    return _closed_link(request)
                error = " ".join(exc.messages)
            else:
                if final:
                    return render(request, "outcomes/answer_done.html", {"declined": False})
                return render(
                    request,
                    "outcomes/answer_done.html",
                    {"saved": True, "expires": administration.link_expires_at},
                )
        return render(
            request,
            "outcomes/answer.html",
            {
                "administration": administration,
                "version": administration.version,
                "instrument_name": administration.version.instrument.name(language),
                "recall": administration.version.recall(language),
                "questions": _questions(administration, language, posted),
                "error": error,
                "with_peer": False,
            },
        )


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def answer_with_peer(request: HttpRequest, pk: int) -> HttpResponse:
    """The person answers together with the peer, on the peer's device."""
    is_post = request.method == "POST"
    administration = access.get_administration_for(
        request.user, pk, action=AccessAction.CHANGE if is_post else AccessAction.VIEW, edit=True
    )
    course = administration.course
    language = text_language(course.person.language)
    posted: dict[str, int | None] | None = None
    error = ""
    if not administration.is_open:
        messages.info(request, _("This questionnaire is closed."))
        return redirect("outcomes:course", pk=course.pk)
    if is_post:
        action = request.POST.get("action", "")
        posted = _posted_answers(request, administration)
        try:
            if action == "decline":
                services.decline(administration=administration, actor=request.user)
                messages.success(request, _("Noted: the person did not want to answer."))
                return redirect("outcomes:course", pk=course.pk)
            final = action == "send"
            services.save_answers(
                administration=administration,
                answers=posted,
                final=final,
                answered_by=AnsweredBy.WITH_PEER,
                actor=request.user,
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            messages.success(
                request,
                _("The answers were saved.") if final else _("The answers so far were saved."),
            )
            return redirect("outcomes:course", pk=course.pk)
    return render(
        request,
        "outcomes/answer.html",
        {
            "administration": administration,
            "course": course,
            "version": administration.version,
            "instrument_name": administration.version.instrument.name(language),
            "recall": administration.version.recall(language),
            "questions": _questions(administration, language, posted),
            "error": error,
            "with_peer": True,
            "consent": has_current_consent(course.person, ConsentKind.QUESTIONNAIRES),
        },
    )


@role_required(*STAFF)
@require_http_methods(["GET", "POST"])
def create_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a link for the person; its address is shown once, to copy or send."""
    is_post = request.method == "POST"
    administration = access.get_administration_for(
        request.user, pk, action=AccessAction.CHANGE if is_post else AccessAction.VIEW, edit=True
    )
    url = ""
    error = ""
    if is_post:
        try:
            token = services.issue_link(actor=request.user, administration=administration)
        except ValidationError as exc:
            error = " ".join(exc.messages)
        else:
            url = request.build_absolute_uri(reverse("outcomes:answer", args=[token]))
    response = render(
        request,
        "outcomes/create_link.html",
        {
            "administration": administration,
            "course": administration.course,
            "url": url,
            "error": error,
            "consent": has_current_consent(
                administration.course.person, ConsentKind.QUESTIONNAIRES
            ),
        },
    )
    response["Cache-Control"] = "no-store"
    return response


@role_required(*STAFF)
@require_http_methods(["GET"])
def course_questionnaires(request: HttpRequest, pk: int) -> HttpResponse:
    """The course's questionnaires: planned, sent, answered; actions for the open ones."""
    course, administrations = access.administrations_for_course(request.user, pk)
    return render(
        request,
        "outcomes/course.html",
        {
            "course": course,
            "person": course.person,
            "administrations": administrations,
            "can_edit": referral_access.can_edit_course(request.user, course),
            "consent": has_current_consent(course.person, ConsentKind.QUESTIONNAIRES),
        },
    )


@role_required(*STAFF)
@require_http_methods(["GET"])
def due_list(request: HttpRequest) -> HttpResponse:
    """Questionnaires due within a week and overdue: the peer's own, or the coordinator's units."""
    pages = access.due_pages_for(
        request.user,
        overdue_page=request.GET.get("page"),
        due_page=request.GET.get("due_page"),
    )
    return render(request, "outcomes/due.html", {"lists": pages})


@role_required(*STAFF)
@require_http_methods(["GET"])
def trend(request: HttpRequest, pk: int) -> HttpResponse:
    """The person's scores over time, to show and print for the person."""
    course, scores = access.scores_for_course(request.user, pk)
    return render(
        request,
        "outcomes/trend.html",
        {
            "course": course,
            "person": course.person,
            "scores": scores,
            "charts": charts.trend_charts(scores),
        },
    )
