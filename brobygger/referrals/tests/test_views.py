from typing import Any

from django.urls import reverse

from brobygger.audit.models import AccessLogEntry
from brobygger.people.models import Consent
from brobygger.referrals import selectors, services
from brobygger.referrals.models import Referral, ReferralSource, ReferralStatus
from brobygger.testing import BaseTestCase, count_queries


class ReferralViewTests(BaseTestCase):
    def setUp(self):
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
        self.other_referral = services.create_referral(
            actor=self.coordinator,
            source=ReferralSource.COORDINATOR,
            unit=self.other_unit,
            consent_source="verbal",
            person_fields={
                "kind": "patient",
                "given_name": "Sune",
                "family_name": "Dahl",
                "phone": "30405061",
            },
        )

    def form_data(self, **overrides: Any) -> dict[str, Any]:
        data = {
            "kind": "patient",
            "given_name": "Ole",
            "family_name": "Bak",
            "phone": "40506070",
            "contact_channel": "phone",
            "treatment_setting": "inpatient",
            "unit": self.unit.pk,
            "reason": "Vil gerne tale om udskrivelsen",
            "language_wish": "da",
            "consent_contact": "on",
        }
        data.update(overrides)
        return data

    def test_role_matrix(self):
        detail = reverse("referrals:referral_detail", args=[self.referral.pk])
        other = reverse("referrals:referral_detail", args=[self.other_referral.pk])
        cases: list[tuple[Any, str, int]] = [
            (self.coordinator, reverse("referrals:queue"), 200),
            (self.other_coordinator, reverse("referrals:queue"), 200),
            (self.peer, reverse("referrals:queue"), 403),
            (self.clinician, reverse("referrals:queue"), 403),
            (self.evaluator, reverse("referrals:queue"), 403),
            (self.coordinator, detail, 200),
            (self.other_coordinator, detail, 404),
            (self.clinician, detail, 200),  # made it
            (self.clinician, other, 404),  # did not make it
            (self.peer, detail, 403),
            (self.admin, detail, 403),
            (self.clinician, reverse("referrals:referral_create"), 200),
            (self.peer, reverse("referrals:referral_create"), 403),
            (self.peer, reverse("referrals:course_detail", args=[self.alice_course.pk]), 200),
            (self.other_peer, reverse("referrals:course_detail", args=[self.alice_course.pk]), 404),
            (
                self.relative_peer,
                reverse("referrals:course_detail", args=[self.alice_course.pk]),
                404,
            ),
            (
                self.coordinator,
                reverse("referrals:course_detail", args=[self.alice_course.pk]),
                200,
            ),
            (
                self.other_coordinator,
                reverse("referrals:course_detail", args=[self.alice_course.pk]),
                404,
            ),
            (self.clinician, reverse("referrals:course_detail", args=[self.alice_course.pk]), 403),
            (self.evaluator, reverse("referrals:course_detail", args=[self.alice_course.pk]), 403),
        ]
        for user, url, status in cases:
            with self.subTest(user=str(user), url=url):
                self.login(user)
                self.assertEqual(self.client.get(url).status_code, status)

    def test_clinician_refers_and_sees_only_own_referrals_with_status(self):
        self.login(self.clinician)
        response = self.client.post(reverse("referrals:referral_create"), self.form_data())
        self.assertRedirects(response, reverse("desk:home"))
        referral = Referral.objects.get(person__given_name="Ole")
        self.assertEqual((referral.source, referral.referred_by), ("clinician", self.clinician))
        self.assertTrue(Consent.objects.filter(person=referral.person, kind="contact").exists())
        home = self.client.get(reverse("desk:home"))
        self.assertContains(home, "Ole Bak")
        self.assertContains(home, "Ny")
        self.assertNotContains(home, "Sune")

    def test_referral_without_consent_is_refused_and_keeps_input(self):
        self.login(self.clinician)
        data = self.form_data(given_name="Ærlig 😊 <i>x</i>")
        del data["consent_contact"]
        response = self.client.post(reverse("referrals:referral_create"), data)
        self.assertContains(response, "samtykke", status_code=422)
        self.assertContains(response, "Ærlig 😊 &lt;i&gt;x&lt;/i&gt;", status_code=422)
        self.assertFalse(Referral.objects.filter(person__family_name="Bak").exists())

    def test_inpatient_needs_a_ward(self):
        self.login(self.clinician)
        response = self.client.post(reverse("referrals:referral_create"), self.form_data(unit=""))
        self.assertContains(response, "afsnit", status_code=422)

    def test_queue_filters_counts_and_oldest_first(self):
        self.login(self.coordinator)
        response = self.client.get(reverse("referrals:queue"), {"kind": "relative"})
        self.assertContains(response, "Rita Holm")
        self.assertNotContains(response, "Sune Dahl")  # other unit
        response = self.client.get(reverse("referrals:queue"), {"status": "closed"})
        self.assertNotContains(response, "Rita Holm")
        response = self.client.get(reverse("referrals:queue"), {"waiting": "30"})
        self.assertNotContains(response, "Rita Holm")
        response = self.client.get(reverse("referrals:queue"), {"status": "nonsense"})
        self.assertEqual(response.status_code, 200)

    def test_queue_counts_agree_with_the_rows_whatever_the_filters(self):
        # The pager's count comes with the status counts (selectors.queue_counts).
        services.transition(actor=self.coordinator, referral=self.referral, to="triaged")
        self.login(self.coordinator)
        rita = {self.referral.pk}  # Sune's referral is in a unit the coordinator is not in
        for params, expected in [
            ({}, rita),
            ({"status": "all"}, rita),
            ({"status": "triaged"}, rita),
            ({"status": "new"}, set()),
            ({"kind": "relative"}, rita),
            ({"kind": "patient", "status": "all"}, set()),
            ({"unit": str(self.unit.pk)}, rita),
            ({"waiting": "7"}, set()),
            ({"status": "nonsense"}, rita),
        ]:
            with self.subTest(**params):
                response = self.client.get(reverse("referrals:queue"), params)
                page = response.context["page"]
                self.assertEqual({r.pk for r in page.object_list}, expected)
                self.assertEqual(page.paginator.count, len(expected))
                counts = response.context["counts"]
                self.assertEqual(counts, selectors.status_counts(self.coordinator))
                self.assertEqual({c["status"]: c["count"] for c in counts}["triaged"], 1)

    def test_queue_query_count_is_constant(self):
        self.login(self.coordinator)

        def add_referrals(start, count):
            for i in range(start, start + count):
                services.create_referral(
                    actor=self.clinician,
                    source=ReferralSource.CLINICIAN,
                    unit=self.unit,
                    consent_source="verbal",
                    person_fields={
                        "kind": "patient",
                        "given_name": f"X{i}",
                        "family_name": "Y",
                        "phone": f"5000{i:04d}",
                    },
                )

        # Two or more persons on the page: the entry looks up their stored set (one query).
        add_referrals(0, 2)
        with count_queries() as small:
            self.client.get(reverse("referrals:queue"))
        add_referrals(2, 30)  # more than a page
        with count_queries() as large:
            self.client.get(reverse("referrals:queue"))
        self.assertEqual(len(small), len(large))
        # The request's own 1 (the session with its user, the device that verified the
        # session, the header's unread count and the page cache's change counts, read
        # before the data: accounts/sessions.py, brobygger/pagecache), the status counts
        # with the pager's count (one query), the page's rows, the units of the filter,
        # and the access-log entry: 5 for persons shown together for the first time (the
        # set looked up, stored, its persons stored; the seq; the entry), 3 when the set
        # is stored (docs/audit.md).
        self.assertEqual(len(large), 9)
        # The same page again, nothing changed: kept, so only the request's own 1 and the
        # access-log entry.
        with count_queries() as again:
            self.client.get(reverse("referrals:queue"))
        self.assertEqual(len(again), 4)

    def test_inline_triage_with_htmx_and_as_plain_post(self):
        self.login(self.coordinator)
        url = reverse("referrals:referral_transition", args=[self.referral.pk])
        response = self.client.post(
            url,
            {"to": "triaged", "back": "/henvisninger/?status=new"},
            headers={"HX-Request": "true"},
        )
        self.assertContains(response, 'id="referral-')
        self.assertContains(response, "Visiteret")
        # The row alone carries its words (queue.html's labels partial), as on the page.
        self.assertContains(response, '<td data-label="Ventetid">')
        self.assertContains(response, '#assign">Vælg en peer</a>')
        # The counts above the queue come along, swapped out of band, and still mark
        # the status the coordinator was looking at.
        html = response.content.decode()
        self.assertIn("<template>", html)
        self.assertIn('id="status-counts"', html)
        self.assertIn('hx-swap-oob="true"', html)
        counts = {c["status"]: c["count"] for c in selectors.status_counts(self.coordinator)}
        self.assertRegex(
            html,
            rf'status=triaged"[^>]*>Visiteret <span class="badge">{counts["triaged"]}</span>',
        )
        self.assertRegex(html, r'status=new" aria-current="page"')
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.status, ReferralStatus.TRIAGED)
        # A refused plain post shows the page again with the errors by their fields.
        response = self.client.post(url, {"to": "declined", "reason": "", "confirm": "on"})
        self.assertContains(response, "Skriv en kort begrundelse.", status_code=422)
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.status, ReferralStatus.TRIAGED)  # reason missing
        response = self.client.post(
            url, {"to": "closed", "reason": "x"}, headers={"HX-Request": "true"}
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, '<td data-label="Næste skridt">', status_code=422)

    def test_assign_relative_peer_starts_the_course_the_peer_sees(self):
        services.transition(actor=self.coordinator, referral=self.referral, to="triaged")
        self.login(self.coordinator)
        response = self.client.post(
            reverse("referrals:referral_assign", args=[self.referral.pk]),
            {"peer": self.relative_peer.pk},
        )
        self.assertEqual(response.status_code, 302)
        self.login(self.relative_peer)
        self.assertContains(self.client.get(reverse("desk:home")), "Rita Holm")

    def test_assigning_a_patient_peer_to_a_relative_is_refused(self):
        services.transition(actor=self.coordinator, referral=self.referral, to="triaged")
        self.login(self.coordinator)
        response = self.client.post(
            reverse("referrals:referral_assign", args=[self.referral.pk]), {"peer": self.peer.pk}
        )
        self.assertEqual(response.status_code, 422)

    def test_views_write_the_access_log(self):
        self.login(self.clinician)
        self.client.get(reverse("referrals:referral_detail", args=[self.referral.pk]))
        self.assertTrue(
            AccessLogEntry.objects.filter(
                user=self.clinician, person_id=self.referral.person_id, purpose="referral"
            ).exists()
        )

    def test_coordinator_withdraws_consent_on_request(self):
        consent = Consent.objects.get(person=self.referral.person, kind="contact")
        self.login(self.coordinator)
        url = reverse("referrals:consent_withdraw", args=[consent.pk])
        self.assertEqual(self.client.get(url).status_code, 200)
        self.client.post(url, {"note": "Ringede og bad om det"})
        self.referral.refresh_from_db()
        self.assertEqual(self.referral.status, ReferralStatus.WITHDRAWN)
        self.login(self.other_coordinator)
        self.assertEqual(self.client.get(url).status_code, 404)

    def test_relatives_only_shown_on_course_page_with_consent(self):
        from brobygger.people.services import create_person, record_consent

        relative = create_person(
            actor=None,
            kind="relative",
            given_name="Rolf",
            family_name="Andersen",
            unit=self.unit,
            patient=self.alice,
            relationship="parent",
        )
        self.login(self.peer)
        url = reverse("referrals:course_detail", args=[self.alice_course.pk])
        self.assertNotContains(self.client.get(url), "Rolf")
        record_consent(
            actor=self.coordinator,
            person=self.alice,
            kind="share_relatives",
            source="verbal",
            recipient=relative,
            scope="At jeg er indlagt",
        )
        self.assertContains(self.client.get(url), "Rolf")

    def test_peer_ends_own_course_with_clear_errors(self):
        self.login(self.peer)
        url = reverse("referrals:course_detail", args=[self.alice_course.pk])
        response = self.client.post(
            url, {"action": "end", "ended_on": "2000-01-01", "reason": "completed"}
        )
        self.assertContains(response, "før det begyndte", status_code=422)
        response = self.client.post(
            url, {"action": "end", "ended_on": "ikke en dato", "reason": "completed"}
        )
        self.assertEqual(response.status_code, 422)
        self.login(self.other_peer)
        self.assertEqual(self.client.post(url, {"action": "end"}).status_code, 404)
