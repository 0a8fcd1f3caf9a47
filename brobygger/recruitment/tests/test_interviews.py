"""Interview booking through the scheduling guard: no panel member is booked twice."""

from __future__ import annotations

import datetime
from typing import Any
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from brobygger.accounts.models import Role
from brobygger.audit.models import AuditEvent
from brobygger.groups import services as group_services
from brobygger.lib.paging import PAGE_SIZE
from brobygger.recruitment import interviews, selectors
from brobygger.recruitment.models import InterviewSeat, InterviewStatus
from brobygger.scheduling import services as scheduling_services
from brobygger.testing import count_queries, make_user

from .helpers import (
    CRITERIA,
    TempMediaTestCase,
    at,
    make_application,
    make_interview,
    make_posting,
    next_weekday,
)


class InterviewTestCase(TempMediaTestCase):
    def setUp(self) -> None:
        self.posting = make_posting(self.unit, criteria=CRITERIA)
        self.application = make_application(self.posting, name="Hanne Holm")
        self.second = make_application(self.posting, name="Jens Bro", email="jens@example.org")
        self.day = next_weekday(1)

    def form(self, **overrides: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "date": self.day.isoformat(),
            "time": "10:00",
            "minutes": "45",
            "mode": "in_person",
            "place": "Mødelokale 2, stuen",
            "panel": [self.coordinator.pk, self.peer.user.pk],
        }
        data.update(overrides)
        return data

    def book_url(self, application: Any = None) -> str:
        return reverse("recruitment:interview_book", args=[(application or self.application).pk])


