import datetime
import re
from typing import Any

from django.urls import reverse
from django.utils import timezone

from brobygger.audit.models import AccessLogEntry
from brobygger.audit.services import hash_criterion
from brobygger.groups import services
from brobygger.groups.models import (
    Attendance,
    Enrolment,
    EnrolmentStatus,
    GroupSession,
    RecoveryGroup,
)
from brobygger.lib.paging import PAGE_SIZE
from brobygger.testing import count_queries, make_peer, make_person

from .helpers import GroupTestCase, next_weekday


def title_of(html: str) -> str:
    match = re.search(r"<title>(.*?)</title>", html, re.S)
    return match.group(1) if match else ""


class RoleMatrixTests(GroupTestCase):
    def test_role_matrix(self):
        pk, session = self.group.pk, self.held.pk
        detail = reverse("groups:group_detail", args=[pk])
        plan = reverse("groups:session_plan", args=[pk])
        session_page = reverse("groups:session_detail", args=[session])
        coordinator_only = [
            reverse("groups:group_edit", args=[pk]),
            reverse("groups:session_create", args=[pk]),
            reverse("groups:enrol", args=[pk]),
        ]
        cases: list[tuple[Any, str, int]] = [
            (self.coordinator, reverse("groups:group_list"), 200),
            (self.other_coordinator, reverse("groups:group_list"), 200),
            (self.peer, reverse("groups:group_list"), 200),
            (self.relative_peer, reverse("groups:group_list"), 200),
            (self.clinician, reverse("groups:group_list"), 403),
            (self.evaluator, reverse("groups:group_list"), 403),
            (self.admin, reverse("groups:group_list"), 403),
            (self.coordinator, reverse("groups:group_create"), 200),
            (self.peer, reverse("groups:group_create"), 403),
            (self.clinician, reverse("groups:group_create"), 403),
        ]
        for url in (detail, plan, session_page):
            cases += [
                (self.coordinator, url, 200),
                (self.peer, url, 200),  # runs the group
                (self.other_coordinator, url, 404),  # another unit
                (self.other_peer, url, 404),  # does not run it
                (self.relative_peer, url, 404),
                (self.clinician, url, 403),
                (self.evaluator, url, 403),
                (self.admin, url, 403),
            ]
        for url in coordinator_only:
            cases += [
                (self.coordinator, url, 200),
                (self.other_coordinator, url, 404),
                (self.peer, url, 403),
                (self.evaluator, url, 403),
            ]
        for user, url, status in cases:
            with self.subTest(user=str(user), url=url):
                self.login(user)
                self.assertEqual(self.client.get(url).status_code, status)

    def test_outsiders_cannot_change_anything(self):
        services.enrol(actor=self.coordinator, group=self.group, person=self.alice)
        leave = reverse("groups:leave", args=[self.group.pk, self.alice.pk])
        close = reverse("groups:group_close", args=[self.group.pk])
        attendance = reverse("groups:session_detail", args=[self.held.pk])
        cases: list[tuple[Any, str, dict[str, Any], int]] = [
            (self.peer, leave, {}, 403),
            (self.other_coordinator, leave, {}, 404),
            (self.peer, close, {}, 403),
            (self.other_coordinator, close, {}, 404),
            (
                self.other_peer,
                attendance,
                {"action": "attendance", f"p{self.alice.pk}": "absent"},
                404,
            ),
            (self.evaluator, attendance, {"action": "attendance"}, 403),
        ]
        for user, url, data, status in cases:
            with self.subTest(user=str(user), url=url):
                self.login(user)
                self.assertEqual(self.client.post(url, data).status_code, status)
        self.assertTrue(Enrolment.objects.filter(status=EnrolmentStatus.ENROLLED).exists())
        self.assertFalse(Attendance.objects.exists())
        self.assertIsNone(RecoveryGroup.objects.get(pk=self.group.pk).closed_at)

    def test_lists_show_only_the_groups_one_may_see(self):
        shared = self.add_group(title="Fælles gruppe", unit=None, facilitators=[self.other_peer])
        visibility: list[tuple[Any, list[RecoveryGroup], list[RecoveryGroup]]] = [
            (self.coordinator, [self.group, shared], []),
            (self.other_coordinator, [shared], [self.group]),
            (self.peer, [self.group], [shared]),
            (self.other_peer, [shared], [self.group]),
        ]
        for user, seen, unseen in visibility:
            with self.subTest(user=str(user)):
                self.login(user)
                response = self.client.get(reverse("groups:group_list"))
                for group in seen:
                    self.assertContains(response, f'data-group="{group.pk}"')
                for group in unseen:
                    self.assertNotContains(response, f'data-group="{group.pk}"')


