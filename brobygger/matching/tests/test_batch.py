"""Tests of the engine's batch assignment: exact, capacity-respecting, deterministic."""

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from brobygger.matching.engine import (
    CAPACITY,
    NO_FEASIBLE_PEER,
    BatchResult,
    PeerProfile,
    ReferralProfile,
    Weights,
    assign,
    explain,
    greedy,
    prepare_peers,
    suggest,
)

from .engine_helpers import (
    FAST,
    HPC,
    brute_force_milli,
    check_batch,
    dense_optimum_milli,
    instance_st,
    milli,
    random_instance,
)

# Nothing here depends on the date: `make test-clock` leaves it out (pyproject.toml).
pytestmark = pytest.mark.timeless

# --- batch assignment -------------------------------------------------------------------------


@settings(FAST, max_examples=150)
@given(instance_st(refs=(2, 6), peers=(1, 3), max_slots=2), st.sampled_from((1, 20)))
def test_assign_equals_brute_force(
    instance: tuple[list[ReferralProfile], list[PeerProfile], Weights],
    top_k: int,
) -> None:
    referrals, peers, weights = instance
    result = assign(referrals, peers, weights, HPC, top_k=top_k)
    assert result.optimal
    check_batch(result, referrals, peers, weights)
    assert milli(result.total) == brute_force_milli(referrals, peers, weights)


@FAST
@given(instance_st(refs=(5, 25), peers=(1, 10), max_slots=3))
def test_greedy_is_valid_and_never_beats_optimal(
    instance: tuple[list[ReferralProfile], list[PeerProfile], Weights],
) -> None:
    referrals, peers, weights = instance
    best = assign(referrals, peers, weights, HPC)
    base = greedy(referrals, peers, weights, HPC)
    check_batch(best, referrals, peers, weights)
    check_batch(base, referrals, peers, weights)
    assert not base.optimal
    assert milli(base.total) <= milli(best.total)
    # With a short candidate list the certificate rounds must reach the same optimum.
    assert milli(assign(referrals, peers, weights, HPC, top_k=1).total) == milli(best.total)


@pytest.mark.parametrize(("seed", "top_k"), [(1, 20), (2, 3), (3, 1)])
def test_assign_equals_dense_solver_on_medium_instance(seed: int, top_k: int) -> None:
    referrals, peers = random_instance(seed, 300, 60)
    weights = Weights()
    result = assign(referrals, peers, weights, HPC, top_k=top_k)
    assert result.optimal
    check_batch(result, referrals, peers, weights)
    assert milli(result.total) == dense_optimum_milli(referrals, peers, weights)
    assert len(result.unplaced) > 0  # capacity binds, so the instance is not trivial


def test_greedy_with_short_candidate_lists_matches_long_ones() -> None:
    referrals, peers = random_instance(4, 200, 40)
    a = greedy(referrals, peers, Weights(), HPC, top_k=1)
    b = greedy(referrals, peers, Weights(), HPC, top_k=100)
    assert a == b


def test_results_are_deterministic() -> None:
    referrals, peers = random_instance(5, 200, 40)
    w = Weights()
    first = assign(referrals, peers, w, HPC)
    assert assign(referrals, peers, w, HPC) == first
    assert assign(referrals, list(reversed(peers)), w, HPC) == first
    assert assign(referrals, prepare_peers(peers), w, HPC) == first
    assert greedy(referrals, peers, w, HPC) == greedy(referrals, peers, w, HPC)


def test_unplaced_reasons_and_waiting_preference() -> None:
    peer = PeerProfile(
        id=1,
        kind="patient_peer",
        experience_tags=frozenset(),
        languages=frozenset({"da"}),
        gender="female",
        age_band="",
        unit_ids=frozenset(),
        free_hours=1.5,
    )  # exactly one slot
    old = ReferralProfile(id=10, person_kind="patient", wanted_tags=frozenset(), waiting_days=70)
    new = replace(old, id=5, waiting_days=3)
    relative = replace(old, id=7, person_kind="relative")
    wants_male = replace(old, id=8, gender_wish="male", gender_required=True)
    for solve in (assign, greedy):
        result = solve([new, relative, old, wants_male], [peer], Weights(), HPC)
        assert result.pairs == {10: 1}
        assert result.unplaced == {5: CAPACITY, 7: NO_FEASIBLE_PEER, 8: NO_FEASIBLE_PEER}


def test_empty_inputs() -> None:
    ref = ReferralProfile(id=1, person_kind="patient", wanted_tags=frozenset())
    for solve in (assign, greedy):
        assert solve([], [], Weights(), HPC) == BatchResult({}, {}, {}, 0.0, solve is assign)
        result = solve([ref], [], Weights(), HPC)
        assert result.unplaced == {1: NO_FEASIBLE_PEER}
        assert result.total == 0.0


def test_greedy_breaks_ties_by_peer_id() -> None:
    twin = PeerProfile(
        id=0,
        kind="patient_peer",
        experience_tags=frozenset(),
        languages=frozenset({"da"}),
        gender="",
        age_band="",
        unit_ids=frozenset(),
        free_hours=HPC,
    )
    peers = [replace(twin, id=i) for i in (17, 4, 12, 9, 30, 21, 2, 25)]
    referrals = [
        ReferralProfile(id=i, person_kind="patient", wanted_tags=frozenset(), waiting_days=100 - i)
        for i in range(1, 6)
    ]
    for top_k in (1, 3, 20):
        result = greedy(referrals, peers, Weights(), HPC, top_k=top_k)
        assert result.pairs == {1: 2, 2: 4, 3: 9, 4: 12, 5: 17}


def test_a_declined_peer_is_never_proposed_again() -> None:
    peers = [
        PeerProfile(
            id=1,
            kind="patient_peer",
            experience_tags=frozenset({"psykose"}),
            languages=frozenset({"da"}),
            gender="",
            age_band="",
            unit_ids=frozenset(),
            free_hours=10.0,
        ),
        PeerProfile(
            id=2,
            kind="patient_peer",
            experience_tags=frozenset(),
            languages=frozenset({"da"}),
            gender="",
            age_band="",
            unit_ids=frozenset(),
            free_hours=10.0,
        ),
    ]
    referral = ReferralProfile(
        id=7,
        person_kind="patient",
        wanted_tags=frozenset({"psykose"}),
        excluded_peer_ids=frozenset({1}),
    )
    assert [s.peer_id for s in suggest(referral, peers, Weights())] == [2]
    assert assign([referral], peers, Weights(), 1.5).pairs == {7: 2}
    assert explain(referral, peers[0], Weights()).blocked == ("declined",)