class BookingTests(InterviewTestCase):
    def test_booking_seats_the_panel_and_moves_the_application_to_interview(self) -> None:
        self.login(self.coordinator)
        response = self.client.post(self.book_url(), self.form())
        self.assertRedirects(
            response,
            reverse("recruitment:application_detail", args=[self.application.pk]),
            fetch_redirect_response=False,
        )
        self.application.refresh_from_db()
        self.assertEqual(self.application.status, "interview")
        interview = self.application.interviews.get()
        self.assertEqual(interview.starts_at, at(self.day, 10))
        self.assertEqual(interview.minutes, 45)
        self.assertEqual(
            set(interview.seats.values_list("user_id", flat=True)),
            {self.coordinator.pk, self.peer.user.pk},
        )
        # received -> shortlisted -> interview, each an audit event, then the booking.
        statuses = AuditEvent.objects.filter(verb="recruitment.application_status")
        self.assertEqual(
            [(e.data["from"], e.data["to"]) for e in statuses.order_by("seq")],
            [("received", "shortlisted"), ("shortlisted", "interview")],
        )
        booked = AuditEvent.objects.get(verb="recruitment.interview_booked")
        self.assertEqual(
            booked.data,
            {
                "application": self.application.pk,
                "minutes": 45,
                "mode": "in_person",
                "panel": sorted([self.coordinator.pk, self.peer.user.pk]),
            },
        )
        page = self.client.get(
            reverse("recruitment:application_detail", args=[self.application.pk])
        )
        self.assertContains(page, f'id="interview-{interview.pk}"')
        self.assertContains(page, "Mødelokale 2, stuen")

    def test_the_same_coordinator_cannot_sit_in_two_interviews_at_once(self) -> None:
        make_interview(self.application, panel=[self.coordinator], starts_at=at(self.day, 10))
        self.login(self.coordinator)
        response = self.client.post(
            self.book_url(self.second),
            self.form(time="10:30", panel=[self.coordinator.pk], place="Lokale 7"),
        )
        self.assertContains(response, "10.00", status_code=422)
        self.assertContains(response, "10.45", status_code=422)
        self.assertContains(response, "et andet ansættelsesudvalg", status_code=422)
        # Nothing typed is lost.
        self.assertContains(response, 'value="Lokale 7"', status_code=422)
        self.assertContains(response, 'value="10:30"', status_code=422)
        self.second.refresh_from_db()
        self.assertEqual(self.second.status, "received")
        self.assertFalse(self.second.interviews.exists())

    def test_a_peer_on_the_panel_cannot_be_booked_over_a_conversation(self) -> None:
        scheduling_services.book(
            actor=self.coordinator,
            course=self.alice_course,
            starts_at=at(self.day, 11),
            minutes=45,
            mode="phone",
        )
        self.login(self.coordinator)
        response = self.client.post(self.book_url(), self.form(time="10:30"))
        self.assertContains(
            response, "Peer Peer har en samtale fra 11.00 til 11.45", status_code=422
        )
        self.assertFalse(self.application.interviews.exists())
        # The other peer is free then.
        response = self.client.post(
            self.book_url(),
            self.form(time="10:30", panel=[self.coordinator.pk, self.other_peer.user.pk]),
        )
        self.assertEqual(response.status_code, 302)

    def test_a_peer_on_the_panel_cannot_be_booked_over_a_group_session(self) -> None:
        group = group_services.create_group(
            actor=self.coordinator,
            title="Hverdagsliv",
            theme="",
            unit=self.unit,
            place="Grupperummet",
            capacity=8,
            facilitators=[self.peer],
        )
        group_services.add_session(
            actor=self.coordinator,
            group=group,
            starts_at=at(self.day, 9),
            ends_at=at(self.day, 11),
        )
        with self.assertRaises(ValidationError) as raised:
            make_interview(
                self.application, panel=[self.coordinator, self.peer], starts_at=at(self.day, 10)
            )
        self.assertEqual(raised.exception.code, "double_booked")
        self.assertIn("09.00", raised.exception.messages[0])
        self.assertFalse(InterviewSeat.objects.exists())

    def test_back_to_back_interviews_are_fine_and_a_cancelled_one_frees_the_time(self) -> None:
        first = make_interview(
            self.application, panel=[self.coordinator], starts_at=at(self.day, 10)
        )
        make_interview(self.second, panel=[self.coordinator], starts_at=at(self.day, 10, 45))
        third = make_application(self.posting, name="Tredje")
        with self.assertRaises(ValidationError):
            make_interview(third, panel=[self.coordinator], starts_at=at(self.day, 10))
        interviews.cancel_interview(actor=self.coordinator, interview=first)
        again = make_interview(third, panel=[self.coordinator], starts_at=at(self.day, 10))
        self.assertEqual(again.status, InterviewStatus.BOOKED)

    def test_the_panel_needs_a_coordinator_and_in_person_needs_a_place(self) -> None:
        self.login(self.coordinator)
        response = self.client.post(self.book_url(), self.form(panel=[self.peer.user.pk]))
        self.assertContains(response, "En koordinator skal sidde i udvalget", status_code=422)
        response = self.client.post(self.book_url(), self.form(panel=[]))
        self.assertEqual(response.status_code, 422)
        response = self.client.post(self.book_url(), self.form(place=""))
        self.assertContains(response, "Skriv, hvor samtalen foregår", status_code=422)
        self.assertFalse(self.application.interviews.exists())

    def test_bad_input_is_a_form_error_never_a_500(self) -> None:
        self.login(self.coordinator)
        for overrides in (
            {"date": "2026-02-30"},
            {"time": "25:00"},
            {"minutes": "5000"},
            {"mode": "telepathy"},
            {"panel": ["999999"]},
            {"panel": [str(self.evaluator.pk)]},
            {"date": (timezone.localdate() - datetime.timedelta(days=2)).isoformat()},
        ):
            response = self.client.post(self.book_url(), self.form(**overrides))
            self.assertEqual(response.status_code, 422, overrides)
        self.assertFalse(self.application.interviews.exists())

    def test_closed_applications_cannot_get_an_interview(self) -> None:
        from brobygger.recruitment import services

        services.transition_application(
            actor=self.coordinator, application=self.application, to="rejected", reason="other"
        )
        with self.assertRaises(ValidationError):
            make_interview(self.application, panel=[self.coordinator], starts_at=at(self.day, 10))
        self.login(self.coordinator)
        page = self.client.get(
            reverse("recruitment:application_detail", args=[self.application.pk])
        )
        self.assertNotContains(page, 'id="interview-form"')

    def test_held_and_cancel_actions(self) -> None:
        past = make_interview(
            self.application,
            panel=[self.coordinator],
            starts_at=timezone.now() - datetime.timedelta(hours=2),
        )
        coming = make_interview(self.second, panel=[self.coordinator], starts_at=at(self.day, 9))
        self.login(self.coordinator)
        url = reverse("recruitment:interview_action", args=[coming.pk])
        self.client.post(url, {"action": "held"})
        coming.refresh_from_db()
        self.assertEqual(coming.status, "booked")
        self.client.post(
            reverse("recruitment:interview_action", args=[past.pk]), {"action": "held"}
        )
        past.refresh_from_db()
        self.assertEqual(past.status, "held")
        self.client.post(url, {"action": "cancel"})
        coming.refresh_from_db()
        self.assertEqual(coming.status, "cancelled")
        self.assertFalse(coming.seats.filter(active=True).exists())
        response = self.client.post(url, {"action": "nonsense"})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(
            AuditEvent.objects.filter(
                verb__in=["recruitment.interview_held", "recruitment.interview_cancelled"]
            ).count(),
            2,
        )

    def test_the_panel_can_be_a_clinician_from_the_unit(self) -> None:
        manager = make_user("afsnitsleder", Role.CLINICIAN, units=(self.unit,))
        candidates = selectors.panel_candidates(self.posting, self.coordinator)
        self.assertIn(manager, candidates)
        self.assertNotIn(self.evaluator, candidates)
        self.assertNotIn(self.other_coordinator, candidates)
        interview = make_interview(
            self.application, panel=[self.coordinator, manager], starts_at=at(self.day, 13)
        )
        self.assertEqual(interview.seats.count(), 2)


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="exclusion constraints need PostgreSQL"
)
class DatabaseConstraintTests(InterviewTestCase):
    def test_the_database_refuses_a_second_seat_for_the_same_person(self) -> None:
        first = make_interview(
            self.application, panel=[self.coordinator], starts_at=at(self.day, 10)
        )
        other = make_interview(
            self.second, panel=[self.other_peer, self.coordinator], starts_at=at(self.day, 12)
        )
        with self.assertRaises(IntegrityError) as raised, transaction.atomic():
            InterviewSeat.objects.create(
                interview=other,
                user=self.peer.user,
                starts_at=first.starts_at,
                ends_at=first.ends_at,
            )
            InterviewSeat.objects.create(
                interview=first,
                user=self.peer.user,
                starts_at=first.starts_at,
                ends_at=first.ends_at,
            )
        self.assertIn("interviewseat_user_no_overlap", str(raised.exception))
        # An inactive (cancelled) seat does not count.
        InterviewSeat.objects.create(
            interview=other,
            user=self.peer.user,
            starts_at=first.starts_at,
            ends_at=first.ends_at,
            active=False,
        )

    def test_with_the_service_check_bypassed_the_constraint_still_refuses(self) -> None:
        make_interview(self.application, panel=[self.coordinator], starts_at=at(self.day, 10))
        with (
            mock.patch.object(interviews, "panel_clash", return_value=None),
            self.assertRaises(ValidationError) as raised,
        ):
            make_interview(self.second, panel=[self.coordinator], starts_at=at(self.day, 10, 30))
        self.assertEqual(raised.exception.code, "double_booked")
        self.second.refresh_from_db()
        self.assertEqual(self.second.status, "received")
        self.assertEqual(self.second.interviews.count(), 0)


