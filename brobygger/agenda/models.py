"""Who is busy when: one row per party per occupied interval, written by every path.

A person, a peer worker, or a staff user who is not a peer, is busy in exactly one
table. Conversations, group sessions (participants and facilitators), interview panels
and supervision sessions each write their rows here through `agenda.services` in their
own transaction. On PostgreSQL an exclusion constraint (migrations 0001 and 0004: the
party compared as an integer key) makes two overlapping rows for one party impossible;
on SQLite every write transaction is immediate (settings.py), so the service's check
inside it decides.

Education records have dates and hours but no times of day: they make nobody busy
(see docs/agenda.md).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

EXCLUSION_CONSTRAINT = "agenda_busy_no_overlap"


class Kind(models.TextChoices):
    CONVERSATION = "conversation", _("a conversation")
    GROUP_PARTICIPANT = "group_participant", _("a recovery group session")
    GROUP_FACILITATOR = "group_facilitator", _("a recovery group session they run")
    INTERVIEW = "interview", _("a job interview panel")
    SUPERVISION = "supervision", _("a supervision session")


class Source(models.TextChoices):
    """The row that makes the party busy, so moving or cancelling it moves or frees them."""

    APPOINTMENT = "appointment", "scheduling.Appointment"
    GROUP_SESSION = "group_session", "groups.GroupSession"
    INTERVIEW = "interview", "recruitment.Interview"
    SUPERVISION_SESSION = "supervision_session", "workforce.SupervisionSession"


def person_party(person_id: int) -> str:
    return f"person:{person_id}"


def peer_party(peer_id: int) -> str:
    return f"peer:{peer_id}"


def user_party(user_id: int) -> str:
    """A staff user who is not a peer worker (a peer is busy as the peer: `staff_parties`)."""
    return f"user:{user_id}"


class Busy(models.Model):
    """One party occupied in [starts_at, ends_at) by one source row."""

    # "person:12", "peer:3" or "user:7": one column, so one constraint covers every kind.
    party = models.CharField(max_length=24)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    source = models.CharField(max_length=20, choices=Source.choices)
    source_id = models.PositiveBigIntegerField()
    # Shown in a staff member's clash message (a group's or supervision group's name);
    # never a person's name, and never shown for a person's clash.
    label = models.CharField(max_length=150, blank=True)

    class Meta:
        verbose_name = "busy time"
        verbose_name_plural = "busy times"
        indexes = [
            models.Index(fields=["party", "starts_at"], name="busy_party_start"),
        ]
        constraints = [
            # Also the index of a source's rows (source, source_id): no index of its own.
            models.UniqueConstraint(
                fields=["source", "source_id", "party"], name="busy_once_per_source"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="busy_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(party__startswith="person:")
                | Q(party__startswith="peer:")
                | Q(party__startswith="user:"),
                name="busy_party_form",
            ),
            # On PostgreSQL also: the no-overlap exclusion constraint (migrations 0001, 0004)
            # and the canonical party form its integer key needs (0004).
        ]

    def __str__(self) -> str:
        return f"{self.party} {self.kind} {self.source}:{self.source_id}"
