"""Tests of the pure matching engine (no Django needed).

Scores are compared in integer milli-points (``round(points * 1000)``): the engine rounds every
part to 0.001 points, so equal totals must be exactly equal there.
"""

import math
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from brobygger.matching.engine import (
    ALLOWED_PEER_KINDS,
    PeerProfile,
    ReferralProfile,
    Weights,
    assign,
    explain,
    prepare_peers,
    score_matrix,
    suggest,
)

from .engine_helpers import (
    FAST,
    HPC,
    hard_ok,
    instance_st,
    milli,
    weights_st,
)

# Nothing here depends on the date: `make test-clock` leaves it out (pyproject.toml).
pytestmark = pytest.mark.timeless

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
