"""Issue 16: two-factor that cannot be skipped.

A session that has given only the password reaches the code page and logout, nothing else;
the first authenticator comes only through a one-time link (see onboarding's
test_setup_links); replacing it needs a verified session and the password again."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import mail
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.urls.exceptions import NoReverseMatch
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from brobygger.accounts import enrolment, services
from brobygger.audit.models import AuditEvent
from brobygger.testing import BaseTestCase

PASSWORD = "test-password-123"


def code_for(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, digits=device.digits):06d}"


def named_urls(resolver: URLResolver, namespace: str = "") -> Any:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from named_urls(entry, entry.namespace or namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield namespace, entry


def sample_url(namespace: str, entry: URLPattern) -> str | None:
    """The URL with made-up arguments, or None where the pattern takes no made-up ones."""
    name = f"{namespace}:{entry.name}" if namespace else str(entry.name)
    converters = getattr(entry.pattern, "converters", {})
    kwargs = {
        key: 1 if type(c).__name__ == "IntConverter" else "x" for key, c in converters.items()
    }
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


class TwoFactorTestCase(BaseTestCase):
    def post_login(self, username: str, password: str = PASSWORD) -> Any:
        return self.client.post(
            reverse("accounts:login"), {"username": username, "password": password}
        )

    def assert_not_verified(self) -> None:
        self.assertNotIn(DEVICE_ID_SESSION_KEY, self.client.session)


class HalfSignedInTests(TwoFactorTestCase):
    """The coordinator's password is stolen; the phone is not."""

    def setUp(self) -> None:
        self.device = TOTPDevice.objects.create(user=self.coordinator, name="app", confirmed=True)
        response = self.post_login("coordinator")
        self.assertEqual(response.status_code, 302)
        self.verify_url = reverse("accounts:verify")

    def test_password_only_session_cannot_set_up_its_own_authenticator(self) -> None:
        # The attack in issue 16: open the two-factor page, get a fresh key, confirm it.
        page = self.client.get("/konto/to-faktor/")
        self.assertRedirects(page, self.verify_url, fetch_redirect_response=False)
        self.assertFalse(TOTPDevice.objects.filter(user=self.coordinator, confirmed=False).exists())
        # Even with a code for a key it somehow knows, nothing is confirmed.
        planted = TOTPDevice.objects.create(user=self.coordinator, name="thief", confirmed=False)
        response = self.client.post(
            "/konto/to-faktor/", {"password": PASSWORD, "token": code_for(planted)}
        )
        self.assertRedirects(response, self.verify_url, fetch_redirect_response=False)
        planted.refresh_from_db()
        self.assertFalse(planted.confirmed)
        for url in ("/konto/to-faktor/gendannelseskoder/", "/hjem/", "/personer/"):
            with self.subTest(url=url):
                response = self.client.post(url, {"password": PASSWORD})
                self.assertRedirects(response, self.verify_url, fetch_redirect_response=False)
        self.assertFalse(StaticDevice.objects.filter(user=self.coordinator).exists())
        self.assert_not_verified()
        self.assertFalse(
            AuditEvent.objects.filter(
                verb__in=["user.two_factor_enabled", "user.authenticator_replaced"]
            ).exists()
        )

    def test_half_signed_in_session_reaches_only_the_code_page_and_logout(self) -> None:
        checked = 0
        for namespace, entry in named_urls(get_resolver()):
            url = sample_url(namespace, entry)
            if url is None:
                continue
            response = self.client.get(url)
            name = f"{namespace}:{entry.name}"
            checked += 1
            with self.subTest(name=name):
                if name in ("accounts:verify", "accounts:logout"):
                    self.assertIn(response.status_code, (200, 405))
                elif getattr(entry.callback, "brobygger_public", False):
                    # The public site sees the session as signed out.
                    self.assertFalse(response.wsgi_request.user.is_authenticated)
                else:
                    self.assertRedirects(response, self.verify_url, fetch_redirect_response=False)
        self.assertGreater(checked, 100)
        self.assert_not_verified()

    def test_code_page_shows_no_menu_and_the_code_opens_everything(self) -> None:
        page = self.client.get(self.verify_url)
        self.assertContains(page, "Skriv din kode")
        self.assertEqual(page.context["nav_menu"], "")
        self.assertNotContains(page, "Hovedmenu")
        self.assertContains(page, "Log ud")
        response = self.client.post(self.verify_url, {"token": code_for(self.device)})
        self.assertRedirects(response, reverse("desk:home"), fetch_redirect_response=False)
        self.assertEqual(self.client.session[DEVICE_ID_SESSION_KEY], self.device.persistent_id)
        self.assertEqual(self.client.get(reverse("people:person_list")).status_code, 200)

    def test_wrong_code_keeps_the_session_at_the_code_step(self) -> None:
        response = self.client.post(self.verify_url, {"token": "000000"})
        self.assertContains(response, "forkert", status_code=422)
        self.assert_not_verified()
        home = self.client.get(reverse("desk:home"))
        self.assertRedirects(home, self.verify_url, fetch_redirect_response=False)

    def test_logout_works_before_the_code(self) -> None:
        self.assertEqual(self.client.post(reverse("accounts:logout")).status_code, 302)
        self.assertNotIn("_auth_user_id", self.client.session)