class GroupFormTests(GroupTestCase):
    def form_data(self, **overrides: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "title": "Medicin og mig",
            "theme": "Erfaringer med medicin",
            "unit": self.unit.pk,
            "place": "Afsnit R1",
            "capacity": "8",
            "facilitators": [self.peer.pk, self.relative_peer.pk],
        }
        data.update(overrides)
        return data

    def test_coordinator_creates_a_group_and_goes_on_to_plan_sessions(self):
        self.login(self.coordinator)
        response = self.client.post(reverse("groups:group_create"), self.form_data())
        group = RecoveryGroup.objects.get(title="Medicin og mig")
        self.assertRedirects(response, reverse("groups:session_create", args=[group.pk]))
        self.assertEqual(set(group.facilitators.all()), {self.peer, self.relative_peer})

    def test_bad_input_gives_422_and_keeps_what_was_typed(self):
        self.login(self.coordinator)
        third = make_peer("tredje", units=(self.unit,))
        bad_inputs: tuple[dict[str, Any], ...] = (
            {"capacity": "31"},
            {"capacity": "otte"},
            {"facilitators": []},
            {"facilitators": [self.peer.pk, self.other_peer.pk, third.pk]},
            {"unit": self.other_unit.pk},
            {"place": ""},
        )
        for overrides in bad_inputs:
            with self.subTest(overrides=overrides):
                response = self.client.post(
                    reverse("groups:group_create"), self.form_data(**overrides)
                )
                self.assertEqual(response.status_code, 422)
                self.assertContains(response, 'value="Medicin og mig"', status_code=422)
                self.assertContains(response, "error-summary", status_code=422)
        self.assertFalse(RecoveryGroup.objects.filter(title="Medicin og mig").exists())

    def test_edit_refuses_fewer_places_than_enrolled(self):
        for person in (self.alice, make_person("Dan", unit=self.unit)):
            services.enrol(actor=self.coordinator, group=self.group, person=person)
        self.login(self.coordinator)
        data = self.form_data(title="Nyt navn", capacity="1", facilitators=[self.peer.pk])
        response = self.client.post(reverse("groups:group_edit", args=[self.group.pk]), data)
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, 'value="Nyt navn"', status_code=422)
        self.group.refresh_from_db()
        self.assertEqual((self.group.title, self.group.capacity), ("Hverdagsliv og håb", 3))
        data["capacity"] = "5"
        response = self.client.post(reverse("groups:group_edit", args=[self.group.pk]), data)
        self.assertRedirects(response, reverse("groups:group_detail", args=[self.group.pk]))
        self.group.refresh_from_db()
        self.assertEqual((self.group.title, self.group.capacity), ("Nyt navn", 5))

    def test_plan_weekly_sessions_and_a_clear_message_for_bad_times(self):
        self.login(self.coordinator)
        url = reverse("groups:session_create", args=[self.group.pk])
        day = next_weekday(0, weeks_ahead=2)
        data = {"date": day.isoformat(), "time": "10:00", "minutes": "120", "weeks": "3"}
        response = self.client.post(url, data | {"topic": "Introduktion"})
        self.assertRedirects(response, reverse("groups:group_detail", args=[self.group.pk]))
        self.assertEqual(
            GroupSession.objects.filter(group=self.group, topic="Introduktion").count(), 3
        )
        for bad in (
            {"date": (timezone.localdate() - datetime.timedelta(days=2)).isoformat()},
            {"date": "2026-13-40"},
            {"weeks": "40"},
            {"time": "10:30"},  # clashes with the session just planned
        ):
            with self.subTest(bad=bad):
                response = self.client.post(url, data | bad | {"topic": "Igen"})
                self.assertEqual(response.status_code, 422)
                self.assertContains(response, 'value="Igen"', status_code=422)
        self.assertFalse(GroupSession.objects.filter(topic="Igen").exists())


