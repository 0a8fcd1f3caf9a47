"""Matching engine for Brobygger: scores, explanations, suggestions and batch assignment.

Pure Python + numpy (no Django).  A score is a sum of parts, each returned as a structured
:class:`Reason` (codes, numbers and values only; the Django layer words them).

Points are kept internally as integers in milli-points (``SCALE``): every part is rounded to
0.001 points once, so the vectorised scores, the explanations and the optimal solver agree
exactly and totals add up without float drift.

Public API: :class:`Weights`, :class:`PeerProfile`, :class:`ReferralProfile`, :class:`Reason`,
:class:`Suggestion`, :class:`BatchResult`, :class:`PeerPool` / :func:`prepare_peers`,
:func:`explain`, :func:`suggest`, :func:`score_matrix`, :func:`assign`, :func:`greedy`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import TypeVar

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
from .profiles import milli as _milli

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

_NEG = -(1 << 50)  # added for a broken hard rule; outweighs any possible positive total
_SLOT_EPS = 1e-9  # 3.0 h / 1.5 h must give 2 slots despite float division


def _slots(free_hours: npt.NDArray[np.float64], hours_per_course: float) -> IntArray:
    return np.floor(np.maximum(free_hours, 0.0) / hours_per_course + _SLOT_EPS).astype(np.int64)


class PeerPool:
    """Peers compiled once into numpy arrays (ordered by id); reuse it across calls."""

    def __init__(self, peers: Iterable[PeerProfile]) -> None:
        self.peers: tuple[PeerProfile, ...] = tuple(sorted(peers, key=lambda p: p.id))
        self.ids: IntArray = np.array([p.id for p in self.peers], dtype=np.int64)
        self.index: dict[int, int] = {p.id: i for i, p in enumerate(self.peers)}
        if len(self.index) != len(self.peers):
            raise ValueError("peer ids must be unique")
        for p in self.peers:
            if p.kind not in PEER_KINDS:
                raise ValueError(f"unknown peer kind {p.kind!r}")
        n = len(self.peers)
        self.kind: npt.NDArray[np.object_] = np.array([p.kind for p in self.peers], dtype=object)
        self.free_hours = np.array([p.free_hours for p in self.peers], dtype=np.float64)
        self.paused: BoolArray = np.array([p.paused for p in self.peers], dtype=np.bool_)
        self.gender = np.array([p.gender for p in self.peers], dtype=object)
        self.age_band = np.array([p.age_band for p in self.peers], dtype=object)
        # Only tags some peer shares can ever be shared, so they define the bit positions.
        tags = sorted({t for p in self.peers for t in p.experience_tags})
        self.tag_bit: dict[str, int] = {t: i for i, t in enumerate(tags)}
        self.tag_words = np.zeros((max(1, -(-len(tags) // 64)), n), dtype=np.uint64)
        for i, p in enumerate(self.peers):
            self.tag_words[:, i] = self._encode(p.experience_tags)
        self._speaks: dict[str, BoolArray] = {}
        self._on_unit: dict[int, BoolArray] = {}
        for i, p in enumerate(self.peers):
            for lang in p.languages:
                self._speaks.setdefault(lang, np.zeros(n, np.bool_))[i] = True
            for unit in p.unit_ids:
                self._on_unit.setdefault(unit, np.zeros(n, np.bool_))[i] = True

    def __len__(self) -> int:
        return len(self.peers)

    def _encode(self, tags: Iterable[str]) -> npt.NDArray[np.uint64]:
        words = [0] * len(self.tag_words)
        for tag in tags:
            bit = self.tag_bit.get(tag)
            if bit is not None:
                words[bit // 64] |= 1 << (bit % 64)
        return np.array(words, dtype=np.uint64)

    def speaks(self, lang: str) -> BoolArray:
        return self._speaks.get(lang, np.zeros(len(self), np.bool_))

    def on_unit(self, unit: int) -> BoolArray:
        return self._on_unit.get(unit, np.zeros(len(self), np.bool_))

    def has_capacity(self, hours_per_course: float | None) -> BoolArray:
        """Peers with room for a new course (any free hours when no course size is given)."""
        if hours_per_course is None:
            return np.asarray(self.free_hours > 0)
        return _slots(self.free_hours, hours_per_course) >= 1


def prepare_peers(peers: Iterable[PeerProfile]) -> PeerPool:
    """Compile peers for fast repeated :func:`suggest` / :func:`assign` calls."""
    return PeerPool(peers)


K = TypeVar("K", bound=Hashable)


def _row_table(
    keys: Sequence[K],
    make_row: Callable[[K], IntArray],
    width: int,
) -> tuple[IntArray, npt.NDArray[np.intp]]:
    """One row of peer points per distinct key, plus each referral's row index."""
    position: dict[K, int] = {}
    table: list[IntArray] = []
    index = np.empty(len(keys), dtype=np.intp)
    for n, key in enumerate(keys):
        pos = position.get(key)
        if pos is None:
            pos = position[key] = len(table)
            table.append(make_row(key))
        index[n] = pos
    stacked = np.stack(table) if table else np.zeros((0, width), np.int64)
    return stacked, index


