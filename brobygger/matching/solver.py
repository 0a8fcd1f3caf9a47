"""Exact maximum-weight b-matching of a dense score function, certified by LP duality.

Rows (referrals) take at most one column (peer); column ``j`` takes at most ``capacity[j]``
rows. The rows come in *bands* (:class:`Band`): runs of rows that may only take the band's
columns; :class:`BandScores` gives the integer scores of a band's rows against its columns,
where a score <= 0 means "not allowed" (and every column outside the band is not allowed).
:func:`max_weight_matching` maximises the total score:

1. keep each row's ``top_k`` best columns as a sparse graph (:func:`candidates`);
2. solve that graph exactly with OR-Tools' min-cost flow (:func:`flow.solve`);
3. derive LP dual prices ``u`` (rows) and ``v`` (columns) for it (:func:`flow.duals`);
4. rescan the pairs left out (:func:`violations`, only the rows :func:`suspect_rows` cannot
   rule out): if no pair has ``score > u_i + v_j`` and ``sum(u) + capacity @ v`` equals the
   matched total, the matching is optimal for the full problem by weak duality, whatever
   produced it.  Otherwise add the violating pairs, re-optimise (:func:`flow.reoptimise`
   when few rows are affected, else solve again) and repeat from 3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from .flow import BoolArray, IntArray, SolverError, duals, reoptimise, solve

__all__ = [
    "BLOCK_ROWS",
    "REOPTIMISE_ROWS",
    "Band",
    "BandScores",
    "Candidates",
    "SolverError",
    "candidates",
    "max_weight_matching",
    "suspect_rows",
    "top_columns",
    "violations",
]

BLOCK_ROWS = 256  # rows scored per numpy block: fits in cache, measured fastest
# Above this many rows with violated pairs, solving again beats re-optimising: one
# OR-Tools solve of the benchmark's graph costs about as much as 20-30 Dijkstra runs.
REOPTIMISE_ROWS = 16
_CHUNK = 8  # columns per chunk in top_columns' first pass (8 and 16 measured fastest)


@dataclass(frozen=True)
class Band:
    """Rows ``start:stop`` and the only columns (ascending) that any of them may take."""

    start: int
    stop: int
    cols: IntArray


class BandScores(Protocol):
    @property
    def bands(self) -> Sequence[Band]: ...

    def scores(self, band: int, at: slice | IntArray) -> npt.NDArray[np.signedinteger[Any]]:
        """Scores of rows ``at`` of band number ``band`` against the band's columns."""
        ...


@dataclass
class Candidates:
    """Each row's best ``top_k`` allowed columns, as flat edge arrays."""

    rows: IntArray
    cols: IntArray
    points: IntArray
    threshold: IntArray  # lowest score kept per row (-1 when every column was kept)
    any_allowed: BoolArray  # row has at least one allowed column at all


def _cat(parts: list[IntArray]) -> IntArray:
    return np.concatenate(parts).astype(np.int64) if parts else np.zeros(0, np.int64)


def top_columns(
    block: npt.NDArray[np.signedinteger[Any]], k: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.signedinteger[Any]]]:
    """Positions and values of each row's ``k`` largest entries (``0 < k < width``); column
    0 of both holds the ``k``-th largest, so every entry left out is at most that value.

    Chunk maxima first: the ``k`` largest entries of a row lie in the ``k`` chunks with the
    largest maxima (any entry elsewhere is at most ``k`` distinct chunk maxima, so at best the
    ``k+1``-th), and the ``k``-th largest of those chunks is the row's ``k``-th largest. A
    full ``argpartition`` of 1,500 columns took 25 ns an entry; this takes 3-4.
    """
    n, width = block.shape
    chunks = width // _CHUNK
    if chunks <= 2 * k:
        top = np.argpartition(block, width - k, axis=1)[:, width - k :]
        return top, np.take_along_axis(block, top, axis=1)
    full = chunks * _CHUNK
    maxima = block[:, :full].reshape(n, chunks, _CHUNK).max(axis=2)
    if full < width:
        maxima = np.concatenate([maxima, block[:, full:].max(axis=1, keepdims=True)], axis=1)
    best = np.argpartition(maxima, maxima.shape[1] - k, axis=1)[:, -k:]
    pos = (best[:, :, None] * _CHUNK + np.arange(_CHUNK)).reshape(n, k * _CHUNK)
    beyond = pos >= width  # the last chunk may be short
    pos[beyond] = width - 1
    values = np.take_along_axis(block, pos, axis=1)
    values[beyond] = np.iinfo(values.dtype).min
    top = np.argpartition(values, k * _CHUNK - k, axis=1)[:, -k:]
    return np.take_along_axis(pos, top, axis=1), np.take_along_axis(values, top, axis=1)


