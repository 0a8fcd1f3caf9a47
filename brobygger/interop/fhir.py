"""A Bundle of HL7 FHIR R4 resources, shaped by DK Core, for persons and a period.

Resources and what they come from:

- Patient (people.Person, a patient): CPR as identifier with DK Core's system, name, gender,
  birth date, telecom, language, the unit as managing organisation. A protected address
  ("navne- og adressebeskyttelse") becomes a security label (v3 Confidentiality "R") and
  the address is left out: never the address.
- RelatedPerson (people.RelativeLink): the relationship and the relative's name, for the
  links the exporting user may see (access.py applies the policy's relative_link_q).
- Practitioner and PractitionerRole (people.PeerWorker): the peer worker's name and the
  role (patient peer or relative peer) at their units. Nothing of their own history.
- Organization (accounts.Unit): name, and the SOR id with its OID where it is known.
- ServiceRequest (referrals.Referral): the referral for peer support, with its status.
- Appointment (scheduling.Appointment) and Encounter (a held appointment): times, mode,
  participants, the referral it is based on. The peer's note is not exported: it is the
  peer-support record (DOMAIN.md, the peer note), not a clinical note for the EPJ.
- QuestionnaireResponse (outcomes.Administration, answered): the answers by item key and
  the instrument version as canonical; no item texts (some instruments are licensed).
- Consent (people.Consent): what the person agreed to, when, and a withdrawal.

Ids are stable: a resource's id is a UUID derived from its type and primary key, so a
re-export of the same record carries the same id, and references inside the Bundle are
`urn:uuid:` full URLs. Every query here is per kind of record for all persons at once:
the number of queries does not grow with the number of persons.

Reads only, with no access logging of their own: `access.py` decides who is exported and
logs it, and calls `bundle_for` with the persons it let through.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from fhir.resources.R4B.bundle import Bundle

from brobygger.accounts.models import Unit
from brobygger.outcomes.models import Administration, AdministrationStatus
from brobygger.people.models import Consent, PeerKind, PeerWorker, Person, RelativeLink
from brobygger.referrals.models import Referral, ReferralStatus
from brobygger.scheduling.models import Appointment, AppointmentStatus, Mode

CPR_SYSTEM = "urn:oid:1.2.208.176.1.2"
SOR_SYSTEM = "urn:oid:1.2.208.176.1.1"
DK_CORE = "http://hl7.dk/fhir/core/StructureDefinition/"
PROFILES = {
    "Patient": DK_CORE + "dk-core-patient",
    "RelatedPerson": DK_CORE + "dk-core-related-person",
    "Practitioner": DK_CORE + "dk-core-practitioner",
    "Organization": DK_CORE + "dk-core-organization",
}
CONFIDENTIALITY = "http://terminology.hl7.org/CodeSystem/v3-Confidentiality"
ROLE_CODE = "http://terminology.hl7.org/CodeSystem/v3-RoleCode"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
BCP47 = "urn:ietf:bcp:47"
# Stable ids: uuid5 of this namespace and "<ResourceType>/<pk>".
NAMESPACE = uuid.UUID("6f1f3c0e-2b5a-4a63-9c1e-4b7262726f62")

RELATIONSHIP_CODES: dict[str, tuple[str, str]] = {
    "parent": ("PRN", "parent"),
    "partner": ("SIGOTHR", "significant other"),
    "child": ("CHILD", "child"),
    "sibling": ("SIB", "sibling"),
    "friend": ("FRND", "unrelated friend"),
}
REFERRAL_STATUS: dict[str, str] = {
    ReferralStatus.NEW: "active",
    ReferralStatus.TRIAGED: "active",
    ReferralStatus.MATCHED: "active",
    ReferralStatus.ACTIVE: "active",
    ReferralStatus.CLOSED: "completed",
    ReferralStatus.DECLINED: "revoked",
    ReferralStatus.WITHDRAWN: "revoked",
    ReferralStatus.NO_CONTACT: "revoked",
}
APPOINTMENT_STATUS: dict[str, str] = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.HELD: "fulfilled",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.NO_SHOW: "noshow",
}
ENCOUNTER_CLASS: dict[str, tuple[str, str]] = {
    Mode.IN_PERSON: ("AMB", "ambulatory"),
    Mode.PHONE: ("VR", "virtual"),
    Mode.VIDEO: ("VR", "virtual"),
}
PEER_ROLE: dict[str, str] = {
    PeerKind.PATIENT_PEER: "Peer-medarbejder",
    PeerKind.RELATIVE_PEER: "Pårørende-peer",
}


@dataclass(frozen=True)
class Period:
    """From and to, both inclusive, in Danish dates."""

    start: datetime.date
    end: datetime.date

    def moments(self) -> tuple[datetime.datetime, datetime.datetime]:
        """The first and the last moment of the period, aware, in Copenhagen time."""
        zone = timezone.get_current_timezone()
        first = datetime.datetime.combine(self.start, datetime.time.min, tzinfo=zone)
        after = datetime.datetime.combine(
            self.end + datetime.timedelta(days=1), datetime.time.min, tzinfo=zone
        )
        return first, after


def resource_id(kind: str, pk: Any) -> str:
    return str(uuid.uuid5(NAMESPACE, f"{kind}/{pk}"))


def ref(kind: str, pk: Any, display: str | None = None) -> dict[str, Any]:
    reference: dict[str, Any] = {"reference": f"urn:uuid:{resource_id(kind, pk)}"}
    if display:
        reference["display"] = display
    return reference


def moment(value: datetime.datetime | None) -> str | None:
    """An instant in FHIR's form, with the Copenhagen offset."""
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def local_id(kind: str, pk: Any) -> dict[str, Any]:
    """Brobygger's own id of a record, so the receiver can match a later export to it."""
    return {"system": f"{settings.FHIR_IDENTIFIER_BASE}{kind}", "value": str(pk)}


