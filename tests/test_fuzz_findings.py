"""The form fuzz's findings (tests/test_form_fuzz.py), one regression test per class."""

from __future__ import annotations

from axes.models import AccessAttempt
from django.urls import reverse

from brobygger.testing import BaseTestCase

from .form_fuzz import SCRIPT


class OverLongLoginTests(BaseTestCase):
    def test_an_over_long_user_name_gets_the_form_again_not_a_server_error(self):
        long = SCRIPT + "x" * 20_000
        response = self.client.post(reverse("accounts:login"), {"username": long, "password": long})
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'name="username"')
        self.assertContains(response, "højst have 150 tegn")  # Django's own message, in Danish
        self.assertFalse(AccessAttempt.objects.exists())  # never reached the lockout count