class InterviewMinutesTests(InterviewTestCase):
    def test_held_and_past_booked_interviews_count_not_future_or_cancelled(self) -> None:
        now = timezone.now().replace(second=0, microsecond=0)
        today = timezone.localdate()
        held = make_interview(
            self.application,
            panel=[self.coordinator, self.peer],
            starts_at=now - datetime.timedelta(hours=3),
            minutes=60,
        )
        interviews.mark_interview_held(actor=self.coordinator, interview=held)
        make_interview(  # booked and over, nobody marked it: counts
            self.second,
            panel=[self.coordinator, self.peer],
            starts_at=now - datetime.timedelta(hours=1, minutes=30),
            minutes=45,
        )
        third = make_application(self.posting, name="Tredje")
        cancelled = make_interview(
            third,
            panel=[self.coordinator, self.peer],
            starts_at=now - datetime.timedelta(minutes=50 + 24 * 60),
            minutes=30,
        )
        interviews.cancel_interview(actor=self.coordinator, interview=cancelled)
        fourth = make_application(self.posting, name="Fjerde")
        make_interview(  # in the future: not yet
            fourth, panel=[self.coordinator, self.peer], starts_at=now + datetime.timedelta(days=2)
        )
        ids = [self.peer.user.pk, self.other_peer.user.pk]
        start = today - datetime.timedelta(days=3)
        end = today + datetime.timedelta(days=7)
        with self.assertNumQueries(1):
            minutes = selectors.interview_minutes(ids, start, end)
        self.assertEqual(minutes, {self.peer.user.pk: 105})
        self.assertEqual(selectors.interview_minutes([], start, end), {})
        far = today + datetime.timedelta(days=30)
        self.assertEqual(
            selectors.interview_minutes(ids, far, far + datetime.timedelta(days=1)), {}
        )


