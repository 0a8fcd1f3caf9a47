"""Issue 17 item 7: when two coordinators act on the same referral, the one who clicks
second is told what happened and by whom, and nothing changes; the assign form offers
only peers who can take the work. Simulated in sequence: a stale form posted after the
other coordinator's change."""

import datetime

from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from brobygger.accounts.models import Role
from brobygger.lifecycle import services as lifecycle
from brobygger.people.models import PeerKind
from brobygger.people.workforce_services import plan_departure, set_pause
from brobygger.referrals import selectors, services
from brobygger.referrals.models import Course, Referral, ReferralSource, ReferralStatus
from brobygger.testing import TODAY, BaseTestCase, make_peer, make_user


class LosingClickTests(BaseTestCase):
    def setUp(self):
        self.second = make_user("mette", Role.COORDINATOR, units=(self.unit,))
        self.second_relative_peer = make_peer(
            "relpeer2", kind=PeerKind.RELATIVE_PEER, units=(self.unit,)
        )
        self.referral = services.create_referral(
            actor=self.clinician,
            source=ReferralSource.CLINICIAN,
            unit=self.unit,
            consent_source="verbal",
            person_fields={
                "kind": "relative",
                "given_name": "Rita",
                "family_name": "Holm",
                "phone": "30405060",
            },
        )

    def messages_of(self, response) -> list[str]:
        return [str(m) for m in get_messages(response.wsgi_request)]

    def test_losing_assign_names_the_other_coordinator_and_peer_and_changes_nothing(self):
        services.transition(actor=self.coordinator, referral=self.referral, to="triaged")
        # Both coordinators open the page while the referral is triaged; the other one wins.
        self.login(self.second)
        page = self.client.get(reverse("referrals:referral_detail", args=[self.referral.pk]))
        self.assertContains(page, 'name="seen" value="triaged"')
        lifecycle.assign_peer(
            actor=self.coordinator,
            referral=Referral.objects.get(pk=self.referral.pk),
            peer=self.relative_peer,
        )
        response = self.client.post(
            reverse("referrals:referral_assign", args=[self.referral.pk]),
            {"peer": self.second_relative_peer.pk, "seen": "triaged"},
        )
        self.assertRedirects(
            response,
            reverse("referrals:referral_detail", args=[self.referral.pk]),
            fetch_redirect_response=False,
        )
        # The time of the other click, in Copenhagen time (the suite's clock is frozen).
        at = timezone.localtime(timezone.now()).strftime("%H.%M")
        self.assertEqual(
            self.messages_of(response),
            [
                "En anden koordinator, Coordinator Test, tildelte denne henvisning til "
                f"Relpeer Peer kl. {at}. Der blev ikke ændret noget."
            ],
        )
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.status, ReferralStatus.ACTIVE)
        self.assertEqual(self.referral.peer, self.relative_peer)
        self.assertEqual(Course.objects.filter(referral=self.referral).count(), 1)

    def test_losing_triage_click_in_the_queue_says_who_triaged(self):
        self.login(self.second)
        url = reverse("referrals:referral_transition", args=[self.referral.pk])
        services.transition(actor=self.coordinator, referral=self.referral, to="triaged")
        # The stale queue row still says "new"; the same step again loses.
        response = self.client.post(url, {"to": "triaged", "seen": "new"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            [m.split(" kl. ")[0] for m in self.messages_of(response)],
            ["En anden koordinator, Coordinator Test, ændrede denne henvisning til “Visiteret”"],
        )

    def test_stale_decline_after_a_triage_changes_nothing(self):
        # Declining is allowed from "triaged" too, so only the status the page showed
        # tells that the coordinator decided on something that had moved on.
        services.transition(actor=self.coordinator, referral=self.referral, to="triaged")
        self.login(self.second)
        response = self.client.post(
            reverse("referrals:referral_transition", args=[self.referral.pk]),
            {"to": "declined", "reason": "Passer ikke", "confirm": "on", "seen": "new"},
        )
        self.assertEqual(response.status_code, 302)
        (message,) = self.messages_of(response)
        self.assertIn("Coordinator Test", message)
        self.assertIn("Der blev ikke ændret noget.", message)
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.status, ReferralStatus.TRIAGED)
        self.assertEqual(self.referral.status_reason, "")

    def test_losing_proposal_names_the_peer_it_went_to(self):
        services.transition(actor=self.coordinator, referral=self.referral, to="triaged")
        self.login(self.second)
        lifecycle.assign_peer(
            actor=self.coordinator,
            referral=Referral.objects.get(pk=self.referral.pk),
            peer=self.relative_peer,
        )
        response = self.client.post(
            reverse("matching:propose", args=[self.referral.pk]),
            {"peer": self.second_relative_peer.pk, "seen": "triaged"},
        )
        (message,) = self.messages_of(response)
        self.assertIn("Coordinator Test", message)
        self.assertIn("Relpeer Peer", message)
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.peer, self.relative_peer)

    def test_own_double_click_says_it_was_already_done(self):
        services.transition(actor=self.second, referral=self.referral, to="triaged")
        self.login(self.second)
        response = self.client.post(
            reverse("referrals:referral_transition", args=[self.referral.pk]),
            {"to": "triaged", "seen": "new"},
        )
        (message,) = self.messages_of(response)
        self.assertTrue(message.startswith("Du har allerede ændret denne henvisning"), message)


