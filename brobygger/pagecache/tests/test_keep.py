"""A page is kept while nothing it read has changed, per user and session, for a short
while at most; a kept page is logged again each time it is shown, with fresh CSRF tokens."""

from __future__ import annotations

import datetime
import re
from io import StringIO

import time_machine
from django.contrib.messages import constants, get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.management import call_command
from django.db import connection
from django.test import Client, RequestFactory, override_settings
from django.urls import reverse
from django.utils import timezone

from brobygger.accounts.models import Unit
from brobygger.accounts.sessions import SessionStore
from brobygger.breakglass.models import GlassAccess, GlassReason
from brobygger.pagecache import tracking
from brobygger.pagecache.keep import _may_keep, _seen
from brobygger.people import services as people_services
from brobygger.testing import BaseTestCase, count_queries, make_person

from .urls import CALLS

TOKEN = re.compile(r'value="([A-Za-z0-9]{64})"|"X-CSRFToken": "([A-Za-z0-9]{64})"')


def tokens(response) -> list[str]:
    return [a or b for a, b in TOKEN.findall(response.content.decode())]


def without_tokens(response) -> str:
    return TOKEN.sub("TOKEN", response.content.decode())


@override_settings(ROOT_URLCONF="brobygger.pagecache.tests.urls", PAGE_CACHE_SECONDS=60)
class KeptProbeTests(BaseTestCase):
    def setUp(self) -> None:
        CALLS.clear()

    def test_the_same_request_again_is_answered_without_the_view(self):
        self.login(self.coordinator)
        first = self.client.get("/probe/units/")
        with count_queries() as queries:
            second = self.client.get("/probe/units/")
        self.assertEqual(CALLS["/probe/units/"], 1)
        self.assertEqual(without_tokens(first), without_tokens(second))
        self.assertContains(second, "Afsnit R1 Afsnit S3")
        # The session with its user and the change counts (one statement); no access log
        # (the page names nobody).
        self.assertEqual(len(queries), 1, [q["sql"][:60] for q in queries.captured_queries])

    def test_a_kept_page_carries_fresh_csrf_tokens_that_are_accepted(self):
        self.client = Client(enforce_csrf_checks=True)
        self.login(self.coordinator)
        first = tokens(self.client.get("/probe/units/"))
        second = tokens(self.client.get("/probe/units/"))
        self.assertEqual(CALLS["/probe/units/"], 1)
        self.assertEqual((len(first), len(second)), (2, 2))
        self.assertFalse(set(first) & set(second))  # masked afresh, as Django does per page
        response = self.client.post(
            reverse("accounts:set_language"), {"language": "en", "csrfmiddlewaretoken": second[0]}
        )
        self.assertEqual(response.status_code, 302)  # not 403: the token is valid

    def test_any_write_to_a_table_the_page_read_builds_it_again(self):
        self.login(self.coordinator)
        self.client.get("/probe/units/")
        writes = [
            lambda: Unit.objects.create(name="Afsnit T4", kind="ward"),
            lambda: Unit.objects.filter(name="Afsnit T4").update(name="Afsnit T5"),
            lambda: Unit.objects.bulk_create([Unit(name="Afsnit T6", kind="ward")]),
            lambda: connection.cursor().execute(
                "UPDATE accounts_unit SET name = 'Afsnit T7' WHERE name = 'Afsnit T6'"
            ),
            lambda: Unit.objects.filter(name="Afsnit T7").delete(),
        ]
        for n, write in enumerate(writes, start=2):
            with self.subTest(n=n):
                write()
                response = self.client.get("/probe/units/")
                self.assertEqual(CALLS["/probe/units/"], n)
                names = list(Unit.objects.order_by("name").values_list("name", flat=True))
                self.assertContains(response, " ".join(names))

    def test_forget_kept_pages_makes_every_page_stale(self):
        self.login(self.coordinator)
        self.client.get("/probe/units/")
        call_command("forget_kept_pages", stdout=StringIO())
        self.client.get("/probe/units/")
        self.assertEqual(CALLS["/probe/units/"], 2)

    def test_a_file_edited_under_runserver_drops_the_kept_pages(self):
        from pathlib import Path

        from django.utils.autoreload import file_changed

        self.login(self.coordinator)
        self.client.get("/probe/units/")
        file_changed.send(sender=None, file_path=Path("templates/base.html"))
        self.client.get("/probe/units/")
        self.assertEqual(CALLS["/probe/units/"], 2)

    def test_a_write_to_a_table_the_page_did_not_read_keeps_it(self):
        self.login(self.coordinator)
        self.client.get("/probe/units/")
        make_person("Dorthe", unit=self.unit)
        self.client.get("/probe/units/")
        self.assertEqual(CALLS["/probe/units/"], 1)

    def test_a_change_of_the_user_read_before_the_view_builds_it_again(self):
        self.login(self.coordinator)
        self.client.get("/probe/units/")
        self.coordinator.first_name = "Ny"
        self.coordinator.save()
        self.client.get("/probe/units/")
        self.assertEqual(CALLS["/probe/units/"], 2)

    def test_pages_are_kept_per_user_session_and_address(self):
        self.login(self.coordinator)
        self.client.get("/probe/units/")
        self.client.get("/probe/units/?side=2")
        self.login(self.coordinator)  # a new session
        self.client.get("/probe/units/")
        self.login(self.other_coordinator)
        self.client.get("/probe/units/")
        self.client.get("/probe/units/")
        self.assertEqual(CALLS["/probe/units/"], 4)

    def test_an_htmx_request_and_another_accept_get_pages_of_their_own(self):
        self.login(self.coordinator)
        self.client.get("/probe/units/")
        self.client.get("/probe/units/", headers={"HX-Request": "true"})
        self.client.get("/probe/units/", headers={"HX-Request": "true", "HX-Target": "rows"})
        self.client.get("/probe/units/", headers={"Accept": "application/json"})
        self.assertEqual(CALLS["/probe/units/"], 4)
        self.client.get("/probe/units/", headers={"HX-Request": "true"})
        self.client.get("/probe/units/")
        self.assertEqual(CALLS["/probe/units/"], 4)  # each kept under its own headers

    def test_a_page_is_kept_page_cache_seconds_at_most_and_not_past_the_day(self):
        self.login(self.coordinator)
        start = timezone.now()
        self.client.get("/probe/units/")
        with time_machine.travel(start + datetime.timedelta(seconds=59), tick=False):
            self.client.get("/probe/units/")
        self.assertEqual(CALLS["/probe/units/"], 1)
        with time_machine.travel(start + datetime.timedelta(seconds=61), tick=False):
            self.client.get("/probe/units/")
        self.assertEqual(CALLS["/probe/units/"], 2)

    def test_what_ends_by_time_ends_the_kept_page(self):
        self.login(self.coordinator)
        start = timezone.now()
        url, end = "/probe/until/", {"t": (start + datetime.timedelta(seconds=10)).isoformat()}
        self.client.get(url, end)
        with time_machine.travel(start + datetime.timedelta(seconds=9), tick=False):
            self.client.get(url, end)
        self.assertEqual(CALLS["/probe/until/"], 1)
        with time_machine.travel(start + datetime.timedelta(seconds=10), tick=False):
            self.client.get(url, end)
        self.assertEqual(CALLS["/probe/until/"], 2)

    def test_pages_that_read_the_access_log_write_set_a_cookie_or_fail_are_not_kept(self):
        self.login(self.coordinator)
        for url in ("/probe/log/", "/probe/writes/", "/probe/cookie/", "/probe/404/"):
            with self.subTest(url=url):
                self.client.get(url)
                self.client.get(url)
                self.assertEqual(CALLS[url], 2)

    @override_settings(PAGE_CACHE_SECONDS=0)
    def test_zero_seconds_keeps_nothing(self):
        self.login(self.coordinator)
        self.client.get("/probe/units/")
        self.client.get("/probe/units/")
        self.assertEqual(CALLS["/probe/units/"], 2)

    def test_the_change_counts_are_the_ones_read_with_the_user_unless_the_request_wrote(self):
        request = RequestFactory().get("/probe/units/")
        request.user = self.coordinator
        tracking.bump(connection, ["accounts_unit"])
        now = tracking.versions()
        self.assertGreater(now["accounts_unit"], 0)
        # A user loaded another way carries none: the counts are read.
        self.assertEqual(_seen(request, tracking.Reading()), now)
        # Read with the user as the request came in, before a later write: those.
        setattr(request.user, tracking.COUNTS_AT_LOAD, '{"accounts_unit": 1}')
        self.assertEqual(_seen(request, tracking.Reading()), {"accounts_unit": 1})
        # The request wrote since: its own write is not in them, so they are read again.
        self.assertEqual(_seen(request, tracking.Reading(wrote=True)), now)
        # No count at all yet (a new database): an empty object, or NULL on PostgreSQL.
        setattr(request.user, tracking.COUNTS_AT_LOAD, None)
        self.assertEqual(_seen(request, tracking.Reading()), {})

    def test_the_user_of_every_request_carries_the_counts_as_they_were(self):
        self.login(self.coordinator)
        tracking.bump(connection, ["accounts_unit"])
        expected = tracking.versions()
        response = self.client.get("/probe/units/")
        counts = tracking.counts_at_load(response.wsgi_request.user)
        self.assertEqual(counts, expected)

    def test_a_request_with_a_message_waiting_is_not_answered_from_a_kept_page(self):
        request = RequestFactory().get("/probe/units/")
        request.user = self.coordinator
        request.session = SessionStore()
        request.session.save()
        storage = FallbackStorage(request)
        request._messages = storage  # type: ignore[attr-defined]  # as MessageMiddleware does
        self.assertTrue(_may_keep(request))
        storage.add(constants.SUCCESS, "Gemt")
        self.assertFalse(_may_keep(request))