class EnrolViewTests(GroupTestCase):
    def test_search_travels_in_the_body_and_is_logged_once(self):
        self.login(self.coordinator)
        url = reverse("groups:enrol", args=[self.group.pk])
        before = AccessLogEntry.objects.count()
        response = self.client.post(url, {"action": "search", "q": "Alice"})
        self.assertContains(response, "Alice Andersen")
        self.assertContains(response, f'data-testid="enrol-{self.alice.pk}"')
        self.assertNotContains(response, "Carol")  # another unit
        self.assertNotIn("Alice", title_of(response.content.decode()))
        self.assertEqual(AccessLogEntry.objects.count(), before + 1)
        entry = AccessLogEntry.objects.order_by("-seq").first()
        assert entry is not None
        self.assertEqual(entry.action, "search")
        self.assertEqual(entry.criterion_hash, hash_criterion(f"group:{self.group.pk}:enrol:Alice"))

    def test_enrol_until_full_then_the_waiting_list(self):
        self.login(self.coordinator)
        url = reverse("groups:enrol", args=[self.group.pk])
        people = [self.alice, *(make_person(f"Deltager{i}", unit=self.unit) for i in range(3))]
        for person in people:
            response = self.client.post(
                url, {"action": "enrol", "person": person.pk, "q": "Deltager"}
            )
            self.assertEqual(response.status_code, 200)
        enrolments = dict(Enrolment.objects.values_list("person_id", "status"))
        self.assertEqual(
            [enrolments[p.pk] for p in people], ["enrolled", "enrolled", "enrolled", "waiting"]
        )
        # The search is kept: the remaining results are shown again, without the new ones.
        self.assertNotContains(response, f'data-testid="enrol-{people[3].pk}"')
        self.assertContains(response, 'data-testid="group-full"')

    def test_person_without_consent_or_outside_ones_units_is_refused_without_a_500(self):
        self.login(self.coordinator)
        url = reverse("groups:enrol", args=[self.group.pk])
        response = self.client.post(url, {"action": "search", "q": "Bob"})
        self.assertContains(response, "Bob Andersen")
        self.assertNotContains(response, f'data-testid="enrol-{self.bob.pk}"')
        response = self.client.post(url, {"action": "enrol", "person": self.bob.pk, "q": "Bob"})
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, "Bob Andersen", status_code=422)
        response = self.client.post(url, {"action": "enrol", "person": self.carol.pk})
        self.assertEqual(response.status_code, 404)
        response = self.client.post(url, {"action": "enrol", "person": "x"})
        self.assertEqual(response.status_code, 404)
        self.assertFalse(Enrolment.objects.exists())

    def test_leaving_moves_the_first_in_line_up(self):
        people = [make_person(f"Deltager{i}", unit=self.unit) for i in range(4)]
        for person in people:
            services.enrol(actor=self.coordinator, group=self.group, person=person)
        self.login(self.coordinator)
        response = self.client.post(reverse("groups:leave", args=[self.group.pk, people[0].pk]))
        self.assertRedirects(response, reverse("groups:group_detail", args=[self.group.pk]))
        self.assertEqual(Enrolment.objects.get(person=people[3]).status, EnrolmentStatus.ENROLLED)
        self.assertEqual(
            AccessLogEntry.objects.filter(person_id=people[0].pk, action="change").count(), 1
        )


