"""Who may answer which proposed match."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from brobygger.audit.looks import shown
from brobygger.audit.models import AccessAction, Purpose
from brobygger.referrals.models import Referral, ReferralStatus


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
