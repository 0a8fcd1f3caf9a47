"""One access-log entry per response, written once the outcome is known."""

import datetime

from django.test import RequestFactory
from django.urls import reverse

from brobygger.audit.looks import LookMiddleware, gathering, shown
from brobygger.audit.services import record_event
from brobygger.lifecycle import services as lifecycle
from brobygger.testing import TODAY, BaseTestCase


class LookTests(BaseTestCase):
    def test_opening_the_booking_form_is_a_view_not_a_change(self):
        self.login(self.peer)
        before = self.last_seq()
        response = self.client.get(reverse("scheduling:book", args=[self.alice_course.pk]))
        self.assertEqual(response.status_code, 200)
        [entry] = self.new_entries(before)
        self.assertEqual((entry.action, entry.person_id), ("view", self.alice.pk))

    def test_a_refused_request_writes_nothing(self):
        self.login(self.peer)
        lifecycle.end_course(
            actor=None, course=self.alice_course, ended_on=TODAY, reason="completed"
        )
        before = self.last_seq()
        url = reverse("scheduling:book", args=[self.alice_course.pk])
        start = (TODAY + datetime.timedelta(days=3)).isoformat()
        for response in (
            self.client.get(url),
            self.client.post(url, {"date": start, "time": "10:00", "minutes": 45}),
            # Bob is on another peer's caseload.
            self.client.get(reverse("people:person_detail", args=[self.bob.pk])),
        ):
            self.assertEqual(response.status_code, 404)
        self.assertEqual(self.new_entries(before), [])

    def test_a_response_with_several_looks_writes_one_entry_naming_all(self):
        request = RequestFactory().get("/")

        def view(_request):
            from django.http import HttpResponse

            shown(user=self.coordinator, purpose="coordination", person_id=self.alice.pk)
            shown(user=self.coordinator, purpose="coordination", person_ids=[self.bob.pk])
            shown(user=self.coordinator, purpose="coordination", action="print", obj=self.alice)
            return HttpResponse("ok")

        before = self.last_seq()
        LookMiddleware(view)(request)
        [entry] = self.new_entries(before)
        self.assertEqual(entry.action, "print")
        self.assertEqual(entry.person_id, self.alice.pk)
        self.assertEqual(entry.persons, {self.alice.pk, self.bob.pk})

    def test_a_redirect_logs_a_change_only_when_something_was_changed(self):
        from django.http import HttpResponseRedirect

        def refused(_request):
            shown(user=self.peer.user, purpose="support", person_id=self.alice.pk, action="change")
            return HttpResponseRedirect("/")

        def changed(_request):
            shown(user=self.peer.user, purpose="support", person_id=self.alice.pk, action="change")
            record_event(actor=None, verb="test.changed", obj=self.alice, person_id=self.alice.pk)
            return HttpResponseRedirect("/")

        before = self.last_seq()
        LookMiddleware(refused)(RequestFactory().post("/"))
        self.assertEqual(self.new_entries(before), [])
        LookMiddleware(changed)(RequestFactory().post("/"))
        [entry] = self.new_entries(before)
        self.assertEqual((entry.action, entry.person_id), ("change", self.alice.pk))

    def test_errors_and_refusals_write_nothing_whatever_was_looked_at(self):
        from django.http import HttpResponse

        for status in (403, 404, 500):

            def view(_request, status=status):
                shown(user=self.coordinator, purpose="coordination", person_id=self.alice.pk)
                return HttpResponse(status=status)

            before = self.last_seq()
            LookMiddleware(view)(RequestFactory().get("/"))
            self.assertEqual(self.new_entries(before), [], status)

    def test_outside_a_request_a_look_is_written_at_once(self):
        before = self.last_seq()
        shown(user=self.coordinator, purpose="coordination", person_id=self.alice.pk)
        self.assertEqual(len(self.new_entries(before)), 1)
        with gathering() as gathered:
            shown(user=self.coordinator, purpose="coordination", person_id=self.bob.pk)
            self.assertEqual(len(gathered.looks), 1)
        self.assertEqual(len(self.new_entries(before)), 1)
