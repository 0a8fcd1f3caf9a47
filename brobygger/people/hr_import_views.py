"""The administrator's import of units and staff from the region's HR export: upload,
see what would happen row by row, confirm (brobygger/people/hr_import.py does the work)."""

from __future__ import annotations

import base64
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from brobygger.accounts.access import role_required
from brobygger.accounts.models import Role

from . import hr_import
from .forms import HRConfirmForm, HRImportForm

# The confirmation's hidden fields get their own ids beside the upload form's.
CONFIRM = "confirm"


@role_required(Role.ADMINISTRATOR)
@require_http_methods(["GET", "POST"])
def hr_import_page(request: HttpRequest) -> HttpResponse:
    form = HRImportForm()
    context: dict[str, Any] = {"form": form, "columns": _column_help()}
    status = 200
    if request.method == "POST" and "confirm" in request.POST:
        confirm = HRConfirmForm(request.POST, prefix=CONFIRM)
        if not confirm.is_valid():
            form.add_error(None, _("Upload the file again."))
            return render(request, "people/hr_import.html", context, status=422)
        kind = confirm.cleaned_data["kind"]
        name, content = confirm.cleaned_data["name"], confirm.cleaned_data["content"]
        try:
            plan = hr_import.apply_import(kind, name, content, actor=request.user)
        except hr_import.FileProblem as problem:
            form.add_error(None, str(problem))
            return render(request, "people/hr_import.html", context, status=422)
        except ValidationError as error:
            form.add_error(None, error)
            return render(request, "people/hr_import.html", context, status=422)
        if plan.ok:
            messages.success(
                request,
                _("Imported: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.")
                % {
                    "created": plan.count(hr_import.CREATE),
                    "updated": plan.count(hr_import.UPDATE),
                    "unchanged": plan.count(hr_import.UNCHANGED),
                },
            )
            return redirect("people:hr_import")
        # Something changed since the dry run and a row no longer fits: show it.
        context |= {"plan": plan, "file_name": name}
        status = 422
    elif request.method == "POST":
        form = HRImportForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            kind = form.cleaned_data["kind"]
            try:
                if upload.size > hr_import.MAX_BYTES:
                    raise hr_import.FileProblem(
                        _("The file is larger than 1 MB. Split it into smaller files.")
                    )
                content = upload.read()
                plan = hr_import.plan_import(kind, upload.name, content, actor=request.user)
            except hr_import.FileProblem as problem:
                form.add_error("file", str(problem))
            else:
                context |= {"plan": plan, "file_name": upload.name}
                if plan.ok:
                    context["confirm"] = HRConfirmForm(
                        prefix=CONFIRM,
                        initial={
                            "kind": kind,
                            "name": upload.name,
                            "content": base64.b64encode(content).decode("ascii"),
                        },
                    )
        if form.errors or ("plan" in context and not context["plan"].ok):
            status = 422
    return render(request, "people/hr_import.html", context, status=status)


def _column_help() -> dict[str, list[str]]:
    return {
        "units": [words[0] for words in hr_import.UNIT_COLUMNS.values()],
        "staff": [words[0] for words in hr_import.STAFF_COLUMNS.values()],
    }
