"""Reads of the audit app for other pages."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from brobygger.lib.export import plain

from .models import AccessLogEntry, AuditCheck, AuditEvent


def last_change() -> tuple[int, str]:
    """The newest audit event's number and MAC: it changes with every recorded change
    (each service writes one in the transaction of its change), so what is computed from
    the data may be kept under it. (0, "") before any change."""
    head = AuditEvent.objects.order_by("-seq").values_list("seq", "mac").first()
    return (int(head[0]), str(head[1])) if head else (0, "")


def latest_check() -> AuditCheck | None:
    """The newest `verify_audit` run, for the administrator's home page."""
    return AuditCheck.objects.order_by("-at", "-pk").first()


def access_report_rows(
    person_id: int, *, merged_ids: list[int] | None = None
) -> list[dict[str, Any]]:
    """Who looked at the person, when, how and why: the access-log report of a person's
    copy of their data (GDPR art. 15; DOMAIN.md §7), oldest first. A list that showed the
    person among others counts, without the others."""
    entries = (
        AccessLogEntry.objects.naming(person_id, merged=merged_ids or None)
        .select_related("user")
        .order_by("seq")
    )
    return [
        {
            "at": plain(timezone.localtime(entry.at)),
            "user": entry.user.display_name if entry.user else "",
            "role": entry.user.role_label if entry.user else "",
            "action": entry.action,
            "action_text": str(entry.get_action_display()),
            "purpose": entry.purpose,
            "purpose_text": entry.purpose_label,
            "in_a_list": bool(entry.person_ids),
        }
        for entry in entries
    ]


def audit_rows(person_id: int) -> list[dict[str, Any]]:
    """The changes recorded about the person: what kind, when, by whom (field names and
    names only)."""
    events = AuditEvent.objects.filter(person_id=person_id).select_related("actor").order_by("seq")
    return [
        {
            "at": plain(timezone.localtime(event.at)),
            "actor": event.actor.display_name if event.actor else "",
            "verb": event.verb,
            "object_type": event.object_type,
            # Only the names of changed fields: other keys may hold other persons' ids.
            "fields": plain(event.data.get("fields", [])),
        }
        for event in events
    ]
