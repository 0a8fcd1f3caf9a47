"""Break the glass through HTTP: no existence leak, read-only grants that expire, the
purpose in the access log, the person's report and the administrators' review queue."""

from __future__ import annotations

import datetime
import re

import time_machine
from django.urls import reverse
from django.utils import timezone

from brobygger.audit.models import AuditEvent, Purpose
from brobygger.breakglass.models import GlassAccess, GlassReason
from brobygger.breakglass.services import break_glass, review
from brobygger.people.models import Person
from brobygger.referrals.models import Course
from brobygger.testing import BaseTestCase, count_queries, make_person

OPEN = reverse("breakglass:open")
# Per-response tokens (CSRF, CSP nonce) differ between any two responses.
TOKENS = re.compile(r"[A-Za-z0-9+/_-]{20,}")


def same_page(response, typed: str) -> str:
    return TOKENS.sub("", response.content.decode().replace(typed, "TYPED"))


class BreakGlassTests(BaseTestCase):
    dorthe: Person

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        # Dorthe is in the other unit, with a CPR number and a course with a peer there.
        cls.dorthe = make_person("Dorthe", unit=cls.other_unit, cpr="1205804321")

    def open_glass(
        self, identifier: str, reason: str = GlassReason.ACUTE, text: str = "Ringer i krise"
    ):
        return self.client.post(OPEN, {"identifier": identifier, "reason": reason, "text": text})

    def test_without_a_reason_a_known_and_an_unknown_cpr_get_the_same_answer(self):
        self.login(self.coordinator)
        before = self.last_seq()
        known = self.client.post(OPEN, {"identifier": "120580-4321", "text": ""})
        unknown = self.client.post(OPEN, {"identifier": "120580-4320", "text": ""})
        self.assertEqual(known.status_code, 422)
        self.assertEqual(unknown.status_code, 422)
        self.assertEqual(same_page(known, "120580-4321"), same_page(unknown, "120580-4320"))
        # Nothing was looked up, so nothing was logged or granted.
        self.no_entry(before)
        self.assertFalse(GlassAccess.objects.exists())

    def test_coordinator_opens_a_person_of_another_unit_read_only_and_logged(self):
        self.login(self.coordinator)
        detail = reverse("people:person_detail", args=[self.dorthe.pk])
        self.assertEqual(self.client.get(detail).status_code, 404)
        before = self.last_seq()
        response = self.open_glass("120580-4321")
        self.assertRedirects(response, detail, fetch_redirect_response=False)
        grant = GlassAccess.objects.get()
        self.assertEqual(
            (grant.user, grant.person, grant.reason, grant.text),
            (self.coordinator, self.dorthe, "acute", "Ringer i krise"),
        )
        self.assertEqual(grant.expires_at - grant.granted_at, datetime.timedelta(hours=12))
        event = AuditEvent.objects.get(verb="breakglass.granted")
        self.assertEqual((event.person_id, event.data["reason"]), (self.dorthe.pk, "acute"))
        self.assertNotIn("krise", str(event.data))  # the free text stays in the grant
        entry = self.one_entry(before)
        self.assertEqual((entry.purpose, entry.person_id), (Purpose.BREAK_GLASS, self.dorthe.pk))

        before = self.last_seq()
        page = self.client.get(detail)
        self.assertEqual(page.status_code, 200)
        self.assertTrue(page.context["through_glass"])
        self.assertFalse(page.context["can_edit"])
        self.assertContains(page, 'id="glass-banner"')
        self.assertNotContains(page, reverse("people:person_edit", args=[self.dorthe.pk]))
        entry = self.one_entry(before)
        self.assertEqual((entry.action, entry.purpose), ("view", Purpose.BREAK_GLASS))
        # Writes stay refused: every change path keeps the purpose scope.
        edit = reverse("people:person_edit", args=[self.dorthe.pk])
        self.assertEqual(self.client.get(edit).status_code, 404)
        reveal = reverse("people:person_reveal_cpr", args=[self.dorthe.pk])
        self.assertEqual(self.client.post(reveal).status_code, 404)

    def test_peer_covering_for_a_colleague_reads_the_person_and_course_by_reference(self):
        self.login(self.peer)
        bob_course = Course.objects.get(person=self.bob)
        course_url = reverse("referrals:course_detail", args=[bob_course.pk])
        self.assertEqual(self.client.get(course_url).status_code, 404)
        response = self.open_glass(f"P-{self.bob.pk}", GlassReason.COVERING, "Dækker for Lise")
        self.assertEqual(response.status_code, 302)
        person_page = self.client.get(reverse("people:person_detail", args=[self.bob.pk]))
        self.assertIn(bob_course.pk, person_page.context["course_links"])
        before = self.last_seq()
        page = self.client.get(course_url)
        self.assertEqual(page.status_code, 200)
        self.assertFalse(page.context["can_edit"])
        self.assertNotContains(page, reverse("scheduling:book", args=[bob_course.pk]))
        self.assertEqual(self.one_entry(before).purpose, Purpose.BREAK_GLASS)
        # A change to the course is refused: POST never goes through the glass.
        refused = self.client.post(course_url, {"action": "end", "ended_on": "2026-01-01"})
        self.assertEqual(refused.status_code, 404)
        self.assertFalse(
            Course.objects.visible_to(self.peer.user).filter(pk=bob_course.pk).exists()
        )

    def test_own_caseload_is_still_logged_with_its_own_purpose(self):
        self.login(self.peer)
        self.open_glass(f"P-{self.bob.pk}")
        before = self.last_seq()
        self.client.get(reverse("people:person_detail", args=[self.alice.pk]))
        self.assertEqual(self.one_entry(before).purpose, Purpose.SUPPORT)

    def test_the_grant_expires(self):
        self.login(self.coordinator)
        self.open_glass("120580-4321")
        detail = reverse("people:person_detail", args=[self.dorthe.pk])
        # Signed in again each time: the session's own idle timeout is not under test.
        with time_machine.travel(timezone.now() + datetime.timedelta(hours=11, minutes=59)):
            self.login(self.coordinator)
            self.assertEqual(self.client.get(detail).status_code, 200)
        with time_machine.travel(timezone.now() + datetime.timedelta(hours=12)):
            self.login(self.coordinator)
            self.assertEqual(self.client.get(detail).status_code, 404)

    def test_unknown_identifier_after_a_reason_is_a_logged_search_and_no_grant(self):
        self.login(self.coordinator)
        before = self.last_seq()
        response = self.open_glass("P-999999")
        self.assertEqual(response.status_code, 422)
        self.assertFormError(
            response.context["form"],
            "identifier",
            "Ingen person har dette CPR-nummer eller denne reference. Tjek det, og prøv igen.",
        )
        entry = self.one_entry(before)
        self.assertEqual(
            (entry.action, entry.purpose, entry.persons), ("search", "break_glass", set())
        )
        self.assertFalse(GlassAccess.objects.exists())

    def test_a_person_within_purpose_needs_no_grant(self):
        self.login(self.coordinator)
        response = self.open_glass(f"p{self.alice.pk}")
        self.assertRedirects(
            response,
            reverse("people:person_detail", args=[self.alice.pk]),
            fetch_redirect_response=False,
        )
        self.assertFalse(GlassAccess.objects.exists())

    def test_a_bad_identifier_is_a_clear_message(self):
        self.login(self.coordinator)
        response = self.open_glass("Dorthe Andersen")
        self.assertEqual(response.status_code, 422)
        self.assertTrue(response.context["form"].errors["identifier"])
        self.assertContains(response, "Dorthe Andersen", status_code=422)  # nothing typed is lost

    def test_other_roles_cannot_break_the_glass(self):
        for user in (self.clinician, self.evaluator, self.admin):
            self.login(user)
            self.assertEqual(self.client.get(OPEN).status_code, 403)
            self.assertEqual(self.open_glass("120580-4321").status_code, 403)
        self.assertFalse(GlassAccess.objects.exists())

    def test_the_persons_report_shows_break_the_glass_with_the_reason(self):
        self.login(self.coordinator)
        self.open_glass("120580-4321", GlassReason.ASKED, "Personen ringede selv")
        self.client.get(reverse("people:person_detail", args=[self.dorthe.pk]))
        self.login(self.admin)
        report = self.client.get(reverse("audit:access_report", args=[self.dorthe.pk]))
        glass = [e for e in report.context["entries"] if e.purpose == Purpose.BREAK_GLASS]
        self.assertEqual(len(glass), 2)  # the opening and the look at the page
        self.assertEqual({str(e.glass_reason) for e in glass}, {"Personen har selv bedt om det"})
        self.assertContains(report, "Nødadgang: Personen har selv bedt om det")


