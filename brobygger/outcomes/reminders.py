"""Questionnaire links to persons and daily reminders to peers, from a scheduled job.

Through the project's reminder mechanism (notifications.messaging), from
``manage.py send_questionnaire_links``:

- The link goes to the person when the questionnaire falls due. Never to anyone without
  a current consent to questionnaires (ConsentKind.QUESTIONNAIRES) and to be contacted.
  The text names nothing: a text message can be read by anyone who picks up the phone
  (Sundhedsloven § 40).
- The peer gets at most one e-mail a day about the questionnaires due or overdue in
  their caseload: counts and a link to the due list, never a name (the mailbox may be
  read on a shared phone; the details are one login away). Only questionnaires the peer
  can act on count: those of persons with a current consent to questionnaires.

Both may run as often and as many times at once as you like: a link is issued only for a
questionnaire still due when its row is locked, and a peer's e-mail is claimed by
inserting the day's PeerDigest row (unique per peer and day) in the transaction that
sends it.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from brobygger.accounts import policy
from brobygger.accounts.models import PEER_ROLES, User
from brobygger.audit.services import record_event
from brobygger.lib.language import text_language
from brobygger.notifications import messaging
from brobygger.people.models import Consent, ConsentKind
from brobygger.people.services import current_stop, has_current_consent
from brobygger.scheduling.reminders import person_address

from . import services
from .models import Administration, AdministrationStatus, PeerDigest
from .schedule import DUE_AHEAD_DAYS, LINK_DAYS

logger = logging.getLogger(__name__)


def link_message(token: str, *, base_url: str, language: str) -> str:
    url = base_url.rstrip("/") + reverse("outcomes:answer", args=[token])
    with translation.override(text_language(language)):
        return _(
            "Your peer worker asks you to answer a short questionnaire: %(url)s "
            "The link works for %(days)s days."
        ) % {"url": url, "days": LINK_DAYS}


def send_link(administration: Administration, *, base_url: str) -> bool:
    """Issue a link and send it to the person; True if sent. Nothing is kept if sending fails."""
    person = administration.course.person
    if not has_current_consent(person, ConsentKind.QUESTIONNAIRES):
        return False
    if not has_current_consent(person, ConsentKind.CONTACT):
        return False
    if current_stop(person) is not None:
        return False  # dead, moved away or restricted: the link waits or never goes
    address = person_address(person)
    if address is None:
        return False
    channel, to = address
    try:
        with transaction.atomic():
            # Another run may have sent it since the list was read: only a still-due one.
            still_due = (
                Administration.objects.select_for_update()
                .filter(pk=administration.pk, status=AdministrationStatus.DUE)
                .exists()
            )
            if not still_due:
                return False
            token = services.issue_link(actor=None, administration=administration)
            text = link_message(token, base_url=base_url, language=person.language)
            with translation.override(text_language(person.language)):
                subject = pgettext("reminder subject", "Questionnaire")
            # Sent when the link is committed, never inside the transaction (messaging.py).
            delivery = messaging.send_on_commit(
                channel,
                to,
                text,
                subject=subject,
                on_failure=partial(_withdraw, administration, administration.token_hash),
            )
    except ValidationError:
        return False
    except Exception:
        logger.exception("Questionnaire link %s failed; it will be retried.", administration.pk)
        return False
    return delivery.sent is not False


def _withdraw(administration: Administration, token_hash: str) -> None:
    """The link could not be sent: the questionnaire is due again for the next run."""
    services.withdraw_unsent_link(administration=administration, token_hash=token_hash)
    logger.error("Questionnaire link %s failed; it will be retried.", administration.pk)


def send_due_links(*, base_url: str, today: datetime.date | None = None) -> int:
    """Send a link for every questionnaire that has fallen due and has no link yet."""
    today = today or timezone.localdate()
    due = (
        Administration.objects.filter(status=AdministrationStatus.DUE, due_on__lte=today)
        .select_related("course__person")
        .order_by("due_on", "pk")
    )
    return sum(send_link(a, base_url=base_url) for a in due)


# --- The peer's daily e-mail ---------------------------------------------------------------


@dataclass(frozen=True)
class DueCounts:
    overdue: int
    due_today: int
    coming: int

    @property
    def actionable(self) -> bool:
        return bool(self.overdue or self.due_today)


def due_counts(today: datetime.date) -> dict[int, DueCounts]:
    """Open questionnaires per peer (user id): overdue, due today, due within the week.

    One query. Counts only those of persons with a current consent to questionnaires:
    the others cannot be answered, so reminding the peer of them is noise.
    """
    consent = Consent.objects.current().filter(
        person=OuterRef("course__person"), kind=ConsentKind.QUESTIONNAIRES
    )
    rows = (
        Administration.objects.open()
        .filter(due_on__lte=today + datetime.timedelta(days=DUE_AHEAD_DAYS))
        .filter(Exists(consent))
        # The peer's caseload as the due list shows it (accounts/policy.py).
        .filter(policy.in_peer_window("course__", today=today))
        .values("course__peer__user")
        .annotate(
            overdue=Count("pk", filter=Q(due_on__lt=today)),
            due_today=Count("pk", filter=Q(due_on=today)),
            coming=Count("pk", filter=Q(due_on__gt=today)),
        )
        .order_by("course__peer__user")
    )
    return {
        row["course__peer__user"]: DueCounts(row["overdue"], row["due_today"], row["coming"])
        for row in rows
    }


def digest_message(counts: DueCounts, *, base_url: str, language: str) -> tuple[str, str]:
    """(subject, text) of the peer's e-mail: counts and the due list, no names."""
    url = base_url.rstrip("/") + reverse("outcomes:due")
    with translation.override(text_language(language)):
        subject = pgettext("reminder subject", "Questionnaires to follow up")
        lines = [
            _("Questionnaires in your caseload are waiting to be answered:"),
            "",
            _("Overdue: %(count)d") % {"count": counts.overdue},
            _("Due today: %(count)d") % {"count": counts.due_today},
            _("Due within a week: %(count)d") % {"count": counts.coming},
            "",
            _("See the list in Brobygger: %(url)s") % {"url": url},
            "",
            _("You get this e-mail at most once a day, while questionnaires are due."),
        ]
    return subject, "\n".join(lines)


