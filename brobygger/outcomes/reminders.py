"""Sending the questionnaire link to the person when it falls due.

Through the project's reminder mechanism (scheduling.messaging), from
``manage.py send_questionnaire_links``. Never to anyone without a current consent to
questionnaires (ConsentKind.QUESTIONNAIRES) and to be contacted. The text names nothing:
a text message can be read by anyone who picks up the phone (Sundhedsloven § 40).
"""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from brobygger.people.models import ConsentKind
from brobygger.people.services import has_current_consent
from brobygger.scheduling import messaging
from brobygger.scheduling.reminders import _language, person_address

from . import services
from .models import Administration, AdministrationStatus
from .schedule import LINK_DAYS

logger = logging.getLogger(__name__)


def link_message(token: str, *, base_url: str, language: str) -> str:
    url = base_url.rstrip("/") + reverse("outcomes:answer", args=[token])
    with translation.override(_language(language)):
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
    address = person_address(person)
    if address is None:
        return False
    channel, to = address
    try:
        with transaction.atomic():
            token = services.issue_link(actor=None, administration=administration)
            text = link_message(token, base_url=base_url, language=person.language)
            with translation.override(_language(person.language)):
                subject = pgettext("reminder subject", "Questionnaire")
            messaging.send(channel, to, text, subject=subject)
    except ValidationError:
        return False
    except Exception:
        logger.exception("Questionnaire link %s failed; it will be retried.", administration.pk)
        return False
    return True


def send_due_links(*, base_url: str, today: datetime.date | None = None) -> int:
    """Send a link for every questionnaire that has fallen due and has no link yet."""
    today = today or timezone.localdate()
    due = (
        Administration.objects.filter(status=AdministrationStatus.DUE, due_on__lte=today)
        .select_related("course__person")
        .order_by("due_on", "pk")
    )
    return sum(send_link(a, base_url=base_url) for a in due)
