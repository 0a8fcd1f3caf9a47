import datetime

from django.core.exceptions import ValidationError
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from brobygger.audit.models import AuditEvent
from brobygger.desk.selectors import contract_warnings
from brobygger.groups import services as group_services
from brobygger.lib.dates import local_datetime
from brobygger.lifecycle import services as lifecycle
from brobygger.matching import selectors as matching
from brobygger.matching import services as matching_services
from brobygger.people import workforce_services as services
from brobygger.people.models import ExperienceTag, PeerDeparture
from brobygger.referrals import services as referral_services
from brobygger.referrals.models import Course, Referral
from brobygger.scheduling import services as scheduling
from brobygger.testing import BaseTestCase, count_queries, make_course, make_peer, make_person

DAY = datetime.timedelta(days=1)


class DepartureTestCase(BaseTestCase):
    def setUp(self):
        self.today = timezone.localdate()
        self.kurt = make_peer("kurt", units=(self.unit,))
        # Dorte came through a referral: the referral must follow her to the new peer.
        referral = referral_services.create_referral(
            actor=self.clinician,
            source="clinician",
            unit=self.unit,
            consent_source="verbal",
            person_fields={"kind": "patient", "given_name": "Dorte", "family_name": "Dahl"},
        )
        referral_services.transition(actor=self.coordinator, referral=referral, to="triaged")
        self.dorte_course = lifecycle.assign_peer(
            actor=self.coordinator,
            referral=referral,
            peer=self.peer,
            started_on=self.today - 20 * DAY,
        )
        self.referral = referral
        self.appointment = scheduling.book(
            actor=self.peer.user,
            course=self.alice_course,
            starts_at=local_datetime(self.today + 3 * DAY, datetime.time(10)),
            minutes=45,
            mode="phone",
        )
        self.bob_appointment = scheduling.book(  # another peer's booking: left alone
            actor=self.other_peer.user,
            course=make_course(make_person("Erik", unit=self.unit), self.other_peer),
            starts_at=local_datetime(self.today + 3 * DAY, datetime.time(12)),
            minutes=45,
            mode="phone",
        )
        self.group = group_services.create_group(
            actor=self.coordinator,
            title="Håb og hverdag",
            place="Mødelokale 2",
            capacity=8,
            facilitators=[self.peer],
            unit=self.unit,
        )

    def plan(self, last_day=None):
        return services.plan_departure(
            actor=self.coordinator,
            peer=self.peer,
            last_day=last_day or self.today + 14 * DAY,
            note="kontrakten slutter",
        )

    def handover_url(self, peer=None):
        return reverse("people:peer_handover", args=[(peer or self.peer).pk])


class ContractWarningTests(DepartureTestCase):
    def test_peers_whose_contract_ends_within_the_setting_are_flagged_with_their_courses(self):
        end = self.peer.contract_end  # the cast's contracts end on the same day
        assert end is not None
        rows = contract_warnings(self.coordinator, today=end - 46 * DAY)
        flagged = {row["peer"]: row for row in rows}
        self.assertEqual(set(flagged), {self.peer, self.other_peer})  # kurt has no courses
        self.assertEqual(flagged[self.peer]["active_courses"], 2)
        self.assertEqual(flagged[self.peer]["days_left"], 46)
        self.assertFalse(flagged[self.peer]["ended"])
        self.assertEqual(contract_warnings(self.coordinator, today=end - 90 * DAY), [])
        self.assertEqual(
            len(contract_warnings(self.coordinator, today=end - 90 * DAY, days=100)), 2
        )
        self.assertEqual(contract_warnings(self.other_coordinator, today=end - 46 * DAY), [])

    def test_a_contract_that_has_ended_with_courses_left_is_flagged_as_ended(self):
        assert self.peer.contract_end is not None
        rows = contract_warnings(self.coordinator, today=self.peer.contract_end + 10 * DAY)
        self.assertTrue(all(row["ended"] for row in rows))
        self.assertEqual(len(rows), 2)

    def test_a_planned_departure_is_flagged_whatever_the_contract(self):
        self.plan(self.today + 200 * DAY)
        rows = contract_warnings(self.coordinator, days=0)
        self.assertEqual([row["peer"] for row in rows], [self.peer])
        self.assertTrue(rows[0]["leaving"])

    @override_settings(CONTRACT_END_WARNING_DAYS=3650)
    def test_home_and_peer_page_show_the_warning(self):
        self.login(self.coordinator)
        home = self.client.get(reverse("desk:home"))
        self.assertContains(home, "Kontrakter, der slutter")
        self.assertContains(home, reverse("people:peer_detail", args=[self.peer.pk]))
        page = self.client.get(reverse("people:peer_detail", args=[self.peer.pk]))
        self.assertContains(page, "2 aktive forløb skal overdrages")

    def test_a_leaving_peers_row_on_the_home_page_links_to_the_handover(self):
        self.plan(self.today + 200 * DAY)
        self.login(self.coordinator)
        home = self.client.get(reverse("desk:home"))
        handover = reverse("people:peer_handover", args=[self.peer.pk])
        self.assertContains(
            home, f'<td data-label="Peer-medarbejder"><a href="{handover}">', html=False
        )
        self.assertContains(home, "Stopper")

    def test_a_contract_that_has_ended_is_not_offered_by_matching(self):
        self.kurt.contract_end = self.today - DAY
        self.kurt.save(update_fields=["contract_end"])
        self.assertNotIn(self.kurt, list(matching.peer_queryset()))


