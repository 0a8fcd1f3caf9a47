"""Every role GETs every URL, with ids inside and outside its scope (issue 16, item 7).

The map comes from the URL configuration (tests/crawler.py), the world from the real
services (tests/crawler_fixture.py). The test fails, with every finding grouped by what
is wrong, on:

1. a server error;
2. a GET that changes data (the row count of any table but the access log, its person
   index, sessions and login attempts; a new audit event counts as a change);
3. a person's full name or CPR number in the body of a role that may not see that person;
4. a body that shows persons without exactly one new access-log entry naming them all;
5. an access-log entry written for a refusal (403, 404, or a redirect to the login page);
6. an English month or weekday name on a Danish page (issue 19: one Danish date format).

Who may see whom is the policy (accounts/policy.py): `Person.objects.visible_to(user)`,
and what the policy adds on purpose beyond a person's own page: the persons of the
referrals the user may see (a match proposed to a peer), the participants of the groups
the user may see (a peer's own groups), and a relative or patient on the other end of a
link the user may see (a patient's consent to share names that relative).
"""

from __future__ import annotations

import html
import logging
import re
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection
from django.http.response import HttpResponseBase
from django.test import SimpleTestCase
from django.urls import reverse

from brobygger import urls
from brobygger.accounts.models import Session
from brobygger.audit.models import AccessLogEntry, AccessLogList, AccessLogListPerson
from brobygger.lib.prepared import prepared_cursor
from brobygger.people.models import PeerWorker, Person
from brobygger.referrals.models import Course

from .crawler import Route, kwarg_sets, pk_model, routes
from .crawler_fixture import CrawlerWorld

ROLES = [
    "anonymous",
    "coordinator",
    "other_coordinator",
    "peer",
    "relative_peer",
    "clinician",
    "evaluator",
    "admin",
]

# The roles that also try an id that does not exist (a 404, never a 500): the two that
# reach the most pages are enough.
WITH_MISSING_IDS = {"coordinator", "peer"}

# Tables a GET may write: the access log itself, the session and the login attempts.
UNCOUNTED = {
    AccessLogEntry._meta.db_table,
    AccessLogList._meta.db_table,
    AccessLogListPerson._meta.db_table,
    Session._meta.db_table,
    "axes_accessattempt",
    "axes_accesslog",
    "axes_accessfailurelog",
    "axes_accessattemptexpiration",
}

SERVER_ERROR = "1. server error"
CHANGED = "2. a GET changed data"
LEAK = "3. out-of-scope person shown (leak)"
NO_ENTRY = "4a. persons shown, no access-log entry"
MANY_ENTRIES = "4b. persons shown, more than one access-log entry"
NOT_NAMED = "4c. the entry does not name every person shown"
REFUSAL_LOGGED = "5. access-log entry on a refusal"
ENGLISH_DATE = "6. an English month or weekday on a Danish page"

# Month and weekday names whose Danish differs in more than the capital letter (Danish
# writes them in small letters: "april", "november" could start a sentence).
ENGLISH_DATE_WORDS = re.compile(
    r"\b(January|February|March|June|July|October|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b"
)


def _tables() -> list[str]:
    names = {
        model._meta.db_table
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    }
    return sorted(names - UNCOUNTED)


def _row_counts(tables: list[str]) -> dict[str, int]:
    """Every table's row count, in one query, which PostgreSQL plans once (the crawl runs it
    after each of its thousands of requests; planning a hundred subqueries cost more than
    counting the rows of a test's tables)."""
    quote = connection.ops.quote_name
    # The names are the models' own tables, quoted: no input reaches this query.
    columns = ", ".join(f"(SELECT COUNT(*) FROM {quote(table)})" for table in tables)  # noqa: S608
    with prepared_cursor(connection) as cursor:
        cursor.execute(f"SELECT {columns}")
        row = cursor.fetchone()
    return dict(zip(tables, row, strict=True))


