"""Issue 17 item 7: batch proposals offer only peers who can take the work, and a pair
reviewed before a peer went on pause is refused with the reason when it is sent."""

import datetime

from django.contrib.messages import get_messages
from django.urls import reverse

from brobygger.matching.selectors import batch_proposal
from brobygger.people.workforce_services import plan_departure, set_pause
from brobygger.referrals import services
from brobygger.referrals.models import Referral, ReferralSource, ReferralStatus
from brobygger.testing import TODAY, BaseTestCase, make_peer


class BatchOffersOnlyAvailablePeersTests(BaseTestCase):
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
        self.free = make_peer("freepeer", units=(self.unit,))

    def pause(self, peer):
        set_pause(
            actor=self.coordinator,
            peer=peer,
            starts_on=TODAY,
            ends_on=TODAY + datetime.timedelta(days=20),
        )

    def test_paused_and_leaving_peers_get_no_batch_proposal(self):
        self.pause(self.peer)
        plan_departure(
            actor=self.coordinator, peer=self.other_peer, last_day=TODAY + datetime.timedelta(30)
        )
        proposal = batch_proposal(self.coordinator)
        self.assertEqual([row["peer"] for row in proposal["rows"]], [self.free])
        self.login(self.coordinator)
        page = self.client.get(reverse("matching:batch"))
        self.assertContains(page, f'value="{self.referral.pk}:{self.free.pk}"')
        self.assertNotContains(page, f'value="{self.referral.pk}:{self.peer.pk}"')
        self.assertNotContains(page, f'value="{self.referral.pk}:{self.other_peer.pk}"')

    def test_pair_reviewed_before_the_pause_is_refused_with_the_reason(self):
        self.login(self.coordinator)
        self.pause(self.free)
        response = self.client.post(
            reverse("matching:batch"), {"pair": [f"{self.referral.pk}:{self.free.pk}"]}
        )
        (message,) = [str(m) for m in get_messages(response.wsgi_request)]
        self.assertIn("Freepeer Peer holder pause fra nye forløb", message)
        self.assertEqual(Referral.objects.get(pk=self.referral.pk).status, ReferralStatus.TRIAGED)
