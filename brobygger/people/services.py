"""Every change to persons and peer profiles. Keyword-only, with an actor, audited."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.accounts import services as account_services
from brobygger.accounts.models import Role, Unit, User
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, Purpose
from brobygger.audit.services import log_access, record_event
from brobygger.lib import cpr

from .models import (
    Consent,
    ConsentKind,
    ExperienceTag,
    PeerKind,
    PeerWorker,
    Person,
    PersonAccessRequest,
    PersonCorrection,
    PersonKind,
    ProcessingStop,
    RelativeLink,
    SharedItem,
    StopKind,
)

PERSON_FIELDS = (
    "kind",
    "given_name",
    "family_name",
    "cpr",
    "birth_date",
    "gender",
    "language",
    "phone",
    "email",
    "street",
    "postal_code",
    "city",
    "protected_address",
    "contact_channel",
    "contact_times",
    "preferred_times",
    "unit",
)

# Identifying and contact fields: a change keeps the old value in PersonCorrection
# (GDPR art. 16, correction with history), shown on the person page.
CORRECTED_FIELDS = (
    "given_name",
    "family_name",
    "cpr",
    "birth_date",
    "phone",
    "email",
    "street",
    "postal_code",
    "city",
)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _clean_cpr(
    value: str | None, *, actor: Any, purpose: str, exclude_pk: int | None = None
) -> str | None:
    """The CPR number's digits, or a ValidationError if it cannot be used.

    A number can belong to one person only. Whether the number is taken says that
    someone is known to a psychiatric programme, so the answer tells only what `actor`
    may see anyway: "already registered" for a person within their reach; for anyone
    else the same words whichever unit holds the person, with the way to ask for
    access (issue 16). Both cases do the same work and log the look-up against the
    person it hit (Sundhedsloven § 42a), so the person's access report shows it.
    Call this outside the transaction that would be rolled back by the error. The
    look-up is a read: it joins the one entry of the response that shows the refusal.
    """
    if not value:
        return None
    number = cpr.validate(value)
    holders = Person.objects.filter(cpr=number)
    if exclude_pk is not None:
        holders = holders.exclude(pk=exclude_pk)
    holder = holders.values_list("pk", flat=True).first()
    if holder is None:
        return number
    shown(user=actor, action=AccessAction.SEARCH, purpose=purpose, person_id=holder)
    if actor is None or Person.objects.visible_to(actor).filter(pk=holder).exists():
        raise ValidationError(
            {
                "cpr": ValidationError(
                    _("This person is already registered."),
                    code="duplicate",
                    params={"pk": holder},
                )
            }
        )
    # The same words wherever the number is registered; they say nothing about the person.
    message = _(
        "This CPR number cannot be registered from your units. If you are to support "
        "this person, send an access request."
    )
    raise ValidationError({"cpr": ValidationError(message, code="cpr_unavailable")})


def create_person(
    *,
    actor: Any,
    purpose: str = Purpose.COORDINATION,
    patient: Person | None = None,
    relationship: str = "",
    **fields: Any,
) -> Person:
    """Register a person; a relative may be linked to the patient they are close to."""
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"Unknown person fields: {sorted(unknown)}")
    fields["cpr"] = _clean_cpr(fields.get("cpr"), actor=actor, purpose=purpose)
    if fields["cpr"] and not fields.get("birth_date"):
        fields["birth_date"] = cpr.birth_date(fields["cpr"])
    with transaction.atomic():
        person = Person(**fields)
        person.full_clean(validate_unique=False)
        person.save()
        if patient is not None:
            _link_relative(actor=actor, relative=person, patient=patient, relationship=relationship)
        record_event(
            actor=actor,
            verb="person.created",
            obj=person,
            person_id=person.pk,
            data={"kind": person.kind},
        )
        # The write's look: one entry with the response's other looks (audit/looks.py).
        shown(
            user=actor, action=AccessAction.CREATE, purpose=purpose, person_id=person.pk, obj=person
        )
    return person


def update_person(
    *, actor: Any, person: Person, purpose: str = Purpose.COORDINATION, **changes: Any
) -> Person:
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"Unknown person fields: {sorted(unknown)}")
    if "cpr" in changes:
        changes["cpr"] = _clean_cpr(
            changes["cpr"], actor=actor, purpose=purpose, exclude_pk=person.pk
        )
        if changes["cpr"] and not changes.get("birth_date"):
            changes["birth_date"] = cpr.birth_date(changes["cpr"])
    with transaction.atomic():
        changed = [name for name, value in changes.items() if getattr(person, name) != value]
        before = {name: getattr(person, name) for name in changed}
        for name in changed:
            setattr(person, name, changes[name])
        if not changed:
            return person
        person.full_clean(validate_unique=False)
        person.save(update_fields=[*changed, "updated_at"])
        corrected = [name for name in changed if name in CORRECTED_FIELDS]
        moment = timezone.now()
        PersonCorrection.objects.bulk_create(
            PersonCorrection(
                person=person,
                field=name,
                old_value=_as_text(before[name])[:200],
                new_value=_as_text(getattr(person, name))[:200],
                changed_by=actor if getattr(actor, "is_authenticated", False) else None,
                changed_at=moment,
            )
            for name in corrected
        )
        record_event(
            actor=actor,
            verb="person.changed",
            obj=person,
            person_id=person.pk,
            data={"fields": sorted(changed)},
        )
        shown(
            user=actor, action=AccessAction.CHANGE, purpose=purpose, person_id=person.pk, obj=person
        )
    return person


def _link_relative(*, actor: Any, relative: Person, patient: Person, relationship: str) -> None:
    if relative.kind != PersonKind.RELATIVE or patient.kind != PersonKind.PATIENT:
        raise ValidationError(_("Only a relative can be linked to a patient."), code="link_kind")
    link = RelativeLink.objects.create(
        relative=relative, patient=patient, relationship=relationship
    )
    record_event(
        actor=actor,
        verb="relative.linked",
        obj=link,
        person_id=patient.pk,
        data={"relative_id": relative.pk, "relationship": relationship},
    )


def link_relative(*, actor: Any, relative: Person, patient: Person, relationship: str) -> None:
    with transaction.atomic():
        if RelativeLink.objects.filter(relative=relative, patient=patient).exists():
            raise ValidationError(_("These two are already linked."), code="link_exists")
        _link_relative(actor=actor, relative=relative, patient=patient, relationship=relationship)


def request_person_access(*, actor: Any, number: str, reason: str) -> None:
    """Ask the coordinators responsible for the person with this CPR number for access.

    What the requester sees afterwards is the same whether the number belongs to
    nobody, to a person they can already see, or to someone outside their units. A
    request is stored (and audited) only in the last case, for the coordinators of the
    person's unit; the look-up is logged in every case.
    """
    number = cpr.validate(number)
    reason = " ".join(reason.split())
    if not reason:
        raise ValidationError({"reason": _("Say why you need access.")}, code="reason")
    holder = Person.objects.filter(cpr=number).values_list("pk", flat=True).first()
    with transaction.atomic():
        if holder is None or Person.objects.visible_to(actor).filter(pk=holder).exists():
            log_access(
                user=actor,
                action=AccessAction.SEARCH,
                purpose=Purpose.COORDINATION,
                criterion=number,
            )
            return
        request, created = PersonAccessRequest.objects.get_or_create(
            person_id=holder,
            requested_by=actor,
            answered_at=None,
            defaults={"reason": reason, "requested_at": timezone.now()},
        )
        if created:
            record_event(actor=actor, verb="person.access_requested", obj=request, person_id=holder)
        log_access(
            user=actor,
            action=AccessAction.SEARCH,
            purpose=Purpose.COORDINATION,
            person_id=holder,
            obj=request,
        )


def answer_access_request(*, actor: Any, request: PersonAccessRequest) -> PersonAccessRequest:
    """The coordinator has contacted the requester: the request leaves the open list."""
    with transaction.atomic():
        locked = PersonAccessRequest.objects.select_for_update().get(pk=request.pk)
        if locked.answered_at is not None:
            return locked
        locked.answered_by = actor
        locked.answered_at = timezone.now()
        locked.save(update_fields=["answered_by", "answered_at"])
        record_event(
            actor=actor,
            verb="person.access_request_answered",
            obj=locked,
            person_id=locked.person_id,
        )
    return locked


def create_staff_user(
    *,
    actor: Any,
    username: str,
    role: str,
    first_name: str,
    last_name: str,
    email: str = "",
    password: str | None = None,
    units: list[Unit] | tuple[Unit, ...] = (),
    language: str = "da",
) -> User:
    user = User(
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        language=language,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    return account_services.register_user(actor=actor, user=user, units=units)


PEER_FIELDS = (
    "kind",
    "languages",
    "gender",
    "age_band",
    "hours_min",
    "hours_max",
    "contract_start",
    "contract_end",
    "education_status",
)


def _check_peer(fields: dict[str, Any]) -> None:
    errors: dict[str, str] = {}
    low, high = fields.get("hours_min"), fields.get("hours_max")
    if low is not None and high is not None and Decimal(low) > Decimal(high):
        errors["hours_max"] = _("The upper limit must be at least the lower limit.")
    start, end = fields.get("contract_start"), fields.get("contract_end")
    if isinstance(start, datetime.date) and isinstance(end, datetime.date) and end <= start:
        errors["contract_end"] = _("The contract must end after it starts.")
    if errors:
        raise ValidationError(errors)


def create_peer_worker(
    *,
    actor: Any,
    user: User,
    experience_tags: list[ExperienceTag] | tuple[ExperienceTag, ...] = (),
    units: list[Unit] | tuple[Unit, ...] = (),
    **fields: Any,
) -> PeerWorker:
    unknown = set(fields) - set(PEER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown peer fields: {sorted(unknown)}")
    _check_peer(fields)
    expected_role = (
        Role.RELATIVE_PEER if fields.get("kind") == PeerKind.RELATIVE_PEER else Role.PEER_WORKER
    )
    if user.role != expected_role:
        # A role changes only through accounts.services.change_role_and_units.
        raise ValidationError(
            _("The account's role does not fit this kind of peer."), code="peer_role"
        )
    with transaction.atomic():
        peer = PeerWorker(user=user, **fields)
        peer.full_clean(exclude=["user"], validate_unique=False)
        peer.save()
        peer.experience_tags.set(experience_tags)
        peer.units.set(units)
        record_event(actor=actor, verb="peer.created", obj=peer, data={"kind": peer.kind})
    return peer


def update_peer_worker(
    *,
    actor: Any,
    peer: PeerWorker,
    experience_tags: list[ExperienceTag] | None = None,
    units: list[Unit] | None = None,
    employee_number: str | None = None,
    **changes: Any,
) -> PeerWorker:
    unknown = set(changes) - set(PEER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown peer fields: {sorted(unknown)}")
    merged = {name: getattr(peer, name) for name in PEER_FIELDS} | changes
    _check_peer(merged)
    with transaction.atomic():
        if employee_number is not None:
            account_services.set_employee_number(
                actor=actor, user=peer.user, employee_number=employee_number
            )
        changed = [name for name, value in changes.items() if getattr(peer, name) != value]
        for name in changed:
            setattr(peer, name, changes[name])
        if changed:
            peer.full_clean(exclude=["user"], validate_unique=False)
            peer.save(update_fields=changed)
        if experience_tags is not None:
            before = set(peer.experience_tags.values_list("pk", flat=True))
            if before != {t.pk for t in experience_tags}:
                peer.experience_tags.set(experience_tags)
                changed.append("experience_tags")
        if units is not None:
            before = set(peer.units.values_list("pk", flat=True))
            if before != {u.pk for u in units}:
                peer.units.set(units)
                changed.append("units")
        if changed:
            record_event(
                actor=actor, verb="peer.changed", obj=peer, data={"fields": sorted(changed)}
            )
    return peer


def create_peer_with_account(
    *,
    actor: Any,
    username: str,
    first_name: str,
    last_name: str,
    email: str = "",
    experience_tags: list[ExperienceTag] | tuple[ExperienceTag, ...] = (),
    units: list[Unit] | tuple[Unit, ...] = (),
    password: str | None = None,
    employee_number: str = "",
    **fields: Any,
) -> PeerWorker:
    """A new peer: the staff account and the profile in one step."""
    role = Role.RELATIVE_PEER if fields.get("kind") == PeerKind.RELATIVE_PEER else Role.PEER_WORKER
    with transaction.atomic():
        user = create_staff_user(
            actor=actor,
            username=username,
            role=role,
            first_name=first_name,
            last_name=last_name,
            email=email,
            password=password,
            units=units,
        )
        if employee_number:
            account_services.set_employee_number(
                actor=actor, user=user, employee_number=employee_number
            )
        return create_peer_worker(
            actor=actor, user=user, experience_tags=experience_tags, units=units, **fields
        )


def current_stop(person: Person | int) -> ProcessingStop | None:
    """Why nothing new may start with `person` (a death first), or None."""
    person_id = person if isinstance(person, int) else person.pk
    stops = list(ProcessingStop.objects.current().filter(person_id=person_id))
    order = [StopKind.DIED, StopKind.MOVED, StopKind.RESTRICTED]
    stops.sort(key=lambda stop: order.index(StopKind(stop.kind)))
    return stops[0] if stops else None


def stop_message(kind: str) -> str:
    if kind == StopKind.DIED:
        return _("The person has passed away. Nothing new can be started.")
    if kind == StopKind.MOVED:
        return _(
            "The person has moved from the region or can no longer be reached. Nothing new "
            "can be started until a coordinator lifts this."
        )
    return _(
        "Processing of the person's data is restricted. Nothing new can be started until "
        "the restriction is lifted."
    )


def ensure_may_start(person: Person | int) -> None:
    """The one guard for every path that starts something with a person: a referral moving
    on, a match, a course, a booking, a group place, a questionnaire. Raises a
    ValidationError (code "stopped") that says why, when a death, a move or a restriction
    of processing is recorded (ProcessingStop)."""
    stop = current_stop(person)
    if stop is not None:
        raise ValidationError(stop_message(stop.kind), code="stopped")


def withdrew_consent(person: Person | int, kind: str) -> bool:
    """The person withdrew their consent of `kind` and has not given it again. (A consent
    never given is another matter: it may simply not be recorded yet.)"""
    person_id = person if isinstance(person, int) else person.pk
    consents = Consent.objects.filter(person_id=person_id, kind=kind)
    withdrawn = consents.filter(withdrawn_at__isnull=False).exists()
    return withdrawn and not consents.filter(withdrawn_at__isnull=True).exists()


def has_current_consent(person: Person, kind: str) -> bool:
    return Consent.objects.current().filter(person=person, kind=kind).exists()


def record_consent(
    *,
    actor: Any,
    person: Person,
    kind: str,
    source: str,
    recipient: Person | None = None,
    scope: str = "",
    shared_items: Sequence[str] = (),
    given_at: datetime.datetime | None = None,
) -> Consent:
    """Record one consent; an existing current consent of the same kind is kept as is.

    A consent to share names the relative and what their peer's page may show
    (`shared_items`, SharedItem values; none: nothing of them)."""
    sharing = kind == ConsentKind.SHARE_WITH_RELATIVES
    if sharing and recipient is None:
        raise ValidationError({"recipient": _("Name the relative who may be told.")})
    items = sorted(set(shared_items)) if sharing else []
    if set(items) - set(SharedItem.values):
        raise ValidationError({"shared_items": _("Choose from the list.")})
    with transaction.atomic():
        existing = Consent.objects.current().filter(person=person, kind=kind, recipient=recipient)
        consent = existing.first()
        if consent is not None:
            if sharing and (sorted(consent.shared_items) != items or consent.scope != scope):
                # A change of what is shared is a new decision by the patient: the old
                # consent is withdrawn first, so the record shows both.
                raise ValidationError(
                    _(
                        "A consent to share with this relative is already on file. "
                        "Withdraw it first, then record what the person agrees to now."
                    ),
                    code="consent_exists",
                )
            return consent
        consent = Consent.objects.create(
            person=person,
            kind=kind,
            source=source,
            recipient=recipient,
            scope=scope,
            shared_items=items,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
            given_at=given_at or timezone.now(),
        )
        record_event(
            actor=actor,
            verb="consent.given",
            obj=consent,
            person_id=person.pk,
            data={"kind": kind, "source": source, "shared_items": items},
        )
    return consent


def erase_person(*, actor: Any, person: Person) -> dict[str, int]:
    """Delete a person and the people app's records of them (GDPR art. 17).

    Only after the rights app's rule has allowed it (brobygger/rights/erasure.py): no
    health records, and named in no other person's consent. The access log keeps its
    entries with the person's id; the name is gone with this row. Any record of another
    kind still pointing at the person stops the deletion (ProtectedError) and the whole
    transaction is rolled back. Returns the counts deleted, by record type.
    """
    from .models import MergedPerson

    person_id = person.pk
    with transaction.atomic():
        removed = {
            "people.Consent": Consent.objects.filter(person=person).delete()[0],
            "people.RelativeLink": RelativeLink.objects.filter(
                Q(relative=person) | Q(patient=person)
            ).delete()[0],
            "people.PersonCorrection": PersonCorrection.objects.filter(person=person).delete()[0],
            "people.PersonAccessRequest": PersonAccessRequest.objects.filter(
                person=person
            ).delete()[0],
            "people.MergedPerson": MergedPerson.objects.filter(into=person).delete()[0],
        }
        record_event(
            actor=actor,
            verb="person.erased",
            obj=person,
            person_id=person_id,
            data={"counts": {k: v for k, v in removed.items() if v}},
        )
        person.delete()
        removed["people.Person"] = 1
    return removed
