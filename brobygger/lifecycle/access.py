"""What a lifecycle step would end, for its confirm page: the very functions the step
applies (lifecycle.ending), so the page and the outcome agree. Each logs the look at
the persons it names."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from brobygger.accounts import policy
from brobygger.audit.looks import shown
from brobygger.audit.models import Purpose
from brobygger.people import access as people_access
from brobygger.people.models import Consent, Person
from brobygger.referrals import access as referral_access
from brobygger.referrals.models import Course, EndReason

from . import ending, stopping


def consent_ending_for(user: Any, consent: Consent) -> ending.Ending:
    """What withdrawing `consent` would end, for its confirm page (the very function the
    withdrawal applies: lifecycle.ending). Call after `get_consent_for`."""
    preview = ending.for_consent(consent)
    shown(
        user=user,
        purpose=Purpose.COORDINATION,
        person_ids=sorted(preview.person_ids),
        obj=consent,
    )
    return preview


def course_ending_for(
    user: Any,
    course: Course,
    *,
    ended_on: datetime.date | None = None,
    reason: str = EndReason.COMPLETED,
) -> ending.Ending:
    """What ending `course` on `ended_on` (today if not given) for `reason` would end, for
    the course page's end form: the very function `services.end_course` applies, with the
    date and reason the coordinator chose. Only for those who may end it
    (`can_edit_course`)."""
    if not referral_access.can_edit_course(user, course) or course.ended_on is not None:
        return ending.Ending()
    day = ended_on or timezone.localdate()
    preview = ending.for_course(course, ended_on=day, reason=reason)
    shown(
        user=user,
        purpose=policy.purpose_for(user),
        person_ids=sorted(preview.person_ids),
        obj=course,
    )
    return preview


def stop_page_for(user: Any, person_pk: int, kind: str) -> tuple[Person, ending.Ending]:
    """The person and what recording a death, a move or a restriction would end, for the
    confirm page (the very function `stopping.record_stop` applies). 404 for a person
    `user` may not see; one logged look."""
    person = people_access.get_person_for(user, person_pk, purpose=Purpose.COORDINATION)
    return person, stopping.preview(person, kind)