def _send_digest(user: Any, counts: DueCounts, *, base_url: str, today: datetime.date) -> bool:
    try:
        with transaction.atomic():
            # The claim: a second run today makes this insert fail, so nothing goes twice.
            digest = PeerDigest.objects.create(
                user=user,
                day=today,
                overdue=counts.overdue,
                due_today=counts.due_today,
                coming=counts.coming,
            )
            subject, text = digest_message(counts, base_url=base_url, language=user.language)
            # Sent when the claim commits, never inside the transaction (messaging.py).
            delivery = messaging.send_on_commit(
                "email", user.email, text, subject=subject, on_failure=partial(_release, digest)
            )
            record_event(
                actor=None,
                verb="questionnaire.peer_reminder_sent",
                obj=digest,
                data={
                    "overdue": counts.overdue,
                    "due_today": counts.due_today,
                    "coming": counts.coming,
                },
            )
    except IntegrityError:
        return False  # already sent today
    except Exception:
        # The claim is rolled back with the transaction, so the next run tries again.
        logger.exception("Questionnaire reminder to user %s failed; it will be retried.", user.pk)
        return False
    return delivery.sent is not False


def _release(digest: PeerDigest) -> None:
    """The e-mail failed after the claim committed: give it back for the next run."""
    with transaction.atomic():
        PeerDigest.objects.filter(pk=digest.pk).delete()
        record_event(actor=None, verb="questionnaire.peer_reminder_failed", obj=digest.user)
    logger.error("Questionnaire reminder to user %s failed; it will be retried.", digest.user_id)


def send_peer_digests(*, base_url: str, today: datetime.date | None = None) -> int:
    """E-mail each peer with questionnaires overdue or due today, once a day. Idempotent."""
    today = today or timezone.localdate()
    counts = {uid: c for uid, c in due_counts(today).items() if c.actionable}
    done = set(PeerDigest.objects.filter(day=today).values_list("user_id", flat=True))
    users = (
        User.objects.filter(pk__in=set(counts) - done, is_active=True, role__in=PEER_ROLES)
        .exclude(email="")
        .order_by("pk")
    )
    return sum(_send_digest(u, counts[u.pk], base_url=base_url, today=today) for u in users)