class _Bundle:
    """The entries, once each: a unit or peer named by many records appears once."""

    def __init__(self) -> None:
        self.entries: dict[str, dict[str, Any]] = {}

    def add(self, kind: str, pk: Any, resource: dict[str, Any]) -> None:
        rid = resource_id(kind, pk)
        resource = {"resourceType": kind, "id": rid, **resource}
        if kind in PROFILES:
            meta = resource.setdefault("meta", {})
            meta["profile"] = [PROFILES[kind]]
        self.entries.setdefault(f"urn:uuid:{rid}", resource)

    def result(self) -> dict[str, Any]:
        return {
            "resourceType": "Bundle",
            "id": str(uuid.uuid4()),
            "type": "collection",
            "timestamp": moment(timezone.now()),
            "entry": [{"fullUrl": url, "resource": r} for url, r in self.entries.items()],
        }


def bundle_for(
    persons: Iterable[Person], links: Iterable[RelativeLink], period: Period | None = None
) -> dict[str, Any]:
    """The Bundle (as JSON-ready data, validated by fhir.resources' R4B models) of these
    persons' records, or of their records dated within `period`, with the relative links
    the exporting user may see (`links`, chosen by access.py)."""
    persons = list(persons)
    links = list(links)
    ids = [p.pk for p in persons]
    out = _Bundle()
    units: set[int] = set()
    peers: set[int] = set()
    for person in persons:
        out.add("Patient", person.pk, _patient(person))
        if person.unit_id:
            units.add(person.unit_id)
    link_of = {(link.patient_id, link.relative_id): link.pk for link in links}
    for link in links:
        out.add("RelatedPerson", link.pk, _related_person(link))
    for referral in _referrals(ids, period):
        out.add("ServiceRequest", referral.pk, _service_request(referral))
        if referral.unit_id:
            units.add(referral.unit_id)
    for appointment in _appointments(ids, period):
        out.add("Appointment", appointment.pk, _appointment(appointment))
        peers.add(appointment.peer_id)
        if appointment.status == AppointmentStatus.HELD:
            out.add("Encounter", appointment.pk, _encounter(appointment))
    for administration in _answered(ids, period):
        out.add("QuestionnaireResponse", administration.pk, _response(administration))
    for consent in _consents(ids, period):
        out.add("Consent", consent.pk, _consent(consent, link_of))
    for peer in (
        PeerWorker.objects.filter(pk__in=peers).select_related("user").prefetch_related("units")
    ):
        out.add("Practitioner", peer.pk, _practitioner(peer))
        out.add("PractitionerRole", peer.pk, _practitioner_role(peer))
        units.update(unit.pk for unit in peer.units.all())
    for unit in Unit.objects.filter(pk__in=units):
        out.add("Organization", unit.pk, _organization(unit))
    data = out.result()
    # The R4B models check every element's type and cardinality; a failure is a bug here.
    return Bundle.model_validate(data).model_dump(mode="json", exclude_none=True)


# --- the records, one query per kind -------------------------------------------------------


