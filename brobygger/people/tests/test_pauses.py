import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from brobygger.audit.models import AuditEvent
from brobygger.lifecycle import services as lifecycle
from brobygger.matching import selectors as matching
from brobygger.matching import services as matching_services
from brobygger.people import workforce_services as services
from brobygger.people.models import PeerPause
from brobygger.referrals import services as referral_services
from brobygger.testing import BaseTestCase

DAY = datetime.timedelta(days=1)


def make_triaged_referral(case: BaseTestCase):
    referral = referral_services.create_referral(
        actor=case.clinician,
        source="clinician",
        unit=case.unit,
        consent_source="verbal",
        person_fields={"kind": "patient", "given_name": "Nora", "family_name": "Berg"},
    )
    return referral_services.transition(actor=case.coordinator, referral=referral, to="triaged")


class PauseServiceTests(BaseTestCase):
    def setUp(self):
        self.today = timezone.localdate()

    def pause(self, start_in: int, days: int, **kwargs):
        start = self.today + start_in * DAY
        return services.set_pause(
            actor=self.coordinator,
            peer=kwargs.pop("peer", self.peer),
            starts_on=start,
            ends_on=start + (days - 1) * DAY,
            **kwargs,
        )

    def test_a_pause_can_start_in_the_future_and_is_audited(self):
        pause = self.pause(10, 14, reason="ferie")
        self.assertEqual((pause.starts_on - self.today).days, 10)
        self.assertFalse(PeerPause.objects.on(self.today).exists())
        self.assertTrue(PeerPause.objects.on(self.today + 10 * DAY).exists())
        event = AuditEvent.objects.get(verb="peer.paused")
        self.assertEqual(event.data["peer_id"], self.peer.pk)

    def test_a_pause_cannot_start_in_the_past(self):
        with self.assertRaises(ValidationError) as caught:
            self.pause(-1, 5)
        self.assertIn("starts_on", caught.exception.message_dict)

    def test_a_pause_must_end_after_it_starts_and_not_last_too_long(self):
        with self.assertRaises(ValidationError) as caught:
            services.set_pause(
                actor=self.peer.user,
                peer=self.peer,
                starts_on=self.today + 5 * DAY,
                ends_on=self.today + 4 * DAY,
            )
        self.assertIn("ends_on", caught.exception.message_dict)
        with self.assertRaises(ValidationError):
            self.pause(0, services.PAUSE_MAX_DAYS + 1)
        self.assertEqual(self.pause(0, services.PAUSE_MAX_DAYS).peer, self.peer)

    def test_overlapping_pauses_are_refused_but_back_to_back_are_fine(self):
        self.pause(0, 10)
        with self.assertRaises(ValidationError) as caught:
            self.pause(9, 5)
        self.assertEqual(caught.exception.code, "overlap")
        self.pause(10, 5)
        self.pause(0, 10, peer=self.other_peer)  # another peer is not affected
        self.assertEqual(PeerPause.objects.filter(peer=self.peer).count(), 2)

    def test_a_cancelled_pause_no_longer_counts_nor_blocks_a_new_one(self):
        pause = self.pause(0, 10)
        services.cancel_pause(actor=self.peer.user, pause=pause)
        self.assertFalse(PeerPause.objects.on(self.today).exists())
        self.pause(2, 3)
        with self.assertRaises(ValidationError):
            services.cancel_pause(actor=self.peer.user, pause=pause)
        self.assertTrue(AuditEvent.objects.filter(verb="peer.pause_cancelled").exists())

    def test_an_ended_pause_no_longer_counts_and_cannot_be_cancelled(self):
        pause = self.pause(0, 3)
        PeerPause.objects.filter(pk=pause.pk).update(
            starts_on=self.today - 10 * DAY, ends_on=self.today - DAY
        )
        pause.refresh_from_db()
        self.assertFalse(PeerPause.objects.on(self.today).exists())
        with self.assertRaises(ValidationError):
            services.cancel_pause(actor=self.coordinator, pause=pause)

    def test_matching_skips_a_paused_peer_with_the_day_in_words(self):
        self.pause(0, 20)
        pool = list(matching.peer_queryset())
        profiles = {p.id: p for p in matching.peer_profiles(pool, self.peer.hours_max)}
        self.assertTrue(profiles[self.peer.pk].paused)
        self.assertFalse(profiles[self.other_peer.pk].paused)
        lines = matching.not_offered(pool)
        self.assertEqual([row["peer"] for row in lines], [self.peer])
        self.assertIn("på pause til og med", lines[0]["why"])

    def test_a_paused_peer_cannot_be_proposed_but_keeps_their_courses(self):
        self.pause(0, 20)
        person = make_triaged_referral(self)
        with self.assertRaises(ValidationError) as caught:
            matching_services.propose_match(actor=self.coordinator, referral=person, peer=self.peer)
        self.assertEqual(caught.exception.code, "paused")
        self.alice_course.refresh_from_db()
        self.assertIsNone(self.alice_course.ended_on)

    def test_a_paused_peer_cannot_be_chosen_by_hand_either(self):
        self.pause(0, 20)
        referral = make_triaged_referral(self)
        with self.assertRaises(ValidationError) as caught:
            lifecycle.assign_peer(actor=self.coordinator, referral=referral, peer=self.peer)
        self.assertEqual(caught.exception.code, "paused")
        referral.refresh_from_db()
        self.assertEqual((referral.status, referral.peer), ("triaged", None))
        # Another peer is fine.
        course = lifecycle.assign_peer(
            actor=self.coordinator, referral=referral, peer=self.other_peer
        )
        self.assertEqual(course.peer, self.other_peer)