def _body(response: HttpResponseBase) -> str:
    if getattr(response, "streaming", False):
        content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    else:
        content = response.content  # type: ignore[attr-defined]
    return html.unescape(content.decode("utf-8", errors="replace"))


@contextmanager
def quiet_requests() -> Iterator[None]:
    """Django logs every 403, 404 and 405 of the crawl; the report says what matters."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


# A CPR number as pages write it: ten digits, a dash after the sixth or none, and no digit
# on either side (a longer number is not a CPR number).
CPR_IN_TEXT = re.compile(r"(?<!\d)(\d{6})-?(\d{4})(?!\d)")


class Crawler:
    """Finds the fixture's persons in a body: a full name anywhere, or a CPR number."""

    def __init__(self, persons: list[Person]) -> None:
        self.names: dict[int, str] = {}
        self.by_cpr: dict[str, int] = {}
        for person in persons:
            self.names[person.pk] = f"{person.given_name} {person.family_name}"
            if person.cpr:
                self.by_cpr[person.cpr] = person.pk

    def shown(self, body: str) -> set[int]:
        # A substring test per name: one alternation of every name and number, with its
        # look-arounds, cost the crawl a quarter of its time on SQLite.
        found = {pk for pk, name in self.names.items() if name in body}
        for match in CPR_IN_TEXT.finditer(body):
            pk = self.by_cpr.get(match.group(1) + match.group(2))
            if pk is not None:
                found.add(pk)
        return found

    def named(self, ids: set[int]) -> str:
        return ", ".join(sorted(self.names[pk] for pk in ids))


class CrawlerTests(CrawlerWorld):
    def sign_in(self, user: Any) -> None:
        self.client.logout()
        if user is not None:
            self.login(user)
        self.counts: dict[str, int] | None = None  # signing in may write (a device, a session)

    def test_every_role_gets_every_url_without_error_change_leak_or_unlogged_look(self):
        # Findings are collected, not raised: a server error is one line of the report.
        self.client.raise_request_exception = False
        with quiet_requests():
            self.crawl()

    def crawl(self) -> None:
        crawler = Crawler(self.persons)
        tables = _tables()
        failures: dict[str, list[str]] = defaultdict(list)
        login_path = reverse(settings.LOGIN_URL)
        all_routes = routes()
        requests = 0
        for role in ROLES:
            user = self.user_of(role)
            scope = self.scope(user)
            self.sign_in(user)
            for route in all_routes:
                allowed = scope | self.purpose_scope(user, route)
                for kwargs in kwarg_sets(
                    route,
                    self.samples,
                    user=user,
                    allowed=allowed,
                    full=user is not None,
                    missing=role in WITH_MISSING_IDS,
                ):
                    url = reverse(route.name, kwargs=kwargs)
                    requests += 1
                    self.check_get(role, user, url, crawler, allowed, tables, login_path, failures)
        self.assertGreater(requests, len(all_routes) * len(ROLES) - 1)
        if failures:
            lines = [f"{sum(map(len, failures.values()))} findings in {requests} requests"]
            for reason in sorted(failures):
                lines.append(f"\n{reason} ({len(failures[reason])}):")
                lines.extend(f"  {line}" for line in failures[reason])
            self.fail("\n".join(lines))

    def check_get(
        self,
        role: str,
        user: Any,
        url: str,
        crawler: Crawler,
        allowed: set[int],
        tables: list[str],
        login_path: str,
        failures: dict[str, list[str]],
    ) -> None:
        """GET `url` and note what is wrong with the response."""
        before = self.counts or _row_counts(tables)
        last_entry = AccessLogEntry.objects.order_by("-pk").values_list("pk", flat=True).first()
        response = self.client.get(url)
        status = response.status_code
        where = f"{role:<17} {url} [{status}]"
        body = _body(response)
        after = self.counts = _row_counts(tables)
        entries = list(AccessLogEntry.objects.filter(pk__gt=last_entry or 0).order_by("pk"))
        if self.client.session.get("_auth_user_id") != (str(user.pk) if user else None):
            self.sign_in(user)  # the page signed someone in or out: back to this role

        if status >= 500:
            error = getattr(response, "exc_info", None)
            failures[SERVER_ERROR].append(f"{where}: {error[1]!r}" if error else where)
        changed = [
            f"{table} {after[table] - before[table]:+d}"
            for table in tables
            if after[table] != before[table]
        ]
        if changed:
            failures[CHANGED].append(f"{where}: {', '.join(changed)}")
        if status == 200 and response.get("Content-Language", "da").startswith("da"):
            english = sorted(set(ENGLISH_DATE_WORDS.findall(body)))
            if english:
                failures[ENGLISH_DATE].append(f"{where}: {', '.join(english)}")
        shown = crawler.shown(body)
        leaked = shown - allowed
        if leaked:
            failures[LEAK].append(f"{where}: {crawler.named(leaked)}")
        refused = status in (403, 404) or (
            300 <= status < 400 and response.get("Location", "").startswith(login_path)
        )
        if refused and entries:
            failures[REFUSAL_LOGGED].append(f"{where}: {len(entries)} entries")
        elif shown:
            if not entries:
                failures[NO_ENTRY].append(f"{where}: {crawler.named(shown)}")
            elif len(entries) > 1:
                failures[MANY_ENTRIES].append(f"{where}: {len(entries)} entries")
            else:
                missing = shown - entries[0].persons
                if missing:
                    failures[NOT_NAMED].append(f"{where}: {crawler.named(missing)}")


