"""The Content-Security-Policy headers, built once per process (issue 19).

django-csp builds the policy string from the settings on every response, twice (the
policy and the report-only policy): about 50 µs of the smallest signed-in page, a tenth
of its own time. Brobygger's policy is the same on every page: no view changes it and no
page uses a nonce. So the headers are built once, by django-csp's own `build_policy`, and
kept until a test changes the settings. A response that does carry its own policy (a
view decorated with `csp_update`, `csp_replace`, `csp` or `csp_exempt`), a request that
asked for a nonce, and every response under DEBUG (django-csp leaves its debug pages
without a policy) go through django-csp as before.
"""

from __future__ import annotations

from functools import lru_cache

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.middleware import CSPMiddleware as DjangoCSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import HttpRequest
from django.http.response import HttpResponseBase

# What a view's decorator leaves on its response (csp.decorators): that response's own
# policy, built by django-csp on its own.
PER_RESPONSE = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_exempt",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
    "_csp_exempt_ro",
)
POLICY_SETTINGS = ("CONTENT_SECURITY_POLICY", "CONTENT_SECURITY_POLICY_REPORT_ONLY")


@lru_cache(maxsize=1)
def fixed_headers() -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(header, policy, excluded path prefixes) for the policy and the report-only policy
    the settings give, leaving out an empty one, as django-csp would send them."""
    headers = []
    for header, setting, report_only in (
        (HEADER, "CONTENT_SECURITY_POLICY", False),
        (HEADER_REPORT_ONLY, "CONTENT_SECURITY_POLICY_REPORT_ONLY", True),
    ):
        policy = build_policy(report_only=report_only)
        if policy:
            config = getattr(settings, setting, None) or {}
            prefixes = tuple(config.get("EXCLUDE_URL_PREFIXES", None) or ())
            headers.append((header, policy, prefixes))
    return tuple(headers)


@receiver(setting_changed)
def _policy_changed(*, setting: str, **kwargs: object) -> None:
    if setting in POLICY_SETTINGS:
        fixed_headers.cache_clear()


class CSPMiddleware(DjangoCSPMiddleware):
    """django-csp's middleware, with the policy every page shares built once."""

    def process_response(
        self, request: HttpRequest, response: HttpResponseBase
    ) -> HttpResponseBase:
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in PER_RESPONSE)
            or settings.DEBUG
        ):
            return super().process_response(request, response)
        for header, policy, prefixes in fixed_headers():
            if header not in response and not request.path_info.startswith(prefixes):
                response[header] = policy
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)  # type: ignore[attr-defined]
        return response
