"""Services for interviews: booking a panel through the scheduling guard, cancelling,
marking held, and each panel member's notes against the posting's criteria.

Every change writes its audit event (codes and ids only, never free text about the
applicant). No double booking: one panel member cannot sit in two interviews at once
(an exclusion constraint on PostgreSQL, migration 0003; on SQLite the immediate write
transaction serialises bookings and the check below decides), and a panel member who
is a peer worker cannot be booked over their conversations or group sessions.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.accounts.models import Role
from brobygger.agenda import services as agenda
from brobygger.agenda.models import Kind, Source
from brobygger.audit.services import record_event
from brobygger.lib.when import format_when
from brobygger.people.models import PeerWorker
from brobygger.people.signals import announce_day_change
from brobygger.scheduling.models import Appointment, Mode
from brobygger.scheduling.services import check_availability

from . import selectors, services
from .models import (
    PANEL_ROLES,
    Application,
    ApplicationStatus,
    CriterionNote,
    Interview,
    InterviewNote,
    InterviewSeat,
    InterviewStatus,
    PostingCriterion,
    Rating,
    Recommendation,
)

S = ApplicationStatus
MIN_MINUTES, MAX_MINUTES = 15, 240
MAX_PANEL = 6
NO_OVERLAP_CONSTRAINT = "interviewseat_user_no_overlap"
# From these statuses booking an interview moves the application on to "interview".
BOOKABLE = (S.RECEIVED, S.SHORTLISTED, S.INTERVIEW)


def _when(moment: datetime.datetime) -> dict[str, str]:
    local = timezone.localtime(moment)
    return {"day": format_when(local, "short"), "time": format_when(local, "time")}


def _clash_text(name: str, kind: str, starts_at: datetime.datetime, end: datetime.datetime) -> str:
    values = {
        "name": name,
        "day": _when(starts_at)["day"],
        "start": _when(starts_at)["time"],
        "end": _when(end)["time"],
    }
    if kind == "interview":
        text = _("%(name)s is on another interview panel from %(start)s to %(end)s on %(day)s.")
    elif kind == "appointment":
        text = _("%(name)s has a conversation from %(start)s to %(end)s on %(day)s.")
    else:
        text = _("%(name)s runs a recovery group session from %(start)s to %(end)s on %(day)s.")
    return text % values


def panel_clash(
    users: list[Any],
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    *,
    exclude_interview_id: int | None = None,
) -> str | None:
    """Why the panel cannot meet in [starts_at, ends_at), in words naming the clash time."""
    names = {u.pk: u.display_name for u in users}
    seat = selectors.interview_clash(
        names, starts_at, ends_at, exclude_interview_id=exclude_interview_id
    )
    if seat is not None:
        return _clash_text(names[seat.user_id], "interview", seat.starts_at, seat.ends_at)
    peers = dict(PeerWorker.objects.filter(user__in=list(names)).values_list("pk", "user_id"))
    if not peers:
        return None
    from brobygger.groups.selectors import facilitator_conflict

    clash = facilitator_conflict(list(peers), starts_at, ends_at)
    if clash is None:
        return None
    if isinstance(clash, Appointment):
        name = names[peers[clash.peer_id]]
        return _clash_text(name, "appointment", clash.starts_at, clash.ends_at)
    busy = set(clash.facilitators.values_list("pk", flat=True)) & set(peers)
    name = ", ".join(sorted(names[peers[pk]] for pk in busy))
    return _clash_text(name, "group", clash.starts_at, clash.ends_at)


def _check_panel(panel: Iterable[Any]) -> list[Any]:
    users = list({u.pk: u for u in panel}.values())
    if not users:
        raise ValidationError({"panel": _("Choose who sits on the panel.")})
    if len(users) > MAX_PANEL:
        raise ValidationError({"panel": _("A panel has at most %(n)s members.") % {"n": MAX_PANEL}})
    if any(not u.is_active or u.role not in PANEL_ROLES for u in users):
        raise ValidationError({"panel": _("Only active staff can sit on the panel.")})
    if not any(u.role == Role.COORDINATOR for u in users):
        raise ValidationError({"panel": _("A coordinator must sit on the panel.")})
    return users


def _check_times(
    starts_at: datetime.datetime, minutes: int, *, allow_past: bool
) -> datetime.datetime:
    if not MIN_MINUTES <= minutes <= MAX_MINUTES:
        raise ValidationError({"minutes": _("An interview lasts between 15 minutes and 4 hours.")})
    if not allow_past and starts_at < timezone.now() - datetime.timedelta(minutes=5):
        raise ValidationError({"date": _("Choose a time that has not passed.")})
    return starts_at + datetime.timedelta(minutes=minutes)


def _check_months_open(
    user_ids: Iterable[int], start: datetime.datetime, end: datetime.datetime
) -> None:
    """Panel time counts in a peer's timesheet (clipped to each month), and an approved
    month is locked (issue 17 item 4); the timesheets app, above this one, words the
    refusal (people/signals.py)."""
    days = {timezone.localdate(start), timezone.localdate(end - datetime.timedelta(seconds=1))}
    peers = PeerWorker.objects.filter(user_id__in=list(user_ids)).values_list("pk", flat=True)
    for peer_id in sorted(peers):
        for day in sorted(days):
            announce_day_change(peer_id=peer_id, day=day)


def _occupy_panel(interview: Interview, users: list[Any]) -> None:
    """The panel is busy then in the one agenda (agenda.services); a member who is a peer
    worker is busy as the peer, so conversations, groups and supervision see it. No word
    about the applicant goes into the agenda."""
    parties = agenda.staff_parties(u.pk for u in users)
    agenda.occupy(
        [
            agenda.Slot(
                parties[u.pk],
                interview.starts_at,
                interview.ends_at,
                Kind.INTERVIEW,
                Source.INTERVIEW,
                interview.pk,
            )
            for u in users
        ],
        names={parties[u.pk]: u.display_name for u in users},
    )


def _seat_panel(interview: Interview, users: list[Any]) -> None:
    try:
        with transaction.atomic():
            _occupy_panel(interview, users)
            InterviewSeat.objects.bulk_create(
                InterviewSeat(
                    interview=interview,
                    user=user,
                    starts_at=interview.starts_at,
                    ends_at=interview.ends_at,
                )
                for user in users
            )
    except IntegrityError as error:
        if NO_OVERLAP_CONSTRAINT in str(error):
            raise ValidationError(
                _("Someone else booked one of the panel a moment ago. Choose another time."),
                code="double_booked",
            ) from error
        raise


def book_interview(
    *,
    actor: Any,
    application: Application,
    starts_at: datetime.datetime,
    minutes: int,
    mode: str,
    place: str = "",
    panel: Iterable[Any],
    allow_past: bool = False,
    override_reason: str = "",
) -> Interview:
    """Book an interview with a panel; moves the application on to "interview".

    A peer worker on the panel is put in the agenda as for any booking: not away, not a
    public holiday, within their hours, unless `override_reason` says why
    (scheduling.services.check_availability); an interview registered after the fact too.
    """
    if mode not in Mode.values:
        raise ValidationError({"mode": _("Choose how the interview takes place.")})
    if mode == Mode.IN_PERSON and not place.strip():
        raise ValidationError({"place": _("Write where the interview takes place.")})
    ends_at = _check_times(starts_at, minutes, allow_past=allow_past)
    users = _check_panel(panel)
    with transaction.atomic():
        current = Application.objects.select_for_update().get(pk=application.pk)
        if current.status not in BOOKABLE:
            raise ValidationError(
                _("An interview can only be booked for an application that is still open."),
                code="status",
            )
        reason = panel_clash(users, starts_at, ends_at)
        if reason:
            raise ValidationError(reason, code="double_booked")
        _check_months_open((u.pk for u in users), starts_at, ends_at)
        panel_peers = list(
            PeerWorker.objects.filter(user__in=[u.pk for u in users])
            .select_related("user")
            .order_by("pk")
        )
        override = check_availability(
            peers=panel_peers,
            starts_at=starts_at,
            ends_at=ends_at,
            override_reason=override_reason,
        )
        interview = Interview.objects.create(
            application=current,
            starts_at=starts_at,
            ends_at=ends_at,
            mode=mode,
            place=place.strip()[:200],
            booked_by=actor if getattr(actor, "is_authenticated", False) else None,
            override_reason=override.get("override_reason", ""),
        )
        _seat_panel(interview, users)
        for to in (S.SHORTLISTED, S.INTERVIEW):
            if to in services.TRANSITIONS[current.status]:
                services.transition_application(actor=actor, application=current, to=to)
        record_event(
            actor=actor,
            verb="recruitment.interview_booked",
            obj=interview,
            data={
                "application": current.pk,
                "minutes": minutes,
                "mode": mode,
                "panel": sorted(u.pk for u in users),
                **override,
            },
        )
    application.status = current.status
    application.status_changed_at = current.status_changed_at
    return interview


def cancel_interview(*, actor: Any, interview: Interview) -> Interview:
    if interview.status != InterviewStatus.BOOKED:
        raise ValidationError(_("Only a booked interview can be cancelled."), code="status")
    with transaction.atomic():
        if interview.ends_at <= timezone.now():
            # A booked interview that has ended counts already; cancelling takes it out.
            seats = interview.seats.values_list("user_id", flat=True)
            _check_months_open(seats, interview.starts_at, interview.ends_at)
        interview.status = InterviewStatus.CANCELLED
        interview.save(update_fields=["status", "updated_at"])
        interview.seats.update(active=False)
        agenda.release(Source.INTERVIEW, [interview.pk])
        record_event(
            actor=actor,
            verb="recruitment.interview_cancelled",
            obj=interview,
            data={"application": interview.application_id},
        )
    return interview


def mark_interview_held(*, actor: Any, interview: Interview) -> Interview:
    if interview.status != InterviewStatus.BOOKED:
        raise ValidationError(_("Only a booked interview can be marked as held."), code="status")
    if interview.starts_at > timezone.now():
        raise ValidationError(
            _("The interview can be marked as held once it has begun."), code="not_started"
        )
    with transaction.atomic():
        interview.status = InterviewStatus.HELD
        interview.save(update_fields=["status", "updated_at"])
        record_event(
            actor=actor,
            verb="recruitment.interview_held",
            obj=interview,
            data={"application": interview.application_id},
        )
    return interview


def save_interview_note(
    *,
    actor: Any,
    interview: Interview,
    ratings: dict[int, tuple[str, str]],
    recommendation: str,
    summary: str,
) -> InterviewNote:
    """The panel member's own note: a rating and comment per criterion, and overall."""
    if not interview.seats.filter(user=actor).exists():
        raise ValidationError(_("Only the panel writes notes on an interview."), code="panel")
    if interview.status == InterviewStatus.CANCELLED:
        raise ValidationError(_("The interview was cancelled."), code="status")
    if interview.starts_at > timezone.now():
        raise ValidationError(
            _("Notes can be written once the interview has begun."), code="not_started"
        )
    if recommendation and recommendation not in Recommendation.values:
        raise ValidationError({"recommendation": _("Choose a recommendation.")})
    criteria = {
        c.pk: c
        for c in PostingCriterion.objects.filter(posting_id=interview.application.posting_id)
    }
    for criterion_id, (rating, text) in ratings.items():
        if criterion_id not in criteria:
            raise ValueError(f"Criterion {criterion_id} is not the posting's")
        if rating and rating not in Rating.values:
            raise ValidationError(_("Choose a rating from the list."))
        if len(text) > 500:
            raise ValidationError(_("Keep each comment under 500 characters."))
    with transaction.atomic():
        note, _created = InterviewNote.objects.update_or_create(
            interview=interview,
            author=actor,
            defaults={"recommendation": recommendation, "summary": summary.strip()[:2000]},
        )
        existing = {r.criterion_id: r for r in note.ratings.all()}
        for criterion_id, (rating, text) in ratings.items():
            row = existing.get(criterion_id)
            if row is None:
                if rating or text.strip():
                    CriterionNote.objects.create(
                        note=note, criterion_id=criterion_id, rating=rating, text=text.strip()
                    )
            elif (row.rating, row.text) != (rating, text.strip()):
                row.rating, row.text = rating, text.strip()
                row.save(update_fields=["rating", "text"])
        record_event(
            actor=actor,
            verb="recruitment.interview_note_saved",
            obj=interview,
            data={
                "application": interview.application_id,
                "rated": sum(1 for rating, _text in ratings.values() if rating),
                "recommendation": recommendation or None,
            },
        )
    return note


def refuse_conversation_on_panel(
    *,
    peer_id: int,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    **_kwargs: Any,
) -> None:
    """The `scheduling.signals.conversation_booking` receiver: a conversation may not
    overlap an interview panel the peer sits on."""
    seat = selectors.peer_interview_clash(peer_id, starts_at, ends_at)
    if seat is not None:
        raise ValidationError(
            _("The peer sits on a job interview panel from %(start)s to %(end)s.")
            % {
                "start": format_when(seat.starts_at, "time"),
                "end": format_when(seat.ends_at, "time"),
            },
            code="double_booked",
        )
