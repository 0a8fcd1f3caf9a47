"""What an integration may read: the account it acts as, through the pages' policy. Logged.

Each function applies the scope of the integration's account (the querysets' visible_to,
accounts/policy.py) and writes the access log as the pages do: a list is a search naming
the persons it returns, one object a view. Scopes are checked in auth.py before.
"""

from __future__ import annotations

import datetime
from typing import Any

from brobygger.accounts import policy
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction
from brobygger.referrals.access import get_course_for, get_referral_for
from brobygger.referrals.models import Course, Referral
from brobygger.scheduling.access import get_appointment_for
from brobygger.scheduling.models import Appointment


def _listed(user: Any, rows: list[Any], criterion: str) -> list[Any]:
    shown(
        user=user,
        action=AccessAction.SEARCH,
        purpose=policy.purpose_for(user),
        criterion=f"api;{criterion}",
        person_ids=[row.person_id for row in rows],
    )
    return rows


def referrals_for(
    user: Any, *, status: str, since: datetime.datetime | None, limit: int, offset: int
) -> tuple[int, list[Referral]]:
    referrals = Referral.objects.visible_to(user).select_related("person")
    if status:
        referrals = referrals.filter(status=status)
    if since is not None:
        referrals = referrals.filter(status_changed_at__gte=since)
    count = referrals.count()
    rows = list(referrals.order_by("received_at", "pk")[offset : offset + limit])
    return count, _listed(user, rows, f"referrals;status={status};since={since}")


def referral_for(user: Any, pk: int) -> Referral:
    return get_referral_for(user, pk)


def courses_for(
    user: Any, *, active: bool | None, limit: int, offset: int
) -> tuple[int, list[Course]]:
    courses = Course.objects.visible_to(user).select_related("person", "peer__user")
    if active is True:
        courses = courses.filter(ended_on__isnull=True)
    elif active is False:
        courses = courses.filter(ended_on__isnull=False)
    count = courses.count()
    rows = list(courses.order_by("started_on", "pk")[offset : offset + limit])
    return count, _listed(user, rows, f"courses;active={active}")


def course_for(user: Any, pk: int) -> Course:
    return get_course_for(user, pk)


def appointments_for(
    user: Any,
    *,
    start: datetime.datetime | None,
    end: datetime.datetime | None,
    limit: int,
    offset: int,
) -> tuple[int, list[Appointment]]:
    appointments = Appointment.objects.visible_to(user)
    if start is not None:
        appointments = appointments.filter(ends_at__gt=start)
    if end is not None:
        appointments = appointments.filter(starts_at__lt=end)
    count = appointments.count()
    rows = list(appointments.order_by("starts_at", "pk")[offset : offset + limit])
    return count, _listed(user, rows, f"appointments;from={start};to={end}")


def appointment_for(user: Any, pk: int) -> Appointment:
    return get_appointment_for(user, pk)