def _referrals(ids: list[int], period: Period | None) -> list[Referral]:
    referrals = Referral.objects.filter(person_id__in=ids).select_related("unit")
    if period:
        first, after = period.moments()
        referrals = referrals.filter(received_at__gte=first, received_at__lt=after)
    return list(referrals.order_by("received_at", "pk"))


def _appointments(ids: list[int], period: Period | None) -> list[Appointment]:
    appointments = Appointment.objects.filter(person_id__in=ids).select_related(
        "course", "peer__user", "record"
    )
    if period:
        first, after = period.moments()
        appointments = appointments.filter(starts_at__gte=first, starts_at__lt=after)
    return list(appointments.order_by("starts_at", "pk"))


def _answered(ids: list[int], period: Period | None) -> list[Administration]:
    answered = (
        Administration.objects.filter(
            course__person_id__in=ids, status=AdministrationStatus.COMPLETED
        )
        .select_related("course", "version__instrument")
        .prefetch_related("answers")
    )
    if period:
        first, after = period.moments()
        answered = answered.filter(completed_at__gte=first, completed_at__lt=after)
    return list(answered.order_by("completed_at", "pk"))


def _consents(ids: list[int], period: Period | None) -> list[Consent]:
    consents = Consent.objects.filter(person_id__in=ids)
    if period:
        first, after = period.moments()
        consents = consents.filter(given_at__lt=after).filter(
            Q(withdrawn_at__isnull=True) | Q(withdrawn_at__gte=first)
        )
    return list(consents.order_by("given_at", "pk"))


# --- one resource each ----------------------------------------------------------------------


def _patient(person: Person) -> dict[str, Any]:
    patient: dict[str, Any] = {
        "identifier": [local_id("person", person.pk)],
        "active": True,
        "name": [{"use": "official", "family": person.family_name, "given": [person.given_name]}],
        "gender": person.gender or "unknown",
    }
    if person.cpr:
        patient["identifier"].insert(0, {"system": CPR_SYSTEM, "value": person.cpr})
    if person.birth_date:
        patient["birthDate"] = person.birth_date.isoformat()
    telecom = []
    if person.phone:
        telecom.append({"system": "phone", "value": person.phone})
    if person.email:
        telecom.append({"system": "email", "value": person.email})
    if telecom:
        patient["telecom"] = telecom
    if person.protected_address:
        patient["meta"] = {
            "security": [{"system": CONFIDENTIALITY, "code": "R", "display": "restricted"}]
        }
    elif person.street or person.postal_code or person.city:
        address: dict[str, Any] = {"use": "home", "country": "DK"}
        if person.street:
            address["line"] = [person.street]
        if person.postal_code:
            address["postalCode"] = person.postal_code
        if person.city:
            address["city"] = person.city
        patient["address"] = [address]
    if person.language:
        patient["communication"] = [
            {"language": {"coding": [{"system": BCP47, "code": person.language}]}}
        ]
    if person.unit_id:
        patient["managingOrganization"] = ref("Organization", person.unit_id)
    return patient


def _related_person(link: RelativeLink) -> dict[str, Any]:
    code = RELATIONSHIP_CODES.get(link.relationship)
    relationship: dict[str, Any] = {"text": link.get_relationship_display()}
    if code:
        relationship["coding"] = [{"system": ROLE_CODE, "code": code[0], "display": code[1]}]
    related: dict[str, Any] = {
        "patient": ref("Patient", link.patient_id),
        "relationship": [relationship],
    }
    relative = link.relative
    related["name"] = [{"family": relative.family_name, "given": [relative.given_name]}]
    return related


def _organization(unit: Unit) -> dict[str, Any]:
    organization: dict[str, Any] = {
        "identifier": [local_id("unit", unit.pk)],
        "active": unit.active,
        "name": unit.name,
    }
    if unit.sor_code:
        organization["identifier"].insert(0, {"system": SOR_SYSTEM, "value": unit.sor_code})
    return organization


def _practitioner(peer: PeerWorker) -> dict[str, Any]:
    user = peer.user
    return {
        "identifier": [local_id("peer", peer.pk)],
        "active": user.is_active,
        "name": [{"family": user.last_name, "given": [user.first_name]}],
    }


def _practitioner_role(peer: PeerWorker) -> dict[str, Any]:
    role: dict[str, Any] = {
        "active": peer.user.is_active,
        "practitioner": ref("Practitioner", peer.pk),
        "code": [{"text": PEER_ROLE.get(peer.kind, peer.get_kind_display())}],
    }
    units = list(peer.units.all())
    if units:
        role["organization"] = ref("Organization", units[0].pk, units[0].name)
    return role


