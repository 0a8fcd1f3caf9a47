"""A peer, on a phone, writes the note of a conversation with the person, ticks
discharge-guide topics, and books the first follow-up call after discharge."""

from __future__ import annotations

import datetime

from django.utils import timezone

from brobygger.conversations.models import ConversationRecord, CourseTopic
from brobygger.lifecycle.services import update_course
from brobygger.people.services import record_consent
from brobygger.scheduling import services as scheduling
from brobygger.testing import make_course, make_peer, make_person, make_unit

from .conftest import assert_accessible, screenshot
from .test_foundation_journey import sign_in


def test_peer_notes_a_conversation_and_books_the_bridge(browser, live_server, transactional_db):
    unit = make_unit("Psykiatrisk afsnit R1, Roskilde")
    peer = make_peer("sanne", units=(unit,))
    person = make_person("Lars", unit=unit)
    record_consent(actor=None, person=person, kind="store_notes", source="verbal")
    course = make_course(person, peer)
    scheduling.set_windows(
        actor=peer.user,
        peer=peer,
        windows=[(d, datetime.time(9), datetime.time(15)) for d in range(5)],
    )
    held = scheduling.record_past(
        actor=peer.user,
        course=course,
        starts_at=timezone.now() - datetime.timedelta(hours=1),
        minutes=45,
        mode="in_person",
        status="held",
        place_kind="ward",
    )
    base = live_server.url

    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="da-DK", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    sign_in(page, base, "sanne")
    page.get_by_role("link", name="Lars Andersen").click()
    page.locator(f"a[href='/kalender/samtale/{held.pk}/notat/']").click()
    page.get_by_label("Plan for svære dage (kriseplan)").check()
    page.get_by_label("Medicin og bivirkninger").check()
    page.locator("#id_how_doing").fill("Mere ro end sidst, glad for gåturene")
    page.locator("#id_next_steps").fill("Ringe til sagsbehandleren inden fredag")
    assert_accessible(page, "note form on phone")
    screenshot(page, "note-form-phone")
    page.locator("form[data-draft] button[type=submit]").click()
    page.get_by_role("heading", name="Lars Andersen").wait_for()
    record = ConversationRecord.objects.get(appointment=held)
    assert record.how_doing == "Mere ro end sidst, glad for gåturene"
    assert set(CourseTopic.objects.filter(course=course).values_list("status", flat=True)) == {
        "discussed"
    }

    page.locator(f"a[href='/forloeb/{course.pk}/udskrivningsguide/']").click()
    topic = CourseTopic.objects.filter(course=course).first()
    assert topic is not None
    page.locator(f"#status-{topic.topic_id}").select_option("done")
    page.locator(f"#follow-{topic.topic_id}").fill("Vise planen til egen læge")
    page.locator("form button[type=submit]").last.click()
    page.locator(".message").first.wait_for()
    topic.refresh_from_db()
    assert (topic.status, topic.follow_up) == ("done", "Vise planen til egen læge")
    screenshot(page, "discharge-guide-phone")

    update_course(
        actor=peer.user,
        course=course,
        discharged_on=timezone.localdate(),
        admitted_on=timezone.localdate() - datetime.timedelta(days=12),
        phase="discharged",
    )
    page.goto(f"{base}/forloeb/{course.pk}/opfoelgning/")
    boxes = page.locator("input[name=slot]")
    for i in range(1, boxes.count()):
        boxes.nth(i).uncheck()
    assert_accessible(page, "bridge follow-ups")
    page.locator("form button[type=submit]").last.click()
    page.get_by_role("heading", name="Lars Andersen").wait_for()
    assert course.appointments.filter(status="booked").count() == 1
    first = course.appointments.get(status="booked")
    assert timezone.localtime(first.starts_at).date() >= timezone.localdate() + datetime.timedelta(
        days=2
    )
    context.close()
