"""The crawler's map: every URL pattern of the project, with the ids to try in its kwargs.

Built from `django.urls.get_resolver()`, walked through every include, so a new URL is
crawled without editing the test. A kwarg's values come from its name (`person_pk` is a
person); a bare `pk` is an object of the model the path names just before it
(`forloeb/<pk>` is a course), or, for a path this table does not know, of any model of
the URL's app (namespace -> app config -> models). A kwarg nobody can fill fails the test.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.apps import AppConfig, apps
from django.conf import settings
from django.db import models
from django.urls import URLPattern, URLResolver, get_resolver

from brobygger.testing import TODAY

from .crawler_fixture import Samples

# Django's admin site is skipped: its pages are the framework's, reached by superusers
# only (no role of the cast has is_staff), and they read no person through access.py.
SKIPPED_PREFIXES = ("admin/",)

# kwarg name -> model (app label, model name).
KWARG_MODELS = {
    "person_pk": ("people", "Person"),
    "course_pk": ("referrals", "Course"),
    "pause_pk": ("people", "PeerPause"),
}

# The literal path just before `<pk>` -> the model that pk is (longest match wins).
SEGMENT_MODELS = {
    "adgangslog/person": ("people", "Person"),
    "administration/to-faktor": ("accounts", "User"),
    "bekymringer": ("concerns", "Concern"),
    "forloeb": ("referrals", "Course"),
    "forskning/eksport": ("research", "ResearchExport"),
    "forslag": ("referrals", "Referral"),
    "grupper": ("groups", "RecoveryGroup"),
    "grupper/sessioner": ("groups", "GroupSession"),
    "henvisninger": ("referrals", "Referral"),
    "indlaeggelser": ("admissions", "Admission"),
    "job": ("recruitment", "JobPosting"),
    "kalender/samtale": ("scheduling", "Appointment"),
    "konto/spaerrede": ("accounts", "User"),
    "medarbejdere": ("people", "PeerWorker"),
    "medarbejdere/uddannelse": ("workforce", "EducationRecord"),
    "mine-timer/indirekte": ("timesheets", "IndirectEntry"),
    "onboarding/peer": ("people", "PeerWorker"),
    "onboarding/punkt": ("onboarding", "OnboardingItem"),
    "peers": ("people", "PeerWorker"),
    "personer": ("people", "Person"),
    "personer/adgangsanmodninger": ("people", "PersonAccessRequest"),
    "peer": ("people", "PeerWorker"),
    "rekruttering/ansoegninger": ("recruitment", "Application"),
    "rekruttering/opslag": ("recruitment", "JobPosting"),
    "rekruttering/samtaler": ("recruitment", "Interview"),
    "rettigheder/person": ("people", "Person"),
    "fhir/person": ("people", "Person"),
    "api/referrals": ("referrals", "Referral"),
    "api/courses": ("referrals", "Course"),
    "api/appointments": ("scheduling", "Appointment"),
    "samtykke": ("people", "Consent"),
    "skemaer": ("outcomes", "Administration"),
    "supervision": ("workforce", "SupervisionGroup"),
    "supervision/sessioner": ("workforce", "SupervisionSession"),
    "tid/undtagelse": ("scheduling", "AvailabilityException"),
    "udskrivningsguide/emner": ("conversations", "Topic"),
}

# Values of kwargs that are no ids.
LAST_MONTH = TODAY.replace(day=1) - datetime.timedelta(days=1)
MONTHS = [(TODAY.year, TODAY.month), (LAST_MONTH.year, LAST_MONTH.month)]
FORMATS = ["csv", "xlsx"]
UNKNOWN_TOKEN = "ukendt-token-0000"
MISSING_ID = 987654


@dataclass(frozen=True)
class Route:
    name: str  # "people:person_detail"
    route: str  # "personer/<int:pk>/", as the resolver spells it
    kwargs: tuple[str, ...]
    app: AppConfig | None


def routes() -> list[Route]:
    """Every URL pattern of the project, but the skipped prefixes."""
    found = list(_walk(get_resolver(), "", []))
    return sorted(found, key=lambda r: r.name)


def _walk(resolver: URLResolver, prefix: str, namespaces: list[str]) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        text = prefix + str(entry.pattern)
        if _skipped(text):
            continue
        if isinstance(entry, URLResolver):
            spaces = [*namespaces, entry.namespace] if entry.namespace else namespaces
            yield from _walk(entry, text, spaces)
        elif isinstance(entry, URLPattern):
            if not entry.name:
                raise AssertionError(f"The URL pattern {text!r} has no name to reverse it by.")
            module = getattr(entry.callback, "__module__", "")
            yield Route(
                name=":".join([*namespaces, entry.name]),
                route=text,
                kwargs=tuple(entry.pattern.regex.groupindex),
                app=apps.get_containing_app_config(module),
            )


def _skipped(text: str) -> bool:
    served = [settings.STATIC_URL or "", getattr(settings, "MEDIA_URL", "") or ""]
    files = tuple(url.lstrip("/") for url in served if url.strip("/"))
    return text.startswith(SKIPPED_PREFIXES) or bool(files and text.startswith(files))


# Per role and model, at most this many ids of persons in the role's scope, and as many
# outside it: enough to see both sides of the line, few enough to keep the crawl short.
PER_SIDE = 3


def _model(key: tuple[str, str]) -> type[models.Model]:
    return apps.get_model(*key)


def _ids(model: type[models.Model], samples: Samples) -> list[Any]:
    ids = samples.of(model)
    if ids:
        return ids
    # Rows the migrations ship (the discharge guide's topics): the first and the last.
    rows = model._default_manager.order_by("pk").values_list("pk", flat=True)
    return sorted({pk for pk in (rows.first(), rows.last()) if pk is not None})


def person_path(model: type[models.Model], depth: int = 2) -> str | None:
    """The lookup from `model` to the person its rows concern ("course__person"), if any."""
    person = apps.get_model("people", "Person")
    if model is person:
        return "pk"
    fields = [
        field
        for field in model._meta.get_fields()
        if (field.many_to_one or field.one_to_one) and field.concrete and field.related_model
    ]
    for field in fields:
        if field.related_model is person:
            return field.name
    if depth > 1:
        for field in fields:
            inner = person_path(field.related_model, depth - 1)  # type: ignore[arg-type]
            if inner and inner != "pk":
                return f"{field.name}__{inner}"
    return None


def by_scope(model: type[models.Model], ids: list[Any], user: Any, allowed: set[int]) -> list[Any]:
    """Up to PER_SIDE ids of rows the user may see, and as many they may not: by the
    model's own `visible_to` if it has one, else by the person the row concerns."""
    manager: Any = model._default_manager
    if user is not None and hasattr(manager.all(), "visible_to"):
        seen = set(manager.visible_to(user).filter(pk__in=ids).values_list("pk", flat=True))
        inside = [pk for pk in ids if pk in seen]
    elif (path := person_path(model)) is not None:
        persons = dict(manager.filter(pk__in=ids).values_list("pk", path))
        inside = [pk for pk in ids if persons.get(pk) in allowed]
    else:
        return ids[:PER_SIDE]
    outside = [pk for pk in ids if pk not in inside]
    return inside[:PER_SIDE] + outside[:PER_SIDE]


