"""Reads for the recruitment pages and for other apps (hours, calendars): constant query counts."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.db.models import Case, Count, Min, Prefetch, Q, QuerySet, When
from django.utils import timezone

from brobygger.accounts.models import Role, User
from brobygger.lib.dates import day_start

from .models import (
    ACTIVE_INTERVIEW,
    PANEL_ROLES,
    Application,
    CriterionNote,
    Interview,
    InterviewNote,
    InterviewSeat,
    InterviewStatus,
    JobPosting,
    PostingCriterion,
)


def postings_for(user: Any) -> QuerySet[JobPosting]:
    return (
        JobPosting.objects.visible_to(user)
        .select_related("unit")
        .annotate(application_count=Count("applications"))
        .order_by("-created_at", "-pk")
    )


def open_postings() -> QuerySet[JobPosting]:
    return JobPosting.objects.open().select_related("unit").prefetch_related("criteria")


def application_rows(posting: JobPosting, *, status: str = "") -> QuerySet[Application]:
    """The list shows status and dates only: no free text about the applicant."""
    upcoming = Q(interviews__status__in=ACTIVE_INTERVIEW, interviews__ends_at__gt=timezone.now())
    applications = posting.applications.all()
    if status:
        applications = applications.filter(status=status)
    return (
        applications.only(
            "pk", "posting_id", "name", "status", "status_reason", "received_at", "cv_kind"
        )
        .annotate(
            upcoming_interviews=Count("interviews", filter=upcoming),
            next_interview=Min("interviews__starts_at", filter=upcoming),
        )
        .order_by("received_at", "pk")
    )


def interview_minutes(
    peer_user_ids: Iterable[int], start: datetime.date, end: datetime.date
) -> dict[int, int]:
    """Minutes each user spent on interview panels within the local days [start, end).

    Counts interviews marked held, and booked ones that have ended (nobody marked them);
    cancelled ones never. Clipped to the range. Users without interviews are absent
    from the result. One query whatever the number of users (for the timesheets).
    """
    ids = list(peer_user_ids)
    if not ids:
        return {}
    range_start, range_end = day_start(start), day_start(end)
    now = timezone.now()
    rows = (
        InterviewSeat.objects.filter(
            user_id__in=ids,
            starts_at__lt=range_end,
            ends_at__gt=range_start,
        )
        .filter(
            Q(interview__status=InterviewStatus.HELD)
            | Q(interview__status=InterviewStatus.BOOKED, ends_at__lte=now)
        )
        .values_list("user_id", "starts_at", "ends_at")
        .order_by()
    )
    minutes: dict[int, int] = defaultdict(int)
    for user_id, starts_at, ends_at in rows:
        span = min(ends_at, range_end) - max(starts_at, range_start)
        minutes[user_id] += int(span.total_seconds() // 60)
    return dict(minutes)


def interview_clash(
    user_ids: Iterable[int],
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    *,
    exclude_interview_id: int | None = None,
) -> InterviewSeat | None:
    """The first active interview seat of any of the users in [starts_at, ends_at).

    For booking guards: a panel member cannot be in two interviews at once, and other
    apps may ask whether a peer is on a panel at a given time.
    """
    return (
        InterviewSeat.objects.filter(
            user_id__in=list(user_ids), active=True, starts_at__lt=ends_at, ends_at__gt=starts_at
        )
        .exclude(interview_id=exclude_interview_id or 0)
        .select_related("user")
        .order_by("starts_at", "pk")
        .first()
    )


def peer_interview_clash(
    peer_id: int, starts_at: datetime.datetime, ends_at: datetime.datetime
) -> InterviewSeat | None:
    """The first interview the peer worker sits on a panel for in [starts_at, ends_at):
    the scheduling guard asks before it books a conversation."""
    return (
        InterviewSeat.objects.filter(
            user__peer_profile__id=peer_id,
            active=True,
            starts_at__lt=ends_at,
            ends_at__gt=starts_at,
        )
        .order_by("starts_at", "pk")
        .first()
    )


def panel_candidates(posting: JobPosting, actor: Any) -> QuerySet[User]:
    """Staff who may sit on the panel: active coordinators, peers and clinicians of the
    posting's unit (everyone's for a posting with no unit), and the booking coordinator."""
    users = User.objects.filter(is_active=True, role__in=PANEL_ROLES)
    if posting.unit_id is not None:
        members = User.objects.filter(units=posting.unit_id).values("pk")
        users = users.filter(Q(pk__in=members) | Q(pk=getattr(actor, "pk", None)))
    coordinators_first = Case(When(role=Role.COORDINATOR, then=0), default=1)
    return users.order_by(coordinators_first, "role", "first_name", "last_name", "pk")


def _seats() -> Prefetch:
    return Prefetch("seats", queryset=InterviewSeat.objects.select_related("user").order_by("pk"))


def _notes(author: Any | None) -> Prefetch:
    notes = InterviewNote.objects.select_related("author").prefetch_related(
        Prefetch("ratings", queryset=CriterionNote.objects.order_by("criterion__position", "pk"))
    )
    if author is not None:
        notes = notes.filter(author=author)
    return Prefetch("notes", queryset=notes.order_by("pk"))


def application_page(application: Application, user: Any, *, manages: bool) -> dict[str, Any]:
    """Interviews with their panels and notes, and the posting's criteria.

    The managing coordinator sees every panel member's note side by side; a panel
    member sees only their own (independent assessments). A fixed number of queries.
    """
    criteria = list(PostingCriterion.objects.filter(posting_id=application.posting_id))
    interviews = list(
        Interview.objects.filter(application=application)
        .prefetch_related(_seats(), _notes(None if manages else user))
        .order_by("starts_at", "pk")
    )
    for interview in interviews:
        interview.grid = _note_grid(interview, criteria)  # type: ignore[attr-defined]
        interview.on_panel = any(  # type: ignore[attr-defined]
            seat.user_id == getattr(user, "pk", None) for seat in interview.seats.all()
        )
    return {"criteria": criteria, "interviews": interviews}


def _note_grid(interview: Interview, criteria: list[PostingCriterion]) -> dict[str, Any]:
    """Rows per criterion, one column per panel member who wrote a note."""
    notes = list(interview.notes.all())
    by_note = {note.pk: {r.criterion_id: r for r in note.ratings.all()} for note in notes}
    rows = [
        {"criterion": c, "cells": [by_note[note.pk].get(c.pk) for note in notes]} for c in criteria
    ]
    return {"notes": notes, "rows": rows}


def my_interviews(user: Any) -> QuerySet[Interview]:
    """Interviews `user` sits on the panel for, newest first (no applicant free text)."""
    return (
        Interview.objects.filter(seats__user=user)
        .select_related("application__posting")
        .prefetch_related(_seats())
        .annotate(my_notes=Count("notes", filter=Q(notes__author=user)))
        .order_by("-starts_at", "-pk")
    )


def coordinator_interviews(user: Any) -> QuerySet[Interview]:
    """Upcoming interviews of the postings a coordinator manages."""
    if getattr(user, "role", None) != Role.COORDINATOR:
        return Interview.objects.none()
    return (
        Interview.objects.active()
        .filter(application__in=Application.objects.managed_by(user), ends_at__gt=timezone.now())
        .select_related("application__posting")
        .prefetch_related(_seats())
        .order_by("starts_at", "pk")
    )


def note_page(interview: Interview, user: Any) -> dict[str, Any]:
    """The criteria and `user`'s own note so far, as the note form's initial values."""
    criteria = list(PostingCriterion.objects.filter(posting_id=interview.application.posting_id))
    note = (
        InterviewNote.objects.filter(interview=interview, author=user)
        .prefetch_related("ratings")
        .first()
    )
    initial: dict[str, Any] = {}
    if note is not None:
        initial = {"recommendation": note.recommendation, "summary": note.summary}
        for rating in note.ratings.all():
            initial[f"rating_{rating.criterion_id}"] = rating.rating
            initial[f"text_{rating.criterion_id}"] = rating.text
    return {
        "criteria": criteria,
        "initial": initial,
        "started": interview.starts_at <= timezone.now(),
    }


def sits_on_a_panel(user: Any) -> bool:
    """Whether `user` has a booked or held interview to sit in (for navigation and home)."""
    return InterviewSeat.objects.filter(user=user, active=True).exists()
