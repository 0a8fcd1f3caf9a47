"""Where a form may send the user back to: one rule for every `back` and `next` value.

A posted or linked return address is user input. It is followed only when it is a path
on this site ("/personer/?side=2"); anything else (another host, "//host", a scheme,
a backslash, a bare word that `redirect()` would take for a view name) gives the default.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def same_site_path(value: object, *, within: str = "/") -> str | None:
    """`value` if it is a path on this site starting with `within`, else None."""
    if not isinstance(value, str) or not value.startswith(within):
        return None
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return None
    if any(ord(c) < 32 for c in value):
        return None
    if not url_has_allowed_host_and_scheme(value, allowed_hosts=None):
        return None
    return value


def back_to(request: HttpRequest, default: str, *, field: str = "back", within: str = "/") -> str:
    """The posted (or linked) return address in `field` when it is safe, else `default`.

    `default` may be a path or a URL name; the answer is always a path, so it can be given
    to `redirect()` or `HttpResponseRedirect` without being taken for a view name.
    """
    for source in (request.POST, request.GET):
        target = same_site_path(source.get(field), within=within)
        if target is not None:
            return target
    return resolve_url(default) if default else ""
