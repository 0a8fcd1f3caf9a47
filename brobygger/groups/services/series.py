"""Groups, their facilitators and sessions."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.accounts.models import Unit
from brobygger.agenda import services as agenda
from brobygger.agenda.models import Kind, peer_party, person_party
from brobygger.audit.services import record_event
from brobygger.lib.dates import elapsed_minutes, local_datetime
from brobygger.lib.when import format_when
from brobygger.people.models import PeerWorker
from brobygger.scheduling.models import Appointment
from brobygger.scheduling.services import check_availability, check_availability_at

from .. import selectors
from ..models import (
    MAX_CAPACITY,
    MAX_FACILITATORS,
    MIN_CAPACITY,
    Enrolment,
    GroupSession,
    GroupSessionQuerySet,
    RecoveryGroup,
)
from ._common import (
    GROUP_FIELDS,
    MAX_SESSION_MINUTES,
    MAX_WEEKS,
    MIN_SESSION_MINUTES,
    _check_months_open,
    _check_open,
    _day,
    _field_error,
    _hhmm,
    _release_sessions,
    _session_facilitator_pairs,
    _slots,
)
from .participants import _fill_places


def _check_facilitators(facilitators: Iterable[PeerWorker]) -> list[PeerWorker]:
    chosen = list({p.pk: p for p in facilitators}.values())
    if not 1 <= len(chosen) <= MAX_FACILITATORS:
        raise _field_error(
            "facilitators", _("Choose one or two peer workers to run the group."), "facilitators"
        )
    if any(not p.user.is_active for p in chosen):
        raise _field_error(
            "facilitators", _("A peer worker who has left cannot run a group."), "facilitators"
        )
    return chosen


def _check_group_fields(fields: Mapping[str, Any]) -> None:
    errors: dict[str, str] = {}
    if not str(fields.get("title") or "").strip():
        errors["title"] = _("Give the group a title.")
    if not str(fields.get("place") or "").strip():
        errors["place"] = _("Say where the group meets.")
    capacity = fields.get("capacity")
    if not isinstance(capacity, int) or not MIN_CAPACITY <= capacity <= MAX_CAPACITY:
        errors["capacity"] = _("A group has between %(low)s and %(high)s places.") % {
            "low": MIN_CAPACITY,
            "high": MAX_CAPACITY,
        }
    if errors:
        raise ValidationError(errors, code="invalid")


def create_group(
    *,
    actor: Any,
    title: str,
    place: str,
    capacity: int,
    facilitators: Iterable[PeerWorker],
    theme: str = "",
    unit: Unit | None = None,
) -> RecoveryGroup:
    """A new group series; patient peers, relative peers and parent peers may all run one."""
    fields = {"title": title, "theme": theme, "unit": unit, "place": place, "capacity": capacity}
    _check_group_fields(fields)
    chosen = _check_facilitators(facilitators)
    with transaction.atomic():
        group = RecoveryGroup(
            title=title.strip(),
            theme=theme.strip(),
            unit=unit,
            place=place.strip(),
            capacity=capacity,
        )
        group.full_clean()
        group.save()
        group.facilitators.set(chosen)
        record_event(
            actor=actor,
            verb="group.created",
            obj=group,
            data={"capacity": capacity, "facilitators": sorted(p.pk for p in chosen)},
        )
    return group


def update_group(
    *,
    actor: Any,
    group: RecoveryGroup,
    facilitators: Iterable[PeerWorker] | None = None,
    override_reason: str = "",
    **changes: Any,
) -> RecoveryGroup:
    """Change the group. More places let the first in line move up; fewer places than
    enrolled participants are refused.

    New facilitators take over the sessions that have not begun (they must be free
    then, and suit the times as for any booking: not away, not a public holiday, within
    their hours, unless `override_reason` says why; scheduling.services.check_availability);
    sessions that have begun or passed keep who ran them, so the hours in earlier months,
    approved ones included, stay where they are.
    """
    unknown = set(changes) - set(GROUP_FIELDS)
    if unknown:
        raise TypeError(f"Unknown group fields: {sorted(unknown)}")
    with transaction.atomic():
        group = RecoveryGroup.objects.select_for_update(no_key=True).get(pk=group.pk)
        _check_open(group)
        for name in ("title", "theme", "place"):
            if isinstance(changes.get(name), str):
                changes[name] = changes[name].strip()
        _check_group_fields(
            {name: changes.get(name, getattr(group, name)) for name in GROUP_FIELDS}
        )
        enrolled = Enrolment.objects.filter(group=group).enrolled().count()
        if "capacity" in changes and changes["capacity"] < enrolled:
            raise _field_error(
                "capacity",
                _(
                    "%(count)s participants are enrolled. Ask someone to leave before "
                    "you lower the number of places."
                )
                % {"count": enrolled},
                "capacity_below_enrolled",
            )
        changed = [name for name, value in changes.items() if getattr(group, name) != value]
        for name in changed:
            setattr(group, name, changes[name])
        if changed:
            group.full_clean()
            group.save(update_fields=changed)
        facilitators_changed = False
        data: dict[str, Any] = {}
        if facilitators is not None:
            chosen = _check_facilitators(facilitators)
            current = set(group.facilitators.values_list("pk", flat=True))
            added = [p for p in chosen if p.pk not in current]
            if added or len(chosen) != len(current):
                now = timezone.now()
                _check_new_facilitators_free(group, added, now)
                overridden, override = _check_new_facilitators_available(
                    group, added, now, override_reason
                )
                group.facilitators.set(chosen)
                data["sessions_handed_over"] = _hand_over_coming_sessions(
                    group, [p.pk for p in chosen], current ^ {p.pk for p in chosen}, now
                )
                if overridden:
                    GroupSession.objects.filter(pk__in=overridden).update(
                        override_reason=override["override_reason"], updated_at=now
                    )
                    data |= override | {"sessions_overridden": overridden}
                facilitators_changed = True
        if changed or facilitators_changed:
            record_event(
                actor=actor,
                verb="group.changed",
                obj=group,
                data={
                    "fields": sorted(changed),
                    "facilitators_changed": facilitators_changed,
                    **data,
                },
            )
        if "capacity" in changed:
            _fill_places(actor=actor, group=group)
    return group


def _coming_sessions(group: RecoveryGroup, now: datetime.datetime) -> GroupSessionQuerySet:
    """The sessions a change of facilitators hands over: not begun, not cancelled."""
    return GroupSession.objects.active().filter(group=group, starts_at__gt=now)


def _hand_over_coming_sessions(
    group: RecoveryGroup, peer_ids: list[int], moving: set[int], now: datetime.datetime
) -> int:
    """The group's new facilitators run its coming sessions. A constant number of queries
    however long the series; returns the number of sessions handed over."""
    coming = list(_coming_sessions(group, now).values_list("pk", "starts_at"))
    if not coming:
        return 0
    # A coming session lies in an approved month only late on the month's last day (a
    # month can be approved from then on); it would count there for the new peer.
    _check_months_open((peer_id, starts_at) for _pk, starts_at in coming for peer_id in moving)
    through = GroupSession.facilitators.through
    ids = [pk for pk, _starts_at in coming]
    through.objects.filter(groupsession_id__in=ids).delete()
    through.objects.bulk_create(
        [through(groupsession_id=pk, peerworker_id=peer_id) for pk in ids for peer_id in peer_ids]
    )
    # The one agenda: the old facilitators are free then, the new ones busy.
    _release_sessions(ids, kind=Kind.GROUP_FACILITATOR)
    sessions = GroupSession.objects.filter(pk__in=ids).select_related("group")
    agenda.occupy(_slots(sessions, peer_ids=peer_ids))
    return len(ids)


def close_group(*, actor: Any, group: RecoveryGroup) -> RecoveryGroup:
    """The series is over: no more sessions or sign-ups. Attendance and notes stay."""
    with transaction.atomic():
        group = RecoveryGroup.objects.select_for_update(no_key=True).get(pk=group.pk)
        _check_open(group)
        closed_at = timezone.now()
        # Sessions still to come will not take place: off the plan and out of the hours.
        coming = _coming_sessions(group, closed_at)
        _check_months_open(_session_facilitator_pairs(coming.values_list("pk", flat=True)))
        group.closed_at = closed_at
        group.save(update_fields=["closed_at"])
        _release_sessions(list(coming.values_list("pk", flat=True)))
        cancelled = coming.update(cancelled=True, updated_at=closed_at)
        record_event(
            actor=actor, verb="group.closed", obj=group, data={"sessions_cancelled": cancelled}
        )
    return group


def _facilitator_clash(
    peers: list[PeerWorker],
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    *,
    exclude_session: GroupSession | None = None,
) -> str | None:
    """Why one of `peers` is busy then (a conversation or another group session), or None."""
    names = {p.pk: p.name for p in peers}
    clash = selectors.facilitator_conflict(
        list(names),
        starts_at,
        ends_at,
        exclude_session_id=exclude_session.pk if exclude_session else None,
    )
    if clash is None:
        return None
    when = {
        "start": _hhmm(clash.starts_at),
        "end": _hhmm(clash.ends_at),
        "day": _day(clash.starts_at),
    }
    if isinstance(clash, Appointment):
        return _(
            "%(name)s has a conversation from %(start)s to %(end)s on %(day)s. "
            "Choose another time, or move the conversation first."
        ) % {"name": names[clash.peer_id], **when}
    busy = set(clash.facilitators.values_list("pk", flat=True)) & set(names)
    return _("%(name)s runs another group session from %(start)s to %(end)s on %(day)s.") % {
        "name": ", ".join(sorted(names[pk] for pk in busy)),
        **when,
    }


def _check_new_facilitators_available(
    group: RecoveryGroup, added: list[PeerWorker], now: datetime.datetime, override_reason: str
) -> tuple[list[int], dict[str, Any]]:
    """The peers put on the group take over its coming sessions: the one availability
    check at each of them (scheduling.services.check_availability_at)."""
    if not added:
        return [], {}
    coming = _coming_sessions(group, now).order_by("starts_at", "pk")
    return check_availability_at(
        peers=added,
        times=coming.values_list("pk", "starts_at", "ends_at"),
        override_reason=override_reason,
    )


def _lock_facilitators(group: RecoveryGroup) -> list[PeerWorker]:
    """Lock the facilitators' rows so two sessions for one peer are never added at once.

    PostgreSQL: row locks, in primary-key order so two writers cannot deadlock; only
    the peers' rows (`of=self`, not their accounts') and without the key (`no_key`), so
    the foreign-key checks of other paths (a conversation's peer, checked at commit; an
    interview seat's account) never wait on it: they would wait in a cycle with the
    agenda's exclusion constraint (agenda.services).
    SQLite: the immediate write transaction already serialises writers.
    """
    ids = list(group.facilitators.values_list("pk", flat=True))
    return list(
        PeerWorker.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk__in=ids)
        .select_related("user")
        .order_by("pk")
    )


def _check_new_facilitators_free(
    group: RecoveryGroup, added: list[PeerWorker], now: datetime.datetime
) -> None:
    """The peers put on the group must be free at the sessions they take over."""
    if not added:
        return
    locked = list(
        PeerWorker.objects.select_for_update(no_key=True, of=("self",))
        .filter(pk__in=[p.pk for p in added])
        .select_related("user")
        .order_by("pk")
    )
    for session in _coming_sessions(group, now):
        reason = _facilitator_clash(
            locked, session.starts_at, session.ends_at, exclude_session=session
        )
        if reason:
            raise _field_error("facilitators", reason, "facilitator_busy")


def _check_session_time(
    starts_at: datetime.datetime, ends_at: datetime.datetime, *, allow_past: bool
) -> None:
    minutes = elapsed_minutes(starts_at, ends_at)
    if not MIN_SESSION_MINUTES <= minutes <= MAX_SESSION_MINUTES:
        raise _field_error(
            "minutes", _("A group session lasts between 30 minutes and 4 hours."), "length"
        )
    if not allow_past and starts_at < timezone.now() - datetime.timedelta(minutes=5):
        raise _field_error("date", _("Choose a time that has not passed."), "past")


def add_session(
    *,
    actor: Any,
    group: RecoveryGroup,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    topic: str = "",
    allow_past: bool = False,
    override_reason: str = "",
) -> GroupSession:
    """One session. The facilitators must be free: no conversation, no other group; and
    within their hours, not away, not on a public holiday, unless `override_reason` says
    why (scheduling.services.check_availability). A session registered after the fact
    is checked the same way, as a past conversation is (scheduling.services.record_past):
    one on a day a facilitator was away is most likely a wrong date, and it counts in
    their hours.

    `allow_past` is for registering a session after the fact (and for demo data).
    """
    _check_session_time(starts_at, ends_at, allow_past=allow_past)
    with transaction.atomic():
        # The group's row lock waits for a change of facilitators, so a new session never
        # gets the peers a concurrent update_group has just taken off the group.
        group = RecoveryGroup.objects.select_for_update(no_key=True).get(pk=group.pk)
        _check_open(group)
        facilitators = _lock_facilitators(group)
        reason = _facilitator_clash(facilitators, starts_at, ends_at)
        if reason:
            raise ValidationError(reason, code="facilitator_busy")
        _check_months_open((p.pk, starts_at) for p in facilitators)
        override = check_availability(
            peers=facilitators,
            starts_at=starts_at,
            ends_at=ends_at,
            override_reason=override_reason,
        )
        session = GroupSession(
            group=group,
            starts_at=starts_at,
            ends_at=ends_at,
            topic=topic,
            override_reason=override.get("override_reason", ""),
        )
        session.full_clean(exclude=["group"])
        session.save()
        session.facilitators.add(*facilitators)
        _occupy_session(group, session, facilitators)
        record_event(
            actor=actor,
            verb="group.session_added",
            obj=session,
            data={"group": group.pk, "minutes": session.minutes, **override},
        )
    return session


def _occupy_session(
    group: RecoveryGroup, session: GroupSession, facilitators: list[PeerWorker]
) -> None:
    """The facilitators and the enrolled participants are busy then (agenda.services);
    the participants are named in a refusal, as the group page names them to whoever
    plans its sessions."""
    enrolled = list(
        Enrolment.objects.filter(group=group)
        .enrolled()
        .select_related("person")
        .order_by("person_id")
    )
    names = {peer_party(p.pk): p.name for p in facilitators}
    names |= {person_party(e.person_id): e.person.full_name for e in enrolled}
    agenda.occupy(
        _slots(
            [session],
            peer_ids=[p.pk for p in facilitators],
            person_ids=[e.person_id for e in enrolled],
        ),
        names=names,
    )


def add_weekly_sessions(
    *,
    actor: Any,
    group: RecoveryGroup,
    first_day: datetime.date,
    start_time: datetime.time,
    minutes: int,
    weeks: int,
    topic: str = "",
    allow_past: bool = False,
    override_reason: str = "",
) -> list[GroupSession]:
    """The same weekday and wall-clock time for `weeks` weeks (summer time included);
    all or nothing, so a clash in week 7 leaves no half-planned series behind."""
    if not 1 <= weeks <= MAX_WEEKS:
        raise _field_error(
            "weeks", _("Plan between 1 and %(max)s weeks at a time.") % {"max": MAX_WEEKS}, "weeks"
        )
    sessions = []
    with transaction.atomic():
        for week in range(weeks):
            day = first_day + datetime.timedelta(weeks=week)
            try:
                starts_at = local_datetime(day, start_time)
            except ValueError as error:
                message = _("That time does not exist on %(day)s (summer time starts).") % {
                    "day": format_when(day, "short")
                }
                raise _field_error("time", message, "no_such_time") from error
            ends_at = starts_at + datetime.timedelta(minutes=minutes)
            try:
                sessions.append(
                    add_session(
                        actor=actor,
                        group=group,
                        starts_at=starts_at,
                        ends_at=ends_at,
                        topic=topic,
                        allow_past=allow_past,
                        override_reason=override_reason,
                    )
                )
            except ValidationError as error:
                prefix = _("Week %(n)s (%(day)s):") % {"n": week + 1, "day": _day(starts_at)}
                if week == 0 or hasattr(error, "error_dict"):
                    raise
                raise ValidationError(
                    [
                        ValidationError(f"{prefix} {message}", code=item.code)
                        for item in error.error_list
                        for message in item.messages
                    ]
                ) from error
    return sessions


def update_session_topic(*, actor: Any, session: GroupSession, topic: str) -> GroupSession:
    topic = topic.strip()
    if len(topic) > 300:
        raise ValidationError({"topic": _("Keep the topic under 300 characters.")})
    with transaction.atomic():
        if session.topic == topic:
            return session
        session.topic = topic
        session.save(update_fields=["topic", "updated_at"])
        record_event(actor=actor, verb="group.session_topic_changed", obj=session)
    return session


def cancel_session(*, actor: Any, session: GroupSession) -> GroupSession:
    """A cancelled session frees the facilitators' time and no longer counts in hours."""
    if session.cancelled:
        raise ValidationError(_("The session is already cancelled."), code="cancelled")
    if session.attendance.exists():
        raise ValidationError(
            _("Attendance has been recorded for this session, so it took place."),
            code="held",
        )
    with transaction.atomic():
        _check_months_open(_session_facilitator_pairs([session.pk]))
        session.cancelled = True
        session.save(update_fields=["cancelled", "updated_at"])
        _release_sessions([session.pk])
        record_event(actor=actor, verb="group.session_cancelled", obj=session)
    return session


# -- participants -------------------------------------------------------------------


def refuse_conversation_in_session(
    *,
    peer_id: int,
    person_id: int,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    **_kwargs: Any,
) -> None:
    """The `scheduling.signals.conversation_booking` receiver: a conversation may not
    overlap a session of a group the person is in, nor one the peer runs."""
    if selectors.participant_session_clash(person_id, starts_at, ends_at) is not None:
        raise ValidationError(
            _("The person is in a recovery group session at that time."), code="double_booked"
        )
    session = selectors.group_session_clash(peer_id, starts_at, ends_at)
    if session is not None:
        raise ValidationError(
            _("The peer runs a recovery group from %(start)s to %(end)s.")
            % {
                "start": format_when(session.starts_at, "time"),
                "end": format_when(session.ends_at, "time"),
            },
            code="double_booked",
        )
