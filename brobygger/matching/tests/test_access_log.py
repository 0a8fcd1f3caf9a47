"""The matching pages name, in their one access-log entry, every person they propose."""

from django.urls import reverse

from brobygger.audit.models import AccessLogEntry
from brobygger.matching import access, services
from brobygger.referrals import services as referral_services
from brobygger.referrals.models import Referral, ReferralSource
from brobygger.testing import BaseTestCase


class MatchingAccessLogTests(BaseTestCase):
    def triaged(self, given_name: str, family_name: str, unit=None) -> Referral:
        referral = referral_services.create_referral(
            actor=self.clinician,
            source=ReferralSource.CLINICIAN,
            unit=unit or self.unit,
            consent_source="verbal",
            person_fields={"kind": "patient", "given_name": given_name, "family_name": family_name},
        )
        return referral_services.transition(actor=None, referral=referral, to="triaged")

    def test_batch_page_names_every_person_it_proposes(self):
        nina = self.triaged("Nina", "Lund").person
        otto = self.triaged("Otto", "Krog").person
        self.triaged("Sune", "Dahl", unit=self.other_unit)
        self.login(self.coordinator)
        before = self.last_seq()
        response = self.client.get(reverse("matching:batch"))
        self.assertContains(response, "Nina Lund")
        self.assertContains(response, "Otto Krog")
        self.assertNotContains(response, "Sune Dahl")
        entry = self.one_entry(before)
        self.assertEqual((entry.action, entry.persons), ("search", {nina.pk, otto.pk}))

    def test_the_peers_waiting_proposals_name_their_persons(self):
        nina = self.triaged("Nina", "Lund")
        otto = self.triaged("Otto", "Krog")
        for referral in (nina, otto):
            services.propose_match(actor=self.coordinator, referral=referral, peer=self.peer)
        before = self.last_seq()
        proposals = access.proposals_for(self.peer.user)
        self.assertEqual({r.pk for r in proposals}, {nina.pk, otto.pk})
        entry = self.one_entry(before)
        self.assertEqual(entry.persons, {nina.person_id, otto.person_id})
        # Another peer has no proposals: nothing shown, nothing logged.
        before = self.last_seq()
        self.assertEqual(access.proposals_for(self.other_peer.user), [])
        self.assertEqual(AccessLogEntry.objects.filter(seq__gt=before).count(), 0)
