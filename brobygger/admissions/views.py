"""Admissions: the coordinator records them per course, or imports a hospital file."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from brobygger.accounts.access import role_required
from brobygger.accounts.models import Role
from brobygger.audit.models import AccessAction
from brobygger.lib.forms import apply_validation_error
from brobygger.people.selectors import units_for

from . import access, importfile, selectors, services
from .forms import AdmissionForm, ImportForm
from .importing import ImportPlan

# The checked file waits here between the preview and the save: in the session (in the
# database, signed, gone at logout), never on disk or in the web root.
SESSION_KEY = "brobygger_admissions_import"


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def course_admissions(request: HttpRequest, pk: int) -> HttpResponse:
    is_post = request.method == "POST"
    course, admissions = access.admissions_for_course(
        request.user, pk, action=AccessAction.CREATE if is_post else AccessAction.VIEW
    )
    form = AdmissionForm(request.POST or None, units=units_for(request.user))
    if is_post and form.is_valid():
        data = form.cleaned_data
        try:
            services.add_admission(
                actor=request.user,
                course=course,
                admitted_on=data["admitted_on"],
                discharged_on=data["discharged_on"],
                unit=data["unit"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The admission was saved."))
            return redirect("admissions:course", pk=course.pk)
    context = {
        "course": course,
        "person": course.person,
        "admissions": admissions,
        "form": form,
    }
    return render(
        request, "admissions/course_admissions.html", context, status=422 if is_post else 200
    )


@role_required(Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def admission_edit(request: HttpRequest, pk: int) -> HttpResponse:
    is_post = request.method == "POST"
    admission = access.get_admission_for(
        request.user, pk, action=AccessAction.CHANGE if is_post else AccessAction.VIEW
    )
    initial = {
        "admitted_on": admission.admitted_on,
        "discharged_on": admission.discharged_on,
        "unit": admission.unit,
    }
    form = AdmissionForm(request.POST or None, initial=initial, units=units_for(request.user))
    if is_post and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_admission(
                actor=request.user,
                admission=admission,
                admitted_on=data["admitted_on"],
                discharged_on=data["discharged_on"],
                unit=data["unit"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The admission was saved."))
            return redirect("admissions:course", pk=admission.course_id)
    context = {"admission": admission, "course": admission.course, "form": form}
    return render(
        request, "admissions/admission_form.html", context, status=422 if is_post else 200
    )


@role_required(Role.COORDINATOR)
@require_POST
def admission_delete(request: HttpRequest, pk: int) -> HttpResponse:
    admission = access.get_admission_for(request.user, pk, action=AccessAction.CHANGE)
    course_id = admission.course_id
    services.delete_admission(actor=request.user, admission=admission)
    messages.success(request, _("The admission was deleted."))
    return redirect("admissions:course", pk=course_id)


def _import_page(
    request: HttpRequest, *, form: ImportForm, plan: ImportPlan | None, status: int = 200
) -> HttpResponse:
    context: dict[str, Any] = {
        "form": form,
        "plan": plan,
        "imports": selectors.recent_imports(request.user),
        "max_mb": importfile.MAX_BYTES // (1024 * 1024),
    }
    return render(request, "admissions/import.html", context, status=status)


@role_required(Role.COORDINATOR)
@never_cache
@require_http_methods(["GET", "POST"])
def import_file(request: HttpRequest) -> HttpResponse:
    """Upload and preview: nothing is saved until the coordinator confirms."""
    today = timezone.localdate()
    form = ImportForm(request.POST or None, request.FILES or None, today=today)
    if request.method != "POST":
        return _import_page(request, form=form, plan=None)
    request.session.pop(SESSION_KEY, None)
    if not form.is_valid() or form.parsed is None:
        return _import_page(request, form=form, plan=None, status=422)
    parsed = form.parsed
    plan = access.preview_import(request.user, parsed)
    if plan.ok:
        request.session[SESSION_KEY] = {
            "text": parsed.text,
            "encoding": parsed.encoding,
            "sha256": parsed.sha256,
        }
    return _import_page(request, form=ImportForm(today=today), plan=plan)


@role_required(Role.COORDINATOR)
@never_cache
@require_POST
def import_confirm(request: HttpRequest) -> HttpResponse:
    """Save the previewed file, all rows in one transaction."""
    stored = request.session.get(SESSION_KEY)
    if not isinstance(stored, dict) or stored.get("sha256") != request.POST.get("sha256"):
        messages.error(request, _("The file is no longer waiting to be saved. Upload it again."))
        return redirect("admissions:import")
    today = timezone.localdate()
    try:
        parsed = importfile.parse(
            str(stored["text"]), encoding=str(stored["encoding"]), today=today
        )
        record = services.import_admissions(actor=request.user, parsed=parsed)
    except services.ImportHasErrors as exc:
        request.session.pop(SESSION_KEY, None)
        messages.error(
            request,
            _("Something changed since the preview: nothing was saved. See the errors below."),
        )
        # The preview again, as of now, with its errors: a form shown again (422), and
        # logged as such, since its rows tell what is on file for the persons.
        plan = access.show_plan(request.user, exc.plan)
        return _import_page(request, form=ImportForm(today=today), plan=plan, status=422)
    except (ValidationError, importfile.FileProblem) as exc:
        request.session.pop(SESSION_KEY, None)
        text = exc.message if isinstance(exc, importfile.FileProblem) else " ".join(exc.messages)
        messages.error(request, text)
        return redirect("admissions:import")
    request.session.pop(SESSION_KEY, None)
    messages.success(
        request,
        _("Saved: %(new)d new, %(changed)d changed, %(unchanged)d unchanged.")
        % {"new": record.created, "changed": record.changed, "unchanged": record.unchanged},
    )
    return redirect("admissions:import")


@role_required(Role.COORDINATOR)
@require_POST
def import_cancel(request: HttpRequest) -> HttpResponse:
    request.session.pop(SESSION_KEY, None)
    messages.info(request, _("The import was cancelled. Nothing was saved."))
    return redirect("admissions:import")
