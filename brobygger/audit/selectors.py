"""Reads of the audit app for other pages."""

from __future__ import annotations

from .models import AuditCheck


def latest_check() -> AuditCheck | None:
    """The newest `verify_audit` run, for the administrator's home page."""
    return AuditCheck.objects.order_by("-at", "-pk").first()
