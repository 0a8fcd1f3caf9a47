"""Every change to admissions: entered by the coordinator, or imported from a hospital file."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.accounts.models import Unit
from brobygger.audit.models import AccessAction
from brobygger.audit.services import append_many, log_access, new_event, record_event
from brobygger.lib.when import format_when
from brobygger.referrals.models import Course

from .access import PURPOSE
from .importfile import ParsedFile
from .importing import CHANGED, NEW, ImportPlan, plan_import
from .models import Admission, AdmissionImport, AdmissionSource


class ImportHasErrors(Exception):
    """The file (as it matches now) has row errors: nothing was saved."""

    def __init__(self, plan: ImportPlan) -> None:
        super().__init__(f"{len(plan.errors)} row error(s)")
        self.plan = plan


def _check(
    *,
    course: Course,
    admitted_on: datetime.date,
    discharged_on: datetime.date | None,
    exclude: int | None = None,
) -> None:
    today = timezone.localdate()
    errors: dict[str, str] = {}
    if admitted_on > today:
        errors["admitted_on"] = _("The admission date cannot be in the future.")
    if discharged_on is not None:
        if discharged_on < admitted_on:
            errors["discharged_on"] = _("The discharge date is before the admission date.")
        elif discharged_on > today:
            errors["discharged_on"] = _("The discharge date cannot be in the future.")
    if errors:
        raise ValidationError(errors)
    others = Admission.objects.filter(course__person_id=course.person_id)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    if others.filter(course=course, admitted_on=admitted_on).exists():
        raise ValidationError(
            {"admitted_on": _("An admission on this date is already recorded for the course.")},
            code="duplicate",
        )
    far = datetime.date.max
    for other in others.only("admitted_on", "discharged_on"):
        if admitted_on < (other.discharged_on or far) and other.admitted_on < (
            discharged_on or far
        ):
            raise ValidationError(
                _("The period overlaps the admission of %(date)s.")
                % {"date": format_when(other.admitted_on, "short")},
                code="overlap",
            )


def add_admission(
    *,
    actor: Any,
    course: Course,
    admitted_on: datetime.date,
    discharged_on: datetime.date | None = None,
    unit: Unit | None = None,
    source: str = AdmissionSource.ENTERED,
) -> Admission:
    with transaction.atomic():
        _check(course=course, admitted_on=admitted_on, discharged_on=discharged_on)
        admission = Admission.objects.create(
            course=course,
            admitted_on=admitted_on,
            discharged_on=discharged_on,
            unit=unit,
            source=source,
            created_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        record_event(
            actor=actor,
            verb="admission.created",
            obj=admission,
            person_id=course.person_id,
            data={"source": source, "bed_days": admission.bed_days},
        )
    return admission


def change_admission(
    *,
    actor: Any,
    admission: Admission,
    admitted_on: datetime.date,
    discharged_on: datetime.date | None,
    unit: Unit | None,
) -> Admission:
    with transaction.atomic():
        current = (
            Admission.objects.select_for_update().select_related("course").get(pk=admission.pk)
        )
        _check(
            course=current.course,
            admitted_on=admitted_on,
            discharged_on=discharged_on,
            exclude=current.pk,
        )
        bed_days_before = current.bed_days
        changed = [
            name
            for name, value in (
                ("admitted_on", admitted_on),
                ("discharged_on", discharged_on),
                ("unit_id", unit.pk if unit else None),
            )
            if getattr(current, name) != value
        ]
        if not changed:
            return current
        current.admitted_on = admitted_on
        current.discharged_on = discharged_on
        current.unit = unit
        current.save(update_fields=[name.removesuffix("_id") for name in changed])
        record_event(
            actor=actor,
            verb="admission.changed",
            obj=current,
            person_id=current.course.person_id,
            data={"fields": changed, "bed_days_before": bed_days_before},
        )
    return current


def delete_admission(*, actor: Any, admission: Admission) -> None:
    with transaction.atomic():
        person_id = admission.course.person_id
        record_event(
            actor=actor,
            verb="admission.deleted",
            obj=admission,
            person_id=person_id,
            data={"source": admission.source},
        )
        admission.delete()


def import_admissions(*, actor: Any, parsed: ParsedFile) -> AdmissionImport:
    """Save a checked file in one transaction: all rows or, on any error, none.

    The file is matched again here, inside the transaction, so what is saved is what the
    database holds now, not what it held at the preview. Saving the same file again finds
    every admission already on file and changes nothing.
    """
    try:
        with transaction.atomic():
            plan = plan_import(actor, parsed)
            if not plan.ok:
                raise ImportHasErrors(plan)
            record = _apply(actor=actor, plan=plan)
    except IntegrityError as exc:
        # Someone saved an admission for one of the rows between the check and the save.
        raise ValidationError(
            _("The admissions changed while the file was being saved. Upload it again."),
            code="conflict",
        ) from exc
    return record


def _apply(*, actor: Any, plan: ImportPlan) -> AdmissionImport:
    created_by = actor if getattr(actor, "is_authenticated", False) else None
    new: list[Admission] = []
    for row in plan.rows:
        if row.action != NEW:
            continue
        assert row.course_id is not None and row.row.admitted_on is not None
        new.append(
            Admission(
                course_id=row.course_id,
                admitted_on=row.row.admitted_on,
                discharged_on=row.row.discharged_on,
                unit_id=row.unit_id,
                source=AdmissionSource.IMPORTED,
                created_by=created_by,
            )
        )
    created = Admission.objects.bulk_create(new)
    changed_rows = {row.admission_id: row for row in plan.rows if row.action == CHANGED}
    changed = list(Admission.objects.select_for_update().filter(pk__in=changed_rows.keys()))
    for admission in changed:
        row = changed_rows[admission.pk]
        admission.discharged_on = row.row.discharged_on
        admission.unit_id = row.unit_id
        admission.source = AdmissionSource.IMPORTED
    Admission.objects.bulk_update(changed, ["discharged_on", "unit", "source"])
    record = AdmissionImport.objects.create(
        imported_by=actor,
        file_sha256=plan.file.sha256,
        rows=len(plan.rows),
        created=len(created),
        changed=len(changed),
        unchanged=plan.unchanged,
    )
    person_of = {row.course_id: row.person_id for row in plan.rows}
    # One event per admission, appended together (a file has thousands of rows).
    append_many(
        [
            *(
                new_event(
                    actor=actor,
                    verb="admission.imported",
                    obj=admission,
                    person_id=person_of.get(admission.course_id),
                    data={"import": record.pk, "bed_days": admission.bed_days},
                )
                for admission in created
            ),
            *(
                new_event(
                    actor=actor,
                    verb="admission.changed",
                    obj=admission,
                    person_id=person_of.get(admission.course_id),
                    data={"import": record.pk, "fields": ["discharged_on", "unit"]},
                )
                for admission in changed
            ),
        ]
    )
    record_event(
        actor=actor,
        verb="admissions.import_saved",
        obj=record,
        data={
            "rows": record.rows,
            "created": record.created,
            "changed": record.changed,
            "unchanged": record.unchanged,
        },
    )
    # One use of personal data for the whole file, naming the persons whose admissions it
    # wrote; the import row carries the counts.
    written = [person_of.get(a.course_id) for a in (*created, *changed)]
    log_access(
        user=actor,
        action=AccessAction.CREATE,
        purpose=PURPOSE,
        person_ids=[pk for pk in dict.fromkeys(written) if pk is not None],
        obj=record,
    )
    return record


def move_admissions(*, actor: Any, source: Course, target: Course) -> int:
    """The admissions of `source` go on in `target`, the course that continues it with a
    new peer (matching.services.hand_over_course); returns how many moved.

    Readmissions are counted within one course (the discharge, or an earlier admission of
    the same course), so a handover must not split them. One the target already has (same
    admission day) stays with the source, so the unique constraint holds.
    """
    if source.person_id != target.person_id:
        raise ValueError("Admissions move only between courses of the same person.")
    with transaction.atomic():
        taken = Admission.objects.filter(course=target).values("admitted_on")
        count = (
            Admission.objects.filter(course=source)
            .exclude(admitted_on__in=taken)
            .update(course=target)
        )
        if count:
            record_event(
                actor=actor,
                verb="admission.moved",
                obj=target,
                person_id=target.person_id,
                data={"from_course": source.pk, "count": count},
            )
    return count
