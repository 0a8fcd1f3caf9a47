"""Making, handing out and deleting research exports. Every step is logged.

The export is built at once: the key for pseudonyms is drawn, k-anonymity checked (the
values generalised and the persons who would still stand out left out, see
`anonymity`), the files written, and the key dropped with the `Pseudonymiser` when this
function returns, so not even the database can link two exports. The download token is
returned once and stored only as its sha256.
"""

from __future__ import annotations

import datetime
import secrets
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.audit.models import AccessAction
from brobygger.audit.services import log_access, record_event
from brobygger.lib.periods import whole_years
from brobygger.lib.spreadsheet import write_csv, write_xlsx
from brobygger.outcomes.models import Instrument
from brobygger.referrals.models import SupportModel

from . import selectors
from .access import PURPOSE, hash_token
from .models import ExportPurge, ResearchExport
from .pseudonym import Pseudonymiser
from .tables import ExportScope, build_sections, release

LIFETIME = datetime.timedelta(hours=24)
TOKEN_BYTES = 32
FORMATS = ("csv", "xlsx")


def create_export(
    *,
    actor: Any,
    purpose: str,
    started_from: datetime.date,
    started_to: datetime.date,
    support_models: Sequence[str] = (),
    instrument: Instrument | None = None,
    now: datetime.datetime | None = None,
    pseudonymiser: Pseudonymiser | None = None,
) -> tuple[ResearchExport, str]:
    """Build the files and keep them for 24 hours; returns the export and its raw token.

    The courses are those started in whole calendar years: with any range of days, two
    exports a day apart would differ by exactly the persons who started on that day.
    `pseudonymiser` is for tests only: by default every export draws a fresh key.
    """
    purpose = " ".join(purpose.split())
    if not purpose:
        raise ValidationError({"purpose": _("Say what the data are for.")}, code="purpose")
    if started_to < started_from:
        raise ValidationError(
            {"started_to": _("The end of the period comes before its start.")}, code="period"
        )
    if not whole_years(started_from, started_to):
        raise ValidationError(
            {
                "started_from": _(
                    "An export covers whole calendar years, from 1 January to 31 December, "
                    "so that two exports cannot be subtracted from each other to find the "
                    "persons who started on a certain day."
                )
            },
            code="whole_years",
        )
    unknown = set(support_models) - set(SupportModel.values)
    if unknown:
        raise ValidationError({"support_models": _("Choose among the listed support models.")})
    now = now or timezone.now()
    models = sorted(support_models)
    courses = selectors.export_courses(
        started_from=started_from, started_to=started_to, support_models=models
    )
    course_facts = selectors.course_facts(courses)
    if not course_facts:
        raise ValidationError(
            _("No course started in the period with the chosen support models."), code="empty"
        )
    administration_facts = selectors.administration_facts(courses, instrument=instrument)
    k = settings.RESEARCH_EXPORT_K
    released = release(course_facts, administration_facts, k=k)
    if not released.courses:
        raise ValidationError(
            _(
                "Too few courses for an anonymous export: even when only the year each "
                "course started, the kind of person and the support model are shown, fewer "
                "than %(k)s persons are alike. Choose more years or more support models."
            )
            % {"k": k},
            code="too_few",
        )
    summary = released.summary()
    scope = ExportScope(
        purpose=purpose,
        created_at=now,
        expires_at=now + LIFETIME,
        started_from=started_from,
        started_to=started_to,
        support_models=models,
        instrument=instrument.key if instrument else "",
    )
    sections = build_sections(
        scope=scope, released=released, pseudonymiser=pseudonymiser or Pseudonymiser()
    )
    title = _("Research export")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    with transaction.atomic():
        export = ResearchExport.objects.create(
            created_by=actor,
            created_at=now,
            expires_at=scope.expires_at,
            purpose=purpose,
            started_from=started_from,
            started_to=started_to,
            support_models=models,
            instrument=instrument,
            course_rows=len(released.courses),
            administration_rows=len(released.administrations),
            anonymity=summary,
            token_hash=hash_token(token),
            csv_data=write_csv(sections),
            xlsx_data=write_xlsx(sections, title=title),
        )
        # One entry for the whole export: the rows are pseudonymised, and the export row
        # holds the purpose in the evaluator's words, the period and the counts.
        log_access(user=actor, action=AccessAction.EXPORT, purpose=PURPOSE, obj=export)
        record_event(
            actor=actor,
            verb="research.export_created",
            obj=export,
            data={
                "courses": export.course_rows,
                "administrations": export.administration_rows,
                "support_models": models,
                "instrument": scope.instrument,
                "started_from": started_from.isoformat(),
                "started_to": started_to.isoformat(),
                "anonymity": summary,
            },
        )
    return export, token


def record_download(*, actor: Any, export: ResearchExport, fmt: str) -> bytes:
    """The file's bytes; the download is written to the access log."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    data = export.csv_data if fmt == "csv" else export.xlsx_data
    if data is None:
        raise ValidationError(_("The files of this export have been deleted."), code="deleted")
    with transaction.atomic():
        ResearchExport.objects.filter(pk=export.pk).update(downloads=F("downloads") + 1)
        log_access(user=actor, action=AccessAction.EXPORT, purpose=PURPOSE, obj=export)
    return bytes(data)


def delete_expired_files(*, actor: Any, export: ResearchExport, now: datetime.datetime) -> bool:
    """Delete the files of an expired export at once; False if they were already gone."""
    with transaction.atomic():
        claimed = ResearchExport.objects.filter(
            pk=export.pk, expires_at__lte=now, files_deleted_at__isnull=True
        ).update(csv_data=None, xlsx_data=None, files_deleted_at=now)
        if claimed:
            record_event(actor=actor, verb="research.export_files_deleted", obj=export, data={})
    return bool(claimed)


def purge_exports(*, now: datetime.datetime | None = None, actor: Any = None) -> ExportPurge:
    """Delete the files of every expired export. Idempotent; one audit event per run."""
    now = now or timezone.now()
    with transaction.atomic():
        deleted = (
            ResearchExport.objects.expired(now)
            .filter(files_deleted_at__isnull=True)
            .update(csv_data=None, xlsx_data=None, files_deleted_at=now)
        )
        run = ExportPurge.objects.create(ran_at=now, deleted=deleted)
        record_event(
            actor=actor, verb="research.exports_purged", obj=run, data={"deleted": deleted}
        )
    return run
