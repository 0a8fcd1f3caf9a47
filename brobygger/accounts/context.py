"""Navigation for the signed-in user's role."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .access import TwoFactorState
from .models import Role


def navigation(request: HttpRequest) -> dict[str, Any]:
    """The menu of the user's role and the links every page's frame shows (base.html)."""
    key = (get_language(), get_script_prefix(), get_urlconf())
    links = site_links(*key[1:])
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": [], "site_links": links}
    if getattr(request, "two_factor_state", None) == TwoFactorState.CODE_NEEDED:
        # Before the code step nothing but the code page and logout is open: no menu.
        return {"nav_items": [], "code_step_pending": True, "site_links": links}
    items = menu(getattr(user, "role", None), *key)
    current = request.path
    return {
        "nav_items": [
            {"url": url, "label": label, "current": url == current} for url, label in items
        ],
        "site_links": links,
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