class CrawlerMapTests(SimpleTestCase):
    def test_the_map_holds_every_named_url_of_the_project_but_the_admin_site(self):
        names = {route.name for route in routes()}
        self.assertIn("people:person_detail", names)
        self.assertIn("research:export_download", names)  # a re_path, reached by its regex
        self.assertFalse([name for name in names if name.startswith("admin:")])
        # The root's includes (brobygger/urls.py; the root resolver holds them behind
        # lib/routing's first-segment index).
        patterns = sum(
            len(entry.url_patterns)
            for entry in urls.PATTERNS
            if hasattr(entry, "url_patterns") and not str(entry.pattern).startswith("admin/")
        )
        self.assertEqual(len(names), patterns)

    def test_a_bare_pk_is_the_model_the_path_names_or_any_of_the_apps_models(self):
        by_name = {route.name: route for route in routes()}
        self.assertEqual(pk_model(by_name["admissions:course"]), [Course])
        self.assertEqual(pk_model(by_name["timesheets:peer_month"]), [PeerWorker])
        unknown = Route("people:x", "ukendt/<int:pk>/", ("pk",), apps.get_app_config("people"))
        self.assertIn(Person, pk_model(unknown))


class CrawlerFindsPersonsTests(SimpleTestCase):
    def setUp(self):
        self.crawler = Crawler(
            [
                Person(pk=1, given_name="Alice", family_name="Andersen", cpr="0101901234"),
                Person(pk=2, given_name="Bob", family_name="Berg", cpr=None),
            ]
        )

    def test_a_full_name_or_a_cpr_number_with_or_without_the_dash_shows_the_person(self):
        self.assertEqual(self.crawler.shown("<td>Alice Andersen</td>"), {1})
        self.assertEqual(self.crawler.shown("CPR 010190-1234"), {1})
        self.assertEqual(self.crawler.shown("0101901234 og Bob Berg"), {1, 2})

    def test_a_masked_number_a_first_name_or_a_longer_number_shows_nobody(self):
        self.assertEqual(self.crawler.shown("010190-xxxx Alice, Bob"), set())
        self.assertEqual(self.crawler.shown("90101901234"), set())
        self.assertEqual(self.crawler.shown("010190-12345 og 1010190-1234"), set())
