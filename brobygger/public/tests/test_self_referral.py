from django.test import TestCase, override_settings
from django.urls import reverse

from brobygger.people.models import Consent, Person
from brobygger.referrals.models import Referral


def form_data(**overrides):
    data = {
        "kind": "relative",
        "given_name": "Ib",
        "family_name": "Krogh",
        "phone": "22334455",
        "contact_channel": "phone",
        "treatment_setting": "none",
        "language_wish": "da",
        "reason": "Min søn er indlagt",
        "consent_contact": "on",
        "consent_store": "on",
        "website": "",
    }
    data.update(overrides)
    return data


class SelfReferralTests(TestCase):
    url = reverse("public:self_referral")

    def test_form_is_public_and_in_danish(self):
        response = self.client.get(self.url)
        self.assertContains(response, "Bed om en peer")

    def test_self_referral_is_stored_with_consents_and_a_receipt(self):
        response = self.client.post(self.url, form_data())
        self.assertRedirects(
            response, reverse("public:self_referral_received"), fetch_redirect_response=False
        )
        referral = Referral.objects.get()
        self.assertEqual(
            (referral.source, referral.status, referral.person.kind), ("self", "new", "relative")
        )
        kinds = set(Consent.objects.filter(person=referral.person).values_list("kind", flat=True))
        self.assertEqual(kinds, {"contact", "store_notes"})
        receipt = self.client.get(reverse("public:self_referral_received"))
        self.assertContains(receipt, "Tak")
        self.assertNotContains(receipt, "Krogh")

    def test_nothing_is_stored_without_consent(self):
        response = self.client.post(self.url, form_data(consent_store=""))
        self.assertContains(response, "gemme", status_code=422)
        self.assertContains(response, 'value="Krogh"', status_code=422)
        self.assertFalse(Person.objects.exists())

    def test_honeypot_stores_nothing_but_looks_the_same(self):
        response = self.client.post(self.url, form_data(website="http://spam.example"))
        self.assertRedirects(response, reverse("public:self_referral_received"))
        self.assertFalse(Person.objects.exists())

    @override_settings(PUBLIC_FORM_LIMIT_PER_HOUR=2)
    def test_rate_limit_per_device_keeps_the_input(self):
        self.client.get(self.url)  # the form page gives the browser its device cookie
        for i in range(2):
            self.client.post(self.url, form_data(phone=f"2233445{i}"))
        response = self.client.post(self.url, form_data(given_name="Tredje"))
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, 'value="Tredje"', status_code=429)
        self.assertEqual(Referral.objects.count(), 2)

    def test_csrf_is_required(self):
        from django.test import Client

        client = Client(enforce_csrf_checks=True)
        self.assertEqual(client.post(self.url, form_data()).status_code, 403)

    def test_strange_input_is_escaped_not_500(self):
        response = self.client.post(
            self.url,
            form_data(given_name="<script>alert(1)</script>", phone="abc", email="ikke-en-mail"),
        )
        self.assertEqual(response.status_code, 422)
        self.assertNotContains(response, "<script>alert(1)", status_code=422)
        self.assertContains(response, "&lt;script&gt;", status_code=422)

    def test_receipt_needs_a_submission(self):
        response = self.client.get(reverse("public:self_referral_received"))
        self.assertRedirects(response, self.url)

    def test_known_person_is_flagged_as_possible_duplicate(self):
        self.client.post(self.url, form_data(birth_date="1970-03-04"))
        self.client.post(
            self.url, form_data(birth_date="1970-03-04", reason="Igen"), REMOTE_ADDR="10.9.9.9"
        )
        first, second = Referral.objects.order_by("pk")
        self.assertIsNone(first.possible_duplicate)
        self.assertEqual(second.possible_duplicate, first.person)

    def test_future_or_bad_birth_date_is_refused(self):
        response = self.client.post(self.url, form_data(birth_date="31-02-1990"))
        self.assertEqual(response.status_code, 422)
        self.assertFalse(Person.objects.exists())
