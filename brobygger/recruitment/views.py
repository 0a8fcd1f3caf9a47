from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from brobygger.accounts.access import any_staff, public, role_required
from brobygger.accounts.models import Role
from brobygger.audit.models import AccessAction
from brobygger.lib.forms import apply_validation_error
from brobygger.lib.links import object_links
from brobygger.lib.paging import page_of
from brobygger.people.selectors import units_for
from brobygger.public import ratelimit

from . import access, interviews, retention, selectors, services
from .cv import CONTENT_TYPES
from .forms import (
    ApplicationForm,
    InterviewForm,
    NoteForm,
    PostingForm,
    TransitionForm,
    WithdrawForm,
)
from .models import PANEL_ROLES, Application, ApplicationStatus, InterviewStatus, JobPosting

RECEIPT_SESSION_KEY = "brobygger_job_application_received"


# The public site


@public
def job_list(request: HttpRequest) -> HttpResponse:
    return render(request, "recruitment/job_list.html", {"postings": selectors.open_postings()})


def _open_posting(pk: int) -> JobPosting:
    posting = selectors.open_postings().filter(pk=pk).first()
    if posting is None:
        raise Http404
    return posting


@public
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "recruitment/job_detail.html", {"posting": _open_posting(pk)})


@public
@require_http_methods(["GET", "POST"])
@ratelimit.with_device_cookie
def job_apply(request: HttpRequest, pk: int) -> HttpResponse:
    posting = _open_posting(pk)
    form = ApplicationForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"posting": posting, "form": form}
    if request.method == "POST" and ratelimit.hit(request, scope="job_application"):
        # Too many from this address: say so, keep what was typed, store nothing.
        return render(
            request, "recruitment/job_apply.html", context | {"limited": True}, status=429
        )
    if request.method == "POST" and form.is_valid():
        receipt: dict[str, Any] = {"posting": posting.pk, "token": ""}
        if not form.is_spam:
            data = form.cleaned_data
            try:
                application = services.submit_application(
                    posting=posting,
                    name=data["name"],
                    email=data["email"],
                    phone=data["phone"],
                    motivation=data["motivation"],
                    experience=data["experience"],
                    consent=data["consent"],
                    cv=data["cv"] or None,
                    cv_kind=form.cv_kind,
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                receipt["token"] = application.withdraw_token
                link = request.build_absolute_uri(
                    reverse("recruitment:withdraw", args=[application.withdraw_token])
                )
                services.send_receipt(application=application, withdraw_url=link)
        if not form.errors:
            # Shown once on the receipt page, then gone from the session.
            request.session[RECEIPT_SESSION_KEY] = receipt
            return redirect("recruitment:job_apply_received")
    status = 422 if request.method == "POST" else 200
    return render(request, "recruitment/job_apply.html", context, status=status)


@public
@never_cache
def job_apply_received(request: HttpRequest) -> HttpResponse:
    receipt = request.session.pop(RECEIPT_SESSION_KEY, None)
    if not isinstance(receipt, dict):
        return redirect("recruitment:job_list")
    link = ""
    if receipt.get("token"):
        link = request.build_absolute_uri(reverse("recruitment:withdraw", args=[receipt["token"]]))
    return render(request, "recruitment/job_apply_received.html", {"withdraw_url": link})


@public
@never_cache
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, token: str) -> HttpResponse:
    """The applicant's private link: withdraw the application and delete it at once."""
    application = retention.application_for_token(token)
    if application is None:
        removal = retention.removal_for_token(token)
        return render(
            request,
            "recruitment/withdraw_gone.html",
            {"removal": removal},
            status=410 if removal is not None else 404,
        )
    form = WithdrawForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            posting = retention.withdraw_application(token=token)
        except ValidationError as error:
            if error.code == "gone":
                return render(
                    request,
                    "recruitment/withdraw_gone.html",
                    {"removal": retention.removal_for_token(token)},
                    status=410,
                )
            apply_validation_error(form, error)
        else:
            return render(request, "recruitment/withdraw_done.html", {"posting": posting})
    context = {"application": application, "posting": application.posting, "form": form}
    status = 422 if form.errors else 200
    return render(request, "recruitment/withdraw.html", context, status=status)


