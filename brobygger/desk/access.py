"""The one door for a home page: its reads, and one look naming every person it shows; and
the administrator's look-ups for the "who looked at this person" report, which reads the
access log (audit) by person (people): a page above both."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from brobygger.accounts import policy
from brobygger.accounts.models import PEER_ROLES, Role
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, AccessLogEntry, Purpose
from brobygger.breakglass.models import GlassAccess
from brobygger.people.models import MergedPerson, Person
from brobygger.scheduling import access as scheduling_access
from brobygger.workforce import access as workforce_access

from . import selectors
from .workforce_overview import overview


@dataclass(frozen=True)
class HomePage:
    template: str
    context: dict[str, Any]


def _persons_shown(role: str | None, context: dict[str, Any]) -> list[int]:
    """The persons whose names the role's template renders (see templates/desk/)."""
    if role == Role.COORDINATOR:
        return [r.person_id for r in context["oldest_referrals"]]
    if role in PEER_ROLES:
        rows = [*context["courses"], *context["today"], *context["this_week"]]
        return [row.person_id for row in [*rows, *context["proposals"]]]
    if role == Role.CLINICIAN:
        return [r.person_id for r in context["referrals"]]
    return []  # the evaluator's counts and the administrator's overview name nobody


def home_page_for(user: Any) -> HomePage:
    """The signed-in user's home page. The response's access-log entry names every person
    on it (Sundhedsloven § 42a: each look at a person is logged), none for the evaluator's
    and the administrator's pages, which name nobody."""
    role = policy.role_of(user)
    if role == Role.COORDINATOR:
        page = HomePage("desk/home_coordinator.html", selectors.coordinator_home(user))
    elif role in PEER_ROLES:
        page = HomePage("desk/home_peer.html", selectors.peer_home(user))
    elif role == Role.CLINICIAN:
        page = HomePage("desk/home_clinician.html", selectors.clinician_home(user))
    elif role == Role.EVALUATOR:
        page = HomePage("desk/home_evaluator.html", selectors.evaluator_home())
    else:
        page = HomePage("desk/home_admin.html", selectors.admin_home())
    shown(
        user=user,
        purpose=policy.purpose_for(user),
        person_ids=_persons_shown(role, page.context),
    )
    return page


# The "who looked at this person" report.

REPORT_LIMIT = 25


def find_persons_for_report(user: Any, text: str) -> list[Person]:
    """A person has the right to know who looked at them. The search is logged with
    every person it lists, also when it finds nobody."""
    found: list[Person] = []
    if text.strip():
        people = Person.objects.search(text).order_by("family_name", "given_name")
        found = list(people[:REPORT_LIMIT])
    shown(
        user=user,
        action=AccessAction.SEARCH,
        purpose=Purpose.ACCESS_REPORT,
        criterion=text,
        person_ids=[p.pk for p in found],
    )
    return found


def get_person_for_report(user: Any, pk: int) -> Person:
    person = Person.objects.filter(pk=pk).first()
    if person is None:
        raise Http404
    shown(
        user=user,
        action=AccessAction.VIEW,
        purpose=Purpose.ACCESS_REPORT,
        person_id=person.pk,
        obj=person,
    )
    return person


def glass_reasons_for(person: Person, entries: list[AccessLogEntry]) -> list[AccessLogEntry]:
    """Each break-the-glass entry gets `glass_reason`: the reason of the grant its user
    held on this person at that moment ("Nødadgang: Akut situation"). One query.

    This page reads the access log; the grants are breakglass's, below desk."""
    glass = [e for e in entries if e.purpose == Purpose.BREAK_GLASS and e.user_id]
    if not glass:
        return entries
    grants = list(
        GlassAccess.objects.filter(person=person, user_id__in={e.user_id for e in glass}).order_by(
            "granted_at"
        )
    )
    for entry in glass:
        held = [
            g
            for g in grants
            if g.user_id == entry.user_id and g.granted_at <= entry.at < g.expires_at
        ]
        # The entry of the request that made the grant is written after it: always held.
        entry.glass_reason = held[-1].get_reason_display() if held else ""  # type: ignore[attr-defined]
    return entries


def access_entries_for(person: Person) -> QuerySet[AccessLogEntry]:
    # After a merge the looks at the merged record are looks at this person too.
    merged = MergedPerson.objects.filter(into=person).values("merged_id")
    entries = AccessLogEntry.objects.naming(person.pk, merged=merged)
    return entries.select_related("user").order_by("-seq")


# The coordinator's workforce overview (workforce_overview.py).


def workforce_overview_for(
    user: Any,
    *,
    unit: Any = None,
    kind: str = "",
    flags_only: bool = False,
    page_number: Any = None,
) -> dict[str, Any]:
    """The coordinator's peers: names, contracts, education, supervision. One entry."""
    peers = workforce_access.peers_for(user)
    page = overview(peers, unit=unit, kind=kind, flags_only=flags_only, page_number=page_number)
    workforce_access.log_overview(user, "overview")
    return page


# The peer's own week (scheduling:my_week).


def own_week(user: Any, monday: datetime.date) -> dict[str, Any]:
    """The peer's own week. It names the persons of the conversations whose course the
    peer may still read; the others show as a time only, and are not a look at anyone."""
    peer = scheduling_access.own_peer_profile(user)
    week = selectors.peer_week(user, peer, monday)
    shown(
        user=user,
        purpose=Purpose.SUPPORT,
        person_ids=[a.person_id for day in week["days"] for a in day["appointments"] if a.shown],
    )
    return {"peer": peer, **week}
