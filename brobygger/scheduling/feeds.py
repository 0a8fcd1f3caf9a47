"""A peer's private calendar feed (iCalendar, RFC 5545) and the services that manage it.

Calendar apps fetch the feed without logging in, and the events end up on phones and
in cloud calendars outside the region's control. So an event says only that there is a
conversation, when, and a reference; who it is with, where and why stay behind the login
(Sundhedsloven § 40). The address is a long random token the peer can replace or revoke;
only its sha256 is stored, so the address is shown once, when it is made.
"""

from __future__ import annotations

import datetime
from typing import Any

import icalendar
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from brobygger.audit.services import record_event
from brobygger.lib.dates import local_datetime
from brobygger.people.models import PeerWorker

from .models import (
    Appointment,
    AppointmentStatus,
    AvailabilityException,
    CalendarFeed,
    hash_feed_token,
    new_feed_token,
)

UTC = datetime.UTC
# Far enough back to look up last month's conversations, far enough ahead for any plan.
DAYS_BACK, DAYS_AHEAD = 60, 365
PRODID = "-//Brobygger//Brobygger//DA"


def summary_word() -> str:
    """The one word an event shows, in the active language ("Samtale" in Danish)."""
    return pgettext("calendar event", "Conversation")


def _feed_language(peer: PeerWorker) -> str:
    language: str = peer.user.language or "da"
    return language


def _event(appointment: Appointment, *, base_url: str) -> icalendar.Event:
    event = icalendar.Event()
    # The appointment's own UUID, not its pk: stable across fetches and not guessable.
    event.add("uid", f"{appointment.uid}@brobygger")
    event.add("sequence", appointment.sequence)
    event.add("dtstart", appointment.starts_at.astimezone(UTC))
    event.add("dtend", appointment.ends_at.astimezone(UTC))
    # Without METHOD, DTSTAMP is when the event was last revised (RFC 5545 §3.8.7.2);
    # that also keeps the feed byte-identical between fetches when nothing changed.
    event.add("dtstamp", appointment.updated_at.astimezone(UTC))
    event.add("summary", summary_word())
    event.add(
        "description",
        _("Reference %(reference)s. Details require login.") % {"reference": appointment.reference},
    )
    event.add("url", f"{base_url}/kalender/samtale/{appointment.pk}/")
    cancelled = appointment.status == AppointmentStatus.CANCELLED
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    return event


def away_word() -> str:
    """What an absence shows: never which kind (sickness is the peer's health)."""
    return pgettext("calendar event", "Away")


def _absence_event(absence: AvailabilityException) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", f"{absence.uid}@brobygger")
    event.add("dtstamp", absence.created_at.astimezone(UTC))
    try:
        hours = (
            (
                local_datetime(absence.starts_on, absence.start_time),
                local_datetime(absence.ends_on, absence.end_time),
            )
            if absence.start_time is not None and absence.end_time is not None
            else None
        )
    except ValueError:  # hours inside the skipped summer-time hour: show the whole day
        hours = None
    if hours is not None:
        event.add("dtstart", hours[0].astimezone(UTC))
        event.add("dtend", hours[1].astimezone(UTC))
    else:
        # All-day (VALUE=DATE): DTEND is the day after the last day (RFC 5545 §3.6.1).
        event.add("dtstart", absence.starts_on)
        event.add("dtend", absence.ends_on + datetime.timedelta(days=1))
    event.add("summary", away_word())
    event.add("status", "CONFIRMED")
    return event


def feed_absences(
    peer: PeerWorker, *, now: datetime.datetime | None = None
) -> list[AvailabilityException]:
    today = timezone.localdate(now or timezone.now())
    first = today - datetime.timedelta(days=DAYS_BACK)
    last = today + datetime.timedelta(days=DAYS_AHEAD)
    return list(
        AvailabilityException.objects.filter(peer=peer)
        .away()
        .touching(first, last)
        .only("uid", "created_at", "starts_on", "ends_on", "start_time", "end_time")
        .order_by("starts_on", "pk")
    )


def feed_appointments(
    peer: PeerWorker, *, now: datetime.datetime | None = None
) -> list[Appointment]:
    now = now or timezone.now()
    return list(
        Appointment.objects.filter(
            peer=peer,
            starts_at__gte=now - datetime.timedelta(days=DAYS_BACK),
            starts_at__lt=now + datetime.timedelta(days=DAYS_AHEAD),
        )
        .only("uid", "sequence", "starts_at", "ends_at", "updated_at", "status")
        .order_by("starts_at", "pk")
    )


def build_calendar(
    peer: PeerWorker, *, base_url: str, now: datetime.datetime | None = None
) -> bytes:
    """The peer's conversations from 60 days back to 365 days ahead, cancelled ones too,
    and their time off (holiday, sickness, not available) in the same window.

    Cancelled events stay in the feed with STATUS:CANCELLED so that calendar apps
    remove or strike them; dropping them would leave the old event standing.
    """
    base_url = base_url.rstrip("/")
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Brobygger")
    # A hint to apps that honour it (Apple, Outlook): fetch hourly, not daily.
    calendar.add("x-published-ttl", "PT1H")
    with translation.override(_feed_language(peer)):
        for appointment in feed_appointments(peer, now=now):
            calendar.add_component(_event(appointment, base_url=base_url))
        # Time off as all-day events saying only "Away"; the note stays behind the login.
        for absence in feed_absences(peer, now=now):
            calendar.add_component(_absence_event(absence))
    ical: bytes = calendar.to_ical()
    return ical


# Longer than any token we make; anything longer is not looked up at all.
MAX_TOKEN_LENGTH = 100


def active_feed(peer: PeerWorker) -> CalendarFeed | None:
    return CalendarFeed.objects.filter(peer=peer, revoked_at__isnull=True).first()


def feed_for_token(token: str) -> CalendarFeed | None:
    """The working feed whose address has this token, or None (unknown or revoked)."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return (
        CalendarFeed.objects.select_related("peer__user")
        .filter(
            token_hash=hash_feed_token(token),
            revoked_at__isnull=True,
            peer__user__is_active=True,
        )
        .first()
    )


def _revoke(*, actor: Any, feed: CalendarFeed) -> None:
    feed.revoked_at = timezone.now()
    feed.save(update_fields=["revoked_at"])
    # Never the token in the audit trail: whoever reads the trail could subscribe.
    record_event(actor=actor, verb="calendar_feed.revoked", obj=feed)


def create_feed(*, actor: Any, peer: PeerWorker) -> tuple[CalendarFeed, str]:
    """A new private address for `peer`; the old one, if any, stops working at once.

    Returns the feed and its token: the token is kept nowhere, so the caller shows the
    address once.
    """
    token = new_feed_token()
    with transaction.atomic():
        # Lock the peer so that two clicks cannot both pass the revoke step and then
        # collide on the one-active-feed constraint.
        PeerWorker.objects.select_for_update().get(pk=peer.pk)
        for old in CalendarFeed.objects.select_for_update().filter(
            peer=peer, revoked_at__isnull=True
        ):
            _revoke(actor=actor, feed=old)
        feed = CalendarFeed.objects.create(peer=peer, token_hash=hash_feed_token(token))
        record_event(actor=actor, verb="calendar_feed.created", obj=feed)
    return feed, token


def revoke_feed(*, actor: Any, feed: CalendarFeed) -> CalendarFeed:
    with transaction.atomic():
        feed = CalendarFeed.objects.select_for_update().get(pk=feed.pk)
        if feed.revoked_at is None:
            _revoke(actor=actor, feed=feed)
    return feed
