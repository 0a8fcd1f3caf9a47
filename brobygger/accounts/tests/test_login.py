import datetime

import time_machine
from django.conf import settings
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.middleware import LOGIN_AT_KEY
from brobygger.accounts.models import Role, Session
from brobygger.testing import BaseTestCase, make_user
from conftest import PRODUCTION_HASHERS

PASSWORD = "test-password-123"


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


class LoginTests(BaseTestCase):
    def post_login(self, username: str, password: str = PASSWORD):
        return self.client.post(
            reverse("accounts:login"), {"username": username, "password": password}
        )

    def test_pages_need_login(self):
        response = self.client.get(reverse("people:person_list"))
        self.assertRedirects(
            response, reverse("accounts:login") + "?next=/personer/", fetch_redirect_response=False
        )

    def test_coordinator_with_device_is_asked_for_the_code(self):
        device = TOTPDevice.objects.create(user=self.coordinator, name="app", confirmed=True)
        self.post_login("coordinator")
        self.assertRedirects(self.client.get(reverse("desk:home")), reverse("accounts:verify"))
        response = self.client.post(reverse("accounts:verify"), {"token": "12ab"})
        self.assertContains(response, "6 cifre", status_code=422)
        response = self.client.post(reverse("accounts:verify"), {"token": current_code(device)})
        self.assertRedirects(response, reverse("desk:home"))

    def test_peer_in_demo_mode_may_skip_two_factor(self):
        self.assertTrue(settings.DEMO_MODE)
        self.post_login("peer")
        self.assertEqual(self.client.get(reverse("desk:home")).status_code, 200)

    def test_outside_demo_mode_every_role_needs_two_factor(self):
        with self.settings(DEMO_MODE=False):
            # No authenticator: the password alone does not sign in.
            response = self.post_login("peer")
            self.assertContains(response, "opsætningslink")
            self.assertNotIn("_auth_user_id", self.client.session)
            TOTPDevice.objects.create(user=self.peer.user, name="app", confirmed=True)
            self.post_login("peer")
            response = self.client.get(reverse("desk:home"))
        self.assertRedirects(response, reverse("accounts:verify"))

    def test_lockout_after_repeated_failures(self):
        for _ in range(settings.AXES_FAILURE_LIMIT):
            self.post_login("peer", "wrong-password")
        response = self.post_login("peer")  # right password, but locked
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "15 minutter", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_wrong_password_says_so_in_danish_and_keeps_user_name(self):
        response = self.post_login("peer", "wrong")
        self.assertContains(response, "Brugernavnet eller adgangskoden er forkert")
        self.assertContains(response, 'value="peer"')

    def test_passwords_are_hashed_with_argon2(self):
        # The suite hashes with a fast hasher (conftest.py); the product's own list is this.
        with override_settings(PASSWORD_HASHERS=PRODUCTION_HASHERS):
            user = make_user("argon", Role.PEER_WORKER)
        self.assertTrue(user.password.startswith("argon2"))

    def test_logout_kills_the_session(self):
        self.login(self.peer)
        old_session = self.client.cookies[settings.SESSION_COOKIE_NAME].value
        self.assertEqual(self.client.post(reverse("accounts:logout")).status_code, 302)
        self.client.cookies[settings.SESSION_COOKIE_NAME] = old_session
        response = self.client.get(reverse("desk:home"))
        self.assertEqual(response.status_code, 302)

    def test_logout_by_get_is_refused(self):
        self.login(self.peer)
        self.assertEqual(self.client.get(reverse("accounts:logout")).status_code, 405)

    def test_idle_timeout_is_30_minutes_without_a_session_write_per_request(self):
        self.assertEqual(settings.SESSION_COOKIE_AGE, 30 * 60)
        self.assertFalse(settings.SESSION_SAVE_EVERY_REQUEST)

    def test_session_ends_10_hours_after_login(self):
        self.login(self.peer)
        session = self.client.session
        session[LOGIN_AT_KEY] = timezone.now().timestamp() - 10 * 3600 - 1
        session.save()
        response = self.client.get(reverse("desk:home"))
        self.assertRedirects(response, reverse("accounts:login"), fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)


