"""Sign-in lockout per user name, whatever the address; an administrator unlocks, audited."""

from django.conf import settings
from django.urls import reverse

from brobygger.accounts import services
from brobygger.audit.models import AuditEvent
from brobygger.testing import BaseTestCase

PASSWORD = "test-password-123"


class LockoutTests(BaseTestCase):
    def post_login(self, username: str, password: str, *, address: str = "10.0.0.1"):
        return self.client.post(
            reverse("accounts:login"),
            {"username": username, "password": password},
            REMOTE_ADDR=address,
        )

    def lock_out(self, username: str) -> None:
        # Each failure from a new address, as an attacker rotating addresses would.
        for n in range(settings.AXES_FAILURE_LIMIT):
            self.post_login(username, "wrong-password", address=f"192.0.2.{n + 1}")

    def test_rotating_addresses_does_not_escape_the_lockout(self):
        self.lock_out("peer")
        response = self.post_login("peer", PASSWORD, address="198.51.100.7")
        self.assertEqual(response.status_code, 429)
        self.assertContains(response, "uanset", status_code=429)
        self.assertContains(response, "15 minutter", status_code=429)
        self.assertContains(response, "administrator", status_code=429)
        self.assertNotIn("_auth_user_id", self.client.session)

    def test_one_user_names_lockout_leaves_others_on_the_same_address_alone(self):
        self.lock_out("peer")
        response = self.post_login("otherpeer", PASSWORD, address="192.0.2.1")
        self.assertEqual(response.status_code, 302)

    def test_administrator_sees_the_locked_user_and_unlocks_it(self):
        self.lock_out("peer")
        self.login(self.admin)
        page = self.client.get(reverse("accounts:locked_logins"))
        self.assertContains(page, 'data-testid="locked-login"', count=1)
        self.assertContains(page, "peer (Peer Peer)")
        response = self.client.post(reverse("accounts:unlock_login", args=[self.peer.user.pk]))
        self.assertRedirects(response, reverse("accounts:locked_logins"))
        event = AuditEvent.objects.get(verb=services.LOGIN_UNLOCKED)
        self.assertEqual((event.actor, event.object_id), (self.admin, self.peer.user.pk))
        self.assertEqual(event.data, {"attempts": settings.AXES_FAILURE_LIMIT})
        self.assertNotContains(
            self.client.get(reverse("accounts:locked_logins")), 'data-testid="locked-login"'
        )
        self.client.logout()
        self.assertEqual(self.post_login("peer", PASSWORD, address="198.51.100.7").status_code, 302)

    def test_typed_names_of_no_account_are_not_listed(self):
        self.lock_out("hunter2-typed-as-user-name")
        self.login(self.admin)
        page = self.client.get(reverse("accounts:locked_logins"))
        self.assertNotContains(page, "hunter2")

    def test_only_administrators_see_and_unlock(self):
        self.lock_out("peer")
        for user in (self.coordinator, self.peer, self.clinician, self.evaluator):
            with self.subTest(user=str(user)):
                self.login(user)
                self.assertEqual(
                    self.client.get(reverse("accounts:locked_logins")).status_code, 403
                )
                url = reverse("accounts:unlock_login", args=[self.peer.user.pk])
                self.assertEqual(self.client.post(url).status_code, 403)
        self.assertFalse(AuditEvent.objects.filter(verb=services.LOGIN_UNLOCKED).exists())