class NoAuthenticatorTests(TwoFactorTestCase):
    def test_coordinator_without_authenticator_cannot_sign_in_with_password_alone(self) -> None:
        response = self.post_login("coordinator")
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, 'id="two-factor-missing"')
        self.assertContains(response, "Bed en administrator om et opsætningslink")
        self.assertNotIn("_auth_user_id", self.client.session)
        # Nowhere to set one up either.
        page = self.client.get("/konto/to-faktor/")
        self.assertRedirects(
            page, "/log-ind/?next=/konto/to-faktor/", fetch_redirect_response=False
        )
        self.assertFalse(TOTPDevice.objects.filter(user=self.coordinator).exists())

    def test_wrong_password_still_says_only_that(self) -> None:
        response = self.post_login("coordinator", "wrong-password")
        self.assertContains(response, "Brugernavnet eller adgangskoden er forkert")
        self.assertNotContains(response, "opsætningslink")

    def test_an_earlier_password_only_session_is_signed_out(self) -> None:
        # A session from before this rule, or whose device was removed since.
        self.client.force_login(self.admin)
        response = self.client.get(reverse("desk:home"))
        self.assertRedirects(response, reverse("accounts:login"), fetch_redirect_response=False)
        self.assertNotIn("_auth_user_id", self.client.session)
        page = self.client.get(reverse("accounts:login"))
        self.assertContains(page, "opsætningslink")

    def test_demo_peer_without_authenticator_signs_in_but_cannot_set_one_up(self) -> None:
        self.assertTrue(settings.DEMO_MODE)
        self.post_login("peer")
        self.assertEqual(self.client.get(reverse("desk:home")).status_code, 200)
        page = self.client.get("/konto/to-faktor/")
        self.assertContains(page, "opsætningslink", status_code=403)
        self.assertNotContains(page, "data:image/svg+xml", status_code=403)
        response = self.client.post("/konto/to-faktor/", {"password": PASSWORD, "token": "123456"})
        self.assertEqual(response.status_code, 403)
        self.assertFalse(TOTPDevice.objects.filter(user=self.peer.user).exists())

    def test_an_authenticator_confirmed_after_sign_in_asks_for_the_code_next_request(
        self,
    ) -> None:
        # The gate knows the devices as the request loaded the user: a device confirmed
        # elsewhere (another browser of the same peer) counts from the next request.
        self.post_login("peer")
        self.assertEqual(self.client.get(reverse("desk:home")).status_code, 200)
        TOTPDevice.objects.create(user=self.peer.user, name="app", confirmed=True)
        response = self.client.get(reverse("desk:home"))
        self.assertRedirects(response, reverse("accounts:verify"), fetch_redirect_response=False)

    def test_an_unconfirmed_authenticator_is_no_second_factor(self) -> None:
        TOTPDevice.objects.create(user=self.peer.user, name="app", confirmed=False)
        StaticDevice.objects.create(user=self.peer.user, name="codes", confirmed=False)
        self.post_login("peer")
        self.assertEqual(self.client.get(reverse("desk:home")).status_code, 200)
        StaticDevice.objects.filter(user=self.peer.user).update(confirmed=True)
        response = self.client.get(reverse("desk:home"))
        self.assertRedirects(response, reverse("accounts:verify"), fetch_redirect_response=False)

    def test_demo_peer_with_authenticator_is_asked_for_the_code(self) -> None:
        TOTPDevice.objects.create(user=self.peer.user, name="app", confirmed=True)
        self.post_login("peer")
        response = self.client.get(reverse("desk:home"))
        self.assertRedirects(response, reverse("accounts:verify"), fetch_redirect_response=False)


