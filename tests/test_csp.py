"""The Content-Security-Policy headers built once per process (brobygger/lib/csp.py):
the same headers django-csp builds, and django-csp itself wherever a response or a
request carries its own policy."""

from __future__ import annotations

from csp.constants import HEADER, HEADER_REPORT_ONLY, NONCE, SELF
from csp.decorators import csp_exempt, csp_update
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from django.http import HttpResponse
from django.test import RequestFactory, SimpleTestCase, override_settings

from brobygger.lib.csp import CSPMiddleware, fixed_headers


def _through(middleware_class, view, path="/hjem/"):
    request = RequestFactory().get(path)
    middleware = middleware_class(view)
    middleware.process_request(request)
    return request, middleware.process_response(request, view(request))


def _page(request):
    return HttpResponse("side")


class FixedPolicyTests(SimpleTestCase):
    def setUp(self):
        fixed_headers.cache_clear()

    def test_the_headers_are_the_ones_django_csp_builds(self):
        _request, ours = _through(CSPMiddleware, _page)
        _request, theirs = _through(DjangoCSPMiddleware, _page)
        self.assertIn("default-src 'self'", ours[HEADER])
        self.assertEqual(sorted(ours[HEADER].split("; ")), sorted(theirs[HEADER].split("; ")))
        self.assertNotIn(HEADER_REPORT_ONLY, ours)

    def test_built_once_and_rebuilt_when_the_settings_change(self):
        _through(CSPMiddleware, _page)
        _through(CSPMiddleware, _page)
        self.assertEqual(fixed_headers.cache_info().misses, 1)
        with override_settings(
            CONTENT_SECURITY_POLICY={"DIRECTIVES": {"default-src": ["https://example.org"]}},
            CONTENT_SECURITY_POLICY_REPORT_ONLY={"DIRECTIVES": {"img-src": [SELF]}},
        ):
            _request, response = _through(CSPMiddleware, _page)
            _request, theirs = _through(DjangoCSPMiddleware, _page)
            self.assertEqual(response[HEADER], "default-src https://example.org")
            self.assertIn("img-src 'self'", response[HEADER_REPORT_ONLY])
            self.assertEqual(response[HEADER_REPORT_ONLY], theirs[HEADER_REPORT_ONLY])
        _request, response = _through(CSPMiddleware, _page)
        self.assertIn("default-src 'self'", response[HEADER])
        self.assertNotIn(HEADER_REPORT_ONLY, response)

    def test_a_view_with_its_own_policy_gets_it(self):
        @csp_update({"img-src": "https://kort.example.dk"})
        def with_map(request):
            return HttpResponse("kort")

        _request, response = _through(CSPMiddleware, with_map)
        self.assertIn("https://kort.example.dk", response[HEADER])
        self.assertIn("default-src 'self'", response[HEADER])

    def test_an_exempt_view_gets_no_policy(self):
        _request, response = _through(CSPMiddleware, csp_exempt()(_page))
        self.assertNotIn(HEADER, response)

    def test_a_nonce_asked_for_is_in_the_policy(self):
        def with_nonce(request):
            return HttpResponse(str(request.csp_nonce))

        fixed_headers.cache_clear()
        with override_settings(
            CONTENT_SECURITY_POLICY={"DIRECTIVES": {"script-src": [SELF, NONCE]}}
        ):
            _request, response = _through(CSPMiddleware, with_nonce)
            self.assertIn(f"'nonce-{response.content.decode()}'", response[HEADER])

    def test_a_nonce_asked_for_after_the_header_is_an_error(self):
        request, _response = _through(CSPMiddleware, _page)
        with self.assertRaises(Exception) as raised:
            str(request.csp_nonce)
        self.assertIn("after the CSP header has been written", str(raised.exception))

    def test_a_page_under_an_excluded_prefix_gets_no_policy(self):
        with override_settings(
            CONTENT_SECURITY_POLICY={
                "EXCLUDE_URL_PREFIXES": ["/admin/"],
                "DIRECTIVES": {"default-src": [SELF]},
            }
        ):
            _request, response = _through(CSPMiddleware, _page, "/admin/login/")
            self.assertNotIn(HEADER, response)
            _request, response = _through(CSPMiddleware, _page, "/hjem/")
            self.assertEqual(response[HEADER], "default-src 'self'")
