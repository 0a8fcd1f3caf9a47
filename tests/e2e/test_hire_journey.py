"""Issue 9's whole road: an applicant applies on the public site with a CV, the coordinator
shortlists, books an interview with a panel, offers the job and hires, and hands over the
invitation link; the new peer opens it on a phone, chooses a password, sets up two-factor
login, lands on their home and sees the onboarding checklist. A used link then says so."""

from __future__ import annotations

import datetime
import shutil
import tempfile
from decimal import Decimal

from django.test import override_settings
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.models import Role
from brobygger.onboarding.models import Invitation, ItemKind, OnboardingItem
from brobygger.people.models import PeerKind
from brobygger.recruitment import services
from brobygger.recruitment.models import Application, ApplicationStatus, Interview, InterviewSeat
from brobygger.testing import make_unit, make_user

from .conftest import assert_accessible, screenshot
from .test_foundation_journey import code_for, sign_in

NEW_PASSWORD = "solsikke-havtorn-pendul-7"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def _posting(coordinator, unit):
    today = timezone.localdate()
    posting = services.create_posting(
        actor=coordinator,
        unit=unit,
        peer_kind=PeerKind.PATIENT_PEER,
        title_da="Peer-medarbejder i Roskilde",
        title_en="Peer worker in Roskilde",
        hours_min=Decimal(8),
        hours_max=Decimal(15),
        period_start=today + datetime.timedelta(days=3),
        period_end=today + datetime.timedelta(days=365),
        work_da="Samtaler med patienter ud fra udskrivningsguiden.",
        work_en="Conversations with patients based on the discharge guide.",
        looking_for_da="Egne bearbejdede erfaringer med psykisk sygdom.",
        looking_for_en="Your own worked-through experience of mental illness.",
        how_to_apply_da="Søg via formularen.",
        how_to_apply_en="Apply through the form.",
        deadline=today + datetime.timedelta(days=14),
    )
    services.set_published(actor=coordinator, posting=posting, published=True)
    return posting


