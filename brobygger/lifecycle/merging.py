"""Merging two records of one person (issue 17 item 2): everything moves, nothing is lost.

Every row that points at the duplicate is found from the model graph, so a relation
added later is moved too; the duplicate is deleted only once nothing points at it any
more. Every ForeignKey into a person is PROTECT (tests/test_integrity.py), so a row the
merge did not move makes the delete fail and the whole merge roll back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.agenda import services as agenda
from brobygger.agenda.models import person_party
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, Purpose
from brobygger.audit.services import record_event
from brobygger.groups.models import Attendance, Enrolment, EnrolmentStatus
from brobygger.lib.instances import kept_on_failure
from brobygger.people.models import (
    Consent,
    ConsentKind,
    MergedPerson,
    Person,
    PersonAccessRequest,
    ProcessingStop,
    RelativeLink,
)
from brobygger.people.services import withdrew_consent
from brobygger.referrals.models import Course, Referral

from .stopping import end_what_depends


@dataclass
class MergeResult:
    keep: Person
    # (model label, what moved in words, how many), in the order of the model graph.
    moved: list[tuple[str, str, int]] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {label: count for label, _name, count in self.moved}


def _pointers(model: type[models.Model]) -> list[models.ForeignObjectRel]:
    """Every ForeignKey/OneToOne into `model`, those without a reverse name included."""
    return [
        rel
        for rel in model._meta.get_fields(include_hidden=True)
        if isinstance(rel, models.ForeignObjectRel)
        and (rel.one_to_many or rel.one_to_one or rel.many_to_many)
    ]


def _model(rel: models.ForeignObjectRel) -> type[models.Model]:
    return cast(type[models.Model], rel.related_model)


def _refuse_clashes(keep: Person, duplicate: Person) -> None:
    """Rows that cannot be held twice by one person: the coordinator settles them first."""
    active = Course.objects.filter(ended_on__isnull=True)
    peers = active.filter(person=keep).values("peer_id")
    if active.filter(person=duplicate, peer_id__in=peers).exists():
        raise ValidationError(
            _("Both have an active course with the same peer: end one of them before merging.")
        )
    sessions = Attendance.objects.filter(person=keep).values("session_id")
    if Attendance.objects.filter(person=duplicate, session_id__in=sessions).exists():
        raise ValidationError(
            _("Both have attendance for the same group session: correct it before merging.")
        )


def _drop_repeats(keep: Person, duplicate: Person) -> int:
    """Rows of the duplicate that the kept person already has: they would say nothing new.
    Returns how many were dropped."""
    dropped = 0
    both = [keep.pk, duplicate.pk]
    # A link between the two themselves would become a link of the person to themself.
    dropped += RelativeLink.objects.filter(relative_id__in=both, patient_id__in=both).delete()[0]
    patients = RelativeLink.objects.filter(relative=keep).values("patient_id")
    dropped += RelativeLink.objects.filter(relative=duplicate, patient_id__in=patients).delete()[0]
    relatives = RelativeLink.objects.filter(patient=keep).values("relative_id")
    dropped += RelativeLink.objects.filter(patient=duplicate, relative_id__in=relatives).delete()[0]
    # One open request per requester and person (accessrequest_one_open): asking twice
    # adds nothing, the kept person's open request stands for both.
    open_requests = PersonAccessRequest.objects.open()
    askers = open_requests.filter(person=keep).values("requested_by_id")
    dropped += open_requests.filter(person=duplicate, requested_by_id__in=askers).delete()[0]
    dropped += _join_enrolments(keep, duplicate)
    return dropped


# The stronger of two enrolments in one group stands for the person (one per group).
_RANK = {EnrolmentStatus.ENROLLED: 2, EnrolmentStatus.WAITING: 1, EnrolmentStatus.LEFT: 0}


def _join_enrolments(keep: Person, duplicate: Person) -> int:
    kept = {e.group_id: e for e in Enrolment.objects.select_for_update().filter(person=keep)}
    dropped = 0
    for other in Enrolment.objects.select_for_update().filter(
        person=duplicate, group_id__in=list(kept)
    ):
        mine = kept[other.group_id]
        status, position = other.status, other.position
        enrolled_at = min(mine.enrolled_at, other.enrolled_at)
        other.delete()  # first: its waiting place is free for the kept row to take
        dropped += 1
        if _RANK[EnrolmentStatus(status)] > _RANK[EnrolmentStatus(mine.status)]:
            mine.status, mine.position = status, position
        mine.enrolled_at = enrolled_at
        mine.save(update_fields=["status", "position", "enrolled_at", "changed_at"])
    return dropped


def _move(rel: models.ForeignObjectRel, keep: Person, duplicate: Person) -> int:
    if rel.many_to_many:
        link = cast(models.ManyToManyField[Any, Any], rel.field)
        mine = link.m2m_reverse_field_name()  # the through row's key to the person
        other = link.m2m_field_name()
        rows = cast(type[models.Model], cast(models.ManyToManyRel, rel).through)._base_manager
        held = rows.filter(**{mine: keep}).values(f"{other}_id")
        rows.filter(**{mine: duplicate, f"{other}_id__in": held}).delete()
        return rows.filter(**{mine: duplicate}).update(**{mine: keep})
    name = rel.field.name
    manager = _model(rel)._base_manager
    clash = rel.one_to_one and manager.filter(**{name: keep}).exists()
    if clash and manager.filter(**{name: duplicate}).exists():
        raise ValidationError(
            _("Both have a %(what)s: only one can be kept.")
            % {"what": _model(rel)._meta.verbose_name}
        )
    return manager.filter(**{name: duplicate}).update(**{name: keep})


def _carried_with_courses(course_ids: list[int]) -> list[tuple[str, str, int]]:
    """What moved along with the duplicate's courses (records, questionnaires, admissions):
    their rows point at the course, which now belongs to the kept person."""
    carried = []
    for rel in _pointers(Course):
        if rel.many_to_many or not course_ids:
            continue
        model = _model(rel)
        count = model._base_manager.filter(**{f"{rel.field.name}_id__in": course_ids}).aggregate(
            n=Count("pk")
        )["n"]
        if count:
            carried.append(
                (
                    f"{model._meta.label}.{rel.field.name}",
                    str(model._meta.verbose_name_plural),
                    count,
                )
            )
    return carried


def merge_persons(*, actor: Any, keep: Person, duplicate: Person) -> MergeResult:
    """Move every row of `duplicate` onto `keep` and remove the duplicate."""
    if keep.pk == duplicate.pk:
        raise ValidationError(_("A person cannot be merged with themself."))
    if keep.kind != duplicate.kind:
        raise ValidationError(_("A patient and a relative cannot be merged."))
    if keep.cpr and duplicate.cpr and keep.cpr != duplicate.cpr:
        raise ValidationError(
            _("The two have different CPR numbers: they are not the same person.")
        )
    result = MergeResult(keep=keep)
    with kept_on_failure(keep, duplicate), transaction.atomic():
        # Both rows locked in one order: two merges of the same pair cannot cross.
        list(Person.objects.select_for_update().filter(pk__in=[keep.pk, duplicate.pk]))
        _refuse_clashes(keep, duplicate)
        # One agenda for the one person: what the duplicate was busy with, the kept
        # person is now (a coming overlap is refused with the clash message).
        agenda.transfer(person_party(duplicate.pk), person_party(keep.pk))
        # The suspicion of a duplicate is settled for both.
        Referral.objects.filter(possible_duplicate__in=[keep, duplicate]).update(
            possible_duplicate=None
        )
        dropped = _drop_repeats(keep, duplicate)
        course_ids = list(Course.objects.filter(person=duplicate).values_list("pk", flat=True))
        for rel in _pointers(Person):
            count = _move(rel, keep, duplicate)
            if count:
                model = _model(rel)
                label = f"{model._meta.label}.{rel.field.name}"
                result.moved.append((label, str(model._meta.verbose_name_plural), count))
        result.moved.extend(_carried_with_courses(course_ids))
        # A death, a move or a restriction of either now holds for the kept person: what
        # the other record had booked ends as it would have (lifecycle.stopping).
        for stop in ProcessingStop.objects.current().filter(person=keep):
            end_what_depends(actor=actor, person=keep, kind=stop.kind, on=stop.on)
        # Likewise a consent the kept person withdrew (and did not give again) holds for
        # what the other record brought: its bookings, places and questionnaires stop.
        from .services import end_what_needs

        for kind in (ConsentKind.CONTACT, ConsentKind.QUESTIONNAIRES):
            if withdrew_consent(keep, kind):
                withdrawn = (
                    Consent.objects.filter(person=keep, kind=kind, withdrawn_at__isnull=False)
                    .order_by("-withdrawn_at", "-pk")
                    .first()
                )
                if withdrawn is not None:
                    end_what_needs(actor=actor, consent=withdrawn)
        if duplicate.cpr and not keep.cpr:
            number = duplicate.cpr
            duplicate.cpr = None
            duplicate.save(update_fields=["cpr"])
            keep.cpr = number
            keep.save(update_fields=["cpr"])
        MergedPerson.objects.create(
            merged_id=duplicate.pk,
            into=keep,
            merged_at=timezone.now(),
            merged_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        record_event(
            actor=actor,
            verb="person.merged",
            obj=keep,
            person_id=keep.pk,
            data={
                "kept_person_id": keep.pk,
                "merged_person_id": duplicate.pk,
                "moved": result.counts(),
                "dropped_repeats": dropped,
            },
        )
        # Both persons in one entry: the merge page's (a request), or one written now.
        shown(
            user=actor,
            action=AccessAction.CHANGE,
            purpose=Purpose.COORDINATION,
            person_id=keep.pk,
            person_ids=[duplicate.pk],
            obj=keep,
        )
        # PROTECT on every key into a person: a row left behind stops the merge here.
        duplicate.delete()
    return result