class RecoveryCodeTests(TwoFactorTestCase):
    def setUp(self) -> None:
        TOTPDevice.objects.create(user=self.coordinator, name="app", confirmed=True)
        self.codes = services.make_recovery_codes(actor=None, user=self.coordinator)
        self.post_login("coordinator")

    def test_a_recovery_code_passes_the_code_step_once(self) -> None:
        self.assertEqual(len(self.codes), settings.RECOVERY_CODE_COUNT)
        typed = self.codes[0][:4].upper() + "-" + self.codes[0][4:].upper()
        response = self.client.post(reverse("accounts:verify"), {"recovery_code": typed})
        self.assertRedirects(
            response, reverse("accounts:two_factor"), fetch_redirect_response=False
        )
        page = self.client.get(reverse("accounts:two_factor"))
        self.assertContains(page, "gendannelseskode")
        self.assertEqual(page.context["codes_left"], settings.RECOVERY_CODE_COUNT - 1)
        event = AuditEvent.objects.get(verb="user.recovery_code_used")
        self.assertEqual(event.data["left"], settings.RECOVERY_CODE_COUNT - 1)
        self.assertNotIn(self.codes[0], str(event.data))

        self.client.post(reverse("accounts:logout"))
        self.post_login("coordinator")
        again = self.client.post(reverse("accounts:verify"), {"recovery_code": self.codes[0]})
        self.assertContains(again, "allerede brugt", status_code=422)
        self.assert_not_verified()

    def test_malformed_recovery_code_is_refused_without_a_500(self) -> None:
        for bad in ("", "abc", "12345678", "x" * 40):
            with self.subTest(bad=bad):
                response = self.client.post(reverse("accounts:verify"), {"recovery_code": bad})
                self.assertEqual(response.status_code, 422)
        self.assertEqual(StaticToken.objects.count(), settings.RECOVERY_CODE_COUNT)
        self.assert_not_verified()


