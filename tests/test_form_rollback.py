"""A multi-step form that fails at its last step leaves nothing half done (issue 19, item 3).

The merge, the handover of a leaving peer's courses and the end of a course each write
many rows in one transaction. Here the last step of each does its work and then fails
(a `ValidationError`, as a refused step would raise), and the page must answer with the
message, not a server error, and the database must hold exactly what it held before:
every row of every table, but the access log of the page and the session. The same post
without the failure then goes through, so the test knows the post would have written.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any
from unittest import mock

from django.apps import apps
from django.core.exceptions import ValidationError
from django.urls import reverse

from brobygger.audit.models import (
    AccessLogEntry,
    AccessLogList,
    AccessLogListPerson,
    AuditEvent,
)
from brobygger.lib.dates import local_datetime
from brobygger.lifecycle import services as lifecycle
from brobygger.people import workforce_services
from brobygger.people.models import ConsentKind, PeerDeparture, Person
from brobygger.referrals import services as referral_services
from brobygger.referrals.models import Course, ReferralSource
from brobygger.scheduling import services as scheduling
from brobygger.scheduling.models import Appointment, AppointmentStatus
from brobygger.testing import TODAY, BaseTestCase

DAY = datetime.timedelta(days=1)
FAILURE = "Det sidste trin slog fejl."
# What a request may write whatever the form does: the access log of the page it shows,
# and the session.
NOT_COMPARED = {AccessLogEntry, AccessLogList, AccessLogListPerson}


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every row of every table of the project, but the access log and the session."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values())
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed
        and not model._meta.proxy
        and model not in NOT_COMPARED
        and model._meta.app_label not in ("sessions", "axes")
    }


@contextmanager
def fails_after(target: str) -> Iterator[mock.MagicMock]:
    """`target` (a dotted name) does its work, then raises: a failure after the writes."""
    module, name = target.rsplit(".", 1)
    real: Callable[..., Any] = getattr(__import__(module, fromlist=[name]), name)

    def then_fail(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)
        raise ValidationError(FAILURE)

    with mock.patch(target, side_effect=then_fail) as patched:
        yield patched


class RollbackTestCase(BaseTestCase):
    def book_ahead(self, course: Course) -> Appointment:
        return scheduling.book(
            actor=course.peer.user,
            course=course,
            starts_at=local_datetime(TODAY + 3 * DAY, datetime.time(10)),
            minutes=45,
            mode="phone",
        )

    def assert_nothing_written(self, before: dict[str, list[dict[str, Any]]]) -> None:
        after = snapshot()
        changed = [label for label in before if before[label] != after[label]]
        self.assertEqual(changed, [], "a failed form left these tables changed")


class MergeRollbackTests(RollbackTestCase):
    def setUp(self) -> None:
        # A second record of Alice, with a course and a booking of its own.
        self.referral = referral_services.create_referral(
            actor=self.clinician,
            source=ReferralSource.CLINICIAN,
            unit=self.unit,
            consent_source="verbal",
            consents=(ConsentKind.CONTACT,),
            person_fields={
                "kind": "patient",
                "given_name": "Alice",
                "family_name": "Andersen",
                "phone": "20304050",
                "birth_date": self.alice.birth_date,
            },
        )
        self.assertEqual(self.referral.possible_duplicate, self.alice)
        self.duplicate = self.referral.person
        course = lifecycle.start_course(
            actor=None, person=self.duplicate, peer=self.other_peer, started_on=TODAY - 5 * DAY
        )
        self.book_ahead(course)
        self.url = reverse("referrals:referral_merge", args=[self.referral.pk])
        self.login(self.coordinator)

    def test_a_merge_that_fails_at_its_last_step_moves_nothing(self):
        before = snapshot()
        with fails_after("brobygger.lifecycle.merging.record_event") as last_step:
            response = self.client.post(self.url, follow=True)
        last_step.assert_called_once()  # every move before it was made
        self.assertEqual(response.status_code, 200)
        self.assertContains(response, FAILURE)
        self.assert_nothing_written(before)
        self.assertTrue(Person.objects.filter(pk=self.duplicate.pk).exists())

        response = self.client.post(self.url)
        self.assertEqual(response.status_code, 302)
        self.assertFalse(Person.objects.filter(pk=self.duplicate.pk).exists())
        self.assertTrue(AuditEvent.objects.filter(verb="person.merged").exists())


class HandoverRollbackTests(RollbackTestCase):
    def setUp(self) -> None:
        self.appointment = self.book_ahead(self.alice_course)
        workforce_services.plan_departure(
            actor=self.coordinator, peer=self.peer, last_day=TODAY + 14 * DAY, note="Stopper"
        )
        self.url = reverse("people:peer_handover", args=[self.peer.pk])
        self.data = {f"course-{self.alice_course.pk}": self.other_peer.pk}
        self.login(self.coordinator)

    def test_a_handover_that_fails_at_its_last_step_hands_nothing_over(self):
        before = snapshot()
        with fails_after("brobygger.matching.services.record_event") as last_step:
            response = self.client.post(self.url, self.data)
        last_step.assert_called_once()  # the course was handed over before it
        self.assertContains(response, FAILURE, status_code=422)
        self.assert_nothing_written(before)

        response = self.client.post(self.url, self.data)
        self.assertEqual(response.status_code, 302)
        self.alice_course.refresh_from_db()
        self.assertEqual(self.alice_course.end_reason, "peer_left")
        self.assertTrue(PeerDeparture.objects.get(peer=self.peer).is_completed)
        self.appointment.refresh_from_db()
        self.assertEqual(self.appointment.status, AppointmentStatus.CANCELLED)


class CourseEndRollbackTests(RollbackTestCase):
    def setUp(self) -> None:
        self.appointment = self.book_ahead(self.alice_course)
        self.url = reverse("referrals:course_detail", args=[self.alice_course.pk])
        self.data = {
            "action": "end",
            "ended_on": TODAY.isoformat(),
            "reason": "completed",
            "summary": "Alice klarer sig selv nu",
        }
        self.login(self.coordinator)

    def test_a_course_end_that_fails_at_its_last_step_ends_nothing(self):
        before = snapshot()
        # What depended on the course stops last: the booking is cancelled, then it fails.
        with fails_after("brobygger.lifecycle.ending.apply") as last_step:
            response = self.client.post(self.url, self.data)
        last_step.assert_called_once()
        self.assertContains(response, FAILURE, status_code=422)
        # The page shows the course as it still is, open, with the end form and what was
        # typed (the service put the object it changed back: brobygger/lib/instances.py).
        self.assertContains(response, "Alice klarer sig selv nu", status_code=422)
        self.assertContains(response, 'name="ended_on"', status_code=422)
        self.assertNotContains(response, 'badge-warn">Afsluttet', status_code=422)
        self.assert_nothing_written(before)

        response = self.client.post(self.url, self.data)
        self.assertEqual(response.status_code, 302)
        self.alice_course.refresh_from_db()
        self.assertEqual(self.alice_course.ended_on, TODAY)
        self.appointment.refresh_from_db()
        self.assertEqual(self.appointment.status, AppointmentStatus.CANCELLED)