class PauseViewTests(BaseTestCase):
    def setUp(self):
        self.today = timezone.localdate()
        self.url = reverse("people:peer_pauses", args=[self.peer.pk])

    def test_peer_sets_their_own_pause_from_the_home_page_link(self):
        self.login(self.peer)
        home = self.client.get(reverse("desk:home"))
        self.assertContains(home, reverse("people:my_pauses"))
        response = self.client.get(reverse("people:my_pauses"))
        self.assertRedirects(response, self.url)
        start = self.today + 7 * DAY
        response = self.client.post(
            self.url,
            {"starts_on": start, "ends_on": start + 13 * DAY, "reason": "ferie"},
            follow=True,
        )
        self.assertContains(response, "Pausen blev gemt.")
        self.assertContains(response, "ferie")
        pause = PeerPause.objects.get(peer=self.peer)
        self.assertEqual(pause.created_by, self.peer.user)

    def test_bad_dates_are_explained_and_kept(self):
        self.login(self.peer)
        response = self.client.post(
            self.url,
            {"starts_on": self.today - DAY, "ends_on": self.today + DAY, "reason": "ferie"},
        )
        self.assertContains(response, "kan ikke begynde i fortiden", status_code=422)
        self.assertContains(response, 'value="ferie"', status_code=422)
        response = self.client.post(self.url, {"starts_on": "nonsense", "ends_on": ""})
        self.assertEqual(response.status_code, 422)
        self.assertFalse(PeerPause.objects.exists())

    def test_coordinator_cancels_a_pause_from_the_peer_page(self):
        pause = services.set_pause(
            actor=self.peer.user,
            peer=self.peer,
            starts_on=self.today,
            ends_on=self.today + 5 * DAY,
        )
        self.login(self.coordinator)
        detail = self.client.get(reverse("people:peer_detail", args=[self.peer.pk]))
        self.assertContains(detail, "På pause til og med")
        self.assertContains(detail, self.url)
        response = self.client.post(
            reverse("people:pause_cancel", args=[self.peer.pk, pause.pk]), follow=True
        )
        self.assertContains(response, "Pausen blev annulleret.")
        pause.refresh_from_db()
        self.assertEqual(pause.cancelled_by, self.coordinator)

    def test_role_matrix(self):
        pause = services.set_pause(
            actor=self.peer.user, peer=self.peer, starts_on=self.today, ends_on=self.today
        )
        cancel = reverse("people:pause_cancel", args=[self.peer.pk, pause.pk])
        other_cancel = reverse("people:pause_cancel", args=[self.other_peer.pk, pause.pk])
        cases = [
            (self.coordinator, "get", self.url, 200),
            (self.peer, "get", self.url, 200),
            (self.other_peer, "get", self.url, 404),
            (self.other_coordinator, "get", self.url, 404),
            (self.relative_peer, "get", self.url, 404),
            (self.admin, "get", self.url, 403),
            (self.clinician, "get", self.url, 403),
            (self.evaluator, "get", self.url, 403),
            (self.coordinator, "get", reverse("people:my_pauses"), 403),
            (self.relative_peer, "get", reverse("people:my_pauses"), 302),
            (self.other_peer, "post", cancel, 404),
            (self.other_coordinator, "post", cancel, 404),
            (self.coordinator, "post", other_cancel, 404),  # pause of another peer
            (self.coordinator, "get", cancel, 405),
            (self.clinician, "post", cancel, 403),
        ]
        for user, method, url, status in cases:
            with self.subTest(user=str(user), url=url):
                self.login(user)
                self.assertEqual(getattr(self.client, method)(url).status_code, status)
        self.client.logout()
        response = self.client.get(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("accounts:login"), response["Location"])
        self.assertIsNone(PeerPause.objects.get(pk=pause.pk).cancelled_at)


class PauseInMatchingPagesTests(BaseTestCase):
    def test_batch_page_and_suggestions_leave_a_paused_peer_out_and_say_why(self):
        today = timezone.localdate()
        services.set_pause(
            actor=self.peer.user, peer=self.peer, starts_on=today, ends_on=today + 9 * DAY
        )
        referral = make_triaged_referral(self)
        self.assertNotIn(self.peer, [s["peer"] for s in matching.suggestions_for(referral)])
        self.assertIn(self.other_peer, [s["peer"] for s in matching.suggestions_for(referral)])
        self.login(self.coordinator)
        response = self.client.get(reverse("matching:batch"))
        self.assertContains(response, "Tilbydes ikke nu")
        self.assertContains(response, "Peer Peer: på pause til og med")
        self.assertNotIn(self.peer, [row["peer"] for row in response.context["rows"]])
