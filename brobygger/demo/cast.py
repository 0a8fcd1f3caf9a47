"""The demo programme's cast: units, staff, peer workers, and patients and relatives."""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.models import Role, Unit, User
from brobygger.lib import cpr
from brobygger.people import services as people_services
from brobygger.people.models import (
    AgeBand,
    ContactChannel,
    EducationStatus,
    ExperienceTag,
    Gender,
    PeerKind,
    PeerWorker,
    Person,
    PersonKind,
    Relationship,
)

from . import bulk, data

if TYPE_CHECKING:
    from .builder import DemoSummary

DEMO_PASSWORD = "brobygger-demo"

# Fixed demo-only TOTP keys (hex), so the printed setup key works after a reload.
# Every demo coordinator and administrator has one: their roles cannot sign in without
# two-factor, and the first authenticator otherwise comes only through a setup link.
DEMO_TOTP_KEYS = {
    "koordinator": "3132333435363738393031323334353637383930",
    "koordinator2": "6162636465666768696a6b6c6d6e6f7071727374",
    "admin": "4142434445464748494a4b4c4d4e4f5051525354",
}


def _cpr_for(rng: random.Random, born: datetime.date) -> str:
    """A CPR number whose 7th digit gives the right century; the check digit varies,
    as it does in real numbers issued since 2007."""
    while True:
        seventh = rng.choice("4") if born.year >= 2000 else rng.choice("0123")
        number = born.strftime("%d%m%y") + seventh + f"{rng.randrange(0, 1000):03d}"
        if cpr.birth_date(number) == born:
            return number


def _age_band(age: int) -> str:
    if age < 30:
        return AgeBand.A18_29
    if age < 45:
        return AgeBand.A30_44
    if age < 60:
        return AgeBand.A45_59
    return AgeBand.A60


