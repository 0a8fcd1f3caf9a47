"""Tests of the pure matching engine (no Django needed).

Scores are compared in integer milli-points (``round(points * 1000)``): the engine rounds every
part to 0.001 points, so equal totals must be exactly equal there.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from brobygger.matching.engine import (
    ALLOWED_PEER_KINDS,
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
    score_matrix,
    suggest,
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


# --- weights ----------------------------------------------------------------------------------


@FAST
@given(weights_st)
def test_weights_round_trip(weights: Weights) -> None:
    data = weights.as_dict()
    assert all(isinstance(v, float) for v in data.values())
    assert Weights.from_dict(data) == weights
    assert Weights.from_dict({**data, "unknown": 99, "also_unknown": "x"}) == weights


def test_weights_from_partial_dict_uses_defaults() -> None:
    w = Weights.from_dict({"language": 7})
    assert w.language == 7.0
    assert replace(w, language=Weights().language) == Weights()


@pytest.mark.parametrize("bad", [-1, -0.001, math.nan, math.inf, 1e9, "3", None, True])
def test_weights_reject_bad_values(bad: object) -> None:
    with pytest.raises(ValueError):
        Weights.from_dict({"unit": bad})


def test_weights_base_must_keep_feasible_pairs_positive() -> None:
    with pytest.raises(ValueError):
        Weights(base=0)
    with pytest.raises(ValueError):
        Weights(base=0.0004)  # rounds to 0 milli-points
    assert Weights(base=0.001).base == 0.001


# --- scoring and explanations -----------------------------------------------------------------


def test_allowed_peer_kinds() -> None:
    assert {
        "patient": frozenset({"patient_peer"}),
        "relative": frozenset({"relative_peer", "parent_peer"}),
    } == ALLOWED_PEER_KINDS


@FAST
@given(instance_st(refs=(0, 5), peers=(0, 8), max_slots=3), st.sampled_from((None, HPC)))
def test_explanations_sum_and_agree_with_vectorised_scores(
    instance: tuple[list[ReferralProfile], list[PeerProfile], Weights],
    hpc: float | None,
) -> None:
    referrals, peers, weights = instance
    pool = prepare_peers(peers)
    matrix = score_matrix(referrals, pool, weights, hpc)
    for i, ref in enumerate(referrals):
        for j, peer in enumerate(pool.peers):
            s = explain(ref, peer, weights, hpc)
            assert s.peer_id == peer.id
            assert math.isclose(sum(r.points for r in s.reasons), s.score, abs_tol=1e-9)
            assert s.feasible == hard_ok(ref, peer, hpc)
            if s.feasible:
                assert s.score > 0
                assert milli(matrix[i, j]) == milli(s.score)
                assert s.reasons[0].code == "base"
            else:
                assert matrix[i, j] == -np.inf
                assert s.score == 0
                assert len(s.reasons) == 1
                assert s.reasons[0].code == "blocked"
                assert s.reasons[0].values == s.blocked


def test_explanation_parts() -> None:
    ref = ReferralProfile(
        id=1,
        person_kind="relative",
        wanted_tags=frozenset({"psykose", "angst", "bolig"}),
        gender_wish="female",
        age_band_wish="30-44",
        language="ar",
        unit_id=4,
        known_peer_ids=frozenset({9}),
        waiting_days=20,
    )
    peer = PeerProfile(
        id=9,
        kind="parent_peer",
        experience_tags=frozenset({"angst", "psykose", "traume"}),
        languages=frozenset({"da", "ar"}),
        gender="female",
        age_band="30-44",
        unit_ids=frozenset({4, 5}),
        free_hours=3.0,
    )
    w = Weights()
    s = explain(ref, peer, w)
    parts = {r.code: r for r in s.reasons}
    assert parts["shared_experience"].values == ("angst", "psykose")
    assert parts["shared_experience"].points == 2 * w.shared_experience
    assert parts["language"].values == ("ar",)
    assert parts["gender"].values == ("female",)
    assert parts["age_band"].values == ("30-44",)
    assert parts["unit"].values == (4,)
    assert parts["continuity"].points == w.continuity
    assert parts["free_hours"].values == (3.0,)
    assert parts["free_hours"].points == 3.0 * w.free_hour
    assert parts["waiting"].values == (2,)
    assert parts["waiting"].points == 2 * w.waiting_week
    assert math.isclose(s.score, sum(r.points for r in s.reasons))


def test_blocked_codes() -> None:
    peer = PeerProfile(
        id=1,
        kind="patient_peer",
        experience_tags=frozenset(),
        languages=frozenset({"da"}),
        gender="male",
        age_band="60+",
        unit_ids=frozenset(),
        free_hours=0.0,
        paused=True,
    )
    ref = ReferralProfile(
        id=1,
        person_kind="relative",
        wanted_tags=frozenset(),
        gender_wish="female",
        gender_required=True,
        age_band_wish="18-29",
        age_band_required=True,
        language="pl",
        language_required=True,
    )
    s = explain(ref, peer, Weights())
    assert s.blocked == (
        "role",
        "paused",
        "no_capacity",
        "gender_required",
        "age_required",
        "language_required",
    )
    # Soft wishes never block.
    soft = replace(
        ref,
        person_kind="patient",
        gender_required=False,
        age_band_required=False,
        language_required=False,
    )
    assert explain(soft, replace(peer, paused=False, free_hours=2.0), Weights()).feasible
    # A course needs whole free slots; without a course size any free hours will do.
    small = replace(peer, paused=False, free_hours=1.0)
    assert explain(soft, small, Weights()).feasible
    assert explain(soft, small, Weights(), hours_per_course=HPC).blocked == ("no_capacity",)


def test_role_map_in_scores() -> None:
    def peer(kind: str) -> PeerProfile:
        return PeerProfile(
            id=1,
            kind=kind,
            experience_tags=frozenset(),
            languages=frozenset(),
            gender="",
            age_band="",
            unit_ids=frozenset(),
            free_hours=5.0,
        )

    patient = ReferralProfile(id=1, person_kind="patient", wanted_tags=frozenset())
    relative = replace(patient, person_kind="relative")
    assert explain(patient, peer("patient_peer"), Weights()).feasible
    assert not explain(patient, peer("relative_peer"), Weights()).feasible
    assert not explain(patient, peer("parent_peer"), Weights()).feasible
    assert explain(relative, peer("relative_peer"), Weights()).feasible
    assert explain(relative, peer("parent_peer"), Weights()).feasible
    assert explain(relative, peer("patient_peer"), Weights()).blocked == ("role",)


def test_unknown_kinds_and_duplicate_ids_are_rejected() -> None:
    peer = PeerProfile(
        id=1,
        kind="patient_peer",
        experience_tags=frozenset(),
        languages=frozenset(),
        gender="",
        age_band="",
        unit_ids=frozenset(),
        free_hours=5.0,
    )
    ref = ReferralProfile(id=1, person_kind="patient", wanted_tags=frozenset())
    with pytest.raises(ValueError):
        prepare_peers([replace(peer, kind="buddy")])
    with pytest.raises(ValueError):
        prepare_peers([peer, peer])
    with pytest.raises(ValueError):
        suggest(replace(ref, person_kind="friend"), [peer], Weights())
    with pytest.raises(ValueError):
        assign([ref, ref], [peer], Weights(), HPC)
    for hours in (0, -1.5, math.nan, math.inf):
        with pytest.raises(ValueError):
            assign([ref], [peer], Weights(), hours)
        with pytest.raises(ValueError):
            suggest(ref, [peer], Weights(), hours_per_course=hours)
        with pytest.raises(ValueError):
            explain(ref, peer, Weights(), hours_per_course=hours)


# --- suggestions ------------------------------------------------------------------------------


@FAST
@given(
    instance_st(refs=(1, 4), peers=(0, 12), max_slots=3),
    st.integers(0, 6),
    st.sampled_from((None, HPC)),
)
def test_suggestions_are_the_best_feasible_peers(
    instance: tuple[list[ReferralProfile], list[PeerProfile], Weights],
    limit: int,
    hpc: float | None,
) -> None:
    referrals, peers, weights = instance
    pool = prepare_peers(peers)
    for ref in referrals:
        got = suggest(ref, pool, weights, limit=limit, hours_per_course=hpc)
        assert got == suggest(ref, list(reversed(peers)), weights, limit, hpc)
        by_id = {p.id: p for p in peers}
        assert all(hard_ok(ref, by_id[s.peer_id], hpc) for s in got)
        expected = sorted(
            (s for s in (explain(ref, p, weights, hpc) for p in peers) if s.feasible),
            key=lambda s: (-milli(s.score), s.peer_id),
        )[:limit]
        assert [(s.peer_id, milli(s.score)) for s in got] == [
            (s.peer_id, milli(s.score)) for s in expected
        ]
        for s in got:
            assert math.isclose(sum(r.points for r in s.reasons), s.score, abs_tol=1e-9)


def test_suggestion_ties_are_broken_by_peer_id() -> None:
    base = PeerProfile(
        id=0,
        kind="patient_peer",
        experience_tags=frozenset({"angst"}),
        languages=frozenset({"da"}),
        gender="",
        age_band="",
        unit_ids=frozenset(),
        free_hours=6.0,
    )
    peers = [replace(base, id=i) for i in (42, 7, 19, 3, 25, 11)]
    ref = ReferralProfile(id=1, person_kind="patient", wanted_tags=frozenset({"angst"}))
    got = suggest(ref, peers, Weights(), limit=4)
    assert [s.peer_id for s in got] == [3, 7, 11, 19]
    assert suggest(ref, [], Weights()) == []


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
