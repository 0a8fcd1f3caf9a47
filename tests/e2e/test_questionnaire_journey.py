"""A person answers a questionnaire on a 360 px phone through the link from their peer:
saves halfway, comes back, sends; the used link then shows nothing of them."""

from __future__ import annotations

from brobygger.outcomes import loader
from brobygger.outcomes.models import Administration, AdministrationStatus, Answer, Score
from brobygger.outcomes.services import issue_link, sync_schedule
from brobygger.people import services as people_services
from brobygger.people.models import ConsentKind, ConsentSource
from brobygger.testing import make_course, make_peer, make_person, make_unit

from .conftest import assert_accessible, screenshot


def test_person_answers_through_a_link_on_a_phone(browser, live_server, transactional_db, settings):
    # A flushed database (earlier transactional tests) has lost the shipped instruments.
    loader.install_shipped()
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    peer = make_peer("peer", units=(unit,))
    person = make_person("Alice", unit=unit, phone="20304050")
    people_services.record_consent(
        actor=None, person=person, kind=ConsentKind.QUESTIONNAIRES, source=ConsentSource.VERBAL
    )
    course = make_course(person, peer)
    # Starting the course planned the start questionnaire (sync_schedule is idempotent).
    assert sync_schedule(actor=None, course=course) == []
    administration = Administration.objects.get(course=course)
    token = issue_link(actor=None, administration=administration)
    url = f"{live_server.url}/svar/{token}/"

    phone = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="da-DK", is_mobile=True, has_touch=True
    )
    page = phone.new_page()
    page.set_default_timeout(10_000)
    page.goto(url)
    page.locator('[data-testid="questionnaire"]').wait_for()
    assert "Alice" not in page.content()
    assert token not in page.title()
    # Fits the phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # Every answer is a big touch target (the label row).
    box = page.locator("#item-lyttet-5").locator("xpath=..").bounding_box()
    assert box is not None and box["height"] >= 44
    assert_accessible(page, "questionnaire on a phone")
    screenshot(page, "questionnaire-phone")

    # 1. Answer two questions and save for later.
    page.locator("#item-lyttet-5").check()
    page.locator("#item-haab-3").check()
    page.locator('[data-testid="save"]').click()
    page.locator('[data-testid="answers-saved"]').wait_for()
    assert dict(Answer.objects.exclude(value=None).values_list("item_key", "value")) == {
        "lyttet": 5,
        "haab": 3,
    }

    # 2. Come back through the same link: the answers are still there; skip one, send.
    page.goto(url)
    assert page.locator("#item-lyttet-5").is_checked()
    assert page.locator("#item-haab-3").is_checked()
    page.locator("#item-genkendelse-4").check()
    page.locator("#item-tryghed-4").check()
    page.locator("#item-alene-2").check()
    page.locator('[data-testid="send"]').click()
    page.locator('[data-testid="answers-sent"]').wait_for()
    administration.refresh_from_db()
    assert administration.status == AdministrationStatus.COMPLETED
    score = Score.objects.get()
    assert score.version_id == administration.version_id
    assert (score.answered, score.missing) == (5, 1)

    # 3. The used link says what to do and shows nothing of the person.
    response = page.goto(url)
    assert response is not None and response.status == 410
    page.locator('[data-testid="link-closed"]').wait_for()
    assert "Alice" not in page.content()
    assert 'name="item-lyttet"' not in page.content()
    assert_accessible(page, "used questionnaire link")
    screenshot(page, "questionnaire-link-used-phone")
    assert Administration.objects.count() == 1
    phone.close()
