"""The one access policy: who may see a person's data, which fields, and why.

Sundhedsloven § 42a: a look-up needs a current purpose. The rule is written here once,
as Q objects over a path, and every model that holds or names a person composes it in
its `visible_to` (Person, Referral, Course, Appointment, Administration, Admission,
RelativeLink, PeerWorker, ...). Pages, lists, searches, printouts, calendars and e-mails
reach records through those methods (or the access.py fetchers built on them), so no
view or selector filters by role itself.

Who sees what, and why (the purpose):

- coordinator: the persons, referrals, courses and peers of their own units, and the
  persons and referrals with no unit yet (self-referrals before triage). Purpose: unit
  (coordination).
- peer worker, relative peer: the persons of their own courses while the course is
  active, and for `PEER_READ_AFTER_END_DAYS` days (default 14) after it ended, to finish
  the closing work (the last note, the end questionnaire); after that nothing, 404 on
  every page of the course. Also the matches proposed to them (referral) and the groups
  they run (group). Purpose: caseload (support).
- referring clinician: the referrals they made and those persons. Purpose: referral.
- evaluator: no names; aggregates and pseudonymised exports. Purpose: evaluation.
- administrator: no persons; users, units, settings and the access log. Administrators
  review the break-the-glass accesses (reason, who, the person as a reference only).

Break the glass (Nødadgang, `brobygger/breakglass`): outside a purpose above, a
coordinator (a person of another unit) or a peer worker / relative peer (a person not in
their caseload, e.g. covering for a colleague on the ward) may open one person by an exact
identifier (the full CPR number or the reference P-<id>) after stating a reason. That
grants read access to the person and their courses for `BREAK_GLASS_HOURS` hours (default
12); every look during it is logged with the purpose "break_glass", and the grant waits in
the administrators' review queue. Clinicians may not: their purpose is the referral they
make (a new referral gives it). Evaluators and administrators never read persons.

A grant widens reads only, and only where a read-only page asks for it: `person_q` and
`course_q` take `glass=True` in the fetchers of the person page and the course page, and
nowhere else. Every write path (forms, services, bookings, notes) keeps the purpose scope
(`glass=False`, the default), so a grant cannot reach a write by construction, whatever a
`can_edit_*` says; those checks refuse an object opened through the glass too
(`through_glass`), so the pages do not offer what would be refused.

Writes are a separate question (each app's `can_edit_*`): what an ended course refuses
(course fields, the guide, booking) stays refused during the read period.

The field policy (`person_fields`) says which of a person's fields each role's work
needs: a peer never sees a full CPR number; the full number is shown to coordinators
only, on request, and the look is logged; a protected address is never shown on a page
and prefilled in a form only for a coordinator of the person's own unit.

This module imports no other app, so every app can use it: models are reached by their
relations' names (or `apps.get_model` inside functions).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from .models import PEER_ROLES, Role

# A Q that matches nothing; Django answers it without asking the database.
NOTHING = Q(pk__in=[])


def role_of(user: Any) -> str | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return getattr(user, "role", None)


def is_coordinator(user: Any) -> bool:
    return role_of(user) == Role.COORDINATOR


def is_peer(user: Any) -> bool:
    return role_of(user) in PEER_ROLES


def purpose_for(user: Any, *, glass: bool = False) -> str:
    """Why this user looks at a person (the access log's purpose code). `glass`: the look
    is possible only through a break-the-glass grant (see `through_glass`)."""
    from brobygger.audit.models import Purpose

    if glass:
        return Purpose.BREAK_GLASS
    role = role_of(user)
    if role == Role.COORDINATOR:
        return Purpose.COORDINATION
    if role == Role.CLINICIAN:
        return Purpose.REFERRAL
    if role == Role.EVALUATOR:
        return Purpose.EVALUATION
    return Purpose.SUPPORT


# -- break the glass ---------------------------------------------------------------------

GLASS_ROLES = frozenset({Role.COORDINATOR, *PEER_ROLES})


def may_break_glass(user: Any) -> bool:
    """Coordinators and peers may open a person outside their purpose, with a reason."""
    return role_of(user) in GLASS_ROLES


def glass_hours() -> int:
    return max(1, int(settings.BREAK_GLASS_HOURS))


def glass_person_q(user: Any, field: str = "pk") -> Q:
    """The persons (reached through `field`) of the user's current break-the-glass grants."""
    if not may_break_glass(user):
        return NOTHING
    grant = apps.get_model("breakglass", "GlassAccess")
    granted = grant.objects.filter(user=user, expires_at__gt=timezone.now())
    return Q(**{f"{field}__in": granted.values("person_id")})


def through_glass(obj: Any) -> bool:
    """Whether a fetcher found `obj` only through a grant (its `in_purpose` annotation)."""
    return getattr(obj, "in_purpose", True) is False


# -- the rule, as Q objects ----------------------------------------------------------------


def read_after_end_days() -> int:
    return max(0, int(settings.PEER_READ_AFTER_END_DAYS))


def read_after_end_cutoff(today: datetime.date | None = None) -> datetime.date:
    """The earliest end date of a course its peer may still read."""
    today = today or timezone.localdate()
    return today - datetime.timedelta(days=read_after_end_days())


def in_peer_window(via: str = "", *, today: datetime.date | None = None) -> Q:
    """Courses (reached through `via`) active, or ended within the peer's read period."""
    return Q(**{f"{via}ended_on__isnull": True}) | Q(
        **{f"{via}ended_on__gte": read_after_end_cutoff(today)}
    )


def unit_q(user: Any, field: str = "unit") -> Q:
    """A coordinator's units, and what has no unit yet; nothing for other roles."""
    if not is_coordinator(user):
        return NOTHING
    return Q(**{f"{field}__in": user.units.all()}) | Q(**{f"{field}__isnull": True})


def course_q(user: Any, via: str = "", *, glass: bool = False) -> Q:
    """Which courses (reached through `via`, e.g. "course__") the user may see; `glass`
    adds the courses of the persons of the user's grants (read-only pages only)."""
    if glass:
        return course_q(user, via) | glass_person_q(user, f"{via}person")
    role = role_of(user)
    if role == Role.COORDINATOR:
        return unit_q(user, f"{via}unit")
    if role in PEER_ROLES:
        return Q(**{f"{via}peer__user": user}) & in_peer_window(via)
    return NOTHING


def person_q(user: Any, *, glass: bool = False) -> Q:
    """Which persons the user may see (Person itself); `glass` adds the persons of the
    user's break-the-glass grants (read-only pages only)."""
    if glass:
        return person_q(user) | glass_person_q(user)
    role = role_of(user)
    if role == Role.COORDINATOR:
        return unit_q(user, "unit")
    if role in PEER_ROLES:
        course = apps.get_model("referrals", "Course")
        return Q(pk__in=course.objects.filter(course_q(user)).values("person_id"))
    if role == Role.CLINICIAN:
        referral = apps.get_model("referrals", "Referral")
        return Q(pk__in=referral.objects.filter(referred_by=user).values("person_id"))
    return NOTHING


def referral_q(user: Any, via: str = "") -> Q:
    """Coordinators: their units' referrals; clinicians: their own; peers: a match
    proposed to them, while it waits for their answer."""
    role = role_of(user)
    if role == Role.COORDINATOR:
        return unit_q(user, f"{via}unit")
    if role == Role.CLINICIAN:
        return Q(**{f"{via}referred_by": user})
    if role in PEER_ROLES:
        return Q(**{f"{via}peer__user": user, f"{via}status": "matched"})
    return NOTHING


def peer_worker_q(user: Any) -> Q:
    """Peer workers (staff): a coordinator the peers of their own units; a peer
    themselves; an administrator all (accounts and roles)."""
    role = role_of(user)
    if role == Role.COORDINATOR:
        return Q(pk__in=user.units.filter(peers__isnull=False).values("peers"))
    if role == Role.ADMINISTRATOR:
        return Q()
    if role in PEER_ROLES:
        return Q(user=user)
    return NOTHING


def relative_link_q(user: Any) -> Q:
    """Which links between a patient and a relative the user may see on either's page.

    Confidentiality holds towards relatives (Sundhedsloven §§ 40, 43): a link is shown
    where the patient's current consent to share names that relative. A coordinator, who
    records links and consents, also sees the links between two persons they may both see.
    Clinicians' work needs no relatives.
    """
    if "relatives" not in person_fields(user):
        return NOTHING
    consent = apps.get_model("people", "Consent")
    consented = Exists(
        consent.objects.current().filter(
            kind="share_relatives", person=OuterRef("patient"), recipient=OuterRef("relative")
        )
    )
    if is_coordinator(user):
        person = apps.get_model("people", "Person")
        visible = person.objects.filter(person_q(user)).values("pk")
        return Q(consented) | Q(patient__in=visible, relative__in=visible)
    return Q(consented)


# -- the field policy ------------------------------------------------------------------------

# What each role's work needs of a person beyond the name and kind. "cpr_full" is the
# right to ask for the full number (the look is logged); "address" is the postal address
# of a person without a protected address; "contact" the preferred channel and times.
PERSON_FIELDS: dict[str, frozenset[str]] = {
    Role.COORDINATOR: frozenset(
        {
            "cpr_masked",
            "cpr_full",
            "birth_date",
            "gender",
            "language",
            "phone",
            "email",
            "address",
            "contact",
            "consents",
            "relatives",
        }
    ),
    # Conversations on the ward, at the clinic or by phone: reaching the person, not
    # their address or identity number (DOMAIN.md §5: masked unless asked for).
    Role.PEER_WORKER: frozenset(
        {"cpr_masked", "birth_date", "gender", "language", "phone", "email", "contact", "relatives"}
    ),
    Role.RELATIVE_PEER: frozenset(
        {"cpr_masked", "birth_date", "gender", "language", "phone", "email", "contact", "relatives"}
    ),
    # The referral and its status: who the patient is, not how to reach them.
    Role.CLINICIAN: frozenset({"cpr_masked", "birth_date", "gender", "language"}),
}


def person_fields(user: Any) -> frozenset[str]:
    """The person fields this user's role may see (on a person they may see at all)."""
    return PERSON_FIELDS.get(role_of(user) or "", frozenset())


def may_reveal_cpr(user: Any) -> bool:
    return "cpr_full" in person_fields(user)


def may_see_address(user: Any, person: Any) -> bool:
    """Whether the person's address may reach this user (a page, or a prefilled form).

    Navne- og adressebeskyttelse: a protected address only inside the coordinator's own
    unit (and pages show it to nobody: see Person.address_lines).
    """
    if "address" not in person_fields(user):
        return False
    if not person.protected_address:
        return True
    if person.unit_id is None:
        return False
    return bool(user.units.filter(pk=person.unit_id).exists())
