"""The privacy page names the controller, the purposes and legal bases, the retention
periods and how to complain; the accessibility statement gives a contact."""

from django.conf import settings
from django.test import TestCase, override_settings
from django.urls import reverse


class PrivacyPageTests(TestCase):
    def test_controller_legal_bases_retention_and_complaint_are_on_the_privacy_page(self):
        page = self.client.get(reverse("public:privacy"))
        for words in (
            "Region Demo, Psykiatrien",
            "Dataansvarlig",
            "artikel 6, stk. 1, litra e",
            "artikel 9, stk. 2, litra h",
            "sundhedslovens",
            "60 måneder efter sidste notat",
            "Datatilsynet, Carl Jacobsens Vej 35, 2500 Valby, tlf. 33 19 32 00",
            "datatilsynet.dk",
        ):
            self.assertContains(page, words)

    @override_settings(
        RETENTION_MONTHS={
            "peer_notes": 72,
            "questionnaires": 60,
            "groups": 60,
            "referrals_without_course": 12,
            "access_log": 60,
        }
    )
    def test_the_retention_periods_come_from_the_settings(self):
        page = self.client.get(reverse("public:privacy"))
        self.assertContains(page, "72 måneder efter sidste notat")

    def test_the_privacy_page_in_english(self):
        self.client.cookies.load({settings.LANGUAGE_COOKIE_NAME: "en"})
        page = self.client.get(reverse("public:privacy"))
        self.assertContains(page, "Data controller")
        self.assertContains(page, "article 9(2)(h)")

    @override_settings(
        ACCESSIBILITY_CONTACT={"phone": "70 20 30 40", "email": "web@region-demo.dk"}
    )
    def test_the_accessibility_statement_gives_a_phone_and_an_email(self):
        page = self.client.get(reverse("public:accessibility"))
        self.assertContains(page, "70 20 30 40")
        self.assertContains(page, 'href="mailto:web@region-demo.dk"')
