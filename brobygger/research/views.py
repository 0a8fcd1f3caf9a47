"""The evaluator's research exports: make one, see one, download it within 24 hours."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from brobygger.accounts.access import role_required
from brobygger.accounts.models import Role
from brobygger.lib.forms import apply_validation_error
from brobygger.lib.paging import page_of

from . import access, selectors, services
from .forms import ExportForm
from .models import ResearchExport
from .tables import anonymity_rows

# Raw download tokens, only in the creator's own session (gone at logout or after at
# most SESSION_ABSOLUTE_SECONDS); the database keeps their hashes.
TOKENS_SESSION_KEY = "brobygger_research_tokens"
KEEP_TOKENS = 20
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _tokens(request: HttpRequest) -> dict[str, str]:
    tokens = request.session.get(TOKENS_SESSION_KEY, {})
    return tokens if isinstance(tokens, dict) else {}


def _initial(today: datetime.date) -> dict[str, Any]:
    return {"first_year": str(today.year - 1), "last_year": str(today.year)}


@role_required(Role.EVALUATOR)
@require_http_methods(["GET", "POST"])
def export_list(request: HttpRequest) -> HttpResponse:
    """The form for a new export, and the evaluator's own exports."""
    instruments = selectors.instruments()
    today = timezone.localdate()
    form = ExportForm(
        request.POST or None, initial=_initial(today), instruments=instruments, today=today
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            export, token = services.create_export(
                actor=request.user,
                purpose=data["purpose"],
                started_from=data["started_from"],
                started_to=data["started_to"],
                support_models=data["support_models"],
                instrument=data["instrument"],
            )
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            tokens = _tokens(request)
            tokens[str(export.pk)] = token
            request.session[TOKENS_SESSION_KEY] = dict(list(tokens.items())[-KEEP_TOKENS:])
            messages.success(request, _("The export is ready. Download it within 24 hours."))
            return redirect("research:export_detail", pk=export.pk)
    context = {
        "form": form,
        "exports": page_of(selectors.exports_of(request.user), request.GET.get("page")),
        "now": timezone.now(),
        "k": settings.RESEARCH_EXPORT_K,
    }
    return render(request, "research/export_list.html", context, status=422 if form.errors else 200)


@role_required(Role.EVALUATOR)
@require_GET
def export_detail(request: HttpRequest, pk: int) -> HttpResponse:
    export = access.get_export_for(request.user, pk)
    now = timezone.now()
    expired = export.is_expired(now)
    if expired and export.has_files:
        # Due anyway (purge_research_exports): the page then tells the truth.
        services.delete_expired_files(actor=request.user, export=export, now=now)
    token = _tokens(request).get(str(export.pk), "")
    context = {
        "export": export,
        "expired": expired,
        "token": "" if expired else token,
        # The same words as in the file's "About the export".
        "anonymity": anonymity_rows(export.anonymity) if export.anonymity else [],
    }
    return render(request, "research/export_detail.html", context)


@role_required(Role.EVALUATOR)
@require_GET
@never_cache
def export_download(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    export = access.get_export_by_token(request.user, token)
    now = timezone.now()
    if export.is_expired(now) or not export.has_files:
        services.delete_expired_files(actor=request.user, export=export, now=now)
        return _expired(request, export)
    try:
        data = services.record_download(actor=request.user, export=export, fmt=fmt)
    except ValidationError:
        return _expired(request, export)
    stamp = timezone.localtime(export.created_at).strftime("%Y%m%d-%H%M")
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="forskning-{stamp}-{export.pk}.{fmt}"'
    return response


def _expired(request: HttpRequest, export: ResearchExport) -> HttpResponse:
    return render(request, "research/export_expired.html", {"export": export}, status=410)