class SessionViewTests(GroupTestCase):
    def setUp(self):
        self.dan = make_person("Dan", unit=self.unit)
        for person in (self.alice, self.dan):
            services.enrol(actor=self.coordinator, group=self.group, person=person)
        self.url = reverse("groups:session_detail", args=[self.held.pk])

    def test_peer_records_attendance_on_the_session_page(self):
        self.login(self.peer)
        response = self.client.get(self.url)
        self.assertContains(response, f'id="att-{self.alice.pk}-present"')
        response = self.client.post(
            self.url, {"action": "attendance", f"p{self.alice.pk}": "present"}
        )
        self.assertRedirects(response, self.url)
        self.assertEqual(
            dict(Attendance.objects.values_list("person_id", "status")),
            {self.alice.pk: "present"},
        )
        response = self.client.post(
            self.url,
            {"action": "attendance", f"p{self.alice.pk}": "excused", "everyone_present": "1"},
        )
        self.assertEqual(
            dict(Attendance.objects.values_list("person_id", "status")),
            {self.alice.pk: "excused", self.dan.pk: "present"},
        )

    def test_bad_attendance_input_keeps_the_ticks_and_gives_422(self):
        self.login(self.peer)
        response = self.client.post(
            self.url,
            {"action": "attendance", f"p{self.alice.pk}": "asleep", f"p{self.dan.pk}": "absent"},
        )
        self.assertEqual(response.status_code, 422)
        self.assertContains(
            response, f'id="att-{self.dan.pk}-absent" value="absent" checked', status_code=422
        )
        self.assertFalse(Attendance.objects.exists())

    def test_no_attendance_before_the_session_begins(self):
        self.login(self.peer)
        url = reverse("groups:session_detail", args=[self.coming.pk])
        self.assertNotContains(self.client.get(url), 'data-testid="attendance-form"')
        response = self.client.post(url, {"action": "attendance", f"p{self.alice.pk}": "present"})
        self.assertEqual(response.status_code, 422)
        self.assertFalse(Attendance.objects.exists())

    def test_group_note_with_a_name_asks_for_confirmation(self):
        self.login(self.peer)
        response = self.client.post(self.url, {"action": "note", "note": "Dan var glad i dag."})
        self.assertEqual(response.status_code, 422)
        self.assertContains(response, 'name="confirm"', status_code=422)
        self.assertContains(response, "Dan var glad i dag.", status_code=422)
        self.held.refresh_from_db()
        self.assertEqual(self.held.note, "")
        response = self.client.post(
            self.url, {"action": "note", "note": "Dan var glad i dag.", "confirm": "on"}
        )
        self.assertRedirects(response, self.url)
        self.held.refresh_from_db()
        self.assertEqual(self.held.note, "Dan var glad i dag.")
        response = self.client.get(self.url)
        self.assertNotContains(response, 'name="confirm"')

    def test_unknown_action_is_a_message_not_a_500(self):
        self.login(self.peer)
        self.assertEqual(self.client.post(self.url, {"action": "dance"}).status_code, 422)

    def test_coordinator_cancels_a_coming_session(self):
        self.login(self.coordinator)
        url = reverse("groups:session_detail", args=[self.coming.pk])
        response = self.client.post(url, {"action": "cancel"})
        self.assertRedirects(response, reverse("groups:group_detail", args=[self.group.pk]))
        self.coming.refresh_from_db()
        self.assertTrue(self.coming.cancelled)
        # A peer cannot cancel.
        self.login(self.peer)
        response = self.client.post(
            reverse("groups:session_detail", args=[self.held.pk]), {"action": "cancel"}
        )
        self.assertEqual(response.status_code, 422)
        self.held.refresh_from_db()
        self.assertFalse(self.held.cancelled)

    def test_pages_with_names_write_one_access_log_entry(self):
        pages: list[tuple[Any, str]] = [
            (self.peer, self.url),
            (self.coordinator, reverse("groups:group_detail", args=[self.group.pk])),
        ]
        for user, url in pages:
            with self.subTest(url=url):
                self.login(user)
                before = AccessLogEntry.objects.count()
                response = self.client.get(url)
                self.assertContains(response, "Alice Andersen")
                self.assertNotIn("Alice", title_of(response.content.decode()))
                entries = list(AccessLogEntry.objects.order_by("seq")[before:])
                self.assertEqual(
                    [(e.action, e.object_id) for e in entries], [("search", self.group.pk)]
                )


class PrintPageTests(GroupTestCase):
    def test_session_plan_renders_without_participants(self):
        services.enrol(actor=self.coordinator, group=self.group, person=self.alice)
        services.save_group_note(
            actor=self.peer.user, session=self.held, text="Roligt møde om håb."
        )
        for user in (self.coordinator, self.peer):
            with self.subTest(user=str(user)):
                self.login(user)
                before = AccessLogEntry.objects.count()
                response = self.client.get(reverse("groups:session_plan", args=[self.group.pk]))
                self.assertContains(response, "data-print")
                self.assertContains(response, "Velkommen")
                self.assertContains(response, "Gode og svære dage")
                self.assertContains(response, "Grupperummet")
                self.assertContains(response, 'data-testid="plan"')
                for secret in ("Alice", "Andersen", "20304050", "Roligt møde"):
                    self.assertNotContains(response, secret)
                self.assertEqual(AccessLogEntry.objects.count(), before)


