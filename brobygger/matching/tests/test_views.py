from typing import Any

from django.urls import reverse

from brobygger.matching.models import MatchDecline, MatchingSettings
from brobygger.matching.selectors import batch_proposal, suggestions_for
from brobygger.people.models import ExperienceTag
from brobygger.referrals import services as referral_services
from brobygger.referrals.models import Referral, ReferralSource, ReferralStatus
from brobygger.testing import BaseTestCase, count_queries


class MatchingTests(BaseTestCase):
    def setUp(self):
        self.tag = ExperienceTag.objects.create(
            slug="psykose", name_da="Psykose", name_en="Psychosis"
        )
        self.peer.experience_tags.add(self.tag)
        self.referral = self.make_referral("Nora")

    def make_referral(self, name: str, **wishes: Any) -> Referral:
        referral = referral_services.create_referral(
            actor=self.clinician,
            source=ReferralSource.CLINICIAN,
            unit=self.unit,
            consent_source="verbal",
            wanted_tags=[self.tag],
            person_fields={
                "kind": "patient",
                "given_name": name,
                "family_name": "Berg",
                "phone": "30405060",
            },
            **wishes,
        )
        return referral_services.transition(actor=self.coordinator, referral=referral, to="triaged")

    def test_suggestions_are_ranked_and_explained_in_words(self):
        suggestions = suggestions_for(self.referral)
        self.assertEqual(suggestions[0]["peer"], self.peer)  # shares psychosis
        texts = [r["text"] for r in suggestions[0]["reasons"]]
        self.assertIn("deler: Psykose", texts)
        total = sum(float(r["points"]) for r in suggestions[0]["reasons"])
        self.assertAlmostEqual(total, float(suggestions[0]["score"]))
        self.assertNotIn(self.relative_peer, [s["peer"] for s in suggestions])

    def test_required_language_is_never_broken(self):
        referral = self.make_referral("Amal", language_wish="ar", language_required=True)
        self.assertEqual(suggestions_for(referral), [])
        self.peer.languages = ["da", "ar"]
        self.peer.save(update_fields=["languages"])
        self.assertEqual([s["peer"] for s in suggestions_for(referral)], [self.peer])

    def test_referral_page_shows_suggestions_with_reasons(self):
        self.login(self.coordinator)
        response = self.client.get(reverse("referrals:referral_detail", args=[self.referral.pk]))
        self.assertContains(response, "Foreslåede peers")
        self.assertContains(response, "deler: Psykose")

    def test_propose_then_peer_declines_with_reason_back_to_queue(self):
        self.login(self.coordinator)
        self.client.post(
            reverse("matching:propose", args=[self.referral.pk]), {"peer": self.peer.pk}
        )
        self.referral.refresh_from_db()
        self.assertEqual(
            (self.referral.status, self.referral.peer), (ReferralStatus.MATCHED, self.peer)
        )
        self.login(self.peer)
        self.assertContains(self.client.get(reverse("desk:home")), "Nora Berg")
        url = reverse("matching:answer", args=[self.referral.pk])
        response = self.client.post(url, {"answer": "decline", "reason": ""})
        self.assertEqual(response.status_code, 422)
        self.client.post(url, {"answer": "decline", "reason": "Kender familien privat"})
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.status, ReferralStatus.TRIAGED)
        self.assertTrue(MatchDecline.objects.filter(peer=self.peer).exists())
        self.assertNotIn(self.peer, [s["peer"] for s in suggestions_for(self.referral)])

    def test_peer_accepts_and_the_course_starts(self):
        referral_services.transition(
            actor=self.coordinator, referral=self.referral, to="matched", peer=self.peer
        )
        self.login(self.peer)
        response = self.client.post(
            reverse("matching:answer", args=[self.referral.pk]), {"answer": "accept"}
        )
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.status, ReferralStatus.ACTIVE)
        self.assertRedirects(
            response, reverse("referrals:course_detail", args=[self.referral.course.pk])
        )

    def test_other_peer_cannot_answer(self):
        referral_services.transition(
            actor=self.coordinator, referral=self.referral, to="matched", peer=self.peer
        )
        self.login(self.other_peer)
        url = reverse("matching:answer", args=[self.referral.pk])
        self.assertEqual(self.client.get(url).status_code, 404)
        self.assertEqual(self.client.post(url, {"answer": "accept"}).status_code, 404)

    def test_batch_is_reviewed_before_saving(self):
        self.make_referral("Otto")
        self.login(self.coordinator)
        response = self.client.get(reverse("matching:batch"))
        self.assertContains(response, "Nora Berg")
        self.assertEqual(Referral.objects.filter(status="matched").count(), 0)
        proposal = batch_proposal(self.coordinator)
        pairs = [f"{r['referral'].pk}:{r['peer'].pk}" for r in proposal["rows"]]
        self.assertEqual(len(pairs), 2)
        self.client.post(reverse("matching:batch"), {"pair": pairs[:1]})
        self.assertEqual(Referral.objects.filter(status="matched").count(), 1)

    def test_batch_respects_capacity(self):
        MatchingSettings.objects.create(hours_per_course="10")
        for name in ("A", "B", "C"):
            self.make_referral(name)
        proposal = batch_proposal(self.coordinator)
        per_peer: dict[int, int] = {}
        for row in proposal["rows"]:
            per_peer[row["peer"].pk] = per_peer.get(row["peer"].pk, 0) + 1
        # 15 h contract, 1 active course at 10 h: nobody has room for another.
        self.assertTrue(all(n <= 1 for n in per_peer.values()))
        self.assertTrue(proposal["unplaced"])

    def test_settings_change_weights_and_refuse_nonsense(self):
        self.login(self.coordinator)
        url = reverse("matching:settings")
        data = {
            **{k: str(v) for k, v in MatchingSettings.current().engine_weights().as_dict().items()},
            "hours_per_course": "2",
        }
        data["language"] = "-3"
        self.assertEqual(self.client.post(url, data).status_code, 422)
        data["language"] = "9"
        self.assertEqual(self.client.post(url, data).status_code, 302)
        self.assertEqual(MatchingSettings.current().engine_weights().language, 9)

    def test_role_matrix(self):
        cases: list[tuple[Any, str, int]] = [
            (self.coordinator, reverse("matching:batch"), 200),
            (self.other_coordinator, reverse("matching:batch"), 200),
            (self.peer, reverse("matching:batch"), 403),
            (self.evaluator, reverse("matching:settings"), 403),
            (self.clinician, reverse("matching:settings"), 403),
            (self.peer, reverse("matching:answer", args=[self.referral.pk]), 404),
        ]
        for user, url, status in cases:
            with self.subTest(user=str(user), url=url):
                self.login(user)
                self.assertEqual(self.client.get(url).status_code, status)
        self.login(self.other_coordinator)
        response = self.client.post(
            reverse("matching:propose", args=[self.referral.pk]), {"peer": self.peer.pk}
        )
        self.assertEqual(response.status_code, 404)

    def test_batch_page_query_count_is_constant(self):
        self.login(self.coordinator)
        # Two or more persons on the page: the entry looks up their stored set (one query).
        self.make_referral("Olga")
        with count_queries() as small:
            self.client.get(reverse("matching:batch"))
        for i in range(8):
            self.make_referral(f"Extra{i}")
        with count_queries() as large:
            self.client.get(reverse("matching:batch"))
        self.assertEqual(len(large), len(small))
