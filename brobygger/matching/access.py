"""Who may answer which proposed match; the pages of proposals, logged with every person."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, Purpose
from brobygger.people.models import PeerWorker
from brobygger.referrals.models import Referral, ReferralStatus

from . import selectors


def get_proposal_for(user: Any, pk: int) -> Referral:
    """A match proposed to this peer; anything else is 404."""
    referral = (
        Referral.objects.visible_to(user)
        .filter(pk=pk, status=ReferralStatus.MATCHED, peer__user=user)
        .select_related("person", "unit", "peer")
        .first()
    )
    if referral is None:
        raise Http404
    shown(
        user=user,
        action=AccessAction.VIEW,
        purpose=Purpose.SUPPORT,
        person_id=referral.person_id,
        obj=referral,
    )
    return referral


def batch_proposal_for(user: Any) -> dict[str, Any]:
    """The optimal assignment of the coordinator's triaged referrals (selectors.
    batch_proposal applies the scope); every person proposed or left unplaced is logged."""
    proposal = selectors.batch_proposal(user)
    persons = [row["referral"].person_id for row in proposal["rows"]]
    persons += [row["referral"].person_id for row in proposal["unplaced"]]
    shown(
        user=user,
        action=AccessAction.SEARCH,
        purpose=Purpose.COORDINATION,
        criterion="matching:batch",
        person_ids=persons,
    )
    return proposal


def proposals_for(user: Any) -> list[Referral]:
    """The matches proposed to this peer and waiting for an answer (on their home page);
    each person is logged."""
    proposals = list(selectors.proposals_for_peer(user))
    shown(
        user=user,
        purpose=Purpose.SUPPORT,
        person_ids=[r.person_id for r in proposals],
    )
    return proposals


def handover_page_for(user: Any, peer: PeerWorker) -> dict[str, Any]:
    """The handover page of a leaving peer: the courses `user` may see and their
    conversations to be cancelled. Every person it names is logged with the look."""
    page = selectors.handover_page(peer, user)
    persons = [row["course"].person_id for row in page["rows"]]
    persons += [a.person_id for a in page["appointments"]]
    shown(
        user=user,
        action=AccessAction.SEARCH,
        purpose=Purpose.COORDINATION,
        criterion=f"people:handover:{peer.pk}",
        person_ids=persons,
        obj=peer,
    )
    return page