class QueryBudgetTests(InterviewTestCase):
    def test_application_detail_with_interviews_and_notes_uses_constant_queries(self) -> None:
        url = reverse("recruitment:application_detail", args=[self.application.pk])
        past = timezone.now() - datetime.timedelta(days=1)
        first = make_interview(
            self.application, panel=[self.coordinator, self.peer], starts_at=past
        )
        interviews.save_interview_note(
            actor=self.peer.user,
            interview=first,
            ratings={c.pk: ("clearly", "Fint") for c in self.posting.criteria.all()},
            recommendation="hire",
            summary="God samtale",
        )
        self.login(self.coordinator)
        self.client.get(url)
        with count_queries() as few:
            self.client.get(url)
        for hours in (2, 4, 6):
            extra = make_interview(
                self.application,
                panel=[self.coordinator, self.peer, self.other_peer],
                starts_at=past - datetime.timedelta(hours=hours),
            )
            for member in (self.coordinator, self.peer.user, self.other_peer.user):
                interviews.save_interview_note(
                    actor=member,
                    interview=extra,
                    ratings={c.pk: ("partly", "Delvist") for c in self.posting.criteria.all()},
                    recommendation="unsure",
                    summary="",
                )
        with count_queries() as many:
            response = self.client.get(url)
        self.assertContains(response, "Delvist")
        self.assertEqual(len(few.captured_queries), len(many.captured_queries))
        self.assertLessEqual(len(many.captured_queries), 25)

    def test_application_list_with_interviews_uses_constant_queries(self) -> None:
        url = reverse("recruitment:application_list", args=[self.posting.pk])
        self.login(self.coordinator)
        self.client.get(url)
        with count_queries() as few:
            self.client.get(url)
        for i in range(8):
            application = make_application(self.posting, name=f"Ansøger {i}")
            make_interview(application, panel=[self.coordinator], starts_at=at(self.day, 8 + i))
        with count_queries() as many:
            response = self.client.get(url)
        self.assertContains(response, "Ansøger 7")
        self.assertEqual(len(few.captured_queries), len(many.captured_queries))


