"""Builders for recruitment tests; they go through the real services."""

from __future__ import annotations

import datetime
import io
import zipfile
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import timezone

from brobygger.accounts.models import Unit
from brobygger.lib.dates import local_datetime
from brobygger.people.models import PeerKind
from brobygger.recruitment import interviews, services
from brobygger.recruitment.models import Application, Interview, JobPosting
from brobygger.testing import BaseTestCase

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def pdf_upload(name: str = "cv.pdf", content: bytes = PDF_BYTES) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def make_posting(
    unit: Unit | None,
    *,
    published: bool = True,
    deadline: datetime.date | None = None,
    **fields: Any,
) -> JobPosting:
    today = timezone.localdate()
    values: dict[str, Any] = {
        "unit": unit,
        "peer_kind": PeerKind.PATIENT_PEER,
        "title_da": "Peer-medarbejder i Roskilde",
        "title_en": "Peer worker in Roskilde",
        "hours_min": Decimal(8),
        "hours_max": Decimal(15),
        "period_start": today + datetime.timedelta(days=60),
        "period_end": today + datetime.timedelta(days=500),
        "work_da": "Samtaler med patienter ud fra udskrivningsguiden.",
        "work_en": "Conversations with patients based on the discharge guide.",
        "looking_for_da": "Egne bearbejdede erfaringer med psykisk sygdom.",
        "looking_for_en": "Your own worked-through experience of mental illness.",
        "how_to_apply_da": "Søg via formularen.",
        "how_to_apply_en": "Apply through the form.",
        "deadline": deadline or today + datetime.timedelta(days=14),
    }
    values.update(fields)
    posting = services.create_posting(actor=None, **values)
    if published:
        services.set_published(actor=None, posting=posting, published=True)
    return posting


def make_application(posting: JobPosting, *, cv: bool = False, **fields: Any) -> Application:
    values: dict[str, Any] = {
        "name": "Hanne Holm",
        "email": "hanne@example.org",
        "phone": "",
        "motivation": "Jeg vil gerne give håb videre.",
        "experience": "Indlagt to gange, kom mig med hjælp fra en peer.",
        "consent": True,
    }
    values.update(fields)
    if cv:
        values |= {"cv": pdf_upload(), "cv_kind": "pdf"}
    return services.submit_application(posting=posting, **values)


CRITERIA = [
    ("Har været i behandling i psykiatrien", "Has been treated in psychiatry"),
    ("Har erfaring med at komme sig", "Has experience of recovering"),
    ("Har gode samarbejdsevner", "Works well with others"),
]


def next_weekday(weekday: int, weeks_ahead: int = 1) -> datetime.date:
    today = timezone.localdate()
    return today + datetime.timedelta(days=(weekday - today.weekday()) % 7 + 7 * weeks_ahead)


def at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return local_datetime(day, datetime.time(hour, minute))


def make_interview(
    application: Application,
    *,
    panel: Iterable[Any],
    starts_at: datetime.datetime,
    minutes: int = 45,
    mode: str = "video",
    place: str = "",
    actor: Any = None,
) -> Interview:
    """An interview through the real booking service; a past time is allowed for tests."""
    return interviews.book_interview(
        actor=actor,
        application=application,
        starts_at=starts_at,
        minutes=minutes,
        mode=mode,
        place=place,
        panel=[getattr(member, "user", member) for member in panel],
        allow_past=starts_at < timezone.now(),
    )


# Uploaded files go through Django's storage API only; tests keep them in memory.
IN_MEMORY_STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}


def stored_files(path: str = "") -> set[str]:
    """Every file name in the default storage, under `path`."""
    directories, files = default_storage.listdir(path)
    names = {f"{path}{name}" for name in files}
    for directory in directories:
        names |= stored_files(f"{path}{directory}/")
    return names


class TempMediaTestCase(BaseTestCase):
    """CV files go to an in-memory storage of this test class, thrown away afterwards."""

    _storages: override_settings

    @classmethod
    def setUpClass(cls) -> None:
        cls._storages = override_settings(STORAGES=IN_MEMORY_STORAGES)
        cls._storages.enable()
        super().setUpClass()

    @classmethod
    def tearDownClass(cls) -> None:
        super().tearDownClass()
        cls._storages.disable()