class ReviewQueueTests(BaseTestCase):
    def test_the_queue_shows_reason_and_who_with_the_person_as_a_reference(self):
        grant = break_glass(
            actor=self.other_coordinator, person=self.alice, reason="acute", text="Akut indlagt"
        )
        self.login(self.admin)
        before = self.last_seq()
        page = self.client.get(reverse("breakglass:queue"))
        self.assertEqual(list(page.context["page"].object_list), [grant])
        self.assertContains(page, f"P-{self.alice.pk}")
        self.assertContains(page, "Akut indlagt")
        self.assertContains(page, self.other_coordinator.display_name)
        self.assertNotContains(page, self.alice.full_name)
        entry = self.one_entry(before)
        self.assertEqual((entry.purpose, entry.persons), (Purpose.ADMINISTRATION, {self.alice.pk}))

    def test_the_queue_has_a_fixed_number_of_queries(self):
        for person in (self.alice, self.bob):
            break_glass(actor=self.other_coordinator, person=person, reason="other", text="x")
        self.login(self.admin)
        self.client.get(reverse("breakglass:queue"))
        with count_queries() as few:
            self.client.get(reverse("breakglass:queue"))
        for n in range(5):
            person = make_person(f"Extra{n}", unit=self.unit)
            grant = break_glass(actor=self.peer.user, person=person, reason="covering", text="y")
            if n % 2:
                review(actor=self.admin, access=grant, comment="ok")
        # Shown once before: persons shown together for the first time are stored as a set.
        for _ in range(2):
            with count_queries() as many:
                self.client.get(reverse("breakglass:queue"))
                self.client.get(reverse("breakglass:queue") + "?state=reviewed")
        self.assertLessEqual(len(many.captured_queries), 2 * len(few.captured_queries))
        with self.assertNumQueries(len(few.captured_queries)):
            self.client.get(reverse("breakglass:queue"))

    def test_an_administrator_marks_an_access_reviewed_with_a_comment(self):
        grant = break_glass(actor=self.peer.user, person=self.bob, reason="covering", text="Dækker")
        self.login(self.admin)
        url = reverse("breakglass:review", args=[grant.pk])
        empty = self.client.post(url, {"comment": "  "})
        self.assertEqual(empty.status_code, 422)
        done = self.client.post(url, {"comment": "Aftalt med teamleder"})
        self.assertRedirects(done, reverse("breakglass:queue"), fetch_redirect_response=False)
        grant.refresh_from_db()
        self.assertEqual(
            (grant.reviewed_by, grant.review_comment), (self.admin, "Aftalt med teamleder")
        )
        reviewed_events = AuditEvent.objects.filter(verb="breakglass.reviewed", object_id=grant.pk)
        self.assertTrue(reviewed_events.exists())
        unreviewed = self.client.get(reverse("breakglass:queue"))
        self.assertEqual(list(unreviewed.context["page"].object_list), [])
        reviewed = self.client.get(reverse("breakglass:queue") + "?state=reviewed")
        self.assertEqual(list(reviewed.context["page"].object_list), [grant])
        self.assertContains(reviewed, "Aftalt med teamleder")
        # Reviewing twice is refused with a message, not a 500.
        again = self.client.post(url, {"comment": "igen"})
        self.assertEqual(again.status_code, 422)

    def test_only_administrators_see_the_queue(self):
        grant = break_glass(actor=self.peer.user, person=self.bob, reason="covering", text="x")
        for user in (self.coordinator, self.peer, self.evaluator, self.clinician):
            self.login(user)
            self.assertEqual(self.client.get(reverse("breakglass:queue")).status_code, 403)
            self.assertEqual(
                self.client.get(reverse("breakglass:review", args=[grant.pk])).status_code, 403
            )
        self.login(self.admin)
        self.assertEqual(self.client.get(reverse("breakglass:review", args=[0])).status_code, 404)
