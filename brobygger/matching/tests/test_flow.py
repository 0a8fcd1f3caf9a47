"""Tests of the exact b-matching layer: re-optimising after added edges reaches the same
optimum as solving from scratch, and the chunked top-k selection keeps the k best."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from brobygger.matching.flow import duals, reoptimise, solve
from brobygger.matching.solver import top_columns

from .engine_helpers import FAST

pytestmark = pytest.mark.timeless


@st.composite
def graphs(draw: st.DrawFn) -> tuple[int, int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n_rows, n_cols = draw(st.integers(1, 12)), draw(st.integers(1, 6))
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n_rows - 1), st.integers(0, n_cols - 1)),
            min_size=1,
            max_size=n_rows * n_cols,
            unique=True,
        )
    )
    weights = draw(st.lists(st.integers(1, 40), min_size=len(pairs), max_size=len(pairs)))
    capacity = draw(st.lists(st.integers(0, 3), min_size=n_cols, max_size=n_cols))
    rows, cols = (np.array(x, dtype=np.int64) for x in zip(*pairs, strict=True))
    return n_rows, n_cols, rows, cols, np.array(weights, np.int64), np.array(capacity, np.int64)


@FAST
@given(graphs(), st.integers(0, 2**16))
def test_reoptimise_after_added_edges_reaches_the_fresh_optimum(graph, seed) -> None:
    n_rows, n_cols, rows, cols, weights, capacity = graph
    order = np.random.default_rng(seed).permutation(len(rows))
    rows, cols, weights = rows[order], cols[order], weights[order]
    first = max(1, len(rows) // 2)  # the edges known before; the rest come later
    chosen = solve(n_rows, n_cols, rows[:first], cols[:first], weights[:first], capacity)
    u, v = duals(n_rows, n_cols, rows[:first], cols[:first], weights[:first], chosen, capacity)
    # As in max_weight_matching: only the pairs the prices do not cover are added.
    late = np.arange(first, len(rows))
    added = late[weights[late] > u[rows[late]] + v[cols[late]]]
    keep = np.concatenate([np.arange(first), added])
    rows, cols, weights = rows[keep], cols[keep], weights[keep]
    repaired = reoptimise(n_rows, n_cols, rows, cols, weights, chosen, capacity, u, v)
    fresh = solve(n_rows, n_cols, rows, cols, weights, capacity)
    assert weights[repaired].sum() == weights[fresh].sum()
    assert np.bincount(rows[repaired], minlength=n_rows).max(initial=0) <= 1
    assert (np.bincount(cols[repaired], minlength=n_cols) <= capacity).all()
    # The repaired matching has prices proving it optimal on all the edges.
    u2, v2 = duals(n_rows, n_cols, rows, cols, weights, repaired, capacity)
    assert int(weights[repaired].sum()) == int(u2.sum()) + int(capacity @ v2)


@FAST
@given(
    st.integers(1, 30),
    st.integers(1, 400),
    st.integers(0, 2**16),
    st.sampled_from((np.int32, np.int64)),
)
def test_top_columns_keeps_the_k_largest(k: int, width: int, seed: int, dtype: type) -> None:
    if k >= width:
        k = max(1, width - 1)
    if width < 2:
        return
    rng = np.random.default_rng(seed)
    # Few distinct values, so ties at the cut-off are common.
    block: np.ndarray = rng.integers(-5, 12, size=(7, width)).astype(dtype)
    pos, vals = top_columns(block, k)
    assert pos.shape == vals.shape == (7, k)
    expected = -np.sort(-block, axis=1)[:, :k]
    assert (np.sort(vals, axis=1)[:, ::-1] == expected).all()
    assert (np.take_along_axis(block, pos, axis=1) == vals).all()
    assert all(len(set(row)) == k for row in pos.tolist())  # no column twice
    assert (vals[:, 0] == expected[:, -1]).all()  # column 0 holds the k-th largest
