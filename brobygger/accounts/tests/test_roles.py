"""Roles and units change only by another administrator, audited, and listed in a report."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from brobygger.accounts import services
from brobygger.accounts.models import Membership, Role, User
from brobygger.audit.models import AuditEvent
from brobygger.lib.paging import PAGE_SIZE
from brobygger.people import services as people_services
from brobygger.testing import BaseTestCase, count_queries, make_unit, make_user


def change_form_data(user: User, **changes: Any) -> dict[str, Any]:
    """What the Django admin's change form posts for `user`, with `changes` applied."""
    data: dict[str, Any] = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "role": user.role,
        "units": [str(pk) for pk in user.units.values_list("pk", flat=True)],
        "language": user.language,
        "phone": user.phone,
        "is_active": "on",
    }
    data.update(changes)
    return data


class RoleChangeTests(BaseTestCase):
    second_admin: User

    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.second_admin = make_user("admin2", Role.ADMINISTRATOR)

    def change_url(self, user: User) -> str:
        return reverse("admin:accounts_user_change", args=[user.pk])

    def privilege_events(self) -> list[AuditEvent]:
        return list(AuditEvent.objects.filter(verb=services.PRIVILEGES_CHANGED).order_by("seq"))

    def test_another_administrator_changes_role_and_units_with_before_and_after(self):
        self.login(self.admin)
        response = self.client.post(
            self.change_url(self.coordinator),
            change_form_data(
                self.coordinator,
                role=Role.EVALUATOR,
                units=[str(self.other_unit.pk)],
                phone="70101010",
            ),
        )
        self.assertEqual(response.status_code, 302, response.content[:2000])
        self.coordinator.refresh_from_db()
        self.assertEqual(self.coordinator.role, Role.EVALUATOR)
        self.assertEqual(self.coordinator.phone, "70101010")
        self.assertEqual(list(self.coordinator.units.all()), [self.other_unit])
        [event] = self.privilege_events()
        self.assertEqual(event.actor, self.admin)
        self.assertEqual(
            (event.object_type, event.object_id), ("accounts.user", self.coordinator.pk)
        )
        self.assertEqual(
            event.data,
            {
                "before": {"role": "coordinator", "units": [self.unit.pk]},
                "after": {"role": "evaluator", "units": [self.other_unit.pk]},
            },
        )

    def test_administrator_cannot_change_own_role_or_units_in_the_admin(self):
        user = self.login(self.admin)
        page = self.client.get(self.change_url(user))
        self.assertEqual(page.status_code, 200)
        self.assertNotContains(page, 'name="role"')
        self.assertNotContains(page, 'name="units"')
        response = self.client.post(
            self.change_url(user),
            change_form_data(user, role=Role.COORDINATOR, units=[str(self.unit.pk)], phone="1"),
        )
        self.assertEqual(response.status_code, 302)
        user.refresh_from_db()
        self.assertEqual(user.role, Role.ADMINISTRATOR)
        self.assertEqual(user.phone, "1")  # the rest of the form is saved
        self.assertFalse(Membership.objects.filter(user=user).exists())
        self.assertEqual(self.privilege_events(), [])

    def test_superuser_cannot_change_own_role_either(self):
        boss = User.objects.create_superuser("root", password="test-password-123", role="")
        self.login(boss)
        response = self.client.post(
            self.change_url(boss),
            change_form_data(boss, role=Role.COORDINATOR, units=[str(self.unit.pk)], phone="2"),
        )
        self.assertEqual(response.status_code, 302)  # saved, but not the role or units
        boss.refresh_from_db()
        self.assertEqual((boss.role, boss.phone), ("", "2"))
        self.assertFalse(Membership.objects.filter(user=boss).exists())

    def test_the_service_refuses_self_changes_and_non_administrators(self):
        with self.assertRaises(ValidationError) as own:
            services.change_role_and_units(
                actor=self.admin, user=self.admin, role=Role.COORDINATOR, units=[self.unit]
            )
        self.assertEqual(own.exception.code, "own_privileges")
        for actor in (self.coordinator, self.peer.user, None):
            with self.subTest(actor=str(actor)), self.assertRaises(ValidationError):
                services.change_role_and_units(
                    actor=actor, user=self.clinician, role=Role.COORDINATOR, units=[self.unit]
                )
        self.clinician.refresh_from_db()
        self.assertEqual(self.clinician.role, Role.CLINICIAN)
        self.assertEqual(self.privilege_events(), [])

    def test_making_someone_administrator_opens_the_admin_and_taking_it_away_closes_it(self):
        services.change_role_and_units(
            actor=self.admin, user=self.evaluator, role=Role.ADMINISTRATOR, units=[]
        )
        self.evaluator.refresh_from_db()
        self.assertTrue(self.evaluator.is_staff)
        services.change_role_and_units(
            actor=self.second_admin, user=self.evaluator, role=Role.EVALUATOR, units=[]
        )
        self.evaluator.refresh_from_db()
        self.assertFalse(self.evaluator.is_staff)
        self.assertEqual(len(self.privilege_events()), 2)

    def test_coordinator_cannot_open_the_user_admin(self):
        self.login(self.coordinator)
        response = self.client.get(self.change_url(self.peer.user))
        self.assertEqual(response.status_code, 302)
        self.assertIn(reverse("admin:login"), response["Location"])

    def test_a_user_made_in_the_admin_is_audited_with_role_and_units(self):
        self.login(self.admin)
        response = self.client.post(
            reverse("admin:accounts_user_add"),
            {
                "username": "nykoordinator",
                "usable_password": "false",
                "role": Role.COORDINATOR,
                "units": [str(self.unit.pk)],
                "first_name": "Ny",
                "last_name": "Koordinator",
                "email": "",
            },
        )
        self.assertEqual(response.status_code, 302, response.content[:3000])
        user = User.objects.get(username="nykoordinator")
        self.assertEqual(list(user.units.all()), [self.unit])
        event = AuditEvent.objects.get(verb="user.created", object_id=user.pk)
        self.assertEqual(event.actor, self.admin)
        self.assertEqual(event.data, {"role": "coordinator", "units": [self.unit.pk]})

    def test_a_coordinator_cannot_give_an_administrator_role(self):
        with self.assertRaises(PermissionDenied):
            people_services.create_staff_user(
                actor=self.coordinator,
                username="sneaky",
                role=Role.ADMINISTRATOR,
                first_name="S",
                last_name="S",
            )
        self.assertFalse(User.objects.filter(username="sneaky").exists())