class CastMixin:
    """Mixed into DemoBuilder, which provides the attributes below: `rng`, `scale`,
    `today`, `summary` and `used_cpr` from its start, the units and tags its staff phase
    keeps from `_units` and `_tags`; `_staff` sets the coordinator and the clinicians."""

    rng: random.Random
    scale: int
    today: datetime.date
    summary: DemoSummary
    used_cpr: set[str]
    units: list[Unit]
    tags: list[ExperienceTag]
    coordinator: User
    clinicians: list[User]

    # -- programme structure -------------------------------------------------
    def _units(self) -> list[Unit]:
        units = []
        for copy in range(self.scale):
            for i, (name, kind, _sor, location) in enumerate(data.UNITS):
                label = name if copy == 0 else f"{name} ({copy + 1})"
                sor = f"{265000000000000 + copy * 100 + i + 1}"
                units.append(
                    Unit.objects.create(name=label, kind=kind, sor_code=sor, location=location)
                )
        self.summary.units = len(units)
        return units

    def _tags(self) -> list[ExperienceTag]:
        return [
            ExperienceTag.objects.create(slug=s, name_da=da, name_en=en)
            for s, da, en in data.EXPERIENCE_TAGS
        ]

    def _user(
        self,
        username: str,
        role: str,
        first: str,
        last: str,
        *,
        units: list[Unit] | tuple[Unit, ...] = (),
        password: str | None = DEMO_PASSWORD,
    ) -> User:
        user = people_services.create_staff_user(
            actor=None,
            username=username,
            role=role,
            first_name=first,
            last_name=last,
            email=f"{username}@demo.brobygger.invalid",
            password=password,
            units=units,
        )
        if password:
            self.summary.logins.append((username, str(Role(role).label), password))
        key = DEMO_TOTP_KEYS.get(username)
        if key:
            TOTPDevice.objects.create(user=user, name="Demo", key=key, confirmed=True)
        return user

    def _staff(self) -> None:
        first_set = self.units[: len(data.UNITS)]
        self.coordinator = self._user(
            "koordinator", Role.COORDINATOR, "Mette", "Kragh", units=self.units
        )
        self._user("koordinator2", Role.COORDINATOR, "Jonas", "Bech", units=first_set[2:4])
        self.clinicians = [
            self._user("sygeplejerske", Role.CLINICIAN, "Hanne", "Vinther", units=first_set[:1]),
            self._user("laege", Role.CLINICIAN, "Karim", "Saleh", units=first_set[4:5]),
            self._user("socialraadgiver", Role.CLINICIAN, "Lone", "Dahl", units=first_set[2:3]),
        ]
        self._user("evaluator", Role.EVALUATOR, "Signe", "Holt")
        self._user("admin", Role.ADMINISTRATOR, "Per", "Lindholm")

    def _peers(self) -> list[PeerWorker]:
        rng = self.rng
        peers = []
        rows: list[dict[str, Any]] = []
        count = 12 * self.scale
        for i in range(count):
            kind = PeerKind.RELATIVE_PEER if i % 4 == 3 else PeerKind.PATIENT_PEER
            female = rng.random() < 0.6
            first = rng.choice(data.FEMALE if female else data.MALE)
            last = rng.choice(data.FAMILY)
            username = "peer" if i == 0 else ("paarorendepeer" if i == 3 else f"peer{i + 1}")
            # Part-time contracts the programme's caseloads fill (issue 19): 8-14 hours.
            hours_min = Decimal(rng.choice([8, 8, 9, 10]))
            hours_max = hours_min + Decimal(rng.choice([3, 4, 4]))
            start = self.today - datetime.timedelta(days=rng.randrange(60, 700))
            end = start + datetime.timedelta(days=rng.choice([365, 540, 730, 1095]))
            if end <= self.today:
                end = self.today + datetime.timedelta(days=rng.randrange(30, 300))
            n_tags = rng.randint(2, 5)
            tags = rng.sample(self.tags[:-1], n_tags)
            if kind == PeerKind.RELATIVE_PEER:
                tags = [self.tags[-1], *rng.sample(self.tags[:4], 1)]
            home = self.units[(i * 3) % len(self.units)]
            second = self.units[(i * 3 + 4) % len(self.units)]
            languages = ["da"] + (["en"] if rng.random() < 0.5 else [])
            if rng.random() < 0.15:
                languages.append(rng.choice(["ar", "tr", "pl", "uk"]))
            fields: dict[str, Any] = {
                "username": username,
                "first_name": first,
                "last_name": last,
                "email": f"{username}@demo.brobygger.invalid",
                "experience_tags": tags,
                "units": [home, second],
                "kind": kind,
                "languages": languages,
                "gender": Gender.FEMALE if female else Gender.MALE,
                "age_band": rng.choice(AgeBand.values),
                "hours_min": hours_min,
                "hours_max": hours_max,
                "contract_start": start,
                "contract_end": end,
                "education_status": rng.choices(EducationStatus.values, weights=[7, 2, 1])[0],
            }
            if i >= 12:  # no password: written in bulk below, as the service writes them
                rows.append(fields)
                continue
            peer = people_services.create_peer_with_account(
                actor=self.coordinator if hasattr(self, "coordinator") else None,
                password=DEMO_PASSWORD,
                **fields,
            )
            if username in ("peer", "paarorendepeer"):
                self.summary.logins.append(
                    (username, str(Role(peer.user.role).label), DEMO_PASSWORD)
                )
            peers.append(peer)
        actor = self.coordinator if hasattr(self, "coordinator") else None
        peers.extend(bulk.create_peers(actor=actor, rows=rows))
        self.summary.peers = len(peers)
        return peers

    # -- persons -------------------------------------------------------------
    def _person_fields(self, kind: str) -> dict[str, Any]:
        rng = self.rng
        female = rng.random() < 0.55
        age = rng.randint(18, 75) if kind == PersonKind.PATIENT else rng.randint(20, 80)
        born = self.today - datetime.timedelta(days=age * 365 + rng.randrange(0, 365))
        number = None
        if rng.random() < 0.85:
            number = _cpr_for(rng, born)
            while number in self.used_cpr:
                number = _cpr_for(rng, born)
            self.used_cpr.add(number)
        language = "da"
        roll = rng.random()
        for code, share in data.OTHER_LANGUAGES:
            if roll < share:
                language = code
                break
            roll -= share
        postal, city = rng.choice(data.CITIES)
        return {
            "kind": kind,
            "given_name": rng.choice(data.FEMALE if female else data.MALE),
            "family_name": rng.choice(data.FAMILY),
            "cpr": number,
            "birth_date": born,
            "gender": Gender.FEMALE if female else Gender.MALE,
            "language": language,
            "phone": f"{rng.choice('2345678')}{rng.randrange(0, 10_000_000):07d}",
            "email": "" if rng.random() < 0.4 else f"person{rng.randrange(10**6)}@example.invalid",
            "street": f"{rng.choice(data.STREETS)} {rng.randint(1, 120)}",
            "postal_code": postal,
            "city": city,
            "protected_address": rng.random() < 0.02,
            "contact_channel": rng.choices(ContactChannel.values, weights=[5, 3, 2, 2, 1])[0],
            "contact_times": rng.choice(["", "Formiddag", "Efter kl. 15", "Hverdage 10-14"]),
        }

    def _persons(self) -> list[Person]:
        """Patients, then relatives; written as create_person writes them (bulk.py)."""
        rng = self.rng
        rows: list[tuple[dict[str, Any], Person | None, str]] = []
        for _ in range(240 * self.scale):
            fields = self._person_fields(PersonKind.PATIENT)
            fields["unit"] = rng.choice(self.units)
            rows.append((fields, None, ""))
        patients = bulk.create_persons(actor=self.coordinator, rows=rows)
        rows = []
        for i in range(60 * self.scale):
            fields = self._person_fields(PersonKind.RELATIVE)
            # Two in three relatives are linked to a patient; the others came on their own.
            patient = rng.choice(patients) if i % 3 else None
            fields["unit"] = patient.unit if patient else None
            rows.append((fields, patient, rng.choice(Relationship.values) if patient else ""))
        persons = [*patients, *bulk.create_persons(actor=self.coordinator, rows=rows)]
        self.summary.persons = len(persons)
        return persons
