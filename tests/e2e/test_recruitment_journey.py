"""An applicant applies for a peer job from a phone with a PDF CV; the coordinator of
the posting's unit sees the application and downloads the CV, and both looks are logged."""

from __future__ import annotations

import datetime
import shutil
import tempfile
from decimal import Decimal

from django.test import override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.models import Role
from brobygger.audit.models import AccessLogEntry
from brobygger.people.models import PeerKind
from brobygger.recruitment import services
from brobygger.recruitment.models import Application
from brobygger.testing import make_unit, make_user

from .conftest import assert_accessible, screenshot
from .test_foundation_journey import sign_in

PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def test_applicant_applies_from_a_phone_and_the_coordinator_downloads_the_cv(
    phone_page, page, live_server, transactional_db
) -> None:
    media_root = tempfile.mkdtemp(prefix="brobygger-e2e-cv-")
    try:
        with override_settings(MEDIA_ROOT=media_root):
            _journey(phone_page, page, live_server.url)
    finally:
        shutil.rmtree(media_root, ignore_errors=True)


def _journey(phone_page, page, base: str) -> None:
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    coordinator = make_user("koordinator", Role.COORDINATOR, units=(unit,))
    device = TOTPDevice.objects.create(user=coordinator, name="app", confirmed=True)
    today = timezone.localdate()
    posting = services.create_posting(
        actor=coordinator,
        unit=unit,
        peer_kind=PeerKind.PATIENT_PEER,
        title_da="Peer-medarbejder i Roskilde",
        title_en="Peer worker in Roskilde",
        hours_min=Decimal(8),
        hours_max=Decimal(15),
        period_start=today + datetime.timedelta(days=60),
        period_end=today + datetime.timedelta(days=500),
        work_da="Samtaler med patienter ud fra udskrivningsguiden.",
        work_en="Conversations with patients based on the discharge guide.",
        looking_for_da="Egne bearbejdede erfaringer med psykisk sygdom.",
        looking_for_en="Your own worked-through experience of mental illness.",
        how_to_apply_da="Søg via formularen.",
        how_to_apply_en="Apply through the form.",
        deadline=today + datetime.timedelta(days=14),
    )
    services.set_published(actor=coordinator, posting=posting, published=True)

    # The applicant, on a 360 px phone.
    phone = phone_page
    phone.goto(f"{base}/job/")
    assert_accessible(phone, "job list")
    phone.locator(f"#job-{posting.pk} a").click()
    phone.locator("#apply-link").click()
    assert_accessible(phone, "job application form")
    phone.locator("#id_name").fill("Hanne Holm")
    phone.locator("#id_email").fill("hanne@example.org")
    phone.locator("#id_motivation").fill("Jeg vil gerne give håb videre.")
    phone.locator("#id_experience").fill("Indlagt to gange; en peer hjalp mig.")
    phone.locator("#id_cv").set_input_files(
        files=[{"name": "Hanne Holm CV.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    phone.locator("#id_consent").check()
    screenshot(phone, "recruitment-apply-phone")
    phone.locator("#send-application").click()
    phone.locator("#application-received").wait_for()
    assert_accessible(phone, "job application receipt")
    application = Application.objects.get()
    assert application.cv_kind == "pdf"

    # The coordinator finds the application and downloads the CV.
    sign_in(page, base, "koordinator", device)
    page.goto(f"{base}/rekruttering/opslag/{posting.pk}/ansoegninger/")
    assert_accessible(page, "application list")
    page.locator(f"#application-{application.pk} a").click()
    page.locator("#application-status").wait_for()
    assert_accessible(page, "application detail")
    with page.expect_download() as download_info:
        page.locator("#cv-download").click()
    download = download_info.value
    assert download.suggested_filename == f"cv-{application.pk}.pdf"
    with open(download.path(), "rb") as handle:
        assert handle.read() == PDF_BYTES

    looks = AccessLogEntry.objects.filter(
        user=coordinator, object_type="recruitment.application", object_id=application.pk
    )
    assert set(looks.values_list("action", flat=True)) == {"view", "export"}
