"""Exact maximum-weight b-matching of a dense score function, certified by LP duality.

Rows (referrals) take at most one column (peer); column ``j`` takes at most ``capacity[j]``
rows; ``score_rows(start, stop)`` gives integer scores of rows ``start:stop`` against all
columns, where a score <= 0 means "not allowed".  :func:`max_weight_matching` maximises the
total score:

1. keep each row's ``top_k`` best columns as a sparse graph (:func:`candidates`);
2. solve that graph exactly with OR-Tools' min-cost flow (:func:`solve`);
3. derive LP dual prices ``u`` (rows) and ``v`` (columns) for it (:func:`duals`);
4. rescan all pairs (:func:`violations`): if no pair has ``score > u_i + v_j`` and
   ``sum(u) + capacity @ v`` equals the matched total, the matching is optimal for the full
   problem by weak duality, whatever produced it.  Otherwise add the violating pairs and
   repeat from 2.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
RowScores = Callable[[int, int], IntArray]
RowsAt = Callable[[IntArray], IntArray]

BLOCK_ROWS = 256  # rows scored per numpy block: fits in cache, measured fastest


class SolverError(RuntimeError):
    """The solver failed or its answer could not be certified as optimal."""


def solve(
    n_rows: int,
    n_cols: int,
    rows: IntArray,
    cols: IntArray,
    weights: IntArray,
    capacity: IntArray,
) -> BoolArray:
    """Return a boolean mask over the edges that marks a maximum-weight b-matching.

    Edges must be unique ``(row, col)`` pairs with positive integer weights.
    """
    n_edges = len(rows)
    if n_edges == 0:
        return np.zeros(0, dtype=np.bool_)
    # Nodes: source, rows, cols, sink.  The source->sink arc carries the flow of unplaced rows,
    # so the flow is always feasible and only profitable row->col arcs are used.
    source, sink = 0, n_rows + n_cols + 1
    row_node = 1 + np.arange(n_rows, dtype=np.int64)
    col_node = 1 + n_rows + np.arange(n_cols, dtype=np.int64)
    tails = np.concatenate([np.zeros(n_rows, np.int64), 1 + rows, col_node, [source]])
    heads = np.concatenate([row_node, 1 + n_rows + cols, np.full(n_cols, sink), [sink]])
    caps = np.concatenate(
        [
            np.ones(n_rows, np.int64),
            np.ones(n_edges, np.int64),
            capacity.astype(np.int64),
            [n_rows],
        ]
    )
    costs = np.concatenate(
        [
            np.zeros(n_rows, np.int64),
            -weights.astype(np.int64),
            np.zeros(n_cols + 1, np.int64),
        ]
    )
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        tails.astype(np.int32),
        heads.astype(np.int32),
        caps,
        costs,
    )
    flow.set_node_supply(source, n_rows)
    flow.set_node_supply(sink, -n_rows)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise SolverError(f"min-cost flow ended with status {status}")
    edge_arcs = (n_rows + np.arange(n_edges)).astype(np.int32)
    return np.asarray(flow.flows(edge_arcs), dtype=np.int64) > 0


def duals(
    n_rows: int,
    n_cols: int,
    rows: IntArray,
    cols: IntArray,
    weights: IntArray,
    chosen: BoolArray,
    capacity: IntArray,
) -> tuple[IntArray, IntArray]:
    """Return LP dual prices ``(u, v)`` proving that ``chosen`` is optimal on these edges.

    ``v`` is the smallest column price vector such that no row prefers another column of its
    edges to the one it has (and unmatched rows profit from none); it is found as longest paths
    in the "move a row from column j to column k" graph.  A matching that is not optimal shows
    up as a positive cycle or a violated price and raises :class:`SolverError`.
    """
    w = weights.astype(np.int64)
    match_col = np.full(n_rows, -1, np.int64)
    match_w = np.zeros(n_rows, np.int64)
    match_col[rows[chosen]] = cols[chosen]
    match_w[rows[chosen]] = w[chosen]
    matched_row = match_col[rows] >= 0

    # Lower bounds: an unmatched row must not profit from any of its columns.
    floor = np.zeros(n_cols, np.int64)
    free_edges = ~matched_row
    np.maximum.at(floor, cols[free_edges], w[free_edges])

    # v_k >= v_j + (w_rk - w_rj) for a row r matched at j with an edge to k; as shortest paths
    # on d = -v the arc j -> k has length w_rj - w_rk.
    moves = matched_row & ~chosen
    tail = match_col[rows[moves]]
    head = cols[moves]
    length = match_w[rows[moves]] - w[moves]

    v = -_shortest_paths(n_cols, tail, head, length, -floor)
    u = np.where(match_col >= 0, match_w - v[np.maximum(match_col, 0)], 0).astype(np.int64)

    used = np.bincount(cols[chosen], minlength=n_cols)
    if (u < 0).any() or (v[used < capacity] != 0).any():
        raise SolverError("matching is not optimal: improving path found")
    return u, v


def _shortest_paths(
    n_nodes: int,
    tail: IntArray,
    head: IntArray,
    length: IntArray,
    start: IntArray,
) -> IntArray:
    """Bellman-Ford from a virtual origin with an arc of length ``start[k]`` to each node.

    Vectorised rounds over all arcs, stopping as soon as nothing improves.  Shortest paths here
    are short (at most a few dozen arcs on the 10,000 x 2,000 benchmark), so this took ~20 ms
    where scipy's csgraph.bellman_ford took ~260 ms.  Integer lengths keep it exact.
    """
    dist = start.astype(np.int64).copy()
    if not len(tail):
        return dist
    order = np.argsort(head, kind="stable")
    tail, head, length = tail[order], head[order], length[order]
    heads, first = np.unique(head, return_index=True)
    for _ in range(n_nodes + 1):
        best = np.minimum.reduceat(dist[tail] + length, first)
        better = best < dist[heads]
        if not better.any():
            return dist
        dist[heads[better]] = best[better]
    raise SolverError("matching is not optimal: improving cycle found")


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


def candidates(score_rows: RowScores, n_rows: int, n_cols: int, top_k: int) -> Candidates:
    """Scan all rows in blocks and keep each row's ``top_k`` best allowed columns."""
    k = min(max(1, top_k), n_cols)
    rows, cols, points = [], [], []
    threshold = np.full(n_rows, -1, np.int64)
    any_allowed = np.zeros(n_rows, np.bool_)
    for start in range(0, n_rows if n_cols else 0, BLOCK_ROWS):
        stop = min(start + BLOCK_ROWS, n_rows)
        block = score_rows(start, stop)
        any_allowed[start:stop] = (block > 0).any(axis=1)
        if k < n_cols:
            top = np.argpartition(block, n_cols - k, axis=1)[:, n_cols - k :]
            threshold[start:stop] = np.take_along_axis(block, top[:, :1], axis=1)[:, 0]
        else:
            top = np.broadcast_to(np.arange(n_cols), block.shape)
        vals = np.take_along_axis(block, top, axis=1)
        keep = vals > 0
        rows.append(np.nonzero(keep)[0] + start)
        cols.append(top[keep])
        points.append(vals[keep])
    return Candidates(_cat(rows), _cat(cols), _cat(points), threshold, any_allowed)