def _apply_on_the_public_site(phone, base: str, posting) -> Application:
    phone.goto(f"{base}/job/")
    phone.locator(f"#job-{posting.pk} a").click()
    phone.locator("#apply-link").click()
    phone.locator("#id_name").fill("Hanne Holm")
    phone.locator("#id_email").fill("hanne@example.org")
    phone.locator("#id_motivation").fill("Jeg vil gerne give håb videre.")
    phone.locator("#id_experience").fill("Indlagt to gange; en peer hjalp mig.")
    phone.locator("#id_cv").set_input_files(
        files=[{"name": "Hanne Holm CV.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}]
    )
    phone.locator("#id_consent").check()
    phone.locator("#send-application").click()
    phone.locator("#application-received").wait_for()
    application = Application.objects.get()
    assert application.cv_kind == "pdf"
    return application


def _change_status(page, to: str) -> None:
    page.locator("#id_to").select_option(to)
    page.locator("#change-status").click()
    page.locator("#application-status").wait_for()


def _shortlist_interview_and_offer(page, base: str, coordinator, application) -> None:
    page.goto(f"{base}/rekruttering/ansoegninger/{application.pk}/")
    _change_status(page, ApplicationStatus.SHORTLISTED)
    assert page.locator("#application-status").inner_text() == "På kortlisten"

    # Book the interview with a panel; the guard would refuse a double booking.
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    page.locator("#id_date").fill(tomorrow.isoformat())
    page.locator("#id_time").fill("10:00")
    page.locator("#id_place").fill("Mødelokale 2, stueetagen")
    page.locator(f"input[name=panel][value='{coordinator.pk}']").check()
    assert_accessible(page, "application with interview booking")
    page.locator("#book-interview").click()
    interview = Interview.objects.get(application=application)
    page.locator(f"#interview-{interview.pk}").wait_for()
    assert page.locator("#application-status").inner_text() == "Til samtale"
    screenshot(page, "hire-interview-booked")

    # A day passes: the interview took place, and the coordinator offers the job.
    ago = timezone.now() - datetime.timedelta(hours=2)
    Interview.objects.filter(pk=interview.pk).update(
        starts_at=ago, ends_at=ago + datetime.timedelta(minutes=45)
    )
    InterviewSeat.objects.filter(interview=interview).update(
        starts_at=ago, ends_at=ago + datetime.timedelta(minutes=45)
    )
    page.reload()
    page.locator(f"#held-{interview.pk}").click()
    page.locator(f"#interview-{interview.pk}").wait_for()
    _change_status(page, ApplicationStatus.OFFERED)
    assert page.locator("#application-status").inner_text() == "Tilbudt stilling"


def test_applicant_is_interviewed_hired_and_signs_in_through_the_invitation(
    page, phone_page, browser, live_server, transactional_db
) -> None:
    media_root = tempfile.mkdtemp(prefix="brobygger-e2e-hire-")
    try:
        with override_settings(MEDIA_ROOT=media_root):
            _journey(page, phone_page, browser, live_server.url)
    finally:
        shutil.rmtree(media_root, ignore_errors=True)


def _journey(page, phone_page, browser, base: str) -> None:
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    coordinator = make_user("koordinator", Role.COORDINATOR, units=(unit,))
    device = TOTPDevice.objects.create(user=coordinator, name="app", confirmed=True)
    posting = _posting(coordinator, unit)

    # An applicant applies on the public site from a phone, with a CV.
    application = _apply_on_the_public_site(phone_page, base, posting)

    # The coordinator shortlists, books an interview with a panel, and offers the job.
    sign_in(page, base, "koordinator", device)
    page.get_by_role("heading", name="Programmet i dag").wait_for()
    _shortlist_interview_and_offer(page, base, coordinator, application)

    # Then hires.
    page.locator("#hire-link").click()
    page.get_by_role("heading", name="Ansæt Hanne Holm").wait_for()
    assert page.locator("#id_username").input_value() == "hanneh"
    assert page.locator("#id_hours_min").input_value() == "8.0"
    assert_accessible(page, "hire form")
    screenshot(page, "hire-form")
    page.locator("#id_introduction_by").fill("Afdelingssygeplejerske Lise Holm")
    page.locator("#hire-submit").click()
    page.get_by_role("heading", name="Onboarding af Hanne Holm").wait_for()
    assert "Hanne" not in page.title()
    link = page.locator("#invitation-link").input_value()
    assert link.startswith(f"{base}/invitation/")
    assert_accessible(page, "new peer's onboarding page")
    screenshot(page, "hire-onboarding-coordinator")

    # The new peer, on their own phone: choose a password.
    phone = phone_page
    phone.goto(link)
    phone.get_by_role("heading", name="Velkommen til peer-støtteprogrammet").wait_for()
    assert phone.locator("#invitation-username").inner_text() == "hanneh"
    assert_accessible(phone, "invitation: password")
    phone.get_by_label("Vælg en adgangskode").fill("kort")
    phone.get_by_label("Skriv adgangskoden igen").fill("kort")
    phone.get_by_role("button", name="Fortsæt").click()
    phone.locator(".error-summary").wait_for()
    assert_accessible(phone, "invitation: password errors")
    screenshot(phone, "invitation-password-errors-phone")
    phone.get_by_label("Vælg en adgangskode").fill(NEW_PASSWORD)
    phone.get_by_label("Skriv adgangskoden igen").fill(NEW_PASSWORD)
    phone.get_by_role("button", name="Fortsæt").click()

    # Then two-factor: the code from the key the page shows (here: read from the database).
    phone.get_by_role("heading", name="Slå to-faktor-godkendelse til").wait_for()
    assert_accessible(phone, "invitation: two-factor")
    screenshot(phone, "invitation-two-factor-phone")
    pending = TOTPDevice.objects.get(user__username="hanneh", confirmed=False)
    phone.get_by_label("Kode fra din godkendelsesapp").fill(code_for(pending))
    phone.get_by_role("button", name="Slå til og log ind").click()

    # The recovery codes, shown once; then home.
    phone.get_by_role("heading", name="Gendannelseskoder").wait_for()
    assert phone.locator("#recovery-codes code").count() == 10
    assert_accessible(phone, "invitation: recovery codes")
    phone.get_by_role("link", name="Jeg har gemt koderne").click()

    # Home, with the onboarding checklist.
    phone.get_by_role("heading", name="Min dag").wait_for()
    phone.get_by_role("heading", name="Kom godt i gang").wait_for()
    checklist = phone.locator("#onboarding")
    assert checklist.get_by_text("Kontrakt underskrevet").is_visible()
    assert checklist.get_by_text("Afdelingssygeplejerske Lise Holm").is_visible()
    assert "Ansvarlig: Dig" in checklist.inner_text()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page scrolls sideways on a phone: {width}px"
    assert_accessible(phone, "peer home with onboarding")
    screenshot(phone, "hire-peer-home-phone")

    # The peer ticks off their own step (htmx swaps the row).
    it_item = OnboardingItem.objects.get(peer__user__username="hanneh", kind=ItemKind.IT_SECURITY)
    phone.locator(f"#tick-{it_item.pk}").click()
    phone.locator(f"#untick-{it_item.pk}").wait_for()
    assert phone.locator("#onboarding-progress").inner_text() == "1 af 5 trin udført."
    it_item.refresh_from_db()
    assert it_item.done_on is not None
    screenshot(phone, "hire-peer-ticked-phone")
    assert Invitation.objects.get().used_at is not None

    # The link is spent: another browser opening it learns nothing of the person.
    context = browser.new_context(locale="da-DK")
    try:
        other = context.new_page()
        other.goto(link)
        other.get_by_role("heading", name="Linket virker ikke").wait_for()
        assert "hanneh" not in other.content()
        assert "Hanne" not in other.content()
        assert_accessible(other, "invitation: used link")
        screenshot(other, "invitation-used")
    finally:
        context.close()

    # The coordinator sees the peer's tick.
    page.reload()
    page.locator(f"#item-{it_item.pk}").get_by_text("Udført").wait_for()
    assert page.locator("#invitation-link").count() == 0

    # The list of new peers shows the progress.
    page.get_by_role("link", name="Alle nye peer-medarbejdere").click()
    page.get_by_role("heading", name="Nye peer-medarbejdere").wait_for()
    row = page.locator("#onboarding-table tbody tr").first
    assert "1 / 5" in row.inner_text()
    assert_accessible(page, "new peers overview")
    screenshot(page, "hire-overview")
