"""The person's copy in readable form: record types as sections, fields by their labels.

Built from the same plain data as the JSON (export.person_copy), so the two hold the
same records. Ids and codes give way to their texts; a secret is never in the data.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from brobygger.lib.when import format_when

# Headings for record types whose model has no translated plural name.
SECTION_TITLES = {
    "people.Person": gettext_lazy("Your registration"),
    "people.Consent": gettext_lazy("Consents"),
    "people.RelativeLink": gettext_lazy("Relatives"),
    "people.PersonCorrection": gettext_lazy("Corrections"),
    "people.MergedPerson": gettext_lazy("Records merged into yours"),
    "people.PersonAccessRequest": gettext_lazy("Staff requests for access to you"),
    "matching.MatchDecline": gettext_lazy("Peers who could not take your referral"),
    "scheduling.Appointment": gettext_lazy("Appointments"),
    "scheduling.Reminder": gettext_lazy("Reminders sent"),
    "conversations.ConversationRecord": gettext_lazy("Peer notes"),
    "conversations.RecordVersion": gettext_lazy("Earlier wordings of peer notes"),
    "conversations.CourseTopic": gettext_lazy("Discharge guide topics"),
    "outcomes.Answer": gettext_lazy("Answers to questionnaires"),
}

# Labels for fields without a translated name of their own.
FIELD_LABELS = {
    "recorded_by": gettext_lazy("Recorded by"),
    "referred_by": gettext_lazy("Referred by"),
    "written_by": gettext_lazy("Written by"),
    "withdrawn_by": gettext_lazy("Withdrawn by"),
    "changed_by": gettext_lazy("Changed by"),
    "created_by": gettext_lazy("Created by"),
    "declined_by": gettext_lazy("Declined by"),
    "requested_by": gettext_lazy("Requested by"),
    "answered_by": gettext_lazy("Answered by"),
    "merged_by": gettext_lazy("Merged by"),
    "unit": gettext_lazy("Unit"),
    "course": gettext_lazy("Course"),
    "peer": gettext_lazy("Peer worker"),
    "referral": gettext_lazy("Referral"),
    "appointment": gettext_lazy("Appointment"),
    "record": gettext_lazy("Peer note"),
    "topic": gettext_lazy("Topic"),
    "group": gettext_lazy("Group"),
    "session": gettext_lazy("Group session"),
    "administration": gettext_lazy("Questionnaire"),
    "item_key": gettext_lazy("Question"),
    "value": gettext_lazy("Answer"),
    "data": gettext_lazy("Content"),
    "version": gettext_lazy("Version"),
    "created_at": pgettext_lazy("record field", "Created"),
    "updated_at": gettext_lazy("Last changed"),
    "changed_at": pgettext_lazy("record field", "Changed"),
    "recorded_at": gettext_lazy("Recorded"),
    "written_at": gettext_lazy("Written"),
    "sent_at": gettext_lazy("Sent"),
    "declined_at": gettext_lazy("Declined"),
    "first_covered_on": gettext_lazy("First talked about"),
    "channel": gettext_lazy("Channel"),
    "recipient": gettext_lazy("Recipient"),
}

# Bookkeeping that says nothing to the person; the JSON keeps it.
HIDDEN_FIELDS = {"person", "uid", "sequence"}


def _value(value: Any) -> str:
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_value(v)}" for k, v in value.items())
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-" and value[7:8] == "-":
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return value
        if len(value) == 10:
            return format_when(moment.date(), "date")
        return format_when(moment, "datetime")  # an aware moment in local time
    return str(value)


def _label(model: Any, name: str) -> str:
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    try:
        label = str(model._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        label = name.replace("_", " ")
    return label[:1].upper() + label[1:]


def _record(model: Any, row: dict[str, Any]) -> list[tuple[str, str]]:
    pairs = []
    for name, value in row.items():
        if name == "id" or name.endswith(("_id", "_text")) or name in HIDDEN_FIELDS:
            continue
        shown = row.get(f"{name}_text", value)
        pairs.append((_label(model, name), _value(shown)))
    return pairs


def sections(copy: dict[str, Any]) -> list[dict[str, Any]]:
    """One section per record type that holds rows, in the order of the copy."""
    found = []
    for label, rows in copy["records"].items():
        if not rows:
            continue
        model = apps.get_model(label)
        found.append(
            {
                "title": capfirst(str(SECTION_TITLES.get(label, model._meta.verbose_name_plural))),
                "records": [_record(model, row) for row in rows],
            }
        )
    return found


def request_received(copy: dict[str, Any]) -> str:
    return _value(copy["request"]["received_on"])


def access_log(copy: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {
            "at": _value(row["at"]),
            "user": row["user"] or "—",
            "role": row["role"],
            "action": row["action_text"],
            "purpose": row["purpose_text"],
        }
        for row in copy["access_log"]
    ]
