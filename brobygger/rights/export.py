"""Everything held about one person, as plain data: the copy a person is given on request
(GDPR art. 15). The JSON is this structure; the PDF (pdf.py) is its readable form.

Each data app exposes `export_person(person)` in its selectors and returns its own
records of the person; this module only gathers them, so it never reaches into another
app's models. `tests/test_rights_export.py` walks every model that references a person
(directly, or through a referral, course or appointment) and fails when one is missing.

Never another person's data: a relative link names the relationship but not the person
at the other end; a referral's "possible duplicate" pointer is left out. The one
exception is the person's own consent to share information, which names its recipient:
that consent is the person's own decision about the relative (documented here, and in
the copy itself).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import timezone

from brobygger.admissions import selectors as admissions
from brobygger.api import selectors as api
from brobygger.audit import selectors as audit
from brobygger.breakglass import selectors as breakglass
from brobygger.concerns import selectors as concerns
from brobygger.conversations import selectors as conversations
from brobygger.groups import selectors as groups
from brobygger.lib.export import plain
from brobygger.matching import selectors as matching
from brobygger.notifications import selectors as notifications
from brobygger.outcomes import selectors as outcomes
from brobygger.people import selectors as people
from brobygger.referrals import selectors as referrals
from brobygger.retention import selectors as retention
from brobygger.scheduling import selectors as scheduling

# Raised when the shape of the file changes (a record type renamed or a key dropped);
# adding a record type keeps the version.
SCHEMA_VERSION = 1

EXPORTERS: tuple[Callable[[Any], dict[str, list[dict[str, Any]]]], ...] = (
    people.export_person,
    referrals.export_person,
    matching.export_person,
    scheduling.export_person,
    conversations.export_person,
    outcomes.export_person,
    groups.export_person,
    admissions.export_person,
    breakglass.export_person,
    notifications.export_person,
    concerns.export_person,
    retention.export_person,
    api.export_person,
)


def records_of(person: Any) -> dict[str, list[dict[str, Any]]]:
    """Every record type's rows of the person, keyed by model label ("app.Model")."""
    records: dict[str, list[dict[str, Any]]] = {}
    for exporter in EXPORTERS:
        records.update(exporter(person))
    return records


def person_copy(person: Any, *, received_on: Any, identity_check: str) -> dict[str, Any]:
    """The whole copy: who holds the data, the request it answers, the records, and the
    report of who looked at the person (the access log) and what was changed."""
    merged = people.merged_ids_of(person)
    return {
        "schema": "brobygger.person-copy",
        "schema_version": SCHEMA_VERSION,
        "created_at": plain(timezone.localtime()),
        "controller": dict(settings.DATA_CONTROLLER),
        "request": {"received_on": plain(received_on), "identity_check": identity_check},
        "person_id": person.pk,
        "records": records_of(person),
        "access_log": audit.access_report_rows(person.pk, merged_ids=merged),
        "changes": audit.audit_rows(person.pk),
        "retention_months": dict(settings.RETENTION_MONTHS),
    }


def counts(copy: dict[str, Any]) -> dict[str, int]:
    """Rows per record type (non-empty ones), for the audit event: numbers, no content."""
    found = {label: len(rows) for label, rows in copy["records"].items() if rows}
    found["access_log"] = len(copy["access_log"])
    return found
