"""Every POST form of every role, posted as rendered and with hostile values (issue 19).

For every role of the cast (anonymous included, for the public forms) and every URL of the
crawler's map (tests/crawler.py) that the role can GET, each `<form method="post">` of
the page is posted

- with its own values (what a browser sends untouched);
- with hostile values for every field, chosen by the field's kind (tests/form_fuzz.py):
  markup, over-long text, NUL bytes, right-to-left and zero-width characters, negative
  and huge numbers, impossible dates and times (also the hour summer time skips), wrong
  choices, and `back`/`next` addresses of another site, a script or a bare view name;
- with every field missing, and with every field twice;
- without its CSRF token, by a client that checks it.

The test fails, with every finding grouped by what is wrong, on:

1. a server error (also on the page a redirect leads to);
2. posted markup echoed verbatim in an HTML body;
3. a redirect off this site;
4. a form that takes a post without its CSRF token.

Each post runs in a savepoint that is rolled back afterwards, so every form sees the
crawler's world as the page showed it (a deleting form cannot empty the next one's page).
A form is one per role: its action's URL name and its field names are the key. The first
role to meet a form sends every hostile round, the missing and the doubled fields; a later
role that meets the same form (the sign-out, the language, two-factor) sends its own
values, one hostile round (a different one per role) and the post without a token, which
keeps the run short. A form the page also posts with htmx
gets every other hostile round as an htmx request (the partial's own code path).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from http.cookies import SimpleCookie
from typing import Any

import pytest
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.test import Client, SimpleTestCase
from django.urls import Resolver404, resolve, reverse

from .crawler import kwarg_sets, routes
from .crawler_fixture import CrawlerWorld
from .form_fuzz import (
    ECHOES,
    SCRIPT,
    Form,
    duplicated_values,
    forms_of,
    hostile_values,
    only_token,
    own_values,
    same_site,
)
from .test_crawler import ROLES

# Hostile posts per form: the n-th value of every kind's list, so every value of the
# longest list (five) is sent once.
HOSTILE_ROUNDS = 5

SERVER_ERROR = "1. server error"
ECHO = "2. markup echoed unescaped"
OFF_SITE = "3. redirect off this site"
NO_CSRF = "4. post taken without its CSRF token"

Key = tuple[str, tuple[str, ...]]  # the action's URL name, the field names

# About four fifths of the forms each role reached on 2026-12-05 (252 forms, 105 distinct:
# anonymous 7, coordinator 80, the other unit's coordinator 70, peer 32, relative peer 23,
# clinician 10, evaluator 10, administrator 20).
FLOOR = {
    "anonymous": 5,
    "coordinator": 64,
    "other_coordinator": 56,
    "peer": 25,
    "relative_peer": 18,
    "clinician": 8,
    "evaluator": 8,
    "admin": 16,
}
DISTINCT_FLOOR = 84


@contextmanager
def quiet() -> Iterator[None]:
    """Each refused post is logged (403, 404, a failed code to axes); the report says what
    matters."""
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security", "axes")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _raw(response: HttpResponseBase) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)  # type: ignore[attr-defined]
    return bytes(response.content)  # type: ignore[attr-defined]


def _html(response: HttpResponseBase) -> bool:
    """A body a browser renders: HTML, not a download."""
    attachment = "attachment" in response.get("Content-Disposition", "")
    return response.get("Content-Type", "").startswith("text/html") and not attachment


# Hostile values, not the date: it runs once in `make test` on each database; the clock run
# (`make test-clock`) crawls every page at each awkward instant already (test_crawler.py).
@pytest.mark.timeless
class FormFuzzTests(CrawlerWorld):
    def test_every_post_form_of_every_role_survives_hostile_values(self):
        self.client.raise_request_exception = False
        self.failures: dict[str, list[str]] = defaultdict(list)
        self.posts = 0
        forms = 0
        per_role: dict[str, int] = defaultdict(int)
        fuzzed: set[Key] = set()
        with quiet():
            for number, role in enumerate(ROLES):
                for key, form in self.forms_of_role(role).items():
                    forms += 1
                    per_role[role] += 1
                    first = key not in fuzzed
                    fuzzed.add(key)
                    self.fuzz(role, form, range(HOSTILE_ROUNDS) if first else [number], first)
        print(f"\nform fuzz: {forms} forms, {self.posts} posts, {len(fuzzed)} distinct")
        # A crawl that stops finding forms (a changed page, a broken parser) would pass
        # with nothing fuzzed: each role must still reach about four fifths of its forms.
        short = {role: per_role[role] for role in ROLES if per_role[role] < FLOOR[role]}
        self.assertEqual(short, {})
        self.assertGreaterEqual(len(fuzzed), DISTINCT_FLOOR)
        if self.failures:
            count = sum(map(len, self.failures.values()))
            lines = [f"{count} findings in {self.posts} posts to {forms} forms"]
            for reason in sorted(self.failures):
                lines.append(f"\n{reason} ({len(self.failures[reason])}):")
                lines.extend(f"  {line}" for line in sorted(set(self.failures[reason])))
            self.fail("\n".join(lines))

    def sign_in(self, user: Any) -> None:
        self.client.logout()
        if user is not None:
            self.login(user)

    def forms_of_role(self, role: str) -> dict[Key, Form]:
        """The POST forms of every page the role can GET, one per action and field names."""
        user = self.user_of(role)
        self.sign_in(user)
        scope = self.scope(user)
        found: dict[Key, Form] = {}
        for route in routes():
            allowed = scope | self.purpose_scope(user, route)
            for kwargs in kwarg_sets(
                route, self.samples, user=user, allowed=allowed, full=False, missing=False
            ):
                url = reverse(route.name, kwargs=kwargs)
                response = self.client.get(url)
                if response.status_code != 200 or not _html(response):
                    continue
                for form in forms_of(_raw(response).decode("utf-8", "replace"), url):
                    try:
                        name = resolve(form.action.split("?")[0]).view_name
                    except Resolver404:
                        name = form.action
                    found.setdefault((name, form.names), form)
        self.sign_in(user)  # a page may have signed the role out
        return found

    def fuzz(self, role: str, form: Form, rounds: Iterable[int], first: bool) -> None:
        where = f"{role:<17} {form.action} (from {form.page})"
        self.post(where, form, "own values", own_values(form))
        for n in rounds:
            htmx = form.htmx and n % 2 == 1
            what = f"hostile #{n % HOSTILE_ROUNDS}" + (" htmx" if htmx else "")
            self.post(where, form, what, hostile_values(form, n), htmx=htmx)
        if first:
            self.post(where, form, "fields missing", only_token(form))
            self.post(where, form, "fields twice", duplicated_values(form, 0))
        self.post_without_token(where, form)

    def post(
        self, where: str, form: Form, what: str, data: dict[str, list[Any]], htmx: bool = False
    ) -> None:
        """POST in a savepoint rolled back afterwards; the client's cookies (its session,
        its language) are put back too, so a sign-out form does not sign the role out."""
        self.posts += 1
        cookies = SimpleCookie()
        cookies.update(self.client.cookies)
        with transaction.atomic():
            headers = {"HX-Request": "true"} if htmx else {}
            response = self.client.post(form.action, data, headers=headers)
            self.check(f"{where} [{what}]", response)
            location = response.get("Location", "")
            if 300 <= response.status_code < 400 and location and same_site(location):
                followed = self.client.get(location)
                self.check(f"{where} [{what}] -> {location}", followed)
            transaction.set_rollback(True)
        self.client.cookies = cookies

    def check(self, where: str, response: HttpResponseBase) -> None:
        status = response.status_code
        if status >= 500:
            error = getattr(response, "exc_info", None)
            self.failures[SERVER_ERROR].append(
                f"{where} [{status}]: {error[1]!r}" if error else f"{where} [{status}]"
            )
        if _html(response):
            body = _raw(response)
            if any(echo in body for echo in ECHOES):
                self.failures[ECHO].append(where)
        location = response.get("Location", "")
        if 300 <= status < 400 and not same_site(location):
            self.failures[OFF_SITE].append(f"{where}: {location}")
        for header in ("HX-Redirect", "HX-Location"):
            target = response.get(header, "")
            if target and not target.startswith("{") and not same_site(target):
                self.failures[OFF_SITE].append(f"{where}: {header} {target}")

    def post_without_token(self, where: str, form: Form) -> None:
        """The same session, a client that checks CSRF, no token: refused with a 403."""
        self.posts += 1
        guarded = Client(enforce_csrf_checks=True)
        guarded.cookies.update(self.client.cookies)
        data = {k: v for k, v in own_values(form).items() if k != "csrfmiddlewaretoken"}
        with transaction.atomic():
            response = guarded.post(form.action, data)
            transaction.set_rollback(True)
        if response.status_code != 403:
            self.failures[NO_CSRF].append(f"{where} [{response.status_code}]")


PAGE = """
<form method="post" action="/gem/?side=2">
  <input type="hidden" name="csrfmiddlewaretoken" value="tok">
  <input type="hidden" name="back" value="/personer/">
  <input name="title" value="Hej">
  <input type="number" name="hours" value="3">
  <input type="date" name="day" value="2026-12-01">
  <input type="checkbox" name="urgent" checked>
  <input type="checkbox" name="quiet">
  <input type="radio" name="mode" value="phone">
  <input type="radio" name="mode" value="video" checked>
  <select name="unit"><option value="">Vælg…</option><option value="2" selected>R1</option></select>
  <select name="tags" multiple>
    <option selected>a</option><option>b</option><option selected>c</option>
  </select>
  <textarea name="note">Første linje</textarea>
  <input name="off" value="x" disabled>
  <button type="submit" name="action" value="save">Gem</button>
  <button type="submit" formaction="/pdf/">PDF</button>
