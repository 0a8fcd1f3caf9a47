"""Issue 17 item 2: no cascade ever deletes a health record.

A health record is deleted only deliberately, never as a side effect of deleting
something else: every ForeignKey/OneToOne into a health-record model is PROTECT
(or SET_NULL where the pointer is optional), and a health record never dies with
its own parent either. An exception is named in ALLOWED with its reason.
"""

from django.apps import apps
from django.db import models

HEALTH_RECORDS = {
    "people.Person",
    "people.Consent",
    "people.RelativeLink",
    "people.PersonAccessRequest",
    "referrals.Referral",
    "referrals.Course",
    "scheduling.Appointment",
    "conversations.ConversationRecord",
    "conversations.RecordVersion",
    "conversations.CourseTopic",
    "outcomes.Administration",
    "outcomes.Answer",
    "outcomes.Score",
    "admissions.Admission",
    "groups.Enrolment",
    "groups.Attendance",
}

ALLOWED = {
    # A reminder is the send-state of one message about an appointment: no content of
    # its own, meaningless without the appointment, which itself is protected.
    "scheduling.Reminder.appointment": "part of the appointment, no health data",
    # A peer's "no" to a referral: matching bookkeeping, kept with the referral.
    "matching.MatchDecline.referral": "part of the referral's matching, no health data",
    # Django's own rows of many-to-many links: a tag or topic pointer, no content.
    "referrals.Referral_wanted_tags.referral": "link row of the referral's wanted tags",
    "conversations.ConversationRecord_topics.conversationrecord": "link row of the topics",
}


def cascades() -> list[str]:
    found = []
    for model in apps.get_models(include_auto_created=True):
        source = model._meta.label
        for field in model._meta.get_fields():
            if not (field.many_to_one or field.one_to_one) or not field.concrete:
                continue
            remote = field.remote_field
            assert remote is not None
            if remote.on_delete is not models.CASCADE:
                continue
            target = remote.model._meta.label
            if target in HEALTH_RECORDS or source in HEALTH_RECORDS:
                found.append(f"{source}.{field.name} -> {target}")
    return found


def test_no_cascade_deletes_a_health_record():
    offending = [name for name in cascades() if name.split(" -> ")[0] not in ALLOWED]
    assert offending == []


def test_every_allowed_cascade_still_exists():
    # A stale exception would hide a new cascade of the same name.
    present = {name.split(" -> ")[0] for name in cascades()}
    assert set(ALLOWED) <= present
