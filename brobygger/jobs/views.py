from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from brobygger.accounts.access import public, role_required
from brobygger.accounts.models import Role

from . import health as health_checks
from .selectors import job_states


@role_required(Role.ADMINISTRATOR)
@require_safe
def overview(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [
        {"state": s, "overdue": s.overdue(now), "red": not s.healthy(now)} for s in job_states()
    ]
    return render(
        request,
        "jobs/overview.html",
        {"rows": rows, "red_count": sum(r["red"] for r in rows)},
    )


@public
@require_safe
@never_cache
def health(request: HttpRequest) -> HttpResponse:
    """For monitoring: 200 when all is well, 503 when the database is down or a job is
    overdue or failed. No login; nothing personal in it (health.py)."""
    ok, body = health_checks.report()
    return JsonResponse(body, status=200 if ok else 503)
