"""Shared strategies and reference solvers for the matching engine tests."""

import itertools
import math
import random

import numpy as np
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from brobygger.matching.engine import (
    CAPACITY,
    NO_FEASIBLE_PEER,
    BatchResult,
    PeerProfile,
    ReferralProfile,
    Weights,
    explain,
    prepare_peers,
    score_matrix,
)

HPC = 1.5  # hours per course
TAGS = ("psykose", "angst", "depression", "misbrug", "indlæggelse")
LANGS = ("da", "en", "ar")
GENDERS = ("female", "male", "other", "")
BANDS = ("18-29", "30-44", "45-59", "60+", "")
UNITS = (1, 2, 3)

# Derandomised so CI is reproducible; no database so nothing is written into the tree.
# (Passed locally with 1,500-3,000 examples per property.)
FAST = settings(
    deadline=None,
    max_examples=60,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def milli(points: float) -> int:
    return round(points * 1000)


def slots(peer: PeerProfile, hpc: float = HPC) -> int:
    return math.floor(max(peer.free_hours, 0.0) / hpc + 1e-9)


def hard_ok(ref: ReferralProfile, peer: PeerProfile, hpc: float | None) -> bool:
    """The hard rules, written out independently of the engine."""
    roles = {"patient": {"patient_peer"}, "relative": {"relative_peer", "parent_peer"}}
    room = peer.free_hours > 0 if hpc is None else slots(peer, hpc) >= 1
    return (
        peer.kind in roles[ref.person_kind]
        and not peer.paused
        and room
        and not (ref.gender_required and ref.gender_wish and peer.gender != ref.gender_wish)
        and not (ref.age_band_required and ref.age_band_wish and peer.age_band != ref.age_band_wish)
        and not (ref.language_required and ref.language and ref.language not in peer.languages)
    )


# --- strategies -------------------------------------------------------------------------------

rarely = st.sampled_from((False,) * 7 + (True,))  # hard wishes are the exception
weights_st = st.builds(
    Weights,
    base=st.floats(0.001, 20),
    shared_experience=st.floats(0, 20),
    gender=st.floats(0, 20),
    age_band=st.floats(0, 20),
    language=st.floats(0, 20),
    unit=st.floats(0, 20),
    continuity=st.floats(0, 20),
    free_hour=st.floats(0, 5),
    free_hours_cap=st.floats(0, 20),
    waiting_week=st.floats(0, 5),
    waiting_weeks_cap=st.floats(0, 30),
)


@st.composite
def peers_st(draw: st.DrawFn, min_size: int, max_size: int, max_slots: int) -> list[PeerProfile]:
    n = draw(st.integers(min_size, max_size))  # sizes spread evenly, not skewed small
    ids = draw(st.lists(st.integers(1, 500), min_size=n, max_size=n, unique=True))
    return [
        PeerProfile(
            id=pid,
            kind=draw(st.sampled_from(("patient_peer",) * 3 + ("relative_peer", "parent_peer"))),
            experience_tags=frozenset(draw(st.sets(st.sampled_from(TAGS)))),
            languages=frozenset({"da"} | draw(st.sets(st.sampled_from(LANGS)))),
            gender=draw(st.sampled_from(GENDERS)),
            age_band=draw(st.sampled_from(BANDS)),
            unit_ids=frozenset(draw(st.sets(st.sampled_from(UNITS), max_size=2))),
            # Fractions below one course test the slot rounding.
            free_hours=draw(st.integers(0, max_slots)) * HPC
            + draw(st.sampled_from((0.0, 0.5, 1.0))),
            paused=draw(st.sampled_from((False,) * 9 + (True,))),
        )
        for pid in ids
    ]


@st.composite
def referrals_st(
    draw: st.DrawFn,
    peer_ids: list[int],
    min_size: int,
    max_size: int,
) -> list[ReferralProfile]:
    n = draw(st.integers(min_size, max_size))  # sizes spread evenly, not skewed small
    ids = draw(st.lists(st.integers(1, 500), min_size=n, max_size=n, unique=True))
    known = st.sets(st.sampled_from(peer_ids), max_size=2) if peer_ids else st.just(set())
    return [
        ReferralProfile(
            id=rid,
            person_kind=draw(st.sampled_from(("patient",) * 3 + ("relative",))),
            wanted_tags=frozenset(draw(st.sets(st.sampled_from(TAGS)))),
            gender_wish=draw(st.sampled_from(GENDERS)),
            gender_required=draw(rarely),
            age_band_wish=draw(st.sampled_from(BANDS)),
            age_band_required=draw(rarely),
            language=draw(st.sampled_from(LANGS)),
            language_required=draw(rarely),
            unit_id=draw(st.sampled_from((None, *UNITS))),
            known_peer_ids=frozenset(draw(known)),
            waiting_days=draw(st.integers(0, 200)),
        )
        for rid in ids
    ]


@st.composite
def instance_st(
    draw: st.DrawFn,
    refs: tuple[int, int],
    peers: tuple[int, int],
    max_slots: int,
) -> tuple[list[ReferralProfile], list[PeerProfile], Weights]:
    pool = draw(peers_st(*peers, max_slots))
    referrals = draw(referrals_st([p.id for p in pool], *refs))
    return referrals, pool, draw(weights_st)


def random_instance(
    seed: int,
    n_refs: int,
    n_peers: int,
) -> tuple[list[ReferralProfile], list[PeerProfile]]:
    """A medium instance from a plain seeded generator (for the solver comparisons)."""
    rng = random.Random(seed)
    peers = [
        PeerProfile(
            id=pid,
            kind=rng.choice(("patient_peer",) * 3 + ("relative_peer", "parent_peer")),
            experience_tags=frozenset(rng.sample(TAGS, rng.randint(1, 3))),
            languages=frozenset({"da"} | ({rng.choice(LANGS)} if rng.random() < 0.3 else set())),
            gender=rng.choice(GENDERS),
            age_band=rng.choice(BANDS),
            unit_ids=frozenset(rng.sample(UNITS, rng.randint(0, 2))),
            free_hours=rng.randint(0, 4) * HPC + rng.choice((0.0, 0.7)),
            paused=rng.random() < 0.1,
        )
        for pid in range(1, n_peers + 1)
    ]
    referrals = [
        ReferralProfile(
            id=rid,
            person_kind="relative" if rng.random() < 0.2 else "patient",
            wanted_tags=frozenset(rng.sample(TAGS, rng.randint(1, 3))),
            gender_wish=rng.choice(GENDERS),
            gender_required=rng.random() < 0.1,
            age_band_wish=rng.choice(BANDS),
            age_band_required=rng.random() < 0.05,
            language=rng.choice(("da",) * 6 + LANGS),
            language_required=rng.random() < 0.1,
            unit_id=rng.choice((None, *UNITS)),
            known_peer_ids=frozenset({rng.randint(1, n_peers)})
            if rng.random() < 0.1
            else frozenset(),
            waiting_days=rng.randint(0, 120),
        )
        for rid in range(1, n_refs + 1)
    ]
    return referrals, peers


def check_batch(
    result: BatchResult,
    referrals: list[ReferralProfile],
    peers: list[PeerProfile],
    weights: Weights,
) -> None:
    """Hard rules, capacities, scores, totals and unplaced reasons of a batch result."""
    by_id = {p.id: p for p in peers}
    assert set(result.pairs) | set(result.unplaced) == {r.id for r in referrals}
    assert not set(result.pairs) & set(result.unplaced)
    load: dict[int, int] = {}
    for ref in referrals:
        if ref.id in result.pairs:
            peer = by_id[result.pairs[ref.id]]
            assert hard_ok(ref, peer, HPC)
            assert result.scores[ref.id] == explain(ref, peer, weights, HPC).score
            assert result.scores[ref.id] > 0
            load[peer.id] = load.get(peer.id, 0) + 1
    for pid, n in load.items():
        assert n <= slots(by_id[pid])
    assert milli(result.total) == sum(milli(s) for s in result.scores.values())
    for ref in referrals:
        if ref.id in result.unplaced:
            feasible = [p for p in peers if hard_ok(ref, p, HPC)]
            if not feasible:
                assert result.unplaced[ref.id] == NO_FEASIBLE_PEER
            else:
                assert result.unplaced[ref.id] == CAPACITY
                # Every feasible peer is full, or placing the referral would help.
                assert all(load.get(p.id, 0) == slots(p) for p in feasible)


def brute_force_milli(
    referrals: list[ReferralProfile],
    peers: list[PeerProfile],
    weights: Weights,
) -> int:
    options = []
    for ref in referrals:
        opts: list[tuple[int | None, int]] = [(None, 0)]
        for peer in peers:
            s = explain(ref, peer, weights, HPC)
            if s.feasible:
                opts.append((peer.id, milli(s.score)))
        options.append(opts)
    cap = {p.id: slots(p) for p in peers}
    best = 0
    for combo in itertools.product(*options):
        used: dict[int, int] = {}
        for pid, _ in combo:
            if pid is not None:
                used[pid] = used.get(pid, 0) + 1
        if all(n <= cap[pid] for pid, n in used.items()):
            best = max(best, sum(points for _, points in combo))
    return best


def dense_optimum_milli(
    referrals: list[ReferralProfile],
    peers: list[PeerProfile],
    weights: Weights,
) -> int:
    """Optimum by scipy's dense assignment on peers expanded to slots, plus "unplaced" columns."""
    pool = prepare_peers(peers)
    scores = score_matrix(referrals, pool, weights, HPC)
    slot_peer = np.repeat(np.arange(len(pool)), [slots(p) for p in pool.peers])
    gain = scores[:, slot_peer]
    gain = np.where(np.isfinite(gain), np.rint(gain * 1000), -1e12)
    cost = np.hstack([-gain, np.zeros((len(referrals), len(referrals)))])
    rows, cols = linear_sum_assignment(cost)
    return int(-cost[rows, cols].sum())
