"""Demo: the peer workforce changing, through the real services.

One peer is on pause from new courses for a few weeks, one has a contract ending within
the warning period while still holding courses, and one left a few days ago: every course
was handed over with the matching engine's best plan and their account is closed.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings

from brobygger.matching import selectors as matching_selectors
from brobygger.matching import services as matching_services
from brobygger.referrals.models import Course

from . import services, workforce_services
from .models import PeerKind, PeerWorker


def _with_courses(peers: list[PeerWorker], skip: set[int]) -> list[PeerWorker]:
    """Patient peers not yet used, most active courses first (then lowest id)."""
    counts: dict[int, int] = {}
    for peer_id in Course.objects.active().values_list("peer_id", flat=True):
        counts[peer_id] = counts.get(peer_id, 0) + 1
    candidates = [
        p
        for p in peers
        if p.pk not in skip and p.kind == PeerKind.PATIENT_PEER and counts.get(p.pk, 0) > 0
    ]
    return sorted(candidates, key=lambda p: (-counts[p.pk], p.pk))


def build_demo(builder: Any) -> None:
    today = builder.today
    peers = [p for p in builder.peers[:12] if p.user.is_active]
    coordinator = builder.coordinator

    paused = peers[1]
    workforce_services.set_pause(
        actor=paused.user,
        peer=paused,
        starts_on=today,
        ends_on=today + datetime.timedelta(days=builder.rng.choice([17, 24, 31])),
        reason="Ferie",
    )
    used = {peers[0].pk, paused.pk}  # "peer" logs in for the demo: keep them as they are

    ending = _with_courses(peers, used)[0]
    days = max(settings.CONTRACT_END_WARNING_DAYS // 2, 1)
    services.update_peer_worker(
        actor=coordinator, peer=ending, contract_end=today + datetime.timedelta(days=days)
    )
    used.add(ending.pk)

    left = _with_courses(peers, used)[0]
    departure = workforce_services.plan_departure(
        actor=coordinator,
        peer=left,
        last_day=today - datetime.timedelta(days=3),
        note="Nyt job",
    )
    page = matching_selectors.handover_page(left, coordinator)
    new_peers = {}
    for row in page["rows"]:
        pick = row["optimal"] or (row["others"][0].pk if row["others"] else None)
        if pick is not None:
            new_peers[row["course"].pk] = page["peers"][pick]
    matching_services.complete_departure(
        actor=coordinator, departure=departure, new_peers=new_peers
    )