def candidates(source: BandScores, n_rows: int, top_k: int) -> Candidates:
    """Scan all rows in blocks and keep each row's ``top_k`` best allowed columns."""
    rows, cols, points = [], [], []
    threshold = np.full(n_rows, -1, np.int64)
    any_allowed = np.zeros(n_rows, np.bool_)
    for b, band in enumerate(source.bands):
        width = len(band.cols)
        if not width:
            continue
        k = min(max(1, top_k), width)
        for start in range(band.start, band.stop, BLOCK_ROWS):
            stop = min(start + BLOCK_ROWS, band.stop)
            block = source.scores(b, slice(start, stop))
            if k < width:
                top, vals = top_columns(block, k)
                threshold[start:stop] = vals[:, 0]
            else:
                top, vals = np.broadcast_to(np.arange(width), block.shape), block
            any_allowed[start:stop] = vals.max(axis=1) > 0
            keep = vals > 0
            rows.append(np.nonzero(keep)[0] + start)
            cols.append(band.cols[top[keep]])
            points.append(vals[keep])
    return Candidates(_cat(rows), _cat(cols), _cat(points), threshold, any_allowed)


def suspect_rows(bands: Sequence[Band], threshold: IntArray, u: IntArray, v: IntArray) -> IntArray:
    """The rows that may still hold a violated pair, ascending.

    Dual prices from :func:`flow.duals` leave no candidate edge violated; a pair outside the
    row's band is not allowed (score <= 0 <= u_i + v_j); every other pair left out scores at
    most the row's ``threshold`` (the lowest score it kept; -1 when it kept every column).
    Such a pair is violated only if ``threshold_i > u_i + v_j >= u_i + min(v over the
    band)``: the other rows need no rescan (issue 19).
    """
    floor = np.zeros(len(threshold), np.int64)
    for band in bands:
        if len(band.cols):
            floor[band.start : band.stop] = v[band.cols].min()
    return np.flatnonzero(threshold > u + floor)


def violations(
    source: BandScores,
    u: IntArray,
    v: IntArray,
    per_row: int,
    suspects: IntArray,
) -> tuple[IntArray, IntArray, IntArray]:
    """Pairs with ``score > u_i + v_j`` in the rows ``suspects`` (ascending), up to
    ``per_row`` per row (most violated first).

    As ``u, v >= 0`` only allowed pairs (score > 0) can qualify. The caller has proven that
    no other row can hold a violated pair (see :func:`suspect_rows`).
    """
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    points: list[IntArray] = []
    bands = source.bands
    for b, band in enumerate(bands):
        lo, hi = np.searchsorted(suspects, [band.start, band.stop])
        width = len(band.cols)
        if lo == hi or not width:
            continue
        k = min(per_row, width)
        band_v = v[band.cols]
        for at in (suspects[i : min(i + BLOCK_ROWS, hi)] for i in range(lo, hi, BLOCK_ROWS)):
            block = source.scores(b, at)
            slack = block - band_v[None, :] - u[at, None]
            bad = np.flatnonzero(slack.max(axis=1) > 0)
            if not len(bad):
                continue
            slack, block = slack[bad], block[bad]
            if k < width:
                top, top_slack = top_columns(slack, k)
            else:
                top, top_slack = np.broadcast_to(np.arange(width), slack.shape), slack
            keep = top_slack > 0
            rows.append(at[bad[np.nonzero(keep)[0]]])
            cols.append(band.cols[top[keep]])
            points.append(np.take_along_axis(block, top, axis=1)[keep])
    return _cat(rows), _cat(cols), _cat(points)


def max_weight_matching(
    source: BandScores,
    n_rows: int,
    capacity: IntArray,
    top_k: int,
) -> tuple[dict[int, tuple[int, int]], Candidates]:
    """Return a proven optimum as ``{row: (col, score)}``, plus the first candidate scan."""
    n_cols = len(capacity)
    cand = candidates(source, n_rows, top_k)
    rows, cols, points = cand.rows, cand.cols, cand.points
    per_row = max(1, top_k)
    # Each row keeps its best allowed column, so no edge at all means nothing is allowed.
    chosen = np.zeros(0, np.bool_)
    u, v = np.zeros(n_rows, np.int64), np.zeros(n_cols, np.int64)
    if len(rows):
        chosen = solve(n_rows, n_cols, rows, cols, points, capacity)
    while len(rows):
        u, v = duals(n_rows, n_cols, rows, cols, points, chosen, capacity)
        suspects = suspect_rows(source.bands, cand.threshold, u, v)
        new_rows, new_cols, new_points = violations(source, u, v, per_row, suspects)
        if not len(new_rows):
            break
        per_row *= 2  # a row that needed more than its list may need many more
        rows = np.concatenate([rows, new_rows])
        cols = np.concatenate([cols, new_cols])
        points = np.concatenate([points, new_points])
        if len(np.unique(new_rows)) <= REOPTIMISE_ROWS:
            chosen = reoptimise(n_rows, n_cols, rows, cols, points, chosen, capacity, u, v)
        else:
            chosen = solve(n_rows, n_cols, rows, cols, points, capacity)
    matched = int(points[chosen].sum())
    if matched != int(u.sum()) + int(capacity @ v):
        raise SolverError("primal and dual totals differ; optimum not proven")
    match = {
        int(i): (int(j), int(p))
        for i, j, p in zip(rows[chosen], cols[chosen], points[chosen], strict=True)
    }
    return match, cand