def pk_model(route: Route) -> list[type[models.Model]]:
    """The models a bare `pk` of this route may be."""
    before = re.sub(r"<[^>]+>/", "", route.route.split("<int:pk>")[0]).strip("/")
    parts = before.split("/")
    for n in range(len(parts)):
        key = "/".join(parts[n:])
        if key in SEGMENT_MODELS:
            return [_model(SEGMENT_MODELS[key])]
    if route.app is None:
        return []
    return list(route.app.get_models())


def values(route: Route, kwarg: str, samples: Samples, user: Any, allowed: set[int]) -> list[Any]:
    """The values to try for one kwarg of a route, for a role that may see `allowed`."""
    if kwarg == "pk":
        found: list[Any] = []
        for model in pk_model(route):
            chosen = by_scope(model, _ids(model, samples), user, allowed)
            found.extend(pk for pk in chosen if pk not in found)
        return found
    if kwarg in KWARG_MODELS:
        model = _model(KWARG_MODELS[kwarg])
        return by_scope(model, _ids(model, samples), user, allowed)
    if kwarg == "token":
        label = route.app.label if route.app else ""
        return [*samples.tokens.get(label, []), UNKNOWN_TOKEN]
    if kwarg == "fmt":
        return FORMATS
    return []


def kwarg_sets(
    route: Route, samples: Samples, *, user: Any, allowed: set[int], full: bool, missing: bool
) -> list[dict[str, Any]]:
    """The kwargs to GET the route with: each kwarg's values in turn, the others at their
    first value (not every combination, to keep the crawl bounded), and with `missing` an
    id that does not exist. Without `full`, only the first values."""
    options: dict[str, list[dict[str, Any]]] = {}
    for name in route.kwargs:
        if name in ("year", "month"):
            options["month"] = [{"year": year, "month": month} for year, month in MONTHS]
            continue
        found = values(route, name, samples, user, allowed)
        if not found:
            raise AssertionError(f"The crawler has no values for {name!r} in {route.route!r}.")
        if missing and (name == "pk" or name in KWARG_MODELS):
            found = [*found, MISSING_ID]
        options[name] = [{name: value} for value in found]
    first: dict[str, Any] = {}
    for choices in options.values():
        first |= choices[0]
    sets = [first]
    if full:
        for choices in options.values():
            for choice in choices[1:]:
                sets.append(first | choice)
    return sets
