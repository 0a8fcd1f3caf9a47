"""The weekly report of unusual access, per user: persons opened by breaking the glass
and looks outside working hours. Counts only: no person is named."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import holidays
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, Q
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncDate
from django.utils import timezone

from brobygger.audit.models import AccessLogEntry, Purpose
from brobygger.lib.dates import TZ, week_bounds, week_start

from .models import GlassAccess


@dataclass
class UserWeek:
    user: Any
    looks: int = 0
    off_hours: int = 0
    glass_persons: int = 0
    grants: int = 0
    flags: list[str] = field(default_factory=list)

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


@dataclass
class WeekReport:
    monday: datetime.date
    rows: list[UserWeek]
    holidays: list[datetime.date]

    @property
    def sunday(self) -> datetime.date:
        return self.monday + datetime.timedelta(days=6)

    @property
    def flagged(self) -> list[UserWeek]:
        return [row for row in self.rows if row.flagged]


def last_week(today: datetime.date | None = None) -> datetime.date:
    """The Monday of the last complete week."""
    today = today or timezone.localdate()
    return week_start(today) - datetime.timedelta(days=7)


def unusual_access(monday: datetime.date) -> WeekReport:
    """Per user with any access-log entry in the week starting `monday`: every entry (each
    is a use of personal data), those outside working hours (before WORKDAY_START_HOUR,
    from WORKDAY_END_HOUR, weekends and Danish public holidays, local time), the distinct
    persons looked at through a break-the-glass grant, and the grants. A user past
    UNUSUAL_GLASS_PERSONS or UNUSUAL_OFF_HOURS_LOOKS is flagged. Three queries."""
    monday = week_start(monday)
    start, end = week_bounds(monday)
    days = [monday + datetime.timedelta(days=n) for n in range(7)]
    closed = holidays.Denmark(years=sorted({d.year for d in days}))
    holiday_days = [d for d in days if d in closed and d.weekday() < 5]
    off = (
        Q(local_hour__lt=settings.WORKDAY_START_HOUR)
        | Q(local_hour__gte=settings.WORKDAY_END_HOUR)
        | Q(local_weekday__gte=6)
    )
    if holiday_days:
        off |= Q(local_day__in=holiday_days)
    counts = (
        AccessLogEntry.objects.filter(at__gte=start, at__lt=end, user__isnull=False)
        .annotate(
            local_hour=ExtractHour("at", tzinfo=TZ),
            local_weekday=ExtractIsoWeekDay("at", tzinfo=TZ),
            local_day=TruncDate("at", tzinfo=TZ),
        )
        .values("user_id")
        .annotate(
            looks=Count("seq"),
            off_hours=Count("seq", filter=off),
            glass_persons=Count("person_id", filter=Q(purpose=Purpose.BREAK_GLASS), distinct=True),
        )
        .order_by()
    )
    grants = dict(
        GlassAccess.objects.filter(granted_at__gte=start, granted_at__lt=end)
        .values("user_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("user_id", "n")
    )
    by_user = {row["user_id"]: row for row in counts}
    users = get_user_model().objects.filter(pk__in=set(by_user) | set(grants))
    rows = []
    for user in users:
        row = by_user.get(user.pk, {})
        week = UserWeek(
            user=user,
            looks=row.get("looks", 0),
            off_hours=row.get("off_hours", 0),
            glass_persons=row.get("glass_persons", 0),
            grants=grants.get(user.pk, 0),
        )
        if week.glass_persons >= settings.UNUSUAL_GLASS_PERSONS:
            week.flags.append("glass")
        if week.off_hours >= settings.UNUSUAL_OFF_HOURS_LOOKS:
            week.flags.append("off_hours")
        rows.append(week)
    rows.sort(key=lambda r: (not r.flagged, -r.glass_persons, -r.off_hours, r.user.pk))
    return WeekReport(monday=monday, rows=rows, holidays=holiday_days)


def export_person(person: Any) -> dict[str, list[dict[str, Any]]]:
    """The person's copy (GDPR art. 15): every break-the-glass grant on them, reviews
    included: who opened their data outside a purpose, why, and what the review found."""
    from brobygger.lib.export import rows

    grants = GlassAccess.objects.filter(person=person).select_related(
        "user", "reviewed_by", "person"
    )
    return {"breakglass.GlassAccess": rows(grants)}
