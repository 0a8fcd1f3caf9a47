"""The public forms' limits (issue 19): per device and per address, higher at a kiosk
address the administrator marked, never unlimited."""

from __future__ import annotations

from django.test import Client, TestCase, override_settings
from django.urls import reverse

from brobygger.audit.models import AuditEvent
from brobygger.public import ratelimit
from brobygger.public.models import KioskAddress
from brobygger.public.tests.test_self_referral import form_data
from brobygger.referrals.models import Referral
from brobygger.testing import BaseTestCase

URL = reverse("public:self_referral")
WARD = "10.20.30.40"


def device(address: str = WARD) -> Client:
    """A browser behind `address` that has opened the form (and got its device cookie)."""
    client = Client(REMOTE_ADDR=address)
    client.get(URL)
    return client


def send(client: Client, n: int, **fields: str) -> list[int]:
    return [
        client.post(URL, form_data(phone=f"2{n:03d}{i:04d}", **fields)).status_code
        for i in range(n)
    ]


@override_settings(
    PUBLIC_FORM_LIMIT_PER_HOUR=2,
    PUBLIC_FORM_LIMIT_PER_ADDRESS_PER_HOUR=5,
    PUBLIC_FORM_LIMIT_PER_KIOSK_PER_HOUR=8,
)
class RateLimitTests(TestCase):
    def test_the_form_page_gives_a_signed_httponly_device_cookie(self):
        response = self.client.get(URL)
        cookie = response.cookies[ratelimit.DEVICE_COOKIE]
        self.assertTrue(cookie["httponly"])
        self.assertEqual(cookie["samesite"], "Lax")
        self.assertIsNotNone(ratelimit.device_id(response.wsgi_request) or cookie.value)
        # The same browser keeps its cookie: no new one on the next page view.
        again = self.client.get(URL)
        self.assertNotIn(ratelimit.DEVICE_COOKIE, again.cookies)

    def test_two_devices_behind_one_address_both_get_through(self):
        # The old limit (per address, 2 an hour) stopped the second device's forms.
        first, second = device(), device()
        self.assertEqual(send(first, 2), [302, 302])
        self.assertEqual(send(second, 2, given_name="Anden"), [302, 302])
        self.assertEqual(Referral.objects.count(), 4)

    def test_one_device_is_limited(self):
        first = device()
        self.assertEqual(send(first, 3), [302, 302, 429])
        self.assertEqual(Referral.objects.count(), 2)
        # Another device at the same address is not.
        self.assertEqual(send(device(), 1), [302])

    def test_the_address_has_a_higher_ceiling_of_its_own(self):
        statuses = [code for _ in range(3) for code in send(device(), 2)]
        self.assertEqual(statuses, [302, 302, 302, 302, 302, 429])
        self.assertEqual(Referral.objects.count(), 5)
        # Elsewhere, another address is not affected.
        self.assertEqual(send(device("10.99.0.1"), 1), [302])

    def test_without_a_valid_device_cookie_the_address_is_the_device(self):
        # Cookies off, a robot, or a forged cookie: the device limit applies to the address.
        statuses = []
        for i in range(3):
            client = Client(REMOTE_ADDR=WARD)
            client.cookies[ratelimit.DEVICE_COOKIE] = "made-up"
            statuses.append(client.post(URL, form_data(phone=f"3000000{i}")).status_code)
        self.assertEqual(statuses, [302, 302, 429])

    def test_a_kiosk_address_gets_its_ceiling_and_no_more(self):
        KioskAddress.objects.create(network="10.20.30.0/24", label="Afsnit R1, kiosk")
        kiosk = device()  # one shared device, used by many patients
        self.assertEqual(send(kiosk, 9), [302] * 8 + [429])
        self.assertEqual(Referral.objects.count(), 8)
        # An address outside the marked network keeps the ordinary limits.
        self.assertEqual(send(device("10.20.31.1"), 3), [302, 302, 429])

    def test_an_inactive_kiosk_address_has_the_ordinary_limits(self):
        KioskAddress.objects.create(network="10.20.30.40", label="Gammel kiosk", active=False)
        self.assertEqual(send(device(), 3), [302, 302, 429])

    def test_the_limit_message_is_danish_and_keeps_the_input(self):
        client = device()
        send(client, 2)
        response = client.post(URL, form_data(given_name="Tredje", reason="Min bror er syg"))
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "For mange formularer", status_code=429)
        self.assertContains(response, "Vent venligst en time", status_code=429)
        self.assertContains(response, 'value="Tredje"', status_code=429)
        self.assertContains(response, "Min bror er syg", status_code=429)
        self.assertFalse(Referral.objects.filter(person__given_name="Tredje").exists())


class KioskAdminTests(BaseTestCase):
    def setUp(self) -> None:
        self.login(self.admin)

    def admin_url(self, name: str, *args: int) -> str:
        return reverse(f"admin:public_kioskaddress_{name}", args=args)

    def test_administrator_marks_a_kiosk_network_and_it_is_audited(self):
        response = self.client.post(
            self.admin_url("add"),
            {"network": "10.20.30.7/24", "label": "Afsnit R1, kiosk", "active": "on"},
        )
        self.assertEqual(response.status_code, 302)
        kiosk = KioskAddress.objects.get()
        self.assertEqual(kiosk.network, "10.20.30.0/24")  # normalised
        event = AuditEvent.objects.get(verb="kiosk_address.created")
        self.assertEqual(event.data["network"], "10.20.30.0/24")
        self.assertTrue(ratelimit.is_kiosk("10.20.30.200"))
        self.client.post(self.admin_url("delete", kiosk.pk), {"post": "yes"})
        self.assertFalse(KioskAddress.objects.exists())
        self.assertTrue(AuditEvent.objects.filter(verb="kiosk_address.deleted").exists())

    def test_a_bad_network_gets_a_message_not_a_500(self):
        response = self.client.post(
            self.admin_url("add"), {"network": "10.20.300.1", "label": "Forkert", "active": "on"}
        )
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, "10.20.30.0/24")
        self.assertFalse(KioskAddress.objects.exists())

    def test_other_roles_cannot_open_the_kiosk_admin(self):
        self.login(self.coordinator)
        self.assertNotEqual(self.client.get(self.admin_url("changelist")).status_code, 200)
