"""A person answers the discharge questionnaire through a link on a phone; the coordinator
sees the outcome figures move on the programme dashboard and downloads the funder report
as a PDF, whose text shows small counts as "<5" and nobody's name.

Selectors use ids and data-testid; the figures are read from the page and the PDF."""

from __future__ import annotations

import datetime
import io

from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from pypdf import PdfReader

from brobygger.accounts.models import Role
from brobygger.lifecycle import services as lifecycle
from brobygger.outcomes import loader
from brobygger.outcomes.models import Administration, AnsweredBy, Score
from brobygger.outcomes.services import issue_link, save_answers
from brobygger.people import services as people_services
from brobygger.people.models import ConsentKind, ConsentSource
from brobygger.testing import make_course, make_peer, make_person, make_unit, make_user

from .conftest import assert_accessible, screenshot
from .test_foundation_journey import sign_in

ITEMS = ["lyttet", "genkendelse", "tryghed", "haab", "naeste-skridt", "alene"]
# The outcome table's columns: individual, group, relative, bridge, all.
N_ALL = "[data-testid=outcome-n-4]"
ANSWERED_ALL = "[data-testid=outcome-answered-4]"


def test_answer_moves_the_dashboard_and_the_pdf_hides_small_counts(
    browser, live_server, transactional_db
):
    loader.install_shipped()  # a flushed database has lost the shipped instruments
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    coordinator = make_user("koordinator", Role.COORDINATOR, units=(unit,))
    device = TOTPDevice.objects.create(user=coordinator, name="app", confirmed=True)
    peer = make_peer("peer", units=(unit,))
    person = make_person("Alice", unit=unit, phone="20304050", cpr="0101901234")
    people_services.record_consent(
        actor=None, person=person, kind=ConsentKind.QUESTIONNAIRES, source=ConsentSource.VERBAL
    )
    course = make_course(person, peer)
    # The start questionnaire was answered with the peer three weeks ago ...
    start = Administration.objects.get(course=course, timepoint="start")
    save_answers(
        administration=start,
        answers=dict.fromkeys(ITEMS, 2),
        final=True,
        answered_by=AnsweredBy.WITH_PEER,
        actor=peer.user,
    )
    Score.objects.filter(course=course).update(
        administered_on=timezone.localdate() - datetime.timedelta(days=21)
    )
    # ... and the person was discharged yesterday, which plans the discharge questionnaire.
    lifecycle.update_course(
        actor=coordinator,
        course=course,
        admitted_on=timezone.localdate() - datetime.timedelta(days=30),
        discharged_on=timezone.localdate() - datetime.timedelta(days=1),
        phase="discharged",
    )
    discharge = Administration.objects.get(course=course, timepoint="discharge")
    token = issue_link(actor=peer.user, administration=discharge)
    base = live_server.url

    # 1. The coordinator, at a desk, opens the dashboard from the menu: one first answer.
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="da-DK")
    page = desk.new_page()
    page.set_default_timeout(15_000)
    sign_in(page, base, "koordinator", device)
    page.get_by_role("link", name="Rapporter").click()
    page.locator("[data-testid=key-figures]").wait_for()
    assert page.locator(N_ALL).inner_text().strip() == "0"
    assert page.locator(ANSWERED_ALL).inner_text().strip() == "1"

    # 2. The person answers on a phone through the link.
    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="da-DK", is_mobile=True, has_touch=True
    )
    answer_page = phone.new_page()
    answer_page.set_default_timeout(15_000)
    answer_page.goto(f"{base}/svar/{token}/")
    answer_page.locator('[data-testid="questionnaire"]').wait_for()
    assert answer_page.evaluate("document.documentElement.scrollWidth") <= 360
    for item in ITEMS:
        answer_page.locator(f"#item-{item}-4").check()
    screenshot(answer_page, "reports-questionnaire-phone")
    answer_page.locator('[data-testid="send"]').click()
    answer_page.locator('[data-testid="answers-sent"]').wait_for()
    phone.close()
    assert Score.objects.filter(course=course).count() == 2

    # 3. The coordinator reloads: one pair now, and two answers in the period.
    page.reload()
    page.locator("[data-testid=key-figures]").wait_for()
    assert page.locator(N_ALL).inner_text().strip() == "1"
    assert page.locator(ANSWERED_ALL).inner_text().strip() == "2"
    # The mean change rests on one person: not shown.
    assert page.locator("[data-testid=outcome-change-4]").inner_text().strip() == "\u2013"
    assert page.locator("[data-testid=chart-outcome] svg").count() == 1
    assert page.locator("[data-testid=readmission-definition]").is_visible()
    assert_accessible(page, "programme dashboard")
    screenshot(page, "reports-dashboard")

    # A bad date in the address gives a clear message, not an error page.
    page.goto(f"{base}/rapporter/?fra=2026-13-45")
    page.locator(".error-summary").wait_for()
    assert "ÅÅÅÅ-MM-DD" in page.locator(".error-summary").inner_text()
    screenshot(page, "reports-dashboard-bad-date")

    # 4. The funder report as a PDF, in Danish, with the small counts hidden.
    page.goto(f"{base}/rapporter/")
    page.locator("[data-testid=funder-report-link]").click()
    page.locator("[data-testid=funder-form]").wait_for()
    assert_accessible(page, "funder report form")
    screenshot(page, "reports-funder-form")
    with page.expect_download() as download_info:
        page.locator("[data-testid=download-pdf]").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as handle:
        content = handle.read()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(content)).pages)
    assert "Rapport til bevillingsgivere" in text
    assert "<5" in text
    assert "Alice" not in text and "Andersen" not in text and "0101901234" not in text
    assert timezone.localdate().strftime("%Y") in text
    desk.close()
