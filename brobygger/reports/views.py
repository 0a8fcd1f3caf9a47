"""The programme dashboard and the funder report (PDF, XLSX, CSV).

Only aggregates leave these views: no person's name, note or answers. The report files
hold suppressed counts, so they are not personal data and are not access-logged.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from brobygger.accounts.access import role_required
from brobygger.accounts.models import Role
from brobygger.lib import spreadsheet
from brobygger.lib.suppress_words import LEGEND_ITEMS
from brobygger.people.selectors import units_for

from . import access, funder
from . import dashboard as dashboard_module
from .forms import DashboardFilterForm, FunderReportForm, PeriodFilterForm
from .refresh import funder_pdf_for, funder_report_for
from .scope import Scope, build_scope

REPORT_ROLES = (Role.COORDINATOR, Role.EVALUATOR)


def _scope(request: HttpRequest, form: PeriodFilterForm) -> Scope:
    data = form.cleaned_data
    return build_scope(
        request.user,
        date_from=data["fra"],
        date_to=data["til"],
        today=form.today,
        models=form.support_models(),  # type: ignore[attr-defined]
        unit=data.get("enhed"),
        units=form.fields["enhed"].queryset,  # type: ignore[attr-defined]
    )


@role_required(*REPORT_ROLES)
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    # Evaluators see small numbers hidden, so one calendar year at a time; a coordinator
    # sees the exact figures of their own units and may choose any period.
    evaluator = getattr(request.user, "role", None) == Role.EVALUATOR
    form = DashboardFilterForm(
        request.GET, units=units_for(request.user), today=today, fixed_year=evaluator
    )
    context: dict[str, Any] = {"form": form, "legend_items": LEGEND_ITEMS}
    if not form.is_valid():
        return render(request, "reports/dashboard.html", context, status=400)
    scope = _scope(request, form)
    kept = access.dashboard_for(request.user, scope)
    published = kept.value
    context |= {
        "scope": scope,
        "p": published,
        "computed_at": kept.computed_at,
        "current": kept.current,
        "charts": dashboard_module.build_charts(published),
        **dashboard_module.build_view(published),
        "suppressed": evaluator,
        "readmission_definition": funder.readmission_definition(),
        "hours_definition": funder.hours_definition(),
        "report_query": _funder_query(request, scope),
    }
    return render(request, "reports/dashboard.html", context)


def _funder_query(request: HttpRequest, scope: Scope) -> str:
    """The dashboard's choices for the funder report, which covers a calendar year: the
    year the dashboard's period ends in (today, if that is earlier)."""
    query = QueryDict(mutable=True)
    query["aar"] = str(scope.until.year)
    for key in ("enhed", "model"):
        if request.GET.get(key):
            query[key] = request.GET[key]
    return query.urlencode()


def _funder_form(request: HttpRequest) -> FunderReportForm:
    return FunderReportForm(request.GET, units=units_for(request.user), today=timezone.localdate())


@role_required(*REPORT_ROLES)
@require_GET
def funder_report(request: HttpRequest) -> HttpResponse:
    """The choices for the funder report; the files come from the views below."""
    form = _funder_form(request)
    form.is_valid()  # shows what is wrong with the choices in the address, if anything
    return render(request, "reports/funder_form.html", {"form": form, "legend_items": LEGEND_ITEMS})


def _file_name(scope: Scope, extension: str) -> str:
    return f"brobygger-rapport-{scope.date_from:%Y%m%d}-{scope.date_to:%Y%m%d}.{extension}"


def _download(request: HttpRequest, extension: str) -> HttpResponse:
    form = _funder_form(request)
    if not form.is_valid():
        return render(
            request,
            "reports/funder_form.html",
            {"form": form, "legend_items": LEGEND_ITEMS},
            status=400,
        )
    scope = _scope(request, form)
    language = form.cleaned_data.get("sprog") or "da"
    with translation.override(language):
        # Kept between requests (reports/cache.py): a file asked for again while nothing
        # has changed is the same file, its time of making included.
        if extension == "pdf":
            body = funder_pdf_for(scope, language).value
            content_type = "application/pdf"
        else:
            sections = funder_report_for(scope, language).value.sections()
            if extension == "xlsx":
                body = spreadsheet.write_xlsx(sections, title=_("Funder report"))
                content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            else:
                body = spreadsheet.write_csv(sections)
                content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{_file_name(scope, extension)}"'
    response["Cache-Control"] = "no-store"
    return response


@role_required(*REPORT_ROLES)
@require_GET
def funder_pdf(request: HttpRequest) -> HttpResponse:
    return _download(request, "pdf")


@role_required(*REPORT_ROLES)
@require_GET
def funder_xlsx(request: HttpRequest) -> HttpResponse:
    return _download(request, "xlsx")


@role_required(*REPORT_ROLES)
@require_GET
def funder_csv(request: HttpRequest) -> HttpResponse:
    return _download(request, "csv")
