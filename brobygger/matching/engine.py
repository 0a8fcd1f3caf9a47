"""Matching engine for Brobygger: scores, explanations, suggestions and batch assignment.

Pure Python + numpy (no Django).  A score is a sum of parts, each returned as a structured
:class:`Reason` (codes, numbers and values only; the Django layer words them).

Points are kept internally as integers in milli-points (``SCALE``): every part is rounded to
0.001 points once, so the vectorised scores, the explanations and the optimal solver agree
exactly and totals add up without float drift.

Public API: :class:`Weights`, :class:`PeerProfile`, :class:`ReferralProfile`, :class:`Reason`,
:class:`Suggestion`, :class:`BatchResult`, :class:`PeerPool` / :func:`prepare_peers`,
:func:`explain`, :func:`suggest`, :func:`score_matrix`, :func:`assign`, :func:`greedy`.
The scoring lives in ``scoring.py``, the certified solver in ``solver.py`` (dense scores to
a proven optimum) and ``flow.py`` (exact b-matching on an edge list).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import numpy.typing as npt

from . import solver
from .profiles import (
    ALLOWED_PEER_KINDS,
    BLOCK_CODES,
    CAPACITY,
    MAX_WEIGHT,
    NO_FEASIBLE_PEER,
    PEER_KINDS,
    PERSON_KINDS,
    SCALE,
    BatchResult,
    BoolArray,
    IntArray,
    PeerProfile,
    Reason,
    ReferralProfile,
    Suggestion,
    Weights,
)
from .scoring import PeerPool, Scorer, slots

# The public API, with the vocabulary it shares with profiles.py.
__all__ = [
    "ALLOWED_PEER_KINDS",
    "BLOCK_CODES",
    "CAPACITY",
    "MAX_WEIGHT",
    "NO_FEASIBLE_PEER",
    "PEER_KINDS",
    "PERSON_KINDS",
    "SCALE",
    "BatchResult",
    "BoolArray",
    "IntArray",
    "PeerPool",
    "PeerProfile",
    "Reason",
    "ReferralProfile",
    "Suggestion",
    "Weights",
    "assign",
    "explain",
    "greedy",
    "prepare_peers",
    "score_matrix",
    "suggest",
]


def prepare_peers(peers: Iterable[PeerProfile]) -> PeerPool:
    """Compile peers for fast repeated :func:`suggest` / :func:`assign` calls."""
    return PeerPool(peers)


def _pool(peers: PeerPool | Iterable[PeerProfile]) -> PeerPool:
    return peers if isinstance(peers, PeerPool) else PeerPool(peers)


def _check_hours(hours_per_course: float) -> None:
    if not (math.isfinite(hours_per_course) and hours_per_course > 0):
        raise ValueError("hours_per_course must be a positive number")


def _scorer(
    pool: PeerPool,
    referrals: Sequence[ReferralProfile],
    weights: Weights,
    hours_per_course: float | None,
) -> Scorer:
    if hours_per_course is not None:
        _check_hours(hours_per_course)
    return Scorer(pool, referrals, weights, hours_per_course)


def explain(
    referral: ReferralProfile,
    peer: PeerProfile,
    weights: Weights,
    hours_per_course: float | None = None,
) -> Suggestion:
    """Score one pair with its reasons, or say which hard rules block it.

    With ``hours_per_course`` the peer needs room for a whole course (as in :func:`assign`);
    without it any free hours will do (as in :func:`suggest`).
    """
    return _scorer(PeerPool([peer]), [referral], weights, hours_per_course).explain(0, 0)


def suggest(
    referral: ReferralProfile,
    peers: PeerPool | Iterable[PeerProfile],
    weights: Weights,
    limit: int = 5,
    hours_per_course: float | None = None,
) -> list[Suggestion]:
    """Return up to ``limit`` feasible peers for one referral, best first, ties by peer id.

    Pass a :class:`PeerPool` (from :func:`prepare_peers`) when suggesting repeatedly.
    """
    pool = _pool(peers)
    if limit <= 0 or not len(pool):
        return []
    scorer = _scorer(pool, [referral], weights, hours_per_course)
    row = scorer.rows(0, 1)[0]
    feasible = np.flatnonzero(row > 0)
    # lexsort's last key is primary: highest score first, then lowest index (= lowest id).
    best = feasible[np.lexsort((feasible, -row[feasible]))[:limit]]
    return [scorer.explain(0, int(j)) for j in best]


def score_matrix(
    referrals: Sequence[ReferralProfile],
    peers: PeerPool | Iterable[PeerProfile],
    weights: Weights,
    hours_per_course: float | None = None,
) -> npt.NDArray[np.float64]:
    """All scores in points, shape (referrals, peers in pool order); ``-inf`` if infeasible."""
    pool = _pool(peers)
    scorer = _scorer(pool, list(referrals), weights, hours_per_course)
    out = np.full((len(referrals), len(pool)), -np.inf)
    for start in range(0, len(referrals), solver.BLOCK_ROWS):
        stop = min(start + solver.BLOCK_ROWS, len(referrals))
        block = scorer.rows(start, stop)
        out[start:stop] = np.where(block > 0, block / SCALE, -np.inf)
    return out


class _Batch:
    """A batch problem set up for :func:`assign` and :func:`greedy`.

    The scorer sees the referrals grouped by person kind (stable), so each kind is one band
    of rows with the peers it may take; results are reported in the callers' order.
    """

    def __init__(
        self,
        referrals: Sequence[ReferralProfile],
        peers: PeerPool | Iterable[PeerProfile],
        weights: Weights,
        hours_per_course: float,
    ) -> None:
        self.refs = list(referrals)
        if len({r.id for r in self.refs}) != len(self.refs):
            raise ValueError("referral ids must be unique")
        self.pool = _pool(peers)
        self.rows = sorted(self.refs, key=lambda r: r.person_kind)
        self.scorer = _scorer(self.pool, self.rows, weights, hours_per_course)
        self.slots = slots(self.pool.free_hours, hours_per_course)

    def result(
        self, match: dict[int, tuple[int, int]], any_allowed: BoolArray, optimal: bool
    ) -> BatchResult:
        """``match`` maps rows to ``(peer index, milli-points)``."""
        pairs: dict[int, int] = {}
        scores: dict[int, float] = {}
        unplaced: dict[int, str] = {}
        row_of = {r.id: i for i, r in enumerate(self.rows)}
        for ref in self.refs:
            i = row_of[ref.id]
            if i in match:
                j, pts = match[i]
                pairs[ref.id] = int(self.pool.ids[j])
                scores[ref.id] = pts / SCALE
            else:
                unplaced[ref.id] = CAPACITY if any_allowed[i] else NO_FEASIBLE_PEER
        total = sum(pts for _, pts in match.values()) / SCALE
        return BatchResult(pairs, scores, unplaced, total, optimal)


def assign(
    referrals: Sequence[ReferralProfile],
    peers: PeerPool | Iterable[PeerProfile],
    weights: Weights,
    hours_per_course: float,
    *,
    top_k: int = 20,
) -> BatchResult:
    """Assign peers to referrals maximising the total score (a proven optimum).

    Each referral gets at most one feasible peer; each peer at most
    ``floor(free_hours / hours_per_course)`` new courses.  The optimum is first sought among
    each referral's ``top_k`` best peers, then certified over all pairs with LP duality; pairs
    that could still improve it are added and the optimum is repaired or solved again.
    """
    batch = _Batch(referrals, peers, weights, hours_per_course)
    match, cand = solver.max_weight_matching(batch.scorer, len(batch.rows), batch.slots, top_k)
    return batch.result(match, cand.any_allowed, optimal=True)


def greedy(
    referrals: Sequence[ReferralProfile],
    peers: PeerPool | Iterable[PeerProfile],
    weights: Weights,
    hours_per_course: float,
    *,
    top_k: int = 20,
) -> BatchResult:
    """Baseline: longest-waiting referral first (then lowest id) takes its best peer with a
    free slot (ties by lowest peer id).  Not optimal; ``optimal`` is False."""
    batch = _Batch(referrals, peers, weights, hours_per_course)
    refs, scorer = batch.rows, batch.scorer
    n_refs = len(refs)
    cand = solver.candidates(scorer, n_refs, top_k)
    # Candidate lists per referral, best first then lowest index.
    order = np.lexsort((cand.cols, -cand.points, cand.rows))
    rows, cols, points = cand.rows[order], cand.cols[order], cand.points[order]
    starts = np.searchsorted(rows, np.arange(n_refs + 1))
    left = batch.slots.copy()
    match: dict[int, tuple[int, int]] = {}
    for i in sorted(range(n_refs), key=lambda i: (-max(refs[i].waiting_days, 0), refs[i].id)):
        picked = -1
        for e in range(starts[i], starts[i + 1]):
            j = int(cols[e])
            # A tie with the cut-off score may hide a lower-id peer outside the list.
            if left[j] > 0 and points[e] > cand.threshold[i]:
                picked = e
                break
            if left[j] > 0:
                break
        if picked >= 0:
            j, pts = int(cols[picked]), int(points[picked])
        else:
            if cand.threshold[i] <= 0:  # the list held every feasible peer, all now full
                continue
            row = np.where(left > 0, scorer.rows(i, i + 1)[0], -1)
            j = int(np.argmax(row))  # first maximum = lowest id
            pts = int(row[j])
            if pts <= 0:
                continue
        left[j] -= 1
        match[i] = (j, pts)
    return batch.result(match, cand.any_allowed, optimal=False)