</form>
<form method="get" action="/soeg/"><input name="q"></form>
<form method="post" action="https://evil.example/"><input name="x"></form>
"""


class FormReadingTests(SimpleTestCase):
    def setUp(self):
        self.forms = forms_of(PAGE, "/side/")

    def test_only_post_forms_on_this_site_are_read_and_a_formaction_is_a_form_of_its_own(self):
        self.assertEqual([f.action for f in self.forms], ["/gem/?side=2", "/pdf/"])

    def test_own_values_are_what_a_browser_sends(self):
        self.assertEqual(
            own_values(self.forms[0]),
            {
                "csrfmiddlewaretoken": ["tok"],
                "back": ["/personer/"],
                "title": ["Hej"],
                "hours": ["3"],
                "day": ["2026-12-01"],
                "urgent": ["on"],
                "mode": ["video"],
                "unit": ["2"],
                "tags": ["a", "c"],
                "note": ["Første linje"],
                "action": ["save"],
            },
        )
        self.assertNotIn("action", own_values(self.forms[1]))  # the PDF button has no name

    def test_hostile_values_follow_the_kind_of_each_field(self):
        data = hostile_values(self.forms[0], 0)
        self.assertEqual(data["csrfmiddlewaretoken"], ["tok"])
        self.assertEqual(data["back"], ["//evil.example"])
        self.assertEqual(data["title"], ["<script>alert(1)</script>"])
        self.assertEqual(data["hours"], ["-1"])
        self.assertEqual(data["day"], ["2026-02-30"])
        self.assertEqual(data["unit"], ["ukendt-valg"])
        self.assertEqual(hostile_values(self.forms[0], 1)["day"], ["31.12.99"])
        self.assertEqual(duplicated_values(self.forms[0], 0)["hours"], ["3", "-1"])
        self.assertEqual(only_token(self.forms[0]), {"csrfmiddlewaretoken": ["tok"]})


class FindingTests(SimpleTestCase):
    def setUp(self):
        self.fuzz = FormFuzzTests()
        self.fuzz.failures = defaultdict(list)

    def test_markup_echoed_in_html_is_a_finding_escaped_or_downloaded_is_not(self):
        self.fuzz.check("a", HttpResponse("<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"))
        attachment = HttpResponse(SCRIPT, headers={"Content-Disposition": "attachment"})
        self.fuzz.check("b", attachment)
        self.assertEqual(self.fuzz.failures, {})
        self.fuzz.check("c", HttpResponse(f"<p>{SCRIPT}</p>"))
        self.fuzz.check("d", HttpResponse("<p><img src=x onerror=alert(1)></p>"))
        self.assertEqual(self.fuzz.failures[ECHO], ["c", "d"])

    def test_a_redirect_off_the_site_or_an_error_is_a_finding(self):
        for location in ("/personer/", "http://testserver/hjem/"):
            self.fuzz.check("ok", HttpResponseRedirect(location))
        self.assertEqual(self.fuzz.failures, {})
        for location in ("//evil.example", "https://evil.example/", "/\\evil.example"):
            response = HttpResponse(status=302, headers={"Location": location})
            self.fuzz.check(location, response)
        self.fuzz.check("e", HttpResponse(status=500))
        self.assertEqual(len(self.fuzz.failures[OFF_SITE]), 3)
        self.assertEqual(self.fuzz.failures[SERVER_ERROR], ["e [500]"])