class LanguageTests(BaseTestCase):
    def test_language_switch_is_stored_on_the_user(self):
        self.login(self.peer)
        self.assertContains(self.client.get(reverse("desk:home")), "Mine forløb")
        response = self.client.post(
            reverse("accounts:set_language"), {"language": "en", "next": "/hjem/"}
        )
        self.assertRedirects(response, "/hjem/", fetch_redirect_response=False)
        self.peer.user.refresh_from_db()
        self.assertEqual(self.peer.user.language, "en")
        self.client.cookies.pop(settings.LANGUAGE_COOKIE_NAME)
        self.assertContains(self.client.get(reverse("desk:home")), "My courses")

    def test_anonymous_switch_uses_a_cookie_and_refuses_foreign_next(self):
        response = self.client.post(
            reverse("accounts:set_language"), {"language": "en", "next": "https://evil.example/"}
        )
        self.assertEqual(response["Location"], "/")
        self.assertContains(self.client.get("/"), "Talk to someone who has been there")

    def test_unknown_language_changes_nothing(self):
        self.client.post(reverse("accounts:set_language"), {"language": "xx", "next": "/"})
        self.assertContains(self.client.get("/"), "Tal med en, der selv har været der")


class IdleTimeoutTests(BaseTestCase):
    """The idle limit without a session write per request (issue 19)."""

    def setUp(self):
        super().setUp()
        self.start = timezone.now()
        self.home = reverse("desk:home")

    def get_at(self, seconds: float):
        moment = self.start + datetime.timedelta(seconds=seconds)
        with time_machine.travel(moment, tick=False):
            return self.client.get(self.home)

    def expiry(self) -> datetime.datetime:
        key = self.client.cookies[settings.SESSION_COOKIE_NAME].value
        return Session.objects.get(session_key=key).expire_date

    def assert_signed_out(self, response) -> None:
        self.assertRedirects(
            response, reverse("accounts:login") + "?next=/hjem/", fetch_redirect_response=False
        )

    def test_a_session_left_idle_for_the_cookie_age_is_signed_out(self):
        with time_machine.travel(self.start, tick=False):
            self.login(self.peer)
        self.assertEqual(self.get_at(0).status_code, 200)
        self.assertEqual(self.get_at(settings.SESSION_COOKIE_AGE - 60).status_code, 200)
        # Nothing since: signed out one idle period after that last request.
        self.assert_signed_out(self.get_at(2 * settings.SESSION_COOKIE_AGE - 60 + 1))

    def test_activity_within_the_idle_window_keeps_the_session(self):
        with time_machine.travel(self.start, tick=False):
            self.login(self.peer)
        age = settings.SESSION_COOKIE_AGE
        for step in range(1, 5):  # two hours in all, a request every 25 minutes
            self.assertEqual(self.get_at(step * (age - 300)).status_code, 200, step)
        self.assertEqual(self.get_at(4 * (age - 300) + age - 90).status_code, 200)

    def test_the_expiry_is_renewed_at_most_once_a_minute(self):
        with time_machine.travel(self.start, tick=False):
            self.login(self.peer)
        self.get_at(0)
        renewed = self.expiry()
        self.get_at(30)
        self.get_at(settings.SESSION_REFRESH_SECONDS - 1)
        self.assertEqual(self.expiry(), renewed)  # no session write
        self.get_at(settings.SESSION_REFRESH_SECONDS)
        self.assertEqual(
            self.expiry(), renewed + datetime.timedelta(seconds=settings.SESSION_REFRESH_SECONDS)
        )

    def test_the_absolute_limit_holds_for_an_active_session(self):
        with time_machine.travel(self.start, tick=False):
            self.login(self.peer)
        self.get_at(0)
        every = settings.SESSION_COOKIE_AGE - 60
        seconds = every
        while seconds <= settings.SESSION_ABSOLUTE_SECONDS:
            self.assertEqual(self.get_at(seconds).status_code, 200, seconds)
            seconds += every
        response = self.get_at(seconds)
        self.assertRedirects(response, reverse("accounts:login"), fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)
