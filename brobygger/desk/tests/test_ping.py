"""The smallest signed-in page, the baseline of bench/throughput.py (issue 19)."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from brobygger.audit.models import AccessLogEntry
from brobygger.testing import BaseTestCase

PING = "/hjem/ping/"


class PingTests(BaseTestCase):
    def test_ping_keeps_its_address(self):
        self.assertEqual(reverse("desk:ping"), PING)

    def test_ping_greets_the_signed_in_user_by_name(self):
        self.login(self.peer)
        response = self.client.get(PING)
        self.assertContains(response, "Du er logget ind som")
        self.assertContains(response, self.peer.user.get_full_name() or "peer")

    def test_ping_needs_a_signed_in_staff_user(self):
        response = self.client.get(PING)
        self.assertRedirects(
            response, reverse("accounts:login") + "?next=" + PING, fetch_redirect_response=False
        )

    def test_ping_shows_no_person_and_logs_nothing(self):
        self.login(self.coordinator)
        before = AccessLogEntry.objects.count()
        self.assertEqual(self.client.get(PING).status_code, 200)
        self.assertEqual(AccessLogEntry.objects.count(), before)

    def test_ping_query_budget(self):
        # The session with its user in one statement (accounts/sessions.py), with the
        # device that verified the session (accounts/middleware.py's OTPMiddleware) and the
        # header's unread count (notifications/apps.py): what every signed-in page pays
        # before its own queries. No write.
        for user in (self.coordinator, self.peer):
            self.login(user)
            with self.subTest(user=str(user)), self.assertNumQueries(1):
                self.assertEqual(self.client.get(PING).status_code, 200)

    def test_ping_query_budget_without_an_authenticator(self):
        # Demo mode: a peer without an authenticator app passes the gate. Whether they have
        # a device is read with the user (accounts/backends.py), not one query per kind.
        self.assertTrue(settings.DEMO_MODE)
        self.login(self.peer, verified=False)
        with self.assertNumQueries(1):
            self.assertEqual(self.client.get(PING).status_code, 200)

    def test_the_frame_speaks_the_users_language_with_role_links_and_footer(self):
        # The frame's words are translated once per process and language
        # (accounts/context.py): each user still gets their own language.
        self.login(self.coordinator)
        danish = self.client.get(PING)
        for words in (
            "Gå til indholdet",
            "Beskeder",
            'aria-label="Hovedmenu"',
            "Log ud",
            "To-faktor-login",
            "· Koordinator",
            "Om peer-støtte",
            "Sådan behandler vi dine oplysninger",
        ):
            self.assertContains(danish, words)
        self.assertNotContains(danish, "Skip to content")
        self.assertNotContains(danish, "Log ind for medarbejdere")  # signed in: no login link
        self.peer.user.language = "en"
        self.peer.user.save(update_fields=["language"])
        self.login(self.peer)
        english = self.client.get(PING)
        for words in ("Skip to content", 'aria-label="Main menu"', "Sign out", "· Peer worker"):
            self.assertContains(english, words)
        self.assertNotContains(english, "Gå til indholdet")
        self.client.logout()
        public = self.client.get(reverse("public:home"))
        self.assertContains(public, "Log ind for medarbejdere")
