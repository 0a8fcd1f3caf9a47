"""Exact maximum-weight b-matching on an explicit edge list, with its LP dual prices.

Rows take at most one column, column ``j`` at most ``capacity[j]`` rows, edges are unique
``(row, col)`` pairs with positive integer weights. :func:`solve` solves from scratch with
OR-Tools' min-cost flow; :func:`duals` prices a solution (and fails if it is not optimal);
:func:`reoptimise` repairs a priced optimum after a few edges were added, which is far
cheaper than solving again when only a handful of rows are affected (issue 19).

The network of both: source -> row (capacity 1) -> col (capacity 1, cost -weight) -> sink
(capacity ``capacity[j]``), plus a source -> sink arc for the rows left unplaced.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from ortools.graph.python import min_cost_flow
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


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
    """Return a boolean mask over the edges that marks a maximum-weight b-matching."""
    n_edges = len(rows)
    if n_edges == 0:
        return np.zeros(0, dtype=np.bool_)
    # Dividing every weight by their common divisor leaves the optimal matchings as they are
    # and shortens OR-Tools' cost scaling: the default weights are all multiples of 50 milli
    # points, which took a quarter off the solve.
    unit = int(np.gcd.reduce(weights))
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
            -(weights.astype(np.int64) // unit),
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


def reoptimise(
    n_rows: int,
    n_cols: int,
    rows: IntArray,
    cols: IntArray,
    weights: IntArray,
    chosen: BoolArray,
    capacity: IntArray,
    u: IntArray,
    v: IntArray,
) -> BoolArray:
    """Return an optimal mask over all edges, from ``chosen`` and its prices ``(u, v)``.

    ``chosen`` (shorter than the edge list when edges were appended) must be optimal on
    the edges that ``(u, v)`` price feasibly, with ``(u, v)`` from :func:`duals`; the edges
    with ``weight > u_row + v_col`` are the new ones. Successive shortest paths (Ahuja,
    Magnanti & Orlin, *Network Flows*, ch. 9): row prices go up until every edge is priced
    feasibly, which unplaces the rows whose new edges pay better (one unit of excess each);
    each excess unit then moves along a shortest path of reduced costs (scipy's Dijkstra)
    to where a unit is missing, and the node prices follow the distances. A round is one
    Dijkstra of the whole network and moves one unit per shortest-path tree; on the
    benchmark a round cost about as much as 1/40 of a fresh OR-Tools solve and moved two or
    three units, so it pays for a few rows, not for thousands.
    """
    n = n_rows
    source, sink = n + n_cols, n + n_cols + 1
    w = weights.astype(np.int64)
    chosen = np.concatenate([chosen, np.zeros(len(rows) - len(chosen), np.bool_)])
    price = np.zeros(sink + 1, np.int64)  # node potentials: u for rows, -v for cols
    price[:n], price[n:source] = u, -v
    placed = np.zeros(n, np.bool_)
    placed[rows[chosen]] = True
    inflow = placed.copy()  # flow on source -> row
    out = np.bincount(cols[chosen], minlength=n_cols).astype(np.int64)  # flow on col -> sink
    bypass = n - int(placed.sum())  # flow on source -> sink
    excess = np.zeros(sink + 1, np.int64)

    best = np.zeros(n, np.int64)
    np.maximum.at(best, rows, w - v[cols])
    raised = best > u
    price[:n] = np.maximum(u, best)
    dropped = chosen & raised[rows]
    chosen &= ~dropped
    excess[rows[dropped]] += 1
    np.subtract.at(excess, n + cols[dropped], 1)
    newcomers = np.flatnonzero(raised & ~placed)
    inflow[newcomers] = True
    excess[newcomers] += 1
    excess[source] -= len(newcomers)

    # The residual network has a fixed set of arcs: both directions of every edge and of the
    # source and sink arcs. Each round prices the usable ones with their reduced cost and
    # gives the others an infinite length, in buffers laid out once in CSR order (fresh
    # arrays of this size each round cost more in page faults than in arithmetic).
    n_edges = len(rows)
    row_ids = np.arange(n, dtype=np.int64)
    col_ids = n + np.arange(n_cols, dtype=np.int64)
    ends = np.array([source, sink])
    tails = np.concatenate(
        [rows, n + cols, row_ids, np.full(n, source), col_ids, np.full(n_cols, sink), ends]
    )
    heads = np.concatenate(
        [n + cols, rows, np.full(n, source), row_ids, np.full(n_cols, sink), col_ids, ends[::-1]]
    )
    # Arc kinds by position in tails/heads: place, unplace (edges); leave, enter (source ->
    # row and back); fill, free (col -> sink and back); bypass, unbypass. Arcs of kinds
    # 2k and 2k+1 at the same index are each other's reverse.
    bounds = np.cumsum([0, n_edges, n_edges, n, n, n_cols, n_cols, 1, 1])
    arc_ids = np.arange(len(tails), dtype=np.float64)  # exact below 2**53
    layout = csr_matrix((arc_ids, (tails, heads)), shape=(sink + 1, sink + 1))
    indptr, indices = layout.indptr, layout.indices
    order = layout.data.astype(np.int64)  # the arc at each CSR position
    position = np.empty(len(order), np.int64)
    position[order] = np.arange(len(order))
    tails_o, cost_o = tails[order], np.zeros(len(order), np.int64)
    cost_o[position[:n_edges]] = -w  # place a row on a column
    cost_o[position[n_edges : 2 * n_edges]] = w  # take a row off its column
    usable_o = np.concatenate(
        [~chosen, chosen, inflow, ~inflow, out < capacity, out > 0, [bypass < n, bypass > 0]]
    )[order]
    reduced = np.empty(len(order), np.int64)
    scratch = np.empty(len(order), np.int64)
    length = np.empty(len(order), np.float64)

    def refresh(pair: int, index: int) -> None:
        """Usability of the arc pair ``pair`` (0: edges, 1: source, 2: sink, 3: bypass)."""
        forward, backward = (position[bounds[2 * pair + d] + index] for d in (0, 1))
        if pair == 0:
            usable_o[forward], usable_o[backward] = not chosen[index], chosen[index]
        elif pair == 1:
            usable_o[forward], usable_o[backward] = inflow[index], not inflow[index]
        elif pair == 2:
            usable_o[forward], usable_o[backward] = out[index] < capacity[index], out[index] > 0
        else:
            usable_o[forward], usable_o[backward] = bypass < n, bypass > 0

    while (excess > 0).any():
        np.take(price, tails_o, out=reduced)
        np.add(reduced, cost_o, out=reduced)
        np.take(price, indices, out=scratch)
        np.subtract(reduced, scratch, out=reduced)
        if ((reduced < 0) & usable_o).any():
            raise SolverError("re-optimisation lost its dual feasibility")
        np.copyto(length, reduced)
        np.copyto(length, np.inf, where=~usable_o)
        graph = csr_matrix((length, indices, indptr), shape=(sink + 1, sink + 1))
        dist, pred, tree = dijkstra(
            graph,
            directed=True,
            indices=np.flatnonzero(excess > 0),
            min_only=True,
            return_predecessors=True,
        )
        # Every node hangs in the shortest-path tree of its nearest excess node, so paths
        # in different trees share no node: each tree sends its unit to its nearest deficit
        # in the same round. Prices shifted by min(dist, reach) keep every reduced cost >= 0
        # and make all those paths cost 0, as one path at a time would (integer lengths far
        # below 2**53: the float64 distances are exact).
        deficits = np.flatnonzero((excess < 0) & np.isfinite(dist))
        deficits = deficits[np.argsort(dist[deficits], kind="stable")]
        _, first = np.unique(tree[deficits], return_index=True)
        targets = deficits[np.sort(first)]
        if not len(targets):
            raise SolverError("re-optimisation found no path for an unplaced row")
        reach = dist[targets[-1]]
        closer = dist < reach
        price[closer] -= (reach - dist[closer]).astype(np.int64)
        for target in targets.tolist():
            node = target
            while pred[node] >= 0:
                tail = int(pred[node])
                lo, hi = indptr[tail], indptr[tail + 1]
                # The usable arc tail -> node: no tail has two arcs to one head.
                at = lo + int(np.flatnonzero((indices[lo:hi] == node) & usable_o[lo:hi])[0])
                arc = int(order[at])
                kind = int(np.searchsorted(bounds, arc, side="right")) - 1
                index = arc - int(bounds[kind])
                if kind < 2:
                    chosen[index] = kind == 0
                elif kind < 4:
                    inflow[index] = kind == 3
                elif kind < 6:
                    out[index] += 1 if kind == 4 else -1
                else:
                    bypass += 1 if kind == 6 else -1
                refresh(kind // 2, index)
                node = tail
            excess[node] -= 1
            excess[target] += 1

    per_row = np.bincount(rows[chosen], minlength=n)
    if (
        (per_row > 1).any()
        or (per_row != inflow).any()
        or (np.bincount(cols[chosen], minlength=n_cols) != out).any()
        or (out > capacity).any()
    ):
        raise SolverError("re-optimisation left an inconsistent flow")
    return chosen