def _service_request(referral: Referral) -> dict[str, Any]:
    request: dict[str, Any] = {
        "identifier": [local_id("referral", referral.pk)],
        "status": REFERRAL_STATUS.get(referral.status, "unknown"),
        "intent": "order",
        "code": {"text": "Peer-støtte"},
        "subject": ref("Patient", referral.person_id),
        "authoredOn": moment(referral.received_at),
    }
    if referral.unit is not None:
        request["performer"] = [ref("Organization", referral.unit.pk, referral.unit.name)]
    if referral.reason:
        request["reasonCode"] = [{"text": referral.reason}]
    return request


def _appointment(appointment: Appointment) -> dict[str, Any]:
    participants = [
        {"actor": ref("Patient", appointment.person_id), "status": "accepted"},
        {"actor": ref("Practitioner", appointment.peer_id), "status": "accepted"},
    ]
    result: dict[str, Any] = {
        "identifier": [{"system": "urn:ietf:rfc:3986", "value": f"urn:uuid:{appointment.uid}"}],
        "status": APPOINTMENT_STATUS.get(appointment.status, "booked"),
        "serviceType": [{"text": "Peer-samtale"}],
        "start": moment(appointment.starts_at),
        "end": moment(appointment.ends_at),
        "participant": participants,
    }
    if appointment.status == AppointmentStatus.CANCELLED and appointment.cancel_reason:
        result["cancelationReason"] = {"text": appointment.cancel_reason}
    referral_id = appointment.course.referral_id
    if referral_id:
        result["basedOn"] = [ref("ServiceRequest", referral_id)]
    return result


def _encounter(appointment: Appointment) -> dict[str, Any]:
    code, display = ENCOUNTER_CLASS.get(appointment.mode, ENCOUNTER_CLASS[Mode.IN_PERSON])
    encounter: dict[str, Any] = {
        "status": "finished",
        "class": {"system": ACT_CODE, "code": code, "display": display},
        "subject": ref("Patient", appointment.person_id),
        "participant": [{"individual": ref("Practitioner", appointment.peer_id)}],
        "appointment": [ref("Appointment", appointment.pk)],
        "period": {"start": moment(appointment.starts_at), "end": moment(appointment.ends_at)},
    }
    record = getattr(appointment, "record", None)
    if record is not None:
        encounter["length"] = {
            "value": record.minutes,
            "unit": "min",
            "system": "http://unitsofmeasure.org",
            "code": "min",
        }
    referral_id = appointment.course.referral_id
    if referral_id:
        encounter["basedOn"] = [ref("ServiceRequest", referral_id)]
    return encounter


def _response(administration: Administration) -> dict[str, Any]:
    version = administration.version
    items = [
        {"linkId": answer.item_key, "answer": [{"valueInteger": answer.value}]}
        for answer in sorted(administration.answers.all(), key=lambda a: a.item_key)
        if answer.value is not None
    ]
    response: dict[str, Any] = {
        "identifier": local_id("administration", administration.pk),
        "questionnaire": (
            f"{settings.FHIR_IDENTIFIER_BASE}instrument/{version.instrument.key}|{version.version}"
        ),
        "status": "completed",
        "subject": ref("Patient", administration.course.person_id),
        "authored": moment(administration.completed_at),
    }
    if items:
        response["item"] = items
    return response


def _consent(consent: Consent, link_of: dict[tuple[int, int], int]) -> dict[str, Any]:
    provision: dict[str, Any] = {"type": "permit", "period": {"start": moment(consent.given_at)}}
    if consent.withdrawn_at:
        provision["period"]["end"] = moment(consent.withdrawn_at)
    # The recipient, where the link to that relative is exported too (else unnamed).
    link = link_of.get((consent.person_id, consent.recipient_id or 0))
    if link is not None:
        provision["actor"] = [
            {
                "role": {"coding": [{"system": ROLE_CODE, "code": "IRCP"}]},
                "reference": ref("RelatedPerson", link),
            }
        ]
    return {
        "status": "inactive" if consent.withdrawn_at else "active",
        "scope": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/consentscope",
                    "code": "patient-privacy",
                }
            ]
        },
        "category": [
            {
                "coding": [
                    {"system": f"{settings.FHIR_IDENTIFIER_BASE}consent-kind", "code": consent.kind}
                ],
                "text": consent.get_kind_display(),
            }
        ],
        "patient": ref("Patient", consent.person_id),
        "dateTime": moment(consent.given_at),
        "policyRule": {"coding": [{"system": ACT_CODE, "code": "OPTIN"}]},
        "provision": provision,
    }
