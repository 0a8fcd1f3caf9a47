"""Who may see and change which person or peer. Fetchers 404 and write the access log."""

from __future__ import annotations

from typing import Any

from django.db.models import BooleanField, ExpressionWrapper
from django.http import Http404

from brobygger.accounts import policy
from brobygger.accounts.models import Role
from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, Purpose
from brobygger.lib import cpr

from .models import PeerPause, PeerWorker, Person, PersonAccessRequest


def get_person_for(
    user: Any, pk: int, *, purpose: str, action: str = AccessAction.VIEW, glass: bool = False
) -> Person:
    """The person, if `user` has a current purpose to see them; else 404. Logged.

    `glass` (the read-only person page only): a person of the user's break-the-glass
    grant too; then `policy.through_glass(person)` and the look's purpose is BREAK_GLASS.
    """
    people = Person.objects.visible_to(user, glass=glass).select_related("unit")
    if glass:
        in_purpose = ExpressionWrapper(policy.person_q(user), output_field=BooleanField())
        people = people.annotate(in_purpose=in_purpose)
    person = people.filter(pk=pk).first()
    if person is None:
        raise Http404
    if policy.through_glass(person):
        purpose = policy.purpose_for(user, glass=True)
    shown(user=user, action=action, purpose=purpose, person_id=person.pk, obj=person)
    return person


def get_person_to_reveal_for(user: Any, pk: int, *, purpose: str) -> Person:
    """The person whose full CPR number `user` asks for: 404 before anything is read or
    logged when the role may not see full numbers (policy.PERSON_FIELDS)."""
    if not policy.may_reveal_cpr(user):
        raise Http404
    return get_person_for(user, pk, purpose=purpose)


def can_edit_person(user: Any, person: Person) -> bool:
    """Coordinators, within their purpose: a person opened by breaking the glass is read only."""
    return getattr(user, "role", None) == Role.COORDINATOR and not policy.through_glass(person)


def may_see_address(user: Any, person: Person) -> bool:
    """Whether the address may reach the user, in a page or a prefilled form (policy.py)."""
    return policy.may_see_address(user, person)


def can_register_person(user: Any) -> bool:
    return getattr(user, "role", None) == Role.COORDINATOR


def get_peer_for(user: Any, pk: int) -> PeerWorker:
    peer = (
        PeerWorker.objects.visible_to(user)
        .select_related("user")
        .prefetch_related("experience_tags", "units")
        .filter(pk=pk)
        .first()
    )
    if peer is None:
        raise Http404
    return peer


def can_edit_peer(user: Any) -> bool:
    return getattr(user, "role", None) == Role.COORDINATOR


def reveal_cpr(user: Any, person: Person, *, purpose: str) -> str:
    """The full CPR number, shown only on request and only to a role whose work needs it
    (policy.PERSON_FIELDS: coordinators); the look itself is logged. Others: 404."""
    if not person.cpr or not policy.may_reveal_cpr(user):
        raise Http404
    shown(user=user, action=AccessAction.REVEAL, purpose=purpose, person_id=person.pk, obj=person)
    return cpr.formatted(person.cpr)


def get_managed_peer_for(user: Any, pk: int) -> PeerWorker:
    """A peer whose pauses and departure `user` may manage; else 404.

    Coordinators: peers of their units. Peers: themselves only (PeerWorker.visible_to).
    """
    if not (policy.is_coordinator(user) or policy.is_peer(user)):
        raise Http404
    peer = PeerWorker.objects.visible_to(user).select_related("user").filter(pk=pk).first()
    if peer is None:
        raise Http404
    return peer


def get_pause_for(user: Any, peer: PeerWorker, pk: int) -> PeerPause:
    pause = PeerPause.objects.filter(peer=peer, pk=pk).first()
    if pause is None:
        raise Http404
    return pause


def can_manage_peer(user: Any, peer: PeerWorker) -> bool:
    """Coordinators manage the pauses and departure of the peers of their units."""
    if not policy.is_coordinator(user):
        return False
    return PeerWorker.objects.visible_to(user).filter(pk=peer.pk).exists()


def open_access_requests_for(user: Any) -> list[PersonAccessRequest]:
    """Open requests for access to persons of `user`'s units; the list's names are logged
    as one search, like the person list."""
    requests = list(
        PersonAccessRequest.objects.for_coordinator(user)
        .open()
        .select_related("person", "requested_by")
        .prefetch_related("requested_by__units")
    )
    shown(
        user=user,
        action=AccessAction.SEARCH,
        purpose=Purpose.COORDINATION,
        criterion="open access requests",
        person_ids=[r.person_id for r in requests],
    )
    return requests


def get_access_request_for(user: Any, pk: int) -> PersonAccessRequest:
    request = PersonAccessRequest.objects.for_coordinator(user).filter(pk=pk).first()
    if request is None:
        raise Http404
    shown(
        user=user,
        action=AccessAction.CHANGE,
        purpose=Purpose.COORDINATION,
        person_id=request.person_id,
        obj=request,
    )
    return request
