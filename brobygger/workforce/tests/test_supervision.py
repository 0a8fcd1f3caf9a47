"""Supervision groups, sessions with general themes, attendance."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from brobygger.accounts.models import Role
from brobygger.audit.models import AuditEvent
from brobygger.scheduling import services as scheduling_services
from brobygger.testing import make_user
from brobygger.workforce import services
from brobygger.workforce.models import (
    SupervisionAttendance,
    SupervisionGroup,
    SupervisionSession,
)

from .helpers import WorkforceTestCase, make_session


class ThemesWarningTests(WorkforceTestCase):
    def session_data(self, **changes: str) -> dict[str, str]:
        day = timezone.localdate() + datetime.timedelta(days=20)
        return {
            "date": day.isoformat(),
            "time": "13:00",
            "minutes": "120",
            "place": "Mødelokale 2",
            "themes": "At bruge egne erfaringer med omtanke",
        } | changes

    def test_a_name_from_a_members_caseload_or_a_cpr_number_stops_the_save(self):
        # Alice is on the peer's caseload; Otherpeer is a member.
        for text in (
            "Hvordan vi støtter Alice efter udskrivelsen",
            "Samtale med patient 010190-1234",
            "Otherpeer fortalte om en svær dag",
        ):
            with self.subTest(text=text), self.assertRaises(ValidationError) as caught:
                make_session(self.group, timezone.now() + datetime.timedelta(days=20), themes=text)
            codes = {e.code for e in caught.exception.error_dict["themes"]}
            self.assertEqual(codes, {services.THEMES_WARNING})
        # Lower case words that are also names, and names of people nobody here knows, pass.
        self.assertEqual(services.themes_warnings(self.group, "i dag: per uge og Carol"), [])

    def test_the_form_asks_for_confirmation_and_saves_only_then(self):
        self.login(self.coordinator)
        url = reverse("workforce:session_create", args=[self.group.pk])
        before = SupervisionSession.objects.count()
        text = "Da Alice blev udskrevet"
        response = self.client.post(url, self.session_data(themes=text))
        self.assertEqual(response.status_code, 422)
        self.assertTrue(response.context["show_confirm"])
        self.assertContains(response, 'name="confirm"', status_code=422)
        self.assertContains(response, text, status_code=422)  # nothing typed is lost
        self.assertEqual(SupervisionSession.objects.count(), before)
        response = self.client.post(url, self.session_data(themes=text, confirm="on"))
        session = SupervisionSession.objects.latest("pk")
        self.assertRedirects(response, reverse("workforce:session_detail", args=[session.pk]))
        self.assertEqual(session.themes, text)
        event = AuditEvent.objects.get(verb="supervision.session_added", object_id=session.pk)
        self.assertTrue(event.data["confirmed_warning"])

    def test_general_themes_save_at_once_and_editing_checks_again(self):
        self.login(self.coordinator)
        url = reverse("workforce:session_create", args=[self.group.pk])
        response = self.client.post(url, self.session_data())
        session = SupervisionSession.objects.latest("pk")
        self.assertRedirects(response, reverse("workforce:session_detail", args=[session.pk]))
        edit = reverse("workforce:session_edit", args=[session.pk])
        response = self.client.post(edit, self.session_data(themes="CPR 0101901234 nævnt"))
        self.assertEqual(response.status_code, 422)
        session.refresh_from_db()
        self.assertEqual(session.themes, "At bruge egne erfaringer med omtanke")

    def test_a_time_that_does_not_exist_is_a_form_error(self):
        self.login(self.coordinator)
        url = reverse("workforce:session_create", args=[self.group.pk])
        response = self.client.post(url, self.session_data(date="2027-03-28", time="02:30"))
        self.assertEqual(response.status_code, 422)
        self.assertIn("time", response.context["form"].errors)

    def test_a_conversation_cannot_be_booked_during_a_members_supervision(self):
        start = timezone.localtime(self.coming.starts_at)
        with self.assertRaises(ValidationError) as caught:
            scheduling_services.book(
                actor=self.coordinator,
                course=self.alice_course,
                starts_at=start + datetime.timedelta(minutes=30),
                minutes=45,
                mode="in_person",
                place="Afsnit R1",
            )
        self.assertEqual(caught.exception.code, "double_booked")
        self.assertIn("supervision", caught.exception.messages[0])

    def test_supervision_cannot_be_moved_onto_a_members_conversation(self):
        start = timezone.localtime(self.coming.starts_at) + datetime.timedelta(days=1)
        scheduling_services.book(
            actor=self.coordinator,
            course=self.alice_course,
            starts_at=start + datetime.timedelta(minutes=30),
            minutes=45,
            mode="in_person",
            place="Afsnit R1",
        )
        self.login(self.coordinator)
        edit = reverse("workforce:session_edit", args=[self.coming.pk])
        data = self.session_data(
            date=start.date().isoformat(), time=start.strftime("%H:%M"), minutes="90"
        )
        response = self.client.post(edit, data, follow=True)
        self.assertContains(response, "Peer Peer", status_code=response.status_code)
        self.assertContains(response, "er optaget", status_code=response.status_code)
        self.assertContains(response, "en samtale", status_code=response.status_code)
        self.coming.refresh_from_db()
        self.assertNotEqual(timezone.localtime(self.coming.starts_at).date(), start.date())


class AttendanceTests(WorkforceTestCase):
    def test_attendance_is_recorded_and_corrected_with_one_event_each(self):
        self.login(self.coordinator)
        url = reverse("workforce:session_detail", args=[self.held.pk])
        page = self.client.get(url)
        self.assertEqual(page.context["counts"], {"present": 1, "absent": 1, "excused": 0})
        response = self.client.post(url, {f"p{self.other_peer.pk}": "excused"})
        self.assertRedirects(response, url)
        statuses = dict(
            SupervisionAttendance.objects.filter(session=self.held).values_list("peer_id", "status")
        )
        self.assertEqual(statuses, {self.peer.pk: "present", self.other_peer.pk: "excused"})
        self.assertEqual(
            AuditEvent.objects.filter(
                verb="supervision.attendance", object_id=self.held.pk
            ).count(),
            2,
        )

    def test_everyone_not_marked_was_present(self):
        session = make_session(self.group, timezone.now() - datetime.timedelta(hours=1))
        self.login(self.coordinator)
        url = reverse("workforce:session_detail", args=[session.pk])
        self.client.post(url, {f"p{self.other_peer.pk}": "absent", "everyone_present": "1"})
        statuses = dict(session.attendance.values_list("peer_id", "status"))
        self.assertEqual(statuses, {self.peer.pk: "present", self.other_peer.pk: "absent"})

    def test_not_before_the_session_nor_for_outsiders_nor_unknown_statuses(self):
        with self.assertRaises(ValidationError):
            services.record_attendance(
                actor=None, session=self.coming, statuses={self.peer.pk: "present"}
            )
        with self.assertRaises(ValidationError):
            services.record_attendance(
                actor=None, session=self.held, statuses={self.relative_peer.pk: "present"}
            )
        with self.assertRaises(ValidationError):
            services.record_attendance(
                actor=None, session=self.held, statuses={self.peer.pk: "sleeping"}
            )
        self.login(self.coordinator)
        url = reverse("workforce:session_detail", args=[self.held.pk])
        response = self.client.post(url, {f"p{self.peer.pk}": "sleeping"})
        self.assertEqual(response.status_code, 422)

    def test_a_session_with_attendance_stays_and_one_without_can_be_removed(self):
        self.login(self.coordinator)
        self.client.post(reverse("workforce:session_delete", args=[self.held.pk]))
        self.assertTrue(SupervisionSession.objects.filter(pk=self.held.pk).exists())
        response = self.client.post(reverse("workforce:session_delete", args=[self.coming.pk]))
        self.assertRedirects(response, reverse("workforce:group_detail", args=[self.group.pk]))
        self.assertFalse(SupervisionSession.objects.filter(pk=self.coming.pk).exists())


class GroupTests(WorkforceTestCase):
    def test_coordinator_creates_edits_and_closes_a_group(self):
        self.login(self.coordinator)
        response = self.client.post(
            reverse("workforce:group_create"),
            {
                "name": "Peernetværkets sparringsgruppe",
                "provider_kind": "peer_network",
                "provider_name": "Peernetværk Øst",
                "supervisor_name": "",
                "unit": "",
                "target_days": "42",
                "members": [str(self.peer.pk), str(self.relative_peer.pk)],
            },
        )
        group = SupervisionGroup.objects.get(name="Peernetværkets sparringsgruppe")
        self.assertRedirects(response, reverse("workforce:session_create", args=[group.pk]))
        self.assertEqual(set(group.members.all()), {self.peer, self.relative_peer})

        edit = reverse("workforce:group_edit", args=[group.pk])
        data = {
            "name": group.name,
            "provider_kind": "peer_network",
            "provider_name": "Peernetværk Øst",
            "target_days": "3",
            "members": [str(self.peer.pk)],
        }
        response = self.client.post(edit, data)
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Peernetværk Øst", status_code=422)
        self.client.post(edit, data | {"target_days": "21"})
        group.refresh_from_db()
        self.assertEqual((group.target_days, list(group.members.all())), (21, [self.peer]))

        self.client.post(reverse("workforce:group_close", args=[group.pk]))
        group.refresh_from_db()
        self.assertIsNotNone(group.closed_at)
        self.assertEqual(self.client.get(edit).status_code, 302)

    def test_editing_keeps_members_from_units_the_coordinator_cannot_see(self):
        self.group.members.add(self.far_peer)
        self.login(self.coordinator)
        form = self.client.get(reverse("workforce:group_edit", args=[self.group.pk]))
        self.assertNotContains(form, "Farpeer")
        self.client.post(
            reverse("workforce:group_edit", args=[self.group.pk]),
            {
                "name": self.group.name,
                "provider_kind": self.group.provider_kind,
                "provider_name": self.group.provider_name,
                "target_days": "28",
                "members": [str(self.peer.pk)],
            },
        )
        self.assertEqual(set(self.group.members.all()), {self.peer, self.far_peer})

    def test_the_peer_sees_own_sessions_and_attendance_and_nothing_of_other_groups(self):
        secret = services.create_group(
            actor=None,
            name="Intern sparring",
            provider_kind="internal",
            provider_name="Brobygger",
            target_days=28,
            members=[self.relative_peer],
        )
        make_session(secret, timezone.now() - datetime.timedelta(days=2), themes="Pårørendes rolle")
        self.login(self.peer)
        response = self.client.get(reverse("workforce:my_supervision"))
        self.assertContains(response, "Grænser i samtalerne")
        self.assertContains(response, "Afslutning af forløb")
        self.assertNotContains(response, "Pårørendes rolle")
        self.assertNotContains(response, "Otherpeer")  # no one else's attendance
        self.assertContains(response, "Peer-uddannelse, modul 1-3")  # own education
        held = response.context["held"]
        self.assertEqual([(r["session"], r["status"]) for r in held], [(self.held, "present")])
        self.login(self.other_peer)
        response = self.client.get(reverse("workforce:my_supervision"))
        self.assertEqual(response.context["held"][0]["status"], "absent")
        self.assertNotContains(response, "modul 1-3")

    def test_a_peer_without_a_profile_gets_404(self):
        self.login(make_user("noprofile", Role.PEER_WORKER))
        self.assertEqual(self.client.get(reverse("workforce:my_supervision")).status_code, 404)
