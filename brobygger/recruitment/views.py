from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from brobygger.accounts.access import public, role_required
from brobygger.accounts.models import Role
from brobygger.lib.forms import apply_validation_error
from brobygger.people.selectors import units_for
from brobygger.public import ratelimit

from . import access, selectors, services
from .cv import CONTENT_TYPES
from .forms import ApplicationForm, PostingForm, TransitionForm
from .models import JobPosting

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
def job_apply(request: HttpRequest, pk: int) -> HttpResponse:
    posting = _open_posting(pk)
    form = ApplicationForm(request.POST or None, request.FILES or None)
    context: dict[str, Any] = {"posting": posting, "form": form}
    limit = settings.PUBLIC_FORM_LIMIT_PER_HOUR
    if request.method == "POST" and ratelimit.hit(request, scope="job_application", limit=limit):
        # Too many from this address: say so, keep what was typed, store nothing.
        return render(
            request, "recruitment/job_apply.html", context | {"limited": True}, status=429
        )
    if request.method == "POST" and form.is_valid():
        if not form.is_spam:
            data = form.cleaned_data
            try:
                services.submit_application(
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
        if not form.errors:
            request.session[RECEIPT_SESSION_KEY] = posting.pk
            return redirect("recruitment:job_apply_received")
    status = 422 if request.method == "POST" else 200
    return render(request, "recruitment/job_apply.html", context, status=status)


@public
def job_apply_received(request: HttpRequest) -> HttpResponse:
    if request.session.pop(RECEIPT_SESSION_KEY, None) is None:
        return redirect("recruitment:job_list")
    return render(request, "recruitment/job_apply_received.html")


# The coordinator's pages


@role_required(Role.COORDINATOR)
def posting_list(request: HttpRequest) -> HttpResponse:
    postings = selectors.postings_for(request.user)
    return render(request, "recruitment/posting_list.html", {"postings": postings})


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def posting_create(request: HttpRequest) -> HttpResponse:
    form = PostingForm(request.POST or None, units=units_for(request.user))
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.POSTING_FIELDS}
        try:
            posting = services.create_posting(actor=request.user, **fields)
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
    context = {"posting": posting, "application_count": posting.applications.count()}
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
            services.update_posting(actor=request.user, posting=fresh, **fields)
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


@role_required(Role.COORDINATOR)
def application_list(request: HttpRequest, pk: int) -> HttpResponse:
    posting = access.get_posting_for(request.user, pk)
    access.log_application_list(request.user, posting, request.GET.urlencode())
    rows = selectors.application_rows(posting)
    return render(
        request, "recruitment/application_list.html", {"posting": posting, "applications": rows}
    )


@role_required(Role.COORDINATOR)
def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = access.get_application_for(request.user, pk)
    form = TransitionForm(allowed=services.TRANSITIONS[application.status])
    return render(
        request, "recruitment/application_detail.html", {"application": application, "form": form}
    )


@role_required(Role.COORDINATOR)
@require_POST
def application_transition(request: HttpRequest, pk: int) -> HttpResponse:
    application = access.get_application_for(request.user, pk, action="change")
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
        return render(
            request,
            "recruitment/application_detail.html",
            {"application": application, "form": form},
            status=422,
        )
    messages.success(request, _("The status was changed."))
    return redirect("recruitment:application_detail", pk=pk)


@role_required(Role.COORDINATOR)
def application_cv(request: HttpRequest, pk: int) -> FileResponse:
    application = access.get_application_for(request.user, pk, action="export")
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