# The coordinator's pages


@role_required(Role.COORDINATOR)
def posting_list(request: HttpRequest) -> HttpResponse:
    page = page_of(selectors.postings_for(request.user), request.GET.get("page"))
    context = {"page": page, "postings": page.object_list}
    return render(request, "recruitment/posting_list.html", context)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def posting_create(request: HttpRequest) -> HttpResponse:
    form = PostingForm(request.POST or None, units=units_for(request.user))
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.POSTING_FIELDS}
        try:
            posting = services.create_posting(actor=request.user, criteria=form.criteria, **fields)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The posting was saved. It is not published yet."))
            return redirect("recruitment:posting_detail", pk=posting.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "recruitment/posting_form.html", {"form": form, "posting": None}, status=status
    )


@role_required(Role.COORDINATOR)
def posting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    posting = access.get_posting_for(request.user, pk)
    context = {
        "posting": posting,
        "application_count": posting.applications.count(),
        "criteria": list(posting.criteria.all()),
    }
    return render(request, "recruitment/posting_detail.html", context)


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def posting_edit(request: HttpRequest, pk: int) -> HttpResponse:
    posting = access.get_posting_for(request.user, pk)
    form = PostingForm(request.POST or None, instance=posting, units=units_for(request.user))
    if request.method == "POST" and form.is_valid():
        # The ModelForm has already written the values onto `posting`; the service saves them.
        fields = {name: form.cleaned_data[name] for name in services.POSTING_FIELDS}
        fresh = access.get_posting_for(request.user, pk)
        try:
            services.update_posting(
                actor=request.user, posting=fresh, criteria=form.criteria, **fields
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The posting was saved."))
            return redirect("recruitment:posting_detail", pk=pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "recruitment/posting_form.html", {"form": form, "posting": posting}, status=status
    )


@role_required(Role.COORDINATOR)
@require_POST
def posting_action(request: HttpRequest, pk: int) -> HttpResponse:
    posting = access.get_posting_for(request.user, pk)
    action = request.POST.get("action", "")
    try:
        if action == "publish":
            services.set_published(actor=request.user, posting=posting, published=True)
            messages.success(request, _("The posting is published."))
        elif action == "unpublish":
            services.set_published(actor=request.user, posting=posting, published=False)
            messages.success(request, _("The posting is no longer published."))
        elif action == "close":
            services.close_posting(actor=request.user, posting=posting)
            messages.success(request, _("The posting is closed."))
        else:
            messages.error(request, _("Unknown action."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("recruitment:posting_detail", pk=pk)


# Applications: the managing coordinator and the posting's interview panel; everyone
# else gets 404 (access.py), whatever their role.


@any_staff
def application_list(request: HttpRequest, pk: int) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in ApplicationStatus.values:
        status = ""
    posting, manages, page = access.applications_for_posting(
        request.user,
        pk,
        criterion=request.GET.urlencode(),
        status=status,
        page_number=request.GET.get("page"),
    )
    detail_url = object_links("recruitment:application_detail")  # one reversal for the rows
    for application in page.object_list:
        application.detail_url = detail_url(application.pk)
    context = {
        "posting": posting,
        "page": page,
        "applications": page.object_list,
        "manages": manages,
        "status": status,
        "statuses": ApplicationStatus.choices,
    }
    return render(request, "recruitment/application_list.html", context)


def _application_page(
    request: HttpRequest,
    application: Application,
    *,
    form: TransitionForm | None = None,
    interview_form: InterviewForm | None = None,
    status: int = 200,
) -> HttpResponse:
    manages = access.manages(request.user, application)
    context = {"application": application, "manages": manages}
    context |= selectors.application_page(application, request.user, manages=manages)
    if manages:
        context["form"] = form or TransitionForm(allowed=services.TRANSITIONS[application.status])
        if application.status in interviews.BOOKABLE:
            context["interview_form"] = interview_form or InterviewForm(
                candidates=selectors.panel_candidates(application.posting, request.user),
                initial={"panel": [request.user.pk]},
            )
    return render(request, "recruitment/application_detail.html", context, status=status)


@any_staff
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _application_page(request, access.get_application_for(request.user, pk))


@any_staff
@require_POST
def application_transition(request: HttpRequest, pk: int) -> HttpResponse:
    application = access.get_managed_application_for(request.user, pk)
    form = TransitionForm(request.POST, allowed=services.TRANSITIONS[application.status])
    if form.is_valid():
        try:
            services.transition_application(
                actor=request.user,
                application=application,
                to=form.cleaned_data["to"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
    if form.errors:
        return _application_page(request, application, form=form, status=422)
    messages.success(request, _("The status was changed."))
    return redirect("recruitment:application_detail", pk=pk)


@any_staff
def application_cv(request: HttpRequest, pk: int) -> FileResponse:
    application = access.get_application_for(request.user, pk, action=AccessAction.EXPORT)
    if not application.cv:
        raise Http404
    try:
        handle = application.cv.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"cv-{application.pk}.{application.cv_kind}",
        content_type=CONTENT_TYPES[application.cv_kind],
    )


# Interviews


@any_staff
@require_POST
def interview_book(request: HttpRequest, pk: int) -> HttpResponse:
    application = access.get_managed_application_for(request.user, pk)
    form = InterviewForm(
        request.POST,
        candidates=selectors.panel_candidates(application.posting, request.user),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            interviews.book_interview(
                actor=request.user,
                application=application,
                starts_at=form.starts_at,
                minutes=data["minutes"],
                mode=data["mode"],
                place=data["place"],
                panel=data["panel"],
                override_reason=data["override"],
            )
        except ValidationError as error:
            # A peer on the panel away, on a public holiday or outside their hours.
            form.outside = form.show_override(error)
            apply_validation_error(form, error)
    if form.errors:
        return _application_page(request, application, interview_form=form, status=422)
    messages.success(request, _("The interview is booked."))
    return redirect("recruitment:application_detail", pk=pk)


@any_staff
@require_POST
def interview_action(request: HttpRequest, pk: int) -> HttpResponse:
    interview = access.get_managed_interview_for(request.user, pk)
    action = request.POST.get("action", "")
    try:
        if action == "cancel":
            interviews.cancel_interview(actor=request.user, interview=interview)
            messages.success(request, _("The interview is cancelled."))
        elif action == "held":
            interviews.mark_interview_held(actor=request.user, interview=interview)
            messages.success(request, _("The interview is marked as held."))
        else:
            messages.error(request, _("Unknown action."))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    return redirect("recruitment:application_detail", pk=interview.application_id)


@any_staff
@require_http_methods(["GET", "POST"])
def interview_note(request: HttpRequest, pk: int) -> HttpResponse:
    """A panel member's own note against the posting's criteria."""
    is_post = request.method == "POST"
    interview = access.get_interview_for_panel(
        request.user, pk, action=AccessAction.CHANGE if is_post else AccessAction.VIEW
    )
    page = selectors.note_page(interview, request.user)
    form = NoteForm(
        request.POST if is_post else None, criteria=page["criteria"], initial=page["initial"]
    )
    if is_post and form.is_valid():
        try:
            interviews.save_interview_note(
                actor=request.user,
                interview=interview,
                ratings=form.ratings(),
                recommendation=form.cleaned_data["recommendation"],
                summary=form.cleaned_data["summary"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("Your interview note is saved."))
            return redirect("recruitment:application_detail", pk=interview.application_id)
    context = {"interview": interview, "form": form, "started": page["started"]}
    status = 422 if form.errors else 200
    return render(request, "recruitment/interview_note.html", context, status=status)


@role_required(*PANEL_ROLES)
def my_interviews(request: HttpRequest) -> HttpResponse:
    """The interviews I sit on the panel for; coordinators also see their postings' next."""
    mine, upcoming = access.interviews_for(request.user)
    # Both grow with the years (every interview one sat on): 25 a page each (issue 19).
    mine_page = page_of(mine, request.GET.get("page"))
    coming_page = page_of(upcoming, request.GET.get("coming_page"))
    context = {
        "mine_page": mine_page,
        "mine": mine_page.object_list,
        "coming_page": coming_page,
        "upcoming": coming_page.object_list,
        "cancelled": InterviewStatus.CANCELLED,
    }
    return render(request, "recruitment/interview_list.html", context)
