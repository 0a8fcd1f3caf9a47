"""'Jeg er bekymret': the crisis numbers first, then a short form; acknowledge and close;
the crisis numbers list; the person's crisis card."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from brobygger.accounts.access import any_staff, role_required
from brobygger.accounts.models import Role
from brobygger.audit.models import AccessAction
from brobygger.lib.forms import apply_validation_error

from . import access, services
from .forms import CloseForm, ConcernForm, CrisisCardForm

RAISERS = (Role.COORDINATOR, Role.PEER_WORKER, Role.RELATIVE_PEER)
# The treating unit's contact is often a clinician's account.
READERS = (*RAISERS, Role.CLINICIAN)
FORM_ERRORS = 422


@role_required(*RAISERS)
@require_http_methods(["GET"])
def start(request: HttpRequest) -> HttpResponse:
    """From the peer's week: the numbers at once, then whom the concern is about."""
    context = access.start_page_for(request.user)
    return render(request, "concerns/start.html", context)


@role_required(*RAISERS)
@require_http_methods(["GET", "POST"])
def raise_concern(request: HttpRequest, pk: int) -> HttpResponse:
    is_post = request.method == "POST"
    course = access.get_course_to_raise(
        request.user, pk, action=AccessAction.CREATE if is_post else AccessAction.VIEW
    )
    form = ConcernForm(request.POST or None)
    if is_post and form.is_valid():
        try:
            concern = services.raise_concern(
                actor=request.user,
                course=course,
                urgency=form.cleaned_data["urgency"],
                what_happened=form.cleaned_data["what_happened"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(
                request,
                _("The concern is recorded. The unit and the coordinator have been told."),
            )
            return redirect("concerns:detail", pk=concern.pk)
    context = {
        "course": course,
        "person": course.person,
        "contacts": access.crisis_contacts_for(course.unit_id or course.person.unit_id),
        "form": form,
    }
    return render(request, "concerns/raise.html", context, status=FORM_ERRORS if is_post else 200)


@role_required(*READERS)
@require_http_methods(["GET"])
def concern_list(request: HttpRequest) -> HttpResponse:
    page = access.unresolved_concerns_page_for(request.user, page_number=request.GET.get("page"))
    return render(request, "concerns/list.html", {"page": page, "concerns": page.object_list})


@role_required(*READERS)
@require_http_methods(["GET"])
def concern_detail(request: HttpRequest, pk: int) -> HttpResponse:
    concern = access.get_concern_for(request.user, pk)
    return _detail(request, concern, close_form=CloseForm())


def _detail(
    request: HttpRequest, concern: Any, *, close_form: CloseForm, status: int = 200
) -> HttpResponse:
    context = {
        "concern": concern,
        "person": concern.person,
        "may_handle": access.may_handle(request.user, concern),
        "close_form": close_form,
        "contacts": access.crisis_contacts_for(concern.unit_id),
    }
    return render(request, "concerns/detail.html", context, status=status)


@role_required(*READERS)
@require_POST
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    concern = access.get_concern_for(request.user, pk, action=AccessAction.CHANGE)
    if not access.may_handle(request.user, concern):
        messages.error(request, _("You cannot acknowledge this concern."))
        return redirect("concerns:detail", pk=concern.pk)
    try:
        services.acknowledge_concern(actor=request.user, concern=concern)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Acknowledged. The peer can see that you are on it."))
    return redirect("concerns:detail", pk=concern.pk)


@role_required(*READERS)
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    concern = access.get_concern_for(request.user, pk, action=AccessAction.CHANGE)
    form = CloseForm(request.POST)
    if not access.may_handle(request.user, concern):
        messages.error(request, _("You cannot close this concern."))
        return redirect("concerns:detail", pk=concern.pk)
    if form.is_valid():
        try:
            services.close_concern(
                actor=request.user,
                concern=concern,
                outcome=form.cleaned_data["outcome"],
                outcome_note=form.cleaned_data["outcome_note"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The concern is closed."))
            return redirect("concerns:detail", pk=concern.pk)
    return _detail(request, concern, close_form=form, status=FORM_ERRORS)


@any_staff
@require_http_methods(["GET"])
def crisis_contacts(request: HttpRequest) -> HttpResponse:
    context = {"groups": access.crisis_contact_groups()}
    return render(request, "concerns/contacts.html", context)


@role_required(*RAISERS)
@require_http_methods(["GET", "POST"])
def crisis_card(request: HttpRequest, pk: int) -> HttpResponse:
    is_post = request.method == "POST"
    person, card = access.get_person_for_card(
        request.user, pk, action=AccessAction.CHANGE if is_post else AccessAction.VIEW
    )
    may_edit = access.may_edit_card(request.user, person)
    initial = {name: getattr(card, name) for name in services.CARD_FIELDS} if card else {}
    form = CrisisCardForm(request.POST if is_post else None, initial=initial)
    if is_post and may_edit and form.is_valid():
        data = {name: form.cleaned_data[name] for name in services.CARD_FIELDS}
        try:
            services.save_crisis_card(actor=request.user, person=person, **data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The crisis card is saved."))
            return redirect("concerns:crisis_card", pk=person.pk)
    elif is_post and not may_edit:
        form.add_error(None, _("Only the person's peer or the coordinator can change the card."))
    context = {"person": person, "card": card, "form": form, "may_edit": may_edit}
    return render(
        request, "concerns/crisis_card.html", context, status=FORM_ERRORS if is_post else 200
    )


@role_required(*RAISERS)
@require_http_methods(["GET"])
def crisis_card_print(request: HttpRequest, pk: int) -> HttpResponse:
    person, card = access.get_person_for_card(request.user, pk, action=AccessAction.PRINT)
    context = {
        "person": person,
        "card": card,
        "contacts": access.crisis_contacts_for(person.unit_id),
        "printed_on": timezone.localdate(),
    }
    return render(request, "concerns/crisis_card_print.html", context)