class RoleChangeReportTests(BaseTestCase):
    url = reverse("accounts:role_changes")

    def test_only_administrators_see_the_report(self):
        for user in (
            self.coordinator,
            self.peer,
            self.relative_peer,
            self.clinician,
            self.evaluator,
        ):
            with self.subTest(user=str(user)):
                self.login(user)
                self.assertEqual(self.client.get(self.url).status_code, 403)
        self.client.logout()
        self.assertEqual(self.client.get(self.url).status_code, 302)
        self.login(self.admin)
        self.assertEqual(self.client.get(self.url).status_code, 200)

    def test_report_lists_who_whom_before_after_and_when(self):
        third = make_unit("Afsnit T5")
        services.change_role_and_units(
            actor=self.admin, user=self.clinician, role=Role.COORDINATOR, units=[self.unit, third]
        )
        self.login(self.admin)
        response = self.client.get(self.url)
        self.assertContains(response, 'data-testid="role-change"', count=1)
        row = response.content.decode().split('data-testid="role-change"')[1].split("</tr>")[0]
        self.assertIn(">admin<", row)
        self.assertIn(">clinician<", row)
        self.assertIn("Henvisende behandler: Afsnit R1", row)
        self.assertIn("Koordinator: Afsnit R1, Afsnit T5", row)

    def test_report_pages_past_25_changes_with_the_same_queries(self):
        for role in (Role.COORDINATOR, Role.EVALUATOR):
            services.change_role_and_units(
                actor=self.admin, user=self.clinician, role=role, units=[self.unit]
            )
        self.login(self.admin)
        with count_queries() as two:
            self.client.get(self.url)
        roles = (Role.CLINICIAN, Role.COORDINATOR)
        for i in range(PAGE_SIZE):
            services.change_role_and_units(
                actor=self.admin, user=self.clinician, role=roles[i % 2], units=[self.other_unit]
            )
        with count_queries() as many:
            response = self.client.get(self.url)
        self.assertEqual(len(many), len(two))
        total = PAGE_SIZE + 2
        self.assertContains(response, 'data-testid="role-change"', count=PAGE_SIZE)
        self.assertContains(response, f"1\u2013{PAGE_SIZE} af {total}")
        self.assertContains(response, 'href="?page=2"')
        last = self.client.get(self.url, {"page": "2"})
        self.assertContains(last, 'data-testid="role-change"', count=total - PAGE_SIZE)
        # The oldest change is on the last page: from clinician to coordinator.
        self.assertContains(last, "Henvisende behandler: Afsnit R1")


class RoleLabelTests(BaseTestCase):
    def test_role_label_is_get_role_display_in_each_language(self) -> None:
        for language in ("da", "en"):
            with translation.override(language):
                for role in [*Role.values, ""]:
                    with self.subTest(language=language, role=role):
                        user = User(username="x", role=role)
                        self.assertEqual(user.role_label, str(user.get_role_display()))
        with translation.override("da"):
            self.assertEqual(User(role=Role.COORDINATOR).role_label, "Koordinator")