class QueryBudgetTests(GroupTestCase):
    def measure(self, user: Any, url: str, method: str = "get", data: Any = None) -> int:
        self.login(user)
        with count_queries() as queries:
            response = getattr(self.client, method)(url, data or {})
        self.assertEqual(response.status_code, 200)
        return len(queries)

    def grow(self) -> None:
        """More groups, facilitators, sessions, participants, waiting list and attendance."""
        for i in range(4):
            group = self.add_group(
                title=f"Gruppe {i}",
                capacity=2,
                facilitators=[make_peer(f"ekstra{i}", units=(self.unit,)), self.other_peer],
            )
            day = next_weekday(i, weeks_ahead=4)
            services.add_weekly_sessions(
                actor=self.coordinator,
                group=group,
                first_day=day,
                start_time=datetime.time(9 + i),
                minutes=60,
                weeks=3,
            )
        for i in range(6):
            services.enrol(
                actor=self.coordinator,
                group=self.group,
                person=make_person(f"Ekstra{i}", unit=self.unit),
            )
        services.add_weekly_sessions(
            actor=self.coordinator,
            group=self.group,
            first_day=next_weekday(4, weeks_ahead=5),
            start_time=datetime.time(13),
            minutes=120,
            weeks=4,
        )
        enrolled = Enrolment.objects.filter(group=self.group).enrolled()
        services.record_attendance(
            actor=self.peer.user,
            session=self.held,
            statuses=dict.fromkeys(enrolled.values_list("person_id", flat=True), "present"),
        )

    def test_query_counts_do_not_grow_with_data(self):
        # Two or more persons on each roster: the entry looks up their stored set (one query).
        services.enrol(actor=self.coordinator, group=self.group, person=self.alice)
        services.enrol(
            actor=self.coordinator, group=self.group, person=make_person("Dora", unit=self.unit)
        )
        pages = [
            (self.coordinator, reverse("groups:group_list"), "get", None),
            (self.peer, reverse("groups:group_list"), "get", None),
            (self.coordinator, reverse("groups:group_detail", args=[self.group.pk]), "get", None),
            (self.peer, reverse("groups:group_detail", args=[self.group.pk]), "get", None),
            (self.peer, reverse("groups:session_detail", args=[self.held.pk]), "get", None),
            (self.coordinator, reverse("groups:session_plan", args=[self.group.pk]), "get", None),
            (
                self.coordinator,
                reverse("groups:enrol", args=[self.group.pk]),
                "post",
                {"action": "search", "q": ""},
            ),
        ]
        # Shown once before: persons shown together for the first time are stored as a set.
        for page in pages:
            self.measure(*page)
        before = [self.measure(*page) for page in pages]
        self.grow()
        # Shown once before: persons shown together for the first time are stored as a set.
        for page in pages:
            self.measure(*page)
        after = [self.measure(*page) for page in pages]
        self.assertEqual(before, after)


class GroupListPagingTests(GroupTestCase):
    def list_queries(self) -> int:
        with count_queries() as queries:
            response = self.client.get(reverse("groups:group_list"))
        self.assertEqual(response.status_code, 200)
        return len(queries)

    def test_the_list_pages_past_25_groups_with_the_same_queries(self):
        self.login(self.coordinator)
        self.add_group(title="Anden gruppe")
        two = self.list_queries()
        for i in range(PAGE_SIZE + 4):
            self.add_group(title=f"Gruppe {i:02d}", facilitators=[self.peer, self.other_peer])
        self.assertEqual(self.list_queries(), two)
        first = self.client.get(reverse("groups:group_list"))
        total = RecoveryGroup.objects.visible_to(self.coordinator).open().count()
        self.assertEqual(len(first.context["groups"]), PAGE_SIZE)
        self.assertContains(first, f"1\u2013{PAGE_SIZE} af {total}")
        with_closed = self.client.get(reverse("groups:group_list"), {"closed": "1"})
        self.assertContains(with_closed, 'href="?closed=1&amp;page=2"')
        last = self.client.get(reverse("groups:group_list"), {"page": "2"})
        self.assertEqual(len(last.context["groups"]), total - PAGE_SIZE)
