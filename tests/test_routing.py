"""lib.routing: resolving by first segment finds what Django's resolver finds, for every
path of the project and a few that are not."""

import re
from collections.abc import Sequence

import pytest
from django.http import HttpRequest, HttpResponse
from django.test import SimpleTestCase
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, include, path, re_path
from django.urls.resolvers import RegexPattern, ResolverMatch, RoutePattern

from brobygger import urls
from brobygger.lib.routing import FirstSegmentResolver

pytestmark = pytest.mark.timeless

SAMPLES = {
    "int": "7",
    "str": "abc",
    "slug": "a-b",
    "path": "a/b",
    "uuid": "0" * 8 + "-0000" * 3 + "-" + "0" * 12,
}

REGEX_SAMPLES = (
    ("forskning/eksport/hent", "forskning/eksport/hent/abc.csv"),
    ("app_label", "accounts/"),
    ("(?P<url>.*)", "ingen/side/"),  # the admin's catch-all
)


def sample_paths(entries: Sequence[URLPattern | URLResolver], prefix: str = "") -> list[str]:
    """A path each leaf pattern matches: its route with a sample value per converter."""
    found: list[str] = []
    for entry in entries:
        pattern = entry.pattern
        if isinstance(pattern, RoutePattern):
            route = prefix + re.sub(
                r"<(?:(\w+):)?\w+>", lambda m: SAMPLES[m.group(1) or "str"], str(pattern)
            )
        elif isinstance(pattern, RegexPattern):
            # The few regular expressions (research downloads, the admin's app index): a
            # path each takes, by hand; a new one fails here until it has its sample.
            samples = [text for mark, text in REGEX_SAMPLES if mark in pattern.regex.pattern]
            assert len(samples) == 1, f"add a sample path for {pattern.regex.pattern}"
            route = prefix + samples[0]
        else:
            raise AssertionError(f"unexpected pattern {pattern!r}")
        if isinstance(entry, URLResolver):
            found += sample_paths(entry.url_patterns, route)
        else:
            found.append(route)
    return found


def outcome(resolver: URLResolver, url: str) -> tuple[object, ...] | None:
    try:
        match: ResolverMatch = resolver.resolve(url)
    except Resolver404:
        return None
    return (match.func, match.args, match.kwargs, match.url_name, match.namespaces, match.route)


def view(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


def other(request: HttpRequest) -> HttpResponse:
    return HttpResponse()


class FirstSegmentTests(SimpleTestCase):
    def test_every_path_of_the_project_resolves_as_with_djangos_resolver(self) -> None:
        plain = URLResolver(RegexPattern(r"^/"), urls.PATTERNS)
        fast = get_resolver()
        self.assertIsInstance(fast.url_patterns[0], FirstSegmentResolver)
        paths = sample_paths(urls.PATTERNS)
        self.assertGreater(len(paths), 200)
        resolved = 0
        for sample in paths:
            for url in ("/" + sample, "/" + sample.rstrip("/"), "/" + sample + "x/", "/x" + sample):
                with self.subTest(url=url):
                    expected = outcome(plain, url)
                    self.assertEqual(outcome(fast, url), expected)
                    resolved += expected is not None
        self.assertGreater(resolved, len(paths))  # each sample, and a few of the variants

    def test_the_order_of_the_patterns_still_decides(self) -> None:
        patterns: list[URLPattern | URLResolver] = [
            path("ab", include([path("c/", other, name="abc")])),
            path("<slug:anything>/", view, name="anything"),
            path("", include([path("hjem/", other, name="home")])),
            re_path(r"^filer/(?P<name>\w+)$", other, name="file"),
            path("", other, name="front"),
        ]
        plain = URLResolver(RegexPattern(r"^/"), patterns)
        fast = URLResolver(RegexPattern(r"^/"), [FirstSegmentResolver(patterns)])
        for url, name in (
            ("/hjem/", "anything"),  # the converter comes first, as in Django
            ("/abc/", "abc"),  # a prefix without a slash reaches into the next segment
            ("/filer/x", "file"),
            ("/", "front"),
            ("/hjem/x/", None),
        ):
            with self.subTest(url=url):
                self.assertEqual(outcome(fast, url), outcome(plain, url))
                found = outcome(fast, url)
                self.assertEqual(found[3] if found else None, name)