class _Scorer:
    """Scores referrals against a pool; ``rows`` is vectorised, ``explain`` walks profiles.

    The two paths are written independently on purpose: tests check they agree exactly.
    """

    def __init__(
        self,
        pool: PeerPool,
        referrals: Sequence[ReferralProfile],
        weights: Weights,
        hours_per_course: float | None,
    ) -> None:
        if hours_per_course is not None:
            _check_hours(hours_per_course)
        self.pool, self.refs, self.hours_per_course = pool, referrals, hours_per_course
        self.m = {name: _milli(value) for name, value in weights.as_dict().items()}
        n = len(pool)
        for r in referrals:
            if r.person_kind not in ALLOWED_PEER_KINDS:
                raise ValueError(f"unknown person kind {r.person_kind!r}")
        self.capacity_ok = pool.has_capacity(hours_per_course)
        self.free_points = np.rint(
            self.m["free_hour"]
            * np.minimum(np.maximum(pool.free_hours, 0.0), weights.free_hours_cap),
        ).astype(np.int64)
        weeks = np.array([max(r.waiting_days, 0) // 7 for r in referrals], dtype=np.float64)
        self.wait_points = np.rint(
            self.m["waiting_week"] * np.minimum(weeks, weights.waiting_weeks_cap),
        ).astype(np.int64)

        open_peer = ~pool.paused & self.capacity_ok
        base_row = self.m["base"] + self.free_points

        def kind_row(kind: str) -> IntArray:
            allowed = np.isin(pool.kind, list(ALLOWED_PEER_KINDS[kind])) & open_peer
            return np.where(allowed, base_row, _NEG).astype(np.int64)

        def wish_row(
            match: Callable[[str], BoolArray], points: int
        ) -> Callable[[tuple[str, bool]], IntArray]:
            def make(key: tuple[str, bool]) -> IntArray:
                value, required = key
                if not value:
                    return np.zeros(n, np.int64)
                return np.where(match(value), points, _NEG if required else 0).astype(np.int64)

            return make

        def unit_row(unit: int | None) -> IntArray:
            if unit is None:
                return np.zeros(n, np.int64)
            return np.where(pool.on_unit(unit), self.m["unit"], 0).astype(np.int64)

        self.tables = [
            _row_table([r.person_kind for r in referrals], kind_row, n),
            _row_table(
                [(r.gender_wish, r.gender_required) for r in referrals],
                wish_row(lambda v: np.asarray(pool.gender == v), self.m["gender"]),
                n,
            ),
            _row_table(
                [(r.age_band_wish, r.age_band_required) for r in referrals],
                wish_row(lambda v: np.asarray(pool.age_band == v), self.m["age_band"]),
                n,
            ),
            _row_table(
                [(r.language, r.language_required) for r in referrals],
                wish_row(pool.speaks, self.m["language"]),
                n,
            ),
            _row_table([r.unit_id for r in referrals], unit_row, n),
        ]
        self.ref_words = (
            np.stack([pool._encode(r.wanted_tags) for r in referrals])
            if referrals
            else np.zeros((0, len(pool.tag_words)), np.uint64)
        )
        self.tag_points = (
            np.arange(64 * len(pool.tag_words) + 1, dtype=np.int64) * self.m["shared_experience"]
        )
        known = [
            (i, pool.index[pid])
            for i, r in enumerate(referrals)
            for pid in r.known_peer_ids
            if pid in pool.index
        ]
        self.known = np.array(known, dtype=np.int64).reshape(-1, 2)
        excluded = [
            (i, pool.index[pid])
            for i, r in enumerate(referrals)
            for pid in r.excluded_peer_ids
            if pid in pool.index
        ]
        self.excluded = np.array(excluded, dtype=np.int64).reshape(-1, 2)

    def rows(self, start: int, stop: int) -> IntArray:
        """Milli-point scores of referrals ``start:stop`` against all peers; <= 0: infeasible."""
        return self._scores(slice(start, stop))

    def rows_at(self, at: IntArray) -> IntArray:
        """Scores of the referrals at the (ascending) indices ``at``, as :meth:`rows`."""
        return self._scores(at)

    def _scores(self, sel: slice | IntArray) -> IntArray:
        kind_table, kind_index = self.tables[0]
        scores = kind_table[kind_index[sel]]
        for table, index in self.tables[1:]:
            scores += table[index[sel]]
        # uint8 counts are fastest and cannot overflow below 4 words (255 > 3 * 64 bits).
        words = len(self.pool.tag_words)
        shared = np.zeros(scores.shape, dtype=np.uint8 if words < 4 else np.int64)
        for w in range(words):
            shared += np.bitwise_count(
                self.ref_words[sel, w, None] & self.pool.tag_words[w][None, :]
            )
        scores += self.tag_points[shared]
        scores += self.wait_points[sel, None]
        for pairs, points in ((self.known, self.m["continuity"]), (self.excluded, _NEG)):
            local, cols = _local_pairs(pairs, sel)
            scores[local, cols] += points
        return scores

    def blocked(self, i: int, j: int) -> tuple[str, ...]:
        r, p = self.refs[i], self.pool.peers[j]
        broken = {
            "role": p.kind not in ALLOWED_PEER_KINDS[r.person_kind],
            "paused": p.paused,
            "no_capacity": not self.capacity_ok[j],
            "gender_required": r.gender_required
            and bool(r.gender_wish)
            and p.gender != r.gender_wish,
            "age_required": r.age_band_required
            and bool(r.age_band_wish)
            and p.age_band != r.age_band_wish,
            "language_required": r.language_required
            and bool(r.language)
            and r.language not in p.languages,
            "declined": p.id in r.excluded_peer_ids,
        }
        return tuple(code for code in BLOCK_CODES if broken[code])

    def explain(self, i: int, j: int) -> Suggestion:
        """Score referral ``i`` against peer ``j`` part by part, straight from the profiles."""
        r, p = self.refs[i], self.pool.peers[j]
        blocked = self.blocked(i, j)
        if blocked:
            return Suggestion(p.id, 0.0, (Reason("blocked", 0.0, blocked),), blocked)
        m = self.m
        parts: list[tuple[str, int, tuple[str | int | float, ...]]] = [("base", m["base"], ())]
        shared = tuple(sorted(r.wanted_tags & p.experience_tags))
        if shared:
            parts.append(("shared_experience", m["shared_experience"] * len(shared), shared))
        if r.gender_wish and p.gender == r.gender_wish:
            parts.append(("gender", m["gender"], (p.gender,)))
        if r.age_band_wish and p.age_band == r.age_band_wish:
            parts.append(("age_band", m["age_band"], (p.age_band,)))
        if r.language and r.language in p.languages:
            parts.append(("language", m["language"], (r.language,)))
        if r.unit_id is not None and r.unit_id in p.unit_ids:
            parts.append(("unit", m["unit"], (r.unit_id,)))
        if p.id in r.known_peer_ids:
            parts.append(("continuity", m["continuity"], ()))
        parts.append(("free_hours", int(self.free_points[j]), (p.free_hours,)))
        weeks = max(r.waiting_days, 0) // 7
        if weeks:
            parts.append(("waiting", int(self.wait_points[i]), (weeks,)))
        total = sum(points for _, points, _ in parts)
        reasons = tuple(Reason(code, points / SCALE, values) for code, points, values in parts)
        return Suggestion(p.id, total / SCALE, reasons)


def _pool(peers: PeerPool | Iterable[PeerProfile]) -> PeerPool:
    return peers if isinstance(peers, PeerPool) else PeerPool(peers)


def _check_hours(hours_per_course: float) -> None:
    if not (math.isfinite(hours_per_course) and hours_per_course > 0):
        raise ValueError("hours_per_course must be a positive number")


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
    return _Scorer(PeerPool([peer]), [referral], weights, hours_per_course).explain(0, 0)


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
    scorer = _Scorer(pool, [referral], weights, hours_per_course)
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
    scorer = _Scorer(pool, list(referrals), weights, hours_per_course)
    out = np.full((len(referrals), len(pool)), -np.inf)
    for start in range(0, len(referrals), solver.BLOCK_ROWS):
        stop = min(start + solver.BLOCK_ROWS, len(referrals))
        block = scorer.rows(start, stop)
        out[start:stop] = np.where(block > 0, block / SCALE, -np.inf)
    return out


def _result(
    refs: Sequence[ReferralProfile],
    pool: PeerPool,
    match: dict[int, tuple[int, int]],
    any_allowed: BoolArray,
    optimal: bool,
) -> BatchResult:
    pairs = {refs[i].id: int(pool.ids[j]) for i, (j, _) in sorted(match.items())}
    scores = {refs[i].id: pts / SCALE for i, (_, pts) in sorted(match.items())}
    unplaced = {
        r.id: (CAPACITY if any_allowed[i] else NO_FEASIBLE_PEER)
        for i, r in enumerate(refs)
        if i not in match
    }
    total = sum(pts for _, pts in match.values()) / SCALE
    return BatchResult(pairs, scores, unplaced, total, optimal)


def _local_pairs(pairs: IntArray, sel: slice | IntArray) -> tuple[IntArray, IntArray]:
    """The ``(row, col)`` pairs whose row is selected, with rows counted within ``sel``."""
    rows = pairs[:, 0]
    if isinstance(sel, slice):
        inside = (rows >= sel.start) & (rows < sel.stop)
        return rows[inside] - sel.start, pairs[inside, 1]
    if not len(sel):
        return rows[:0], pairs[:0, 1]
    local = np.minimum(np.searchsorted(sel, rows), len(sel) - 1)
    inside = sel[local] == rows
    return local[inside], pairs[inside, 1]


def _setup(
    referrals: Sequence[ReferralProfile],
    peers: PeerPool | Iterable[PeerProfile],
    weights: Weights,
    hours_per_course: float,
) -> tuple[list[ReferralProfile], PeerPool, _Scorer, IntArray]:
    refs = list(referrals)
    if len({r.id for r in refs}) != len(refs):
        raise ValueError("referral ids must be unique")
    pool = _pool(peers)
    return (
        refs,
        pool,
        _Scorer(pool, refs, weights, hours_per_course),
        _slots(pool.free_hours, hours_per_course),
    )


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
    that could still improve it are added and the problem is solved again.
    """
    refs, pool, scorer, slots = _setup(referrals, peers, weights, hours_per_course)
    match, cand = solver.max_weight_matching(
        scorer.rows, len(refs), slots, top_k, score_at=scorer.rows_at
    )
    return _result(refs, pool, match, cand.any_allowed, optimal=True)


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
    refs, pool, scorer, slots = _setup(referrals, peers, weights, hours_per_course)
    n_refs = len(refs)
    cand = solver.candidates(scorer.rows, n_refs, len(pool), top_k)
    # Candidate lists per referral, best first then lowest index.
    order = np.lexsort((cand.cols, -cand.points, cand.rows))
    rows, cols, points = cand.rows[order], cand.cols[order], cand.points[order]
    starts = np.searchsorted(rows, np.arange(n_refs + 1))
    left = slots.copy()
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
    return _result(refs, pool, match, cand.any_allowed, optimal=False)
