"""The CSRF cookie lasts the browser's session and is sent only when it changes
(brobygger/lib/csrf.py), and forms keep working with it."""

from __future__ import annotations

import re

from django.conf import settings
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.models import Role, User
from brobygger.testing import make_user

COOKIE = settings.CSRF_COOKIE_NAME


def _token(response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"', response.text)
    assert match is not None, "no CSRF token on the page"
    return match.group(1)


class CsrfCookieTests(TestCase):
    user: User

    @classmethod
    def setUpTestData(cls):
        cls.user = make_user("kirsten", Role.COORDINATOR)
        TOTPDevice.objects.create(user=cls.user, name="app", confirmed=True)

    def setUp(self):
        self.client = Client(enforce_csrf_checks=True)
        self.login = reverse("accounts:login")

    def test_set_on_the_first_page_without_expiry(self):
        response = self.client.get(self.login)
        cookie = response.cookies[COOKIE]
        self.assertEqual(len(cookie.value), 32)
        self.assertEqual((cookie["max-age"], cookie["expires"]), ("", ""))
        self.assertTrue(cookie["httponly"])

    def test_not_sent_again_unchanged_and_the_form_still_works(self):
        first = self.client.get(self.login).cookies[COOKIE].value
        # The public home page's language form (the login view itself is decorated with
        # Django's csrf_protect, whose own middleware renews the cookie as before).
        again = self.client.get(reverse("public:home"))
        self.assertNotIn(COOKIE, again.cookies)
        self.assertIn("Cookie", again["Vary"])
        self.assertEqual(self.client.cookies[COOKIE].value, first)
        response = self.client.post(
            self.login,
            {
                "csrfmiddlewaretoken": _token(again),
                "username": "kirsten",
                "password": "test-password-123",
            },
        )
        self.assertEqual(response.status_code, 302)  # signed in, on to the next step
        # Signing in rotates the secret: the new one is sent.
        self.assertNotEqual(response.cookies[COOKIE].value, first)

    def test_a_post_without_the_cookie_is_refused(self):
        token = _token(self.client.get(self.login))
        del self.client.cookies[COOKIE]
        response = self.client.post(
            self.login, {"csrfmiddlewaretoken": token, "username": "kirsten", "password": "x"}
        )
        self.assertEqual(response.status_code, 403)

    @override_settings(CSRF_COOKIE_AGE=3600)
    def test_with_an_expiry_it_is_renewed_on_every_page_as_django_does(self):
        self.client.get(self.login)
        again = self.client.get(self.login)
        self.assertEqual(again.cookies[COOKIE]["max-age"], 3600)


def test_it_sits_just_inside_djangos_csrf_middleware():
    """Inside it, so that it runs on the response first; just inside, so that no
    middleware between them could still use the secret after it."""
    django_csrf = settings.MIDDLEWARE.index("django.middleware.csrf.CsrfViewMiddleware")
    assert settings.MIDDLEWARE[django_csrf + 1] == (
        "brobygger.lib.csrf.UnchangedCsrfCookieMiddleware"
    )