class ReplaceAuthenticatorTests(TwoFactorTestCase):
    def setUp(self) -> None:
        type(self.coordinator).objects.filter(pk=self.coordinator.pk).update(
            email="coordinator@example.org"
        )
        self.login(self.coordinator)
        self.old = TOTPDevice.objects.get(user=self.coordinator, confirmed=True)
        self.url = reverse("accounts:two_factor")

    def test_replacing_needs_the_password_and_the_new_code_and_is_audited_and_told(self) -> None:
        before = TOTPDevice.objects.count()
        page = self.client.get(self.url)
        self.assertContains(page, "data:image/svg+xml;base64,")
        # Showing the new key writes nothing: it waits in the session for the POST.
        self.assertEqual(TOTPDevice.objects.count(), before)
        new = self.shown_device()
        self.assertEqual(self.client.get(self.url).context["secret"], page.context["secret"])

        wrong_password = self.client.post(self.url, {"password": "nope", "token": code_for(new)})
        self.assertContains(wrong_password, "Adgangskoden er forkert", status_code=422)
        wrong_code = self.client.post(self.url, {"password": PASSWORD, "token": "000000"})
        self.assertContains(wrong_code, "forkert", status_code=422)
        self.assertTrue(TOTPDevice.objects.filter(pk=self.old.pk, confirmed=True).exists())
        self.assertFalse(AuditEvent.objects.filter(verb="user.authenticator_replaced").exists())

        # django-otp slows the next try after a wrong code; the person types again later.
        TOTPDevice.objects.filter(user=self.coordinator, confirmed=False).update(
            throttling_failure_count=0
        )
        response = self.client.post(self.url, {"password": PASSWORD, "token": code_for(new)})
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        self.assertFalse(TOTPDevice.objects.filter(pk=self.old.pk).exists())
        new = TOTPDevice.objects.get(user=self.coordinator)
        self.assertTrue(new.confirmed)
        self.assertEqual(new.key, self.shown_key)
        self.assertEqual(self.client.session[DEVICE_ID_SESSION_KEY], new.persistent_id)
        event = AuditEvent.objects.get(verb="user.authenticator_replaced")
        self.assertEqual(event.actor_id, self.coordinator.pk)
        page = self.client.get(self.url)
        self.assertContains(page, "Din nye godkendelsesapp er sat op")
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["coordinator@example.org"])
        self.assertIn("ny godkendelsesapp", mail.outbox[0].body)

    def shown_device(self) -> TOTPDevice:
        """The key the page showed, as the user's phone now has it."""
        self.shown_key = self.client.session[enrolment.PENDING_KEY_SESSION_KEY]
        return enrolment.draft_device(self.coordinator, self.shown_key)

    def test_wrong_passwords_on_the_replace_page_lock_out(self) -> None:
        self.client.get(self.url)
        new = self.shown_device()
        for _n in range(settings.AXES_FAILURE_LIMIT):
            self.client.post(self.url, {"password": "wrong", "token": "000000"})
        response = self.client.post(self.url, {"password": PASSWORD, "token": code_for(new)})
        self.assertEqual(response.status_code, 429)
        self.assertTrue(TOTPDevice.objects.filter(pk=self.old.pk, confirmed=True).exists())


class RecoveryCodesPageTests(TwoFactorTestCase):
    def setUp(self) -> None:
        self.login(self.coordinator)
        self.old_codes = services.make_recovery_codes(actor=None, user=self.coordinator)
        self.url = reverse("accounts:recovery_codes")

    def test_new_codes_need_the_password_are_shown_once_and_end_the_old_ones(self) -> None:
        page = self.client.get(self.url)
        self.assertContains(page, "Du har 10 gendannelseskoder tilbage")
        for code in self.old_codes:
            self.assertNotContains(page, code)
        refused = self.client.post(self.url, {"password": "wrong"})
        self.assertContains(refused, "Adgangskoden er forkert", status_code=422)
        self.assertEqual(
            set(StaticToken.objects.values_list("token", flat=True)), set(self.old_codes)
        )

        response = self.client.post(self.url, {"password": PASSWORD})
        self.assertRedirects(response, self.url, fetch_redirect_response=False)
        shown = self.client.get(self.url)
        new_codes = shown.context["codes"]
        self.assertEqual(len(new_codes), settings.RECOVERY_CODE_COUNT)
        for code in new_codes:
            self.assertContains(shown, code)
        self.assertEqual(set(StaticToken.objects.values_list("token", flat=True)), set(new_codes))
        self.assertNotContains(self.client.get(self.url), new_codes[0])
        self.assertEqual(AuditEvent.objects.filter(verb="user.recovery_codes_made").count(), 2)