class AssignFormOffersOnlyAvailablePeersTests(BaseTestCase):
    def setUp(self):
        self.referral = services.create_referral(
            actor=self.clinician,
            source=ReferralSource.CLINICIAN,
            unit=self.unit,
            consent_source="verbal",
            person_fields={
                "kind": "patient",
                "given_name": "Ole",
                "family_name": "Bak",
                "phone": "40506070",
            },
        )
        services.transition(actor=self.coordinator, referral=self.referral, to="triaged")
        self.paused = make_peer("pausepeer", units=(self.unit,))
        self.leaving = make_peer("leavingpeer", units=(self.unit,))
        set_pause(
            actor=self.coordinator,
            peer=self.paused,
            starts_on=TODAY,
            ends_on=TODAY + datetime.timedelta(days=20),
        )
        plan_departure(
            actor=self.coordinator,
            peer=self.leaving,
            last_day=TODAY + datetime.timedelta(days=30),
        )

    def test_paused_and_leaving_peers_are_not_in_the_assign_form(self):
        offered = set(selectors.compatible_peers(self.referral))
        self.assertIn(self.peer, offered)
        self.assertNotIn(self.paused, offered)
        self.assertNotIn(self.leaving, offered)
        self.login(self.coordinator)
        page = self.client.get(reverse("referrals:referral_detail", args=[self.referral.pk]))
        self.assertContains(page, f'<option value="{self.peer.pk}"')
        self.assertNotContains(page, f'<option value="{self.paused.pk}"')
        self.assertNotContains(page, f'<option value="{self.leaving.pk}"')

    def test_a_cancelled_pause_offers_the_peer_again(self):
        self.assertNotIn(self.paused, set(selectors.compatible_peers(self.referral)))
        self.paused.pauses.update(cancelled_at=timezone.now())
        self.assertIn(self.paused, set(selectors.compatible_peers(self.referral)))

    def test_a_peer_paused_after_the_page_was_opened_is_refused_with_the_reason(self):
        self.login(self.coordinator)
        page = self.client.get(reverse("referrals:referral_detail", args=[self.referral.pk]))
        self.assertContains(page, f'<option value="{self.peer.pk}"')
        set_pause(
            actor=self.coordinator,
            peer=self.peer,
            starts_on=TODAY,
            ends_on=TODAY + datetime.timedelta(days=20),
        )
        response = self.client.post(
            reverse("referrals:referral_assign", args=[self.referral.pk]),
            {"peer": self.peer.pk, "seen": "triaged"},
        )
        self.assertContains(response, "Denne peer kan ikke tage et nyt forløb nu", status_code=422)
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.status, ReferralStatus.TRIAGED)
        self.assertFalse(Course.objects.filter(referral=self.referral).exists())
