"""The frame every page shares (templates/base.html), rendered once per kind of page.

A part of the frame (templates/frame/) is the same for every request of a language and a
kind of page: signed in or not, at the code step or not. So it is rendered once per
process for each such key, with a marker where each of this request's own values goes
(its CSRF token, the unread count, the path the language form returns to, the user's
name and role, the role's menu), and split at the markers. On each request only those
values are put in, escaped and localised by the template engine's own
`render_value_in_context`, as `{{ value }}` would be (issue 19: node by node, the frame
was about a quarter of the smallest signed-in page's time).

Whether each value is empty is part of the key, so a part may test a value
(`{% if unread_notifications %}`) as any template does. A part may only print its values
and test them, nothing else: no filter, no comparison. tests/test_frame.py renders every
part both ways, for each kind of page and for values that need escaping, and compares.
Under DEBUG a part is rendered anew on every request, so an edited template shows at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django import template
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import render_value_in_context
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from brobygger.accounts.context import frame_assets, frame_text, language_buttons, site_links

register = template.Library()

# This request's own values in the frame's parts, by the name a part prints them with.
VALUES = (
    "csrf_token",
    "unread_notifications",
    "next_path",
    "display_name",
    "role_label",
    "nav_menu",
)
_MARK = "\x00frame-value:{}\x00"
_MARKS = re.compile("\x00frame-value:([a-z_]+)\x00")
# Where a page's values are kept while its template renders (one render, three parts).
_RENDER_KEY = "brobygger.frame.values"


@dataclass(frozen=True)
class Skeleton:
    """A part rendered with markers: its texts, and between each two the name of the value
    that goes there."""

    texts: tuple[str, ...]
    names: tuple[str, ...]

    def fill(self, values: dict[str, Any], context: template.Context) -> SafeString:
        parts = [self.texts[0]]
        for name, text in zip(self.names, self.texts[1:], strict=True):
            parts.append(render_value_in_context(values[name], context))
            parts.append(text)
        return mark_safe("".join(parts))  # noqa: S308  (texts rendered by the engine; values escaped)


def render_part(
    template_name: str,
    language: str,
    script_prefix: str,
    urlconf: str | None,
    static_url: str | None,
    storage: str,
    signed_in: bool,
    code_step_pending: bool,
    present: frozenset[str],
) -> Skeleton:
    """The part rendered for its key, each value in `present` as a marker, the others
    empty."""
    with translation.override(language):
        context = {
            "frame_text": frame_text(language),
            "site_links": site_links(script_prefix, urlconf),
            "frame_assets": frame_assets(static_url, storage),
            "language_buttons": language_buttons(language),
            "signed_in": signed_in,
            "code_step_pending": code_step_pending,
            **{name: (_MARK.format(name) if name in present else "") for name in VALUES},
        }
        rendered = get_template(template_name).render(context)
    pieces = _MARKS.split(rendered)
    if any("\x00" in text for text in pieces[0::2]):
        # A marker the part changed (a filter on a value): the value would be lost.
        raise ImproperlyConfigured(f"{template_name} may only print or test its values")
    return Skeleton(texts=tuple(pieces[0::2]), names=tuple(pieces[1::2]))


skeleton = lru_cache(maxsize=512)(render_part)


@receiver(setting_changed)
def _settings_changed(**kwargs: object) -> None:
    skeleton.cache_clear()


def page_values(context: template.Context) -> tuple[dict[str, Any], tuple[Any, ...]]:
    """This request's values in the frame and the key of its kind of page, read from the
    page's context once per render (the frame has three parts)."""
    kept: tuple[dict[str, Any], tuple[Any, ...]] | None = context.render_context.get(_RENDER_KEY)
    if kept is not None:
        return kept
    request = context.get("request")
    user: Any = context.get("user")
    signed_in = bool(user is not None and user.is_authenticated)
    values = {
        "csrf_token": context.get("csrf_token") or "",
        "unread_notifications": context.get("unread_notifications") or "",
        "next_path": request.get_full_path() if request is not None else "",
        "display_name": user.display_name if signed_in else "",
        "role_label": user.role_label if signed_in else "",
        "nav_menu": context.get("nav_menu") or "",
    }
    key = (
        translation.get_language(),
        get_script_prefix(),
        get_urlconf(),
        settings.STATIC_URL,
        settings.STORAGES["staticfiles"]["BACKEND"],
        signed_in,
        bool(context.get("code_step_pending")),
        frozenset(name for name, value in values.items() if value),
    )
    context.render_context[_RENDER_KEY] = kept = (values, key)
    return kept


@register.simple_tag(takes_context=True)
def frame(context: template.Context, template_name: str) -> SafeString:
    """`{% frame "frame/header.html" %}`: the part of the frame, with this page's values."""
    values, key = page_values(context)
    build = render_part if settings.DEBUG else skeleton
    return build(template_name, *key).fill(values, context)
