from typing import Any

from django.urls import reverse

from brobygger.people.models import ExperienceTag, PeerWorker
from brobygger.testing import BaseTestCase, count_queries, make_peer


class PeerViewTests(BaseTestCase):
    def peer_data(self, **overrides):
        data = {
            "first_name": "Sanne",
            "last_name": "Holm",
            "username": "sanne",
            "kind": "patient_peer",
            "languages": ["da", "ar"],
            "units": [self.unit.pk],
            "hours_min": "8",
            "hours_max": "15",
            "contract_start": "2026-12-01",
            "contract_end": "2027-12-01",
            "education_status": "planned",
        }
        data.update(overrides)
        return data

    def test_coordinator_creates_a_peer_with_account(self):
        tag = ExperienceTag.objects.create(slug="psykose", name_da="Psykose", name_en="Psychosis")
        self.login(self.coordinator)
        response = self.client.post(
            reverse("people:peer_create"), self.peer_data(experience_tags=[tag.pk])
        )
        peer = PeerWorker.objects.get(user__username="sanne")
        self.assertRedirects(response, reverse("people:peer_detail", args=[peer.pk]))
        self.assertEqual(peer.user.role, "peer_worker")
        self.assertEqual(list(peer.experience_tags.all()), [tag])

    def test_relative_peer_gets_the_relative_peer_role(self):
        self.login(self.coordinator)
        self.client.post(reverse("people:peer_create"), self.peer_data(kind="relative_peer"))
        self.assertEqual(PeerWorker.objects.get(user__username="sanne").user.role, "relative_peer")

    def test_bad_hours_and_contract_are_explained_and_kept(self):
        self.login(self.coordinator)
        response = self.client.post(
            reverse("people:peer_create"),
            self.peer_data(hours_min="15", hours_max="8", contract_end="2026-01-01"),
        )
        self.assertContains(response, "mindst den nedre grænse", status_code=422)
        self.assertContains(response, "slutte, efter den begynder", status_code=422)
        self.assertContains(response, 'value="Sanne"', status_code=422)

    def test_taken_user_name_is_explained(self):
        self.login(self.coordinator)
        response = self.client.post(reverse("people:peer_create"), self.peer_data(username="peer"))
        self.assertContains(response, "findes allerede", status_code=422)

    def test_edit_peer(self):
        self.login(self.coordinator)
        response = self.client.post(
            reverse("people:peer_edit", args=[self.peer.pk]),
            {
                "kind": "patient_peer",
                "languages": ["da"],
                "units": [self.unit.pk],
                "hours_min": "10",
                "hours_max": "12",
                "contract_start": "2026-01-01",
                "education_status": "completed",
            },
        )
        self.assertEqual(response.status_code, 302)
        self.peer.refresh_from_db()
        self.assertEqual((self.peer.hours_min, self.peer.education_status), (10, "completed"))

    def test_role_matrix(self):
        cases: list[tuple[Any, str, int]] = [
            (self.coordinator, reverse("people:peer_list"), 200),
            (self.admin, reverse("people:peer_list"), 200),
            (self.peer, reverse("people:peer_list"), 403),
            (self.evaluator, reverse("people:peer_list"), 403),
            (self.peer, reverse("people:peer_detail", args=[self.peer.pk]), 200),
            (self.peer, reverse("people:peer_detail", args=[self.other_peer.pk]), 404),
            (self.peer, reverse("people:peer_edit", args=[self.peer.pk]), 403),
            (self.clinician, reverse("people:peer_detail", args=[self.peer.pk]), 403),
        ]
        for user, url, status in cases:
            with self.subTest(user=str(user), url=url):
                self.login(user)
                self.assertEqual(self.client.get(url).status_code, status)

    def test_peer_list_query_count_is_constant(self):
        self.login(self.coordinator)
        with count_queries() as small:
            self.client.get(reverse("people:peer_list"))
        for i in range(10):
            make_peer(f"extra{i}", units=(self.unit,))
        with count_queries() as large:
            self.client.get(reverse("people:peer_list"))
        self.assertEqual(len(small), len(large))