class PanelPeerAvailabilityTests(InterviewTestCase):
    """Issue 19: a peer on the panel is put in the agenda through the one availability
    check (scheduling.services.check_availability), as for a conversation or a group."""

    def test_a_peer_on_holiday_on_the_panel_warns_and_needs_a_reason(self) -> None:
        scheduling_services.add_exception(
            actor=None, peer=self.peer, starts_on=self.day, kind="holiday"
        )
        self.login(self.coordinator)
        response = self.client.post(self.book_url(), self.form())
        self.assertContains(response, f"{self.peer.name} holder ferie", status_code=422)
        self.assertContains(response, 'name="override_reason"', status_code=422)
        self.assertFalse(self.application.interviews.exists())
        response = self.client.post(self.book_url(), self.form(book_anyway="on"))
        self.assertContains(response, "Skriv hvorfor", status_code=422)
        response = self.client.post(
            self.book_url(),
            self.form(book_anyway="on", override_reason="Peer kommer ind til samtalen"),
        )
        self.assertRedirects(
            response, reverse("recruitment:application_detail", args=[self.application.pk])
        )
        interview = self.application.interviews.get()
        self.assertEqual(interview.override_reason, "Peer kommer ind til samtalen")
        event = AuditEvent.objects.get(verb="recruitment.interview_booked")
        self.assertEqual(event.data["override"], ["away"])

    def test_a_panel_without_peers_or_within_their_hours_needs_nothing(self) -> None:
        scheduling_services.add_exception(
            actor=None, peer=self.peer, starts_on=self.day, kind="holiday"
        )
        interview = make_interview(
            self.application, panel=[self.coordinator], starts_at=at(self.day, 10)
        )
        self.assertEqual(interview.override_reason, "")
        self.assertNotIn(
            "override", AuditEvent.objects.get(verb="recruitment.interview_booked").data
        )

    def test_an_interview_registered_after_the_fact_is_checked_too(self) -> None:
        day = timezone.localdate() - datetime.timedelta(days=2)
        scheduling_services.add_exception(actor=None, peer=self.peer, starts_on=day, kind="sick")
        with self.assertRaisesMessage(ValidationError, "er syg"):
            make_interview(
                self.application, panel=[self.coordinator, self.peer], starts_at=at(day, 10)
            )


class MyInterviewsPagingTests(InterviewTestCase):
    def test_my_interviews_and_the_coming_ones_page_past_25_with_the_same_queries(self) -> None:
        url = reverse("recruitment:my_interviews")
        make_interview(self.application, panel=[self.coordinator], starts_at=at(self.day, 9))
        make_interview(self.second, panel=[self.coordinator], starts_at=at(self.day, 11))
        self.login(self.coordinator)
        self.client.get(url)
        with count_queries() as two:
            self.client.get(url)
        for i in range(PAGE_SIZE):
            make_interview(
                self.application,
                panel=[self.coordinator],
                starts_at=at(self.day + datetime.timedelta(days=i + 1), 10),
            )
        with count_queries() as many:
            response = self.client.get(url)
        self.assertEqual(len(two.captured_queries), len(many.captured_queries))
        total = PAGE_SIZE + 2
        self.assertEqual(len(response.context["mine"]), PAGE_SIZE)
        self.assertEqual(len(response.context["upcoming"]), PAGE_SIZE)
        self.assertContains(response, f"1\u2013{PAGE_SIZE} af {total}", count=4)  # above and below
        self.assertContains(response, 'href="?page=2"')
        self.assertContains(response, 'href="?coming_page=2"')
        second = self.client.get(url, {"page": "2", "coming_page": "2"})
        self.assertEqual(len(second.context["mine"]), total - PAGE_SIZE)
        self.assertEqual(len(second.context["upcoming"]), total - PAGE_SIZE)
        self.assertContains(second, 'href="?page=2&amp;coming_page=1"')