def violations(
    score_rows: RowScores,
    n_rows: int,
    n_cols: int,
    u: IntArray,
    v: IntArray,
    per_row: int,
    *,
    suspects: IntArray | None = None,
    score_at: RowsAt | None = None,
) -> tuple[IntArray, IntArray, IntArray]:
    """Pairs with ``score > u_i + v_j``, up to ``per_row`` per row (most violated first).

    As ``u, v >= 0`` only allowed pairs (score > 0) can qualify. With ``suspects`` (ascending
    row indices) and ``score_at`` only those rows are scored: the caller has proven that no
    other row can hold a violated pair (see :func:`suspect_rows`).
    """
    rows: list[IntArray] = []
    cols: list[IntArray] = []
    points: list[IntArray] = []
    k = min(per_row, n_cols)
    if not n_cols:
        return _cat(rows), _cat(cols), _cat(points)
    if suspects is not None and score_at is not None:
        chunks = [suspects[i : i + BLOCK_ROWS] for i in range(0, len(suspects), BLOCK_ROWS)]
    else:
        chunks = [np.arange(i, min(i + BLOCK_ROWS, n_rows)) for i in range(0, n_rows, BLOCK_ROWS)]
    for at in chunks:
        if score_at is not None and suspects is not None:
            block = score_at(at)
        else:
            block = score_rows(int(at[0]), int(at[-1]) + 1)
        slack = block - v[None, :] - u[at, None]
        bad = np.flatnonzero((slack > 0).any(axis=1))
        if not len(bad):
            continue
        slack, block = slack[bad], block[bad]
        top = np.argpartition(slack, n_cols - k, axis=1)[:, n_cols - k :]
        keep = np.take_along_axis(slack, top, axis=1) > 0
        rows.append(at[bad[np.nonzero(keep)[0]]])
        cols.append(top[keep])
        points.append(np.take_along_axis(block, top, axis=1)[keep])
    return _cat(rows), _cat(cols), _cat(points)


