"""The two-factor middleware's check of the device that verified a session (issue 19).

When the session names the user's first confirmed device of a kind, the user's own query
has already shown that device to be the user's and confirmed, so the middleware asks
nothing more. Every other case must end exactly as django_otp's own check does: the
session verified by a real device of the user's, or not verified at all."""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts.models import Role
from brobygger.testing import BaseTestCase, make_user

from .test_two_factor import PASSWORD, code_for


class DeviceCheckTests(BaseTestCase):
    def setUp(self) -> None:
        self.device = TOTPDevice.objects.create(user=self.coordinator, name="app", confirmed=True)
        self.ping = reverse("desk:ping")
        self.verify_url = reverse("accounts:verify")

    def sign_in(self, device: TOTPDevice) -> None:
        self.client.post(
            reverse("accounts:login"), {"username": "coordinator", "password": PASSWORD}
        )
        response = self.client.post(self.verify_url, {"token": code_for(device)})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.client.session[DEVICE_ID_SESSION_KEY], device.persistent_id)

    def device_queries(self) -> tuple[int, list[str]]:
        with CaptureQueriesContext(connection) as queries:
            response = self.client.get(self.ping)
        own = [
            q["sql"]
            for q in queries
            if q["sql"].lstrip().startswith('SELECT "otp_totp_totpdevice"')
        ]
        return response.status_code, own

    def test_the_first_device_verifies_the_session_without_a_query_of_its_own(self) -> None:
        self.sign_in(self.device)
        status, own = self.device_queries()
        self.assertEqual(status, 200)
        self.assertEqual(own, [])
        response = self.client.get(self.ping)
        user: Any = response.wsgi_request.user  # django_otp's attributes, set by the middleware
        self.assertTrue(user.is_verified())
        self.assertEqual(user.otp_device.pk, self.device.pk)

    def test_a_second_device_still_verifies_through_django_otps_check(self) -> None:
        second = TOTPDevice.objects.create(user=self.coordinator, name="tablet", confirmed=True)
        self.sign_in(second)
        status, own = self.device_queries()
        self.assertEqual(status, 200)
        self.assertEqual(len(own), 1)  # the session names a device the user query did not

    def test_a_removed_device_no_longer_verifies_the_session(self) -> None:
        self.sign_in(self.device)
        other = TOTPDevice.objects.create(user=self.coordinator, name="new", confirmed=True)
        self.device.delete()
        response = self.client.get(self.ping)
        self.assertRedirects(response, self.verify_url, fetch_redirect_response=False)
        self.assertNotIn(DEVICE_ID_SESSION_KEY, self.client.session)
        self.assertTrue(TOTPDevice.objects.filter(pk=other.pk).exists())

    def test_an_unconfirmed_device_no_longer_verifies_the_session(self) -> None:
        TOTPDevice.objects.create(user=self.coordinator, name="spare", confirmed=True)
        self.sign_in(self.device)
        TOTPDevice.objects.filter(pk=self.device.pk).update(confirmed=False)
        response = self.client.get(self.ping)
        self.assertRedirects(response, self.verify_url, fetch_redirect_response=False)
        self.assertNotIn(DEVICE_ID_SESSION_KEY, self.client.session)

    def test_a_session_naming_another_users_device_is_not_verified(self) -> None:
        someone = make_user("someone", Role.COORDINATOR)
        theirs = TOTPDevice.objects.create(user=someone, name="app", confirmed=True)
        self.client.post(
            reverse("accounts:login"), {"username": "coordinator", "password": PASSWORD}
        )
        session = self.client.session
        session[DEVICE_ID_SESSION_KEY] = theirs.persistent_id
        session.save()
        response = self.client.get(self.ping)
        self.assertRedirects(response, self.verify_url, fetch_redirect_response=False)
        self.assertNotIn(DEVICE_ID_SESSION_KEY, self.client.session)
