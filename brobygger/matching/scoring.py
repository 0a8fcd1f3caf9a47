"""Scoring for the matching engine: peers compiled into arrays, and a scorer that gives the
milli-point scores of blocks of referrals at numpy speed, or one pair with its reasons.

Pure Python + numpy (no Django). The vectorised path and :meth:`Scorer.explain` are written
independently on purpose: the tests check that they agree exactly.

The vectorised path is organised for the batch solver (issue 19): referrals that share a
person kind form a *band* (a run of consecutive rows), scored only against the peers the
band may take at all (allowed kind, not paused, room for a course); every other pair is
infeasible whatever its parts. Each part of a score depends on one attribute of the
referral (its wishes, its unit, its wanted experiences), so the scorer keeps one table row
per distinct value and a block of scores is three row gathers and a few additions, in
int32 whenever the largest possible score leaves room (it does by a factor of thousands
for every realistic weight).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt

from .profiles import (
    ALLOWED_PEER_KINDS,
    BLOCK_CODES,
    PEER_KINDS,
    SCALE,
    BoolArray,
    IntArray,
    PeerProfile,
    Reason,
    ReferralProfile,
    Suggestion,
    Weights,
    milli,
)
from .solver import Band

_SLOT_EPS = 1e-9  # 3.0 h / 1.5 h must give 2 slots despite float division
# Added for a broken hard rule: outweighs any possible positive total. Up to four can add
# up on one pair (gender, age band, language, declined) and must stay inside the dtype.
_NEG32 = -(1 << 28)
_NEG64 = -(1 << 50)
ScoreArray = npt.NDArray[np.signedinteger[Any]]


def slots(free_hours: npt.NDArray[np.float64], hours_per_course: float) -> IntArray:
    """Whole courses that fit in each peer's free hours."""
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
            self.tag_words[:, i] = self.encode(p.experience_tags)
        self._speaks: dict[str, BoolArray] = {}
        self._on_unit: dict[int, BoolArray] = {}
        for i, p in enumerate(self.peers):
            for lang in p.languages:
                self._speaks.setdefault(lang, np.zeros(n, np.bool_))[i] = True
            for unit in p.unit_ids:
                self._on_unit.setdefault(unit, np.zeros(n, np.bool_))[i] = True

    def __len__(self) -> int:
        return len(self.peers)

    def encode(self, tags: Iterable[str]) -> npt.NDArray[np.uint64]:
        """Tags as the pool's bit words (tags no peer has are left out: none can share them)."""
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
        return slots(self.free_hours, hours_per_course) >= 1


K = TypeVar("K", bound=Hashable)


def _distinct(keys: Iterable[K]) -> tuple[list[K], npt.NDArray[np.intp]]:
    """The distinct keys in first-seen order, and each key's position among them."""
    position: dict[K, int] = {}
    index = [position.setdefault(key, len(position)) for key in keys]
    return list(position), np.array(index, dtype=np.intp)


def _local_pairs(pairs: IntArray, sel: slice | IntArray) -> tuple[IntArray, IntArray]:
    """The ``(row, col)`` pairs whose row is selected, with rows counted within ``sel``.

    ``sel`` is a slice with a start and stop, or ascending row indices.
    """
    rows = pairs[:, 0]
    if isinstance(sel, slice):
        inside = (rows >= sel.start) & (rows < sel.stop)
        return rows[inside] - sel.start, pairs[inside, 1]
    if not len(sel):
        return rows[:0], pairs[:0, 1]
    local = np.minimum(np.searchsorted(sel, rows), len(sel) - 1)
    inside = sel[local] == rows
    return local[inside], pairs[inside, 1]


@dataclass(frozen=True)
class _KindTables:
    """Score parts of one person kind, over the peers that kind may take (``cols``)."""

    cols: IntArray
    wishes: ScoreArray  # base + free hours + gender, age band, language: one row per combo
    units: ScoreArray  # one row per unit (or none)
    tags: ScoreArray  # shared experiences: one row per distinct set of wanted tags
    known: IntArray  # (row, position in cols): the person knows the peer
    declined: IntArray  # (row, position in cols): the peer declined the referral


