"""Every change to persons and peer profiles. Keyword-only, with an actor, audited."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from brobygger.accounts import services as account_services
from brobygger.accounts.models import Role, Unit, User
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
    PersonKind,
    RelativeLink,
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


def _clean_cpr(value: str | None, *, exclude_pk: int | None = None) -> str | None:
    if not value:
        return None
    number = cpr.validate(value)
    clash = Person.objects.filter(cpr=number)
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError(
            {"cpr": _("A person with this CPR number is already registered.")}, code="duplicate"
        )
    return number


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
    with transaction.atomic():
        fields["cpr"] = _clean_cpr(fields.get("cpr"))
        if fields["cpr"] and not fields.get("birth_date"):
            fields["birth_date"] = cpr.birth_date(fields["cpr"])
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
        log_access(
            user=actor, action=AccessAction.CREATE, purpose=purpose, person_id=person.pk, obj=person
        )
    return person


def update_person(
    *, actor: Any, person: Person, purpose: str = Purpose.COORDINATION, **changes: Any
) -> Person:
    unknown = set(changes) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"Unknown person fields: {sorted(unknown)}")
    with transaction.atomic():
        if "cpr" in changes:
            changes["cpr"] = _clean_cpr(changes["cpr"], exclude_pk=person.pk)
            if changes["cpr"] and not changes.get("birth_date"):
                changes["birth_date"] = cpr.birth_date(changes["cpr"])
        changed = [name for name, value in changes.items() if getattr(person, name) != value]
        for name in changed:
            setattr(person, name, changes[name])
        if not changed:
            return person
        person.full_clean(validate_unique=False)
        person.save(update_fields=[*changed, "updated_at"])
        record_event(
            actor=actor,
            verb="person.changed",
            obj=person,
            person_id=person.pk,
            data={"fields": sorted(changed)},
        )
        log_access(
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
    **changes: Any,
) -> PeerWorker:
    unknown = set(changes) - set(PEER_FIELDS)
    if unknown:
        raise TypeError(f"Unknown peer fields: {sorted(unknown)}")
    merged = {name: getattr(peer, name) for name in PEER_FIELDS} | changes
    _check_peer(merged)
    with transaction.atomic():
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
        return create_peer_worker(
            actor=actor, user=user, experience_tags=experience_tags, units=units, **fields
        )


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
    given_at: datetime.datetime | None = None,
) -> Consent:
    """Record one consent; an existing current consent of the same kind is kept as is."""
    if kind == ConsentKind.SHARE_WITH_RELATIVES and recipient is None:
        raise ValidationError({"recipient": _("Name the relative who may be told.")})
    with transaction.atomic():
        existing = Consent.objects.current().filter(person=person, kind=kind, recipient=recipient)
        consent = existing.first()
        if consent is not None:
            return consent
        consent = Consent.objects.create(
            person=person,
            kind=kind,
            source=source,
            recipient=recipient,
            scope=scope,
            recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
            given_at=given_at or timezone.now(),
        )
        record_event(
            actor=actor,
            verb="consent.given",
            obj=consent,
            person_id=person.pk,
            data={"kind": kind, "source": source},
        )
    return consent
