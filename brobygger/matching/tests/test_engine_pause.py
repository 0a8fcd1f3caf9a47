"""A peer on pause is never proposed, however good the pair would be (pure engine)."""

import math
from dataclasses import replace

import pytest
from hypothesis import given

from brobygger.matching.engine import (
    PeerProfile,
    ReferralProfile,
    Weights,
    assign,
    explain,
    greedy,
    score_matrix,
    suggest,
)

from .engine_helpers import FAST, HPC, instance_st

# Nothing here depends on the date: `make test-clock` leaves it out (pyproject.toml).
pytestmark = pytest.mark.timeless


def _peer(pid: int, **changes: object) -> PeerProfile:
    peer = PeerProfile(
        id=pid,
        kind="patient_peer",
        experience_tags=frozenset({"psykose", "angst"}),
        languages=frozenset({"da"}),
        gender="female",
        age_band="30-44",
        unit_ids=frozenset({1}),
        free_hours=12.0,
    )
    return replace(peer, **changes)  # type: ignore[arg-type]


REFERRAL = ReferralProfile(
    id=1,
    person_kind="patient",
    wanted_tags=frozenset({"psykose", "angst"}),
    gender_wish="female",
    age_band_wish="30-44",
    unit_id=1,
    known_peer_ids=frozenset({1}),
)


def test_the_best_peer_on_pause_is_not_suggested_and_the_next_one_is():
    best = _peer(1, paused=True)  # knows the person and fits every wish
    plain = _peer(2, experience_tags=frozenset(), gender="male", unit_ids=frozenset())
    found = suggest(REFERRAL, [best, plain], Weights(), limit=5, hours_per_course=HPC)
    assert [s.peer_id for s in found] == [2]


def test_a_paused_pair_is_explained_as_blocked_with_no_points():
    suggestion = explain(REFERRAL, _peer(1, paused=True), Weights(), HPC)
    assert suggestion.blocked == ("paused",)
    assert suggestion.score == 0.0
    assert not suggestion.feasible


def test_batch_assignment_leaves_a_referral_unplaced_rather_than_use_a_paused_peer():
    result = assign([REFERRAL], [_peer(1, paused=True)], Weights(), HPC)
    assert result.pairs == {}
    assert result.unplaced == {1: "no_feasible_peer"}
    assert greedy([REFERRAL], [_peer(1, paused=True)], Weights(), HPC).pairs == {}


@FAST
@given(instance_st(refs=(1, 8), peers=(1, 8), max_slots=3))
def test_no_paused_peer_is_ever_proposed(instance):
    referrals, peers, weights = instance
    paused = {p.id for p in peers if p.paused}
    for referral in referrals:
        assert paused.isdisjoint(s.peer_id for s in suggest(referral, peers, weights, limit=50))
    assert paused.isdisjoint(assign(referrals, peers, weights, HPC).pairs.values())
    assert paused.isdisjoint(greedy(referrals, peers, weights, HPC).pairs.values())
    matrix = score_matrix(referrals, peers, weights, HPC)
    order = sorted(p.id for p in peers)
    for column, pid in enumerate(order):
        if pid in paused:
            assert all(math.isinf(v) and v < 0 for v in matrix[:, column])