@override_settings(PAGE_CACHE_SECONDS=60)
class KeptPersonPagesTests(BaseTestCase):
    def test_a_kept_list_is_logged_again_naming_the_same_persons(self):
        self.login(self.coordinator)
        url = reverse("people:person_list")
        before = self.last_seq()
        first = self.client.get(url)
        built = self.one_entry(before)
        before = self.last_seq()
        with count_queries() as queries:
            second = self.client.get(url)
        again = self.one_entry(before)
        self.assertEqual(without_tokens(first), without_tokens(second))
        self.assertIsNone(second.context)  # no template was rendered: the kept page
        self.assertEqual(
            (again.action, again.purpose, again.person_id, again.persons),
            (built.action, built.purpose, built.person_id, built.persons),
        )
        self.assertIn(self.alice.pk, again.persons)
        # The session with its user and the change counts (one statement), and the
        # access-log entry (3).
        self.assertEqual(len(queries), 4, [q["sql"][:60] for q in queries.captured_queries])

    def test_a_change_through_a_service_shows_at_once(self):
        self.login(self.coordinator)
        url = reverse("people:person_detail", args=[self.alice.pk])
        self.assertContains(self.client.get(url), "Alice")
        people_services.update_person(actor=self.coordinator, person=self.alice, given_name="Alma")
        response = self.client.get(url)
        self.assertContains(response, "Alma")
        self.assertNotContains(self.client.get(reverse("people:person_list")), "Alice")

    def test_a_page_opened_through_the_glass_is_not_kept_past_the_grant(self):
        dorthe = make_person("Dorthe", unit=self.other_unit, cpr="1205804321")
        self.login(self.coordinator)
        opened = self.client.post(
            reverse("breakglass:open"),
            {"identifier": "120580-4321", "reason": GlassReason.ACUTE, "text": "Ringer i krise"},
        )
        self.assertEqual(opened.status_code, 302)
        start = timezone.now()
        GlassAccess.objects.update(expires_at=start + datetime.timedelta(seconds=20))
        url = reverse("people:person_detail", args=[dorthe.pk])
        shown = self.client.get(url)  # with the message of the grant: built, not kept
        self.assertEqual(len(get_messages(shown.wsgi_request)), 1)
        self.assertContains(self.client.get(url), 'id="glass-banner"')  # built and kept
        with time_machine.travel(start + datetime.timedelta(seconds=19), tick=False):
            kept = self.client.get(url)
        self.assertContains(kept, 'id="glass-banner"')
        self.assertIsNone(kept.context)  # the kept page, within the grant
        with time_machine.travel(start + datetime.timedelta(seconds=20), tick=False):
            self.assertEqual(self.client.get(url).status_code, 404)
