from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from brobygger.accounts import policy
from brobygger.accounts.access import role_required
from brobygger.accounts.models import PEER_ROLES, Role
from brobygger.lib.forms import apply_validation_error
from brobygger.lib.when import format_when

from . import access, selectors, services
from .forms import GlassForm, QueueFilterForm, ReviewForm, WeekForm

FORM_ERRORS = 422


@role_required(Role.COORDINATOR, *PEER_ROLES)
@require_http_methods(["GET", "POST"])
def glass_open(request: HttpRequest) -> HttpResponse:
    """Nødadgang: identifier, reason and explanation in one form. Until all three are
    given nothing is looked up, so the answer is the same for a known and an unknown
    person; then the look-up is logged either way."""
    form = GlassForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = access.find_person_for_glass(request.user, data["identifier"])
        if person is None:
            form.add_error(
                "identifier", _("No person has this identifier. Check it and try again.")
            )
        elif access.within_purpose(request.user, person):
            messages.info(request, _("Your work already gives you access to this person."))
            return redirect("people:person_detail", pk=person.pk)
        else:
            try:
                grant = services.break_glass(
                    actor=request.user, person=person, reason=data["reason"], text=data["text"]
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                until = format_when(grant.expires_at, "day_month_time")
                messages.warning(
                    request,
                    _(
                        "You can read this person until %(until)s. The access is logged "
                        "and will be reviewed."
                    )
                    % {"until": until},
                )
                return redirect("people:person_detail", pk=person.pk)
    status = FORM_ERRORS if request.method == "POST" else 200
    context = {"form": form, "hours": policy.glass_hours()}
    return render(request, "breakglass/open.html", context, status=status)


@role_required(Role.ADMINISTRATOR)
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    filters = QueueFilterForm(request.GET or None)
    state = filters.cleaned_data["state"] if filters.is_valid() else ""
    reviewed = state == "reviewed"
    page = access.review_queue_page_for(
        request.user, reviewed=reviewed, page_number=request.GET.get("page")
    )
    context = {"filters": filters, "page": page, "reviewed": reviewed}
    return render(request, "breakglass/queue.html", context)


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, pk: int) -> HttpResponse:
    grant = access.get_access_for_review(request.user, pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review(actor=request.user, access=grant, comment=form.cleaned_data["comment"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The access was marked as reviewed."))
            return redirect("breakglass:queue")
    status = FORM_ERRORS if request.method == "POST" else 200
    return render(request, "breakglass/review.html", {"grant": grant, "form": form}, status=status)


@role_required(Role.ADMINISTRATOR)
@require_GET
def unusual_access(request: HttpRequest) -> HttpResponse:
    form = WeekForm(request.GET or None)
    day = form.cleaned_data["week"] if form.is_valid() else None
    report = selectors.unusual_access(day or selectors.last_week())
    return render(request, "breakglass/unusual.html", {"form": form, "report": report})