class HandoverTests(DepartureTestCase):
    def test_the_leaving_peer_is_offered_no_new_courses(self):
        self.plan()
        pool = list(matching.peer_queryset())
        self.assertNotIn(self.peer, pool)
        self.assertIn(self.other_peer, pool)

    def test_handover_page_suggests_peers_with_reasons_and_lists_what_else_changes(self):
        psychosis = ExperienceTag.objects.create(
            slug="psykose", name_da="Psykose", name_en="Psychosis"
        )
        self.kurt.experience_tags.add(psychosis)
        self.referral.wanted_tags.add(psychosis)
        services.set_pause(
            actor=self.other_peer.user,
            peer=self.other_peer,
            starts_on=self.today,
            ends_on=self.today + 10 * DAY,
        )
        self.plan()
        self.login(self.coordinator)
        response = self.client.get(self.handover_url())
        self.assertContains(response, "Overdragelse: Peer Peer stopper")
        self.assertContains(response, "Alice Andersen")
        self.assertContains(response, "Dorte Dahl")
        self.assertContains(response, "deler: Psykose")
        self.assertContains(response, "Bedste plan")
        self.assertContains(response, "Håb og hverdag")  # the group, as a warning
        self.assertContains(response, "Otherpeer Peer: på pause til og med")
        rows = {row["course"]: row for row in response.context["rows"]}
        offered = {s["peer"] for row in rows.values() for s in row["suggestions"]}
        self.assertEqual(offered, {self.kurt})  # not the leaving peer, not the paused one
        self.assertEqual(rows[self.dorte_course]["optimal"], self.kurt.pk)
        self.assertEqual(response.context["appointments"], [self.appointment])

    def test_handover_moves_every_course_cancels_bookings_and_ends_the_contract(self):
        departure = self.plan()
        self.login(self.coordinator)
        response = self.client.post(
            self.handover_url(),
            {
                f"course-{self.alice_course.pk}": self.kurt.pk,
                f"course-{self.dorte_course.pk}": self.other_peer.pk,
            },
        )
        self.assertRedirects(response, reverse("people:peer_detail", args=[self.peer.pk]))
        self.assertFalse(Course.objects.active().filter(peer=self.peer).exists())
        for old, new_peer in ((self.alice_course, self.kurt), (self.dorte_course, self.other_peer)):
            old.refresh_from_db()
            self.assertEqual((old.end_reason, old.ended_on), ("peer_left", self.today))
            successor = Course.objects.active().get(person=old.person)
            self.assertEqual(successor.peer, new_peer)
            self.assertEqual(successor.started_on, self.today)
        referral = Referral.objects.get(pk=self.referral.pk)
        self.assertEqual((referral.status, referral.peer), ("active", self.other_peer))
        self.assertEqual(referral.course.peer, self.other_peer)
        self.appointment.refresh_from_db()
        self.bob_appointment.refresh_from_db()
        self.assertEqual(self.appointment.status, "cancelled")
        self.assertEqual(self.appointment.cancelled_by, "coordinator")
        self.assertEqual(self.bob_appointment.status, "booked")
        self.peer.refresh_from_db()
        self.assertEqual(self.peer.contract_end, departure.last_day)
        self.assertTrue(self.peer.user.is_active)  # still works until the last day
        departure.refresh_from_db()
        self.assertEqual(departure.completed_by, self.coordinator)
        event = AuditEvent.objects.get(verb="peer.left")
        self.assertEqual(event.data["appointments_cancelled"], 1)
        self.assertEqual(AuditEvent.objects.filter(verb="course.handed_over").count(), 2)
        # The new peer opens the new course, not the old one with the old notes.
        self.login(self.kurt)
        new = Course.objects.active().get(person=self.alice)
        self.assertEqual(
            self.client.get(reverse("referrals:course_detail", args=[new.pk])).status_code, 200
        )
        self.assertEqual(
            self.client.get(
                reverse("referrals:course_detail", args=[self.alice_course.pk])
            ).status_code,
            404,
        )
        # The account closes the day after the last working day; a second run does nothing.
        self.assertEqual(services.close_departed_peers(today=departure.last_day), 0)
        self.assertEqual(services.close_departed_peers(today=departure.last_day + DAY), 1)
        self.assertEqual(services.close_departed_peers(today=departure.last_day + DAY), 0)
        self.peer.user.refresh_from_db()
        self.assertFalse(self.peer.user.is_active)

    def test_a_last_day_in_the_past_closes_the_account_at_once(self):
        departure = self.plan(self.today - 2 * DAY)
        matching_services.complete_departure(
            actor=self.coordinator,
            departure=departure,
            new_peers={self.alice_course.pk: self.kurt, self.dorte_course.pk: self.kurt},
        )
        self.peer.user.refresh_from_db()
        self.assertFalse(self.peer.user.is_active)

    def test_the_best_plan_for_all_at_once(self):
        self.plan()
        self.login(self.coordinator)
        response = self.client.post(self.handover_url(), {"plan": "optimal"})
        self.assertEqual(response.status_code, 302)
        new_peers = set(
            Course.objects.active()
            .filter(person__in=[self.alice, self.dorte_course.person])
            .values_list("peer_id", flat=True)
        )
        self.assertTrue(new_peers <= {self.kurt.pk, self.other_peer.pk})
        self.assertTrue(PeerDeparture.objects.get(peer=self.peer).is_completed)

    def test_refused_while_a_course_has_no_new_peer_and_nothing_changes(self):
        departure = self.plan()
        self.login(self.coordinator)
        response = self.client.post(
            self.handover_url(),
            {f"course-{self.alice_course.pk}": self.kurt.pk, f"course-{self.dorte_course.pk}": ""},
        )
        self.assertContains(response, "kan ikke stoppe", status_code=422)
        self.assertContains(response, "Dorte Dahl", status_code=422)
        self.assertContains(
            response, f'<option value="{self.kurt.pk}" selected', status_code=422
        )  # the choice made is kept
        self.assertEqual(Course.objects.active().filter(peer=self.peer).count(), 2)
        self.appointment.refresh_from_db()
        self.assertEqual(self.appointment.status, "booked")
        departure.refresh_from_db()
        self.assertFalse(departure.is_completed)
        with self.assertRaises(ValidationError) as caught:
            matching_services.complete_departure(
                actor=self.coordinator, departure=departure, new_peers={}
            )
        self.assertEqual(caught.exception.code, "unassigned")

    def test_refused_when_a_chosen_peer_is_paused_or_the_leaving_peer(self):
        services.set_pause(
            actor=self.kurt.user, peer=self.kurt, starts_on=self.today, ends_on=self.today
        )
        departure = self.plan()
        with self.assertRaises(ValidationError) as caught:
            matching_services.complete_departure(
                actor=self.coordinator,
                departure=departure,
                new_peers={self.alice_course.pk: self.kurt, self.dorte_course.pk: self.peer},
            )
        text = " ".join(caught.exception.messages)
        self.assertIn("Alice Andersen: Kurt Peer holder pause", text)
        self.assertIn("Dorte Dahl: vælg en anden peer", text)
        self.assertEqual(Course.objects.active().filter(peer=self.peer).count(), 2)

    def test_refused_when_a_chosen_peer_is_the_wrong_kind_for_the_person(self):
        departure = self.plan()
        with self.assertRaises(ValidationError) as caught:
            matching_services.complete_departure(
                actor=self.coordinator,
                departure=departure,
                new_peers={
                    self.alice_course.pk: self.relative_peer,
                    self.dorte_course.pk: self.kurt,
                },
            )
        self.assertIn(
            "Alice Andersen: Relpeer Peer er ikke den rette slags peer",
            " ".join(caught.exception.messages),
        )
        self.assertFalse(Course.objects.active().filter(peer=self.kurt).exists())

    def test_a_made_up_peer_id_counts_as_no_choice(self):
        self.plan()
        self.login(self.coordinator)
        response = self.client.post(
            self.handover_url(),
            {f"course-{self.alice_course.pk}": "999999", f"course-{self.dorte_course.pk}": "x"},
        )
        self.assertContains(response, "Alice Andersen, Dorte Dahl", status_code=422)

    def test_plan_change_and_cancel_a_departure(self):
        self.login(self.coordinator)
        url = reverse("people:peer_leave", args=[self.peer.pk])
        response = self.client.post(url, {"last_day": "2025-12-31", "note": ""})
        self.assertContains(response, "efter kontraktens start", status_code=422)
        last = self.today + 30 * DAY
        response = self.client.post(url, {"last_day": last, "note": "nyt job"})
        self.assertRedirects(response, self.handover_url())
        response = self.client.post(url, {"last_day": last + DAY, "note": "nyt job"})
        self.assertEqual(PeerDeparture.objects.get(peer=self.peer).last_day, last + DAY)
        response = self.client.post(
            reverse("people:departure_cancel", args=[self.peer.pk]), follow=True
        )
        self.assertContains(response, "Peer-medarbejderen bliver.")
        self.assertFalse(PeerDeparture.objects.exists())
        self.assertIn(self.peer, list(matching.peer_queryset()))
        self.assertEqual(
            set(
                AuditEvent.objects.filter(verb__startswith="peer.departure").values_list(
                    "verb", flat=True
                )
            ),
            {"peer.departure_planned", "peer.departure_changed", "peer.departure_cancelled"},
        )

    def test_handover_page_without_a_departure_goes_to_the_leave_form(self):
        self.login(self.coordinator)
        response = self.client.get(self.handover_url())
        self.assertRedirects(response, reverse("people:peer_leave", args=[self.peer.pk]))

    def test_role_matrix(self):
        self.plan()
        leave = reverse("people:peer_leave", args=[self.peer.pk])
        cancel = reverse("people:departure_cancel", args=[self.peer.pk])
        handover = self.handover_url()
        cases = [
            (self.coordinator, "get", leave, 200),
            (self.coordinator, "get", handover, 200),
            (self.other_coordinator, "get", leave, 404),
            (self.other_coordinator, "get", handover, 404),
            (self.other_coordinator, "post", cancel, 404),
            (self.other_coordinator, "post", handover, 404),
            (self.coordinator, "get", cancel, 405),
            (self.peer, "get", leave, 403),
            (self.peer, "get", handover, 403),
            (self.peer, "post", cancel, 403),
            (self.admin, "get", handover, 403),
            (self.clinician, "get", handover, 403),
            (self.evaluator, "get", leave, 403),
            (self.coordinator, "get", self.handover_url(self.kurt), 302),  # not leaving
            (self.coordinator, "post", reverse("people:departure_cancel", args=[999999]), 404),
        ]
        for user, method, url, status in cases:
            with self.subTest(user=str(user), url=url, method=method):
                self.login(user)
                self.assertEqual(getattr(self.client, method)(url).status_code, status)
        self.client.logout()
        response = self.client.get(handover)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])
        self.assertFalse(PeerDeparture.objects.get(peer=self.peer).is_completed)

    def test_handover_page_query_count_does_not_grow_with_the_courses(self):
        self.plan()
        self.login(self.coordinator)
        with count_queries() as small:
            self.assertEqual(self.client.get(self.handover_url()).status_code, 200)
        for i in range(6):
            person = make_person(f"Extra{i}", unit=self.unit)
            course = make_course(person, self.peer)
            scheduling.book(
                actor=self.peer.user,
                course=course,
                starts_at=local_datetime(self.today + (4 + i) * DAY, datetime.time(9)),
                minutes=30,
                mode="phone",
                allow_over_contract=True,
            )
        make_peer("extra-peer", units=(self.unit,))
        with count_queries() as large:
            response = self.client.get(self.handover_url())
        self.assertEqual(len(response.context["rows"]), 8)
        self.assertEqual(len(small), len(large))