class Scorer:
    """Scores referrals against a pool: :meth:`scores` by band, :meth:`explain` by pair."""

    def __init__(
        self,
        pool: PeerPool,
        referrals: Sequence[ReferralProfile],
        weights: Weights,
        hours_per_course: float | None,
    ) -> None:
        for r in referrals:
            if r.person_kind not in ALLOWED_PEER_KINDS:
                raise ValueError(f"unknown person kind {r.person_kind!r}")
        self.pool, self.refs, self.hours_per_course = pool, referrals, hours_per_course
        self.m = m = {name: milli(value) for name, value in weights.as_dict().items()}
        self.capacity_ok = pool.has_capacity(hours_per_course)
        self.free_points = np.rint(
            m["free_hour"] * np.minimum(np.maximum(pool.free_hours, 0.0), weights.free_hours_cap),
        ).astype(np.int64)
        weeks = np.array([max(r.waiting_days, 0) // 7 for r in referrals], dtype=np.float64)
        wait = np.rint(m["waiting_week"] * np.minimum(weeks, weights.waiting_weeks_cap))
        # Every positive part at its largest: below 2**28 (268,000 points) int32 is exact.
        bound = (
            m["base"]
            + int(self.free_points.max(initial=0))
            + m["gender"]
            + m["age_band"]
            + m["language"]
            + m["unit"]
            + m["continuity"]
            + m["shared_experience"] * len(pool.tag_bit)
            + int(wait.max(initial=0))
        )
        small = bound < -_NEG32
        self.dtype: np.dtype[np.signedinteger[Any]] = np.dtype(np.int32 if small else np.int64)
        self.neg = _NEG32 if small else _NEG64
        self.wait_points = wait.astype(self.dtype)

        # Each row's index into its kind's tables; rows of one kind share the tables.
        self._wish_index = np.zeros(len(referrals), np.intp)
        self._unit_index = np.zeros(len(referrals), np.intp)
        self._tag_index = np.zeros(len(referrals), np.intp)
        kinds = {r.person_kind for r in referrals}
        self._tables = {kind: self._kind_tables(kind) for kind in sorted(kinds)}
        self.bands: list[Band] = []
        self._band_kind: list[str] = []
        start = 0
        for stop in range(1, len(referrals) + 1):
            kind = referrals[start].person_kind
            if stop == len(referrals) or referrals[stop].person_kind != kind:
                self._band_kind.append(kind)
                self.bands.append(Band(start, stop, self._tables[kind].cols))
                start = stop

    def _kind_tables(self, kind: str) -> _KindTables:
        pool, m, dtype, neg = self.pool, self.m, self.dtype, self.neg
        allowed = np.isin(pool.kind, list(ALLOWED_PEER_KINDS[kind]))
        cols = np.flatnonzero(allowed & ~pool.paused & self.capacity_ok).astype(np.int64)
        rows = np.array(
            [i for i, r in enumerate(self.refs) if r.person_kind == kind], dtype=np.int64
        )
        refs = [self.refs[i] for i in rows]

        def wish_rows(
            keys: Iterable[tuple[str, bool]], match: Callable[[str], BoolArray], points: int
        ) -> tuple[IntArray, npt.NDArray[np.intp]]:
            """One row per distinct (wish, required): points if met, else 0 or a block."""
            values, index = _distinct(keys)
            table = np.zeros((len(values), len(cols)), np.int64)
            for n, (value, required) in enumerate(values):
                if value:
                    table[n] = np.where(match(value)[cols], points, neg if required else 0)
            return table, index

        gender, gender_index = wish_rows(
            ((r.gender_wish, r.gender_required) for r in refs),
            lambda value: np.asarray(pool.gender == value),
            m["gender"],
        )
        age_band, age_index = wish_rows(
            ((r.age_band_wish, r.age_band_required) for r in refs),
            lambda value: np.asarray(pool.age_band == value),
            m["age_band"],
        )
        language, language_index = wish_rows(
            ((r.language, r.language_required) for r in refs), pool.speaks, m["language"]
        )
        # The three wishes and the peer's own points (base, free hours) in one table.
        combos, self._wish_index[rows] = _distinct(
            zip(gender_index.tolist(), age_index.tolist(), language_index.tolist(), strict=True)
        )
        g, a, lang = np.array(combos, dtype=np.intp).reshape(-1, 3).T
        wishes = m["base"] + self.free_points[cols] + gender[g] + age_band[a] + language[lang]
        units, self._unit_index[rows] = _distinct(r.unit_id for r in refs)
        unit_rows = [
            np.zeros(len(cols), np.int64)
            if unit is None
            else np.where(pool.on_unit(unit)[cols], m["unit"], 0).astype(np.int64)
            for unit in units
        ]
        tag_sets, self._tag_index[rows] = _distinct(r.wanted_tags for r in refs)
        wanted = np.stack([pool.encode(tags) for tags in tag_sets])
        shared = np.zeros((len(tag_sets), len(cols)), np.int64)
        for w in range(len(pool.tag_words)):
            shared += np.bitwise_count(wanted[:, w, None] & pool.tag_words[w][None, cols])

        position = {int(j): p for p, j in enumerate(cols)}

        def pairs(peer_ids: Iterable[tuple[int, frozenset[int]]]) -> IntArray:
            found = [
                (int(i), position[pool.index[pid]])
                for i, ids in peer_ids
                for pid in ids
                if pid in pool.index and pool.index[pid] in position
            ]
            return np.array(found, dtype=np.int64).reshape(-1, 2)

        return _KindTables(
            cols=cols,
            wishes=wishes.astype(dtype),
            units=np.stack(unit_rows).astype(dtype),
            tags=(shared * m["shared_experience"]).astype(dtype),
            known=pairs((i, r.known_peer_ids) for i, r in zip(rows, refs, strict=True)),
            declined=pairs((i, r.excluded_peer_ids) for i, r in zip(rows, refs, strict=True)),
        )

    def scores(self, band: int, at: slice | IntArray) -> ScoreArray:
        """Scores of the band's rows ``at`` (a slice or ascending indices, all in the band)
        against ``bands[band].cols``; a score <= 0 means the pair is infeasible."""
        t = self._tables[self._band_kind[band]]
        out = t.wishes[self._wish_index[at]]
        out += t.units[self._unit_index[at]]
        out += t.tags[self._tag_index[at]]
        out += self.wait_points[at, None]
        local, pos = _local_pairs(t.known, at)
        out[local, pos] += self.m["continuity"]
        local, pos = _local_pairs(t.declined, at)
        out[local, pos] += self.neg
        return out

    def rows(self, start: int, stop: int) -> IntArray:
        """Scores of referrals ``start:stop`` against every peer of the pool (int64);
        a score <= 0 means the pair is infeasible."""
        out = np.full((stop - start, len(self.pool)), -1, np.int64)
        for b, band in enumerate(self.bands):
            lo, hi = max(start, band.start), min(stop, band.stop)
            if lo < hi and len(band.cols):
                out[lo - start : hi - start, band.cols] = self.scores(b, slice(lo, hi))
        return out

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
