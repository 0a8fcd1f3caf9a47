"""Whether a person may be erased (GDPR art. 17), decided by rule from their records.

Health records are kept for their retention period (settings.RETENTION_MONTHS; peer notes
5 years after the last entry, DOMAIN.md §3), and erasure does not apply to them
(art. 17(3)(b) and (c): a task in the public interest and public health, with art.
9(2)(h)). A person with no health records may be erased: a self-referral that never
became a course, or a relative without records. The decision reads the same records the
person's copy holds (export.records_of), so the two cannot disagree.
"""

from __future__ import annotations

import calendar
import datetime
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from brobygger.lib.when import format_when

# Health records by retention kind, and the fields that date an entry in each.
HEALTH_RECORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "peer_notes": {
        "referrals.Course": ("started_on", "ended_on"),
        "scheduling.Appointment": ("starts_at",),
        "conversations.ConversationRecord": ("created_at", "updated_at"),
        "conversations.RecordVersion": ("written_at",),
        "conversations.CourseTopic": (),
        "admissions.Admission": (),
    },
    "questionnaires": {
        "outcomes.Administration": ("due_on", "completed_at"),
        "outcomes.Score": (),
        "outcomes.Answer": ("updated_at",),
    },
    "groups": {
        "groups.Enrolment": ("enrolled_at", "changed_at"),
        "groups.Attendance": ("recorded_at",),
    },
}

KIND_LABELS = {
    "peer_notes": gettext_lazy("Courses, conversations and peer notes"),
    "questionnaires": gettext_lazy("Questionnaires and scores"),
    "groups": gettext_lazy("Recovery groups"),
}


@dataclass
class Decision:
    allowed: bool
    codes: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    legal_basis: str = ""


def add_months(day: datetime.date, months: int) -> datetime.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _day(value: Any) -> datetime.date | None:
    if not value or not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value)
    except ValueError:
        return None
    if timezone.is_aware(moment):
        return timezone.localdate(moment)
    return moment.date()


def last_entry(rows: list[dict[str, Any]], fields: tuple[str, ...]) -> datetime.date | None:
    days = [day for row in rows for name in fields if (day := _day(row.get(name)))]
    return max(days) if days else None


def _period(months: int) -> str:
    if months % 12 == 0:
        years = months // 12
        return _("%(n)s year") % {"n": years} if years == 1 else _("%(n)s years") % {"n": years}
    return _("%(n)s months") % {"n": months}


def decide(records: dict[str, list[dict[str, Any]]], *, named_in_consents: int) -> Decision:
    """The rule: refused while any health record is within its retention period (or a
    course is still open), or while another person's consent names the person."""
    today = timezone.localdate()
    decision = Decision(allowed=True)
    health = False
    for kind, models in HEALTH_RECORDS.items():
        present = {label: records.get(label, []) for label in models}
        if not any(present.values()):
            continue
        health = True
        months = settings.RETENTION_MONTHS[kind]
        label = KIND_LABELS[kind]
        days = [d for lbl, rows in present.items() if (d := last_entry(rows, models[lbl]))]
        last = max(days) if days else today
        courses = records.get("referrals.Course", []) if kind == "peer_notes" else []
        if any(not row.get("ended_on") for row in courses):
            decision.codes.append("open_course")
            decision.reasons.append(
                _(
                    "%(kind)s: the course of support is still open. Its records are kept "
                    "while it runs and %(period)s after the last entry."
                )
                % {"kind": label, "period": _period(months)}
            )
            continue
        until = add_months(last, months)
        if until >= today:
            decision.codes.append(f"retention:{kind}")
            decision.reasons.append(
                _("%(kind)s: kept until %(until)s, %(period)s after the last entry (%(last)s).")
                % {
                    "kind": label,
                    "until": format_when(until, "date"),
                    "period": _period(months),
                    "last": format_when(last, "date"),
                }
            )
        else:
            decision.codes.append(f"retention_over:{kind}")
            decision.reasons.append(
                _(
                    "%(kind)s: the retention period ended on %(until)s. Records past their "
                    "period are deleted by the retention routine for all persons at once, "
                    "not by a single request; tell the system owner."
                )
                % {"kind": label, "until": format_when(until, "date")}
            )
    if health:
        decision.legal_basis = _(
            "The records document peer support given as part of the region's psychiatric "
            "services and are kept for the period set for them. The right to erasure does "
            "not apply while they are needed for a task in the public interest and for "
            "reasons of public health (GDPR art. 17(3)(b) and (c), with art. 9(2)(h) and "
            "the Health Act). The person may still see the records, have errors corrected "
            "and complain to the Danish Data Protection Agency."
        )
    if named_in_consents:
        decision.codes.append("named_in_consent")
        decision.reasons.append(
            _(
                "Another person's consent to share information names this person as its "
                "recipient. The consent belongs to that person's records and is kept."
            )
        )
    decision.allowed = not decision.codes
    return decision
