"""The API's request and response bodies (pydantic through django-ninja)."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Annotated, Any

from django.utils import timezone
from ninja import Schema
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
)

from brobygger.people.models import ContactChannel, Language, PersonKind
from brobygger.referrals.models import TreatmentSetting


def _printable(value: str) -> str:
    """No NUL or other control characters but line breaks and tabs: a database keeps none."""
    if any(ord(c) < 32 and c not in "\n\t\r" for c in value):
        raise ValueError("control characters are not allowed")
    return value


def Text(max_length: int, *, min_length: int = 0) -> type[str]:
    return Annotated[  # type: ignore[return-value]
        str,
        StringConstraints(min_length=min_length, max_length=max_length, strip_whitespace=True),
        AfterValidator(_printable),
    ]


EARLIEST = datetime.datetime(1900, 1, 1, tzinfo=datetime.UTC)
LATEST = datetime.datetime(2200, 1, 1, tzinfo=datetime.UTC)


def _aware(value: datetime.datetime) -> datetime.datetime:
    """A moment without a time zone is Copenhagen time. A filter's moment before 1900 or
    after 2200 is taken as that bound: no record lies outside, and the extreme years
    cannot be moved between time zones."""
    if value.year < 1900:
        return EARLIEST
    if value.year >= 2200:
        return LATEST
    if value.tzinfo is None:
        value = timezone.make_aware(value)
    return value


RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:\d{2})?$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _moment_text(value: Any) -> Any:
    """Only a written moment (2026-01-31T08:00:00+01:00): pydantic would also take a bare
    number as seconds since 1970, which no integration means."""
    if not isinstance(value, str) or not RFC3339.match(value):
        raise ValueError("write the moment as in 2026-01-31T08:00:00+01:00")
    return value


def _date_text(value: Any) -> Any:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if not isinstance(value, str) or not ISO_DATE.match(value):
        raise ValueError("write the date as in 2026-01-31")
    return value


Moment = Annotated[datetime.datetime, BeforeValidator(_moment_text), AfterValidator(_aware)]
Day = Annotated[datetime.date, BeforeValidator(_date_text)]


class FieldError(Schema):
    field: str
    message: str


class ErrorOut(Schema):
    """Every error answer: what went wrong, in the integration's language (Danish by
    default, English with Accept-Language: en), and per field where a field is wrong."""

    detail: str
    errors: list[FieldError] = []


class PersonOut(Schema):
    id: int
    given_name: str
    family_name: str


class ReferralOut(Schema):
    id: int
    status: str
    source: str
    person: PersonOut
    unit_id: int | None
    treatment_setting: str
    expected_discharge: datetime.date | None
    received_at: datetime.datetime
    status_changed_at: datetime.datetime


class ReferralPage(Schema):
    count: int
    items: list[ReferralOut]


class ReferralIn(Schema):
    model_config = ConfigDict(extra="forbid")  # a misspelt field is an error, not ignored

    client_key: Annotated[
        str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9._:\-]+$")
    ] = Field(description="The sender's own id of this referral: a retry with it is safe.")
    kind: PersonKind = PersonKind.PATIENT
    given_name: Text(100, min_length=1)  # type: ignore[valid-type]
    family_name: Text(100, min_length=1)  # type: ignore[valid-type]
    cpr: Annotated[str, StringConstraints(pattern=r"^\d{6}-?\d{4}$")] | None = None
    phone: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ]{8,20}$")] | None = None
    email: Text(254) | None = None  # type: ignore[valid-type]
    contact_channel: ContactChannel = ContactChannel.PHONE
    language: Language = Language.DA
    unit_id: Annotated[StrictInt, Field(ge=1, le=2**31 - 1)] | None = None
    treatment_setting: TreatmentSetting = TreatmentSetting.INPATIENT
    expected_discharge: Day | None = None
    reason: Text(2000) = ""  # type: ignore[valid-type]
    consent_written: StrictBool = False


class PeerOut(Schema):
    id: int
    name: str


class CourseOut(Schema):
    id: int
    person: PersonOut
    referral_id: int | None
    unit_id: int | None
    peer: PeerOut
    support_model: str
    phase: str
    started_on: datetime.date
    ended_on: datetime.date | None
    end_reason: str


class CoursePage(Schema):
    count: int
    items: list[CourseOut]


class AppointmentOut(Schema):
    id: int
    uid: uuid.UUID
    course_id: int
    person_id: int
    peer_id: int
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    mode: str
    status: str


class AppointmentPage(Schema):
    count: int
    items: list[AppointmentOut]
