"""The person's rights as state changes: a copy made, an erasure decided. Audited."""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from brobygger.api import services as api_services
from brobygger.audit.services import record_event
from brobygger.people import selectors as people_selectors
from brobygger.people import services as people_services
from brobygger.people.models import Person
from brobygger.referrals import erasure as referral_erasure

from . import erasure, export, pdf
from .forms import ExportFormat


@dataclass
class CopyFile:
    content: bytes
    filename: str
    content_type: str


def make_copy(
    *, actor: Any, person: Person, received_on: datetime.date, identity_check: str, fmt: str
) -> CopyFile:
    """Everything held about the person, as PDF or JSON (GDPR art. 15). The event names
    the request (date received, how identity was checked) and the counts, never content."""
    copy = export.person_copy(person, received_on=received_on, identity_check=identity_check)
    if fmt == ExportFormat.JSON:
        content = json.dumps(copy, ensure_ascii=False, indent=2).encode()
        file = CopyFile(content, f"brobygger-person-{person.pk}.json", "application/json")
    else:
        content = pdf.render(copy, person_name=person.full_name)
        file = CopyFile(content, f"brobygger-person-{person.pk}.pdf", "application/pdf")
    with transaction.atomic():
        record_event(
            actor=actor,
            verb="rights.copy_made",
            obj=person,
            person_id=person.pk,
            data={
                "received_on": received_on.isoformat(),
                "identity_check": identity_check,
                "format": fmt,
                "counts": export.counts(copy),
            },
        )
    return file


def erasure_decision(person: Person) -> erasure.Decision:
    return erasure.decide(
        export.records_of(person),
        named_in_consents=people_selectors.named_in_others_consents(person),
    )


def request_erasure(
    *, actor: Any, person: Person, received_on: datetime.date, identity_check: str
) -> tuple[erasure.Decision, dict[str, int]]:
    """Decide by rule and, where allowed, erase (GDPR art. 17). Both outcomes are audited:
    a refusal with its reason codes, an erasure with the counts deleted. The access log
    keeps its entries with the person's id; the name goes with the person's row."""
    person_id = person.pk
    request = {"received_on": received_on.isoformat(), "identity_check": identity_check}
    with transaction.atomic():
        decision = erasure_decision(person)
        if not decision.allowed:
            record_event(
                actor=actor,
                verb="rights.erasure_refused",
                obj=person,
                person_id=person_id,
                data=request | {"reasons": decision.codes},
            )
            return decision, {}
        try:
            with transaction.atomic():
                forgotten = api_services.forget_person(person)
                removed = referral_erasure.erase_referrals_without_course(
                    actor=actor, person=person
                )
                removed |= people_services.erase_person(actor=actor, person=person)
        except ProtectedError as error:
            # A record type the rule does not know yet still points at the person.
            kinds = sorted({obj._meta.label for obj in error.protected_objects})
            decision = erasure.Decision(allowed=False, codes=[f"protected:{k}" for k in kinds])
            decision.reasons.append(
                _("Records of another kind still refer to the person; nothing was erased.")
            )
            record_event(
                actor=actor,
                verb="rights.erasure_refused",
                obj=person,
                person_id=person_id,
                data=request | {"reasons": decision.codes},
            )
            return decision, {}
        person.pk = person_id  # the event names the erased row by its id
        record_event(
            actor=actor,
            verb="rights.erased",
            obj=person,
            person_id=person_id,
            data=request | {"counts": removed, "client_keys_forgotten": forgotten},
        )
    return decision, removed
