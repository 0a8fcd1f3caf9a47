"""The administrator answers a person's request: finds the person, reads the warning,
downloads the PDF copy, and erases a self-referral that never became a course."""

from __future__ import annotations

import io

from django_otp.plugins.otp_totp.models import TOTPDevice
from pypdf import PdfReader

from brobygger.accounts.models import Role
from brobygger.audit.models import AuditEvent
from brobygger.people.models import ConsentKind, ConsentSource, Person, PersonKind
from brobygger.referrals import services as referral_services
from brobygger.referrals.models import ReferralSource
from brobygger.testing import TODAY, make_course, make_peer, make_person, make_unit, make_user

from .conftest import assert_accessible, screenshot
from .test_foundation_journey import sign_in


def test_administrator_makes_a_copy_and_erases_a_self_referral(page, live_server, transactional_db):
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    admin = make_user("admin", Role.ADMINISTRATOR)
    device = TOTPDevice.objects.create(user=admin, name="app", confirmed=True)
    soren = make_person("Søren", unit=unit, cpr="0101901235", phone="20304050")
    make_course(soren, make_peer("peer", units=(unit,)))
    signe = referral_services.create_referral(
        actor=None,
        source=ReferralSource.SELF,
        person_fields={"kind": PersonKind.PATIENT, "given_name": "Signe", "family_name": "Holm"},
        unit=None,
        consent_source=ConsentSource.ONLINE,
        consents=(ConsentKind.CONTACT,),
    ).person
    base = live_server.url

    sign_in(page, base, "admin", device)
    page.get_by_role("navigation", name="Hovedmenu").get_by_role(
        "link", name="Indsigt og sletning"
    ).click()
    page.get_by_label("Navn eller CPR-nummer").fill("Søren")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Søren Andersen").click()
    page.get_by_role("heading", name="Kopi af personens oplysninger").wait_for()
    assert "Søren" not in page.title()
    assert_accessible(page, "rights page")
    screenshot(page, "rights-person")

    page.locator("#id_copy-received_on").fill(TODAY.isoformat())
    with page.expect_download(timeout=180_000) as download:
        page.get_by_role("button", name="Lav kopien (logges)").click()
    pdf = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    text = "".join(p.extract_text() for p in pdf.pages)
    assert "Søren Andersen" in text
    assert "Personen kan ikke slettes nu" in page.content()

    page.goto(f"{base}/rettigheder/person/{signe.pk}/")
    page.locator("#id_erase-received_on").fill(TODAY.isoformat())
    page.get_by_label("Jeg har kontrolleret").check()
    page.get_by_role("button", name="Slet personen").click()
    page.get_by_text("Personen er slettet").wait_for()
    assert not Person.objects.filter(pk=signe.pk).exists()
    assert AuditEvent.objects.filter(verb="rights.erased", person_id=signe.pk).exists()