def suspect_rows(threshold: IntArray, u: IntArray, v: IntArray) -> IntArray:
    """The rows that may still hold a violated pair, ascending.

    Dual prices from :func:`duals` leave no candidate edge violated, and every pair outside
    a row's candidates scores at most the row's ``threshold`` (the lowest score it kept;
    -1 when it kept every column). Such a pair is violated only if
    ``threshold_i > u_i + v_j >= u_i + min(v)``: the other rows need no rescan, which
    spared the full rescan of all pairs after every solve (issue 19).
    """
    floor = int(v.min()) if len(v) else 0
    return np.flatnonzero(threshold > u + floor)


def max_weight_matching(
    score_rows: RowScores,
    n_rows: int,
    capacity: IntArray,
    top_k: int,
    *,
    score_at: RowsAt | None = None,
) -> tuple[dict[int, tuple[int, int]], Candidates]:
    """Return a proven optimum as ``{row: (col, score)}``, plus the first candidate scan.

    ``score_at`` scores rows by index (ascending); given it, the optimality check rescans
    only the rows :func:`suspect_rows` cannot rule out.
    """
    n_cols = len(capacity)
    cand = candidates(score_rows, n_rows, n_cols, top_k)
    rows, cols, points = cand.rows, cand.cols, cand.points
    per_row = max(1, top_k)
    # Each row keeps its best allowed column, so no edge at all means nothing is allowed.
    chosen = np.zeros(0, np.bool_)
    u, v = np.zeros(n_rows, np.int64), np.zeros(n_cols, np.int64)
    while len(rows):
        chosen = solve(n_rows, n_cols, rows, cols, points, capacity)
        u, v = duals(n_rows, n_cols, rows, cols, points, chosen, capacity)
        new_rows, new_cols, new_points = violations(
            score_rows,
            n_rows,
            n_cols,
            u,
            v,
            per_row,
            suspects=suspect_rows(cand.threshold, u, v) if score_at is not None else None,
            score_at=score_at,
        )
        if not len(new_rows):
            break
        per_row *= 2  # every round re-solves from scratch, so keep the rounds few
        rows = np.concatenate([rows, new_rows])
        cols = np.concatenate([cols, new_cols])
        points = np.concatenate([points, new_points])
    matched = int(points[chosen].sum())
    if matched != int(u.sum()) + int(capacity @ v):
        raise SolverError("primal and dual totals differ; optimum not proven")
    match = {
        int(i): (int(j), int(p))
        for i, j, p in zip(rows[chosen], cols[chosen], points[chosen], strict=True)
    }
    return match, cand
