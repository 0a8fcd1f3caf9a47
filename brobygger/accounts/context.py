"""Navigation for the signed-in user's role, and the pieces of the frame every page
shares (base.html, templates/frame/).

What the frame shows is the same for every page of a role in a language: its menu, its
language buttons, its links and its asset URLs are built once per process and kept as
finished markup (issue 19: rendered node by node, the frame cost every page about a
third of the smallest page's time); the frame's parts themselves are rendered once per
kind of page (templatetags/frame.py).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import get_language, get_language_info
from django.utils.translation import gettext as _

from .access import TwoFactorState
from .models import Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu of the user's role, marked at the page it is on, and whether the session
    is at the code step: what base.html's frame needs of the page besides the user
    (templates/frame/, brobygger/accounts/templatetags/frame.py)."""
    user = request.user
    if not user.is_authenticated:
        return {"nav_menu": ""}
    if getattr(request, "two_factor_state", None) == TwoFactorState.CODE_NEEDED:
        # Before the code step nothing but the code page and logout is open: no menu.
        return {"nav_menu": "", "code_step_pending": True}
    key = (get_language(), get_script_prefix(), get_urlconf())
    role = getattr(user, "role", None)
    current = request.path if request.path in dict(menu(role, *key)) else None
    return {"nav_menu": menu_markup(role, *key, current)}


@lru_cache(maxsize=256)
def menu_markup(
    role: str | None, language: str, script_prefix: str, urlconf: str | None, current: str | None
) -> SafeString:
    """The role's menu as the list base.html shows, the item of the page at `current`
    marked as the current page; escaped as a template would."""
    items = format_html_join(
        "",
        '<li><a href="{}"{}>{}</a></li>',
        (
            (url, mark_safe(' aria-current="page"') if url == current else "", label)
            for url, label in menu(role, language, script_prefix, urlconf)
        ),
    )
    return format_html("<ul>{}</ul>", items)


@lru_cache(maxsize=16)
def language_buttons(language: str) -> SafeString:
    """The buttons of the header's language form: one for each language but the page's,
    named in its own language."""
    return format_html_join(
        "",
        '<button type="submit" name="language" value="{0}" lang="{0}" class="link-button">'
        "{1}</button>",
        (
            (code, capfirst(get_language_info(code)["name_local"]))
            for code, _name in settings.LANGUAGES
            if code != language
        ),
    )


@lru_cache(maxsize=16)
def frame_text(language: str) -> dict[str, SafeString]:
    """The frame's words in `language`, translated and escaped once per process (a
    `{% translate %}` in the template cost 7 µs a page, ten of them a tenth of the
    smallest page's own time)."""
    return {
        "skip": escape(_("Skip to content")),
        "notifications": escape(_("Notifications")),
        "unread": escape(_("unread")),
        "menu": escape(_("Menu")),
        "two_factor": escape(_("Two-factor login")),
        "sign_out": escape(_("Sign out")),
        "main_menu": escape(_("Main menu")),
        "about": escape(_("About peer support")),
        "privacy": escape(_("How we handle your data")),
        "staff_sign_in": escape(_("Staff sign-in")),
    }


@lru_cache(maxsize=8)
def frame_assets(static_url: str, storage: str) -> dict[str, str]:
    """The URLs of the style sheet and scripts every page loads, looked up in the static
    files' manifest once per process (per static URL and storage backend: tests change
    them)."""
    return {
        "css": static("css/app.css"),
        "htmx": static("vendor/htmx-2.0.11.min.js"),
        "js": static("js/app.js"),
    }


@lru_cache(maxsize=16)
def site_links(script_prefix: str, urlconf: str | None) -> dict[str, str]:
    """The frame's links (header and footer of base.html), reversed once per process."""
    names = {
        "home": "desk:home",
        "public_home": "public:home",
        "privacy": "public:privacy",
        "accessibility": "public:accessibility",
        "inbox": "notifications:inbox",
        "set_language": "accounts:set_language",
        "login": "accounts:login",
        "logout": "accounts:logout",
        "two_factor": "accounts:two_factor",
    }
    return {key: reverse(name) for key, name in names.items()}


@lru_cache(maxsize=64)
def menu(
    role: str | None, language: str, script_prefix: str, urlconf: str | None
) -> tuple[tuple[str, str], ...]:
    """The menu of a role in a language: the same on every page, so built once per process
    (every `reverse()` and translation of it cost each request, issue 19). The language,
    the script prefix and the URLconf are the key: the labels and the URLs depend on them."""
    items: list[tuple[str, str]] = [(reverse("desk:home"), _("Home"))]
    if role == Role.COORDINATOR:
        items += [
            (reverse("referrals:queue"), _("Referrals")),
            (reverse("concerns:list"), _("Concerns")),
            (reverse("people:person_list"), _("Persons")),
            (reverse("workforce:overview"), _("Workforce")),
            (reverse("groups:group_list"), _("Recovery groups")),
            (reverse("outcomes:due"), _("Questionnaires")),
            (reverse("scheduling:planning"), _("Planning")),
            (reverse("recruitment:posting_list"), _("Recruitment")),
            (reverse("timesheets:overview"), _("Timesheets")),
            (reverse("reports:dashboard"), _("Reports")),
        ]
    elif role in (Role.PEER_WORKER, Role.RELATIVE_PEER):
        items += [
            (reverse("scheduling:my_week"), _("My week")),
            (reverse("scheduling:my_availability"), _("My times")),
            (reverse("timesheets:my_month"), _("My hours")),
            (reverse("groups:group_list"), _("Recovery groups")),
            (reverse("outcomes:due"), _("Questionnaires")),
        ]
    elif role == Role.CLINICIAN:
        items += [(reverse("referrals:referral_create"), _("New referral"))]
    elif role == Role.EVALUATOR:
        items += [
            (reverse("reports:dashboard"), _("Reports")),
            (reverse("research:export_list"), _("Research export")),
        ]
    elif role == Role.ADMINISTRATOR:
        items += [
            (reverse("audit:access_report_search"), _("Who looked at a person")),
            (reverse("breakglass:queue"), _("Break-the-glass review")),
            (reverse("rights:search"), _("Access and erasure requests")),
            (reverse("people:peer_list"), _("Peer workers")),
            (reverse("onboarding:setup_links"), _("Two-factor setup links")),
            (reverse("admin:index"), _("Users and units")),
            (reverse("concerns:contacts"), _("Crisis numbers")),
            (reverse("jobs:overview"), _("Scheduled jobs")),
            (reverse("sso_mappings"), _("Single sign-on groups")),
        ]
    return tuple(items)
