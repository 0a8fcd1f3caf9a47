"""Small-cell suppression: hand examples and two attackers that try to undo it.

The attackers are written here, independently of brobygger.lib.suppress: one
subtracts (a row or column with a single unknown), the other asks a linear
programme for the least and largest value of each "<5" cell given everything
published (totals, non-negative counts, "<5" meaning at most 4).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from brobygger.lib.suppress import (
    HIDDEN,
    SMALL,
    SMALL_CELL,
    SuppressedTable,
    suppress,
    suppress_list,
    suppress_table,
)

# Nothing here depends on the date: `make test-clock` leaves it out (pyproject.toml).
pytestmark = pytest.mark.timeless

# Derandomised so CI is reproducible; no example database written into the tree.
PROPERTY = settings(
    deadline=None,
    max_examples=150,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Mostly small numbers and zeros, the cases that need protecting.
count = st.one_of(st.integers(0, 4), st.integers(1, 4), st.integers(5, 40))


@st.composite
def tables(draw: st.DrawFn) -> list[list[int]]:
    n_rows = draw(st.integers(1, 4))
    n_cols = draw(st.integers(1, 4))
    return [[draw(count) for _ in range(n_cols)] for _ in range(n_rows)]


# --- the published table as an attacker sees it --------------------------------


def extended(counts: list[list[int]]) -> list[list[int]]:
    """Cells with a row-totals column and a column-totals row (grand total in the corner)."""
    rows = [[*row, sum(row)] for row in counts]
    return [*rows, [sum(col) for col in zip(*rows, strict=True)]]


def published(table: SuppressedTable) -> list[list[str]]:
    rows = [[*cells, total] for cells, total in zip(table.cells, table.row_totals, strict=True)]
    return [*rows, [*table.column_totals, table.total]]


def lines(n_rows: int, n_cols: int) -> list[tuple[list[tuple[int, int]], tuple[int, int]]]:
    """Every row and column of the extended table: members add up to the last cell."""
    out = [([(i, j) for j in range(n_cols)], (i, n_cols)) for i in range(n_rows + 1)]
    out += [([(i, j) for i in range(n_rows)], (n_rows, j)) for j in range(n_cols + 1)]
    return out


def lp_ranges(
    shown: list[list[str]], equations: list[tuple[list[tuple[int, int]], tuple[int, int]]]
) -> dict[tuple[int, int], tuple[float, float]]:
    """Least and largest value of every "<5" cell consistent with what is published.

    The attacker knows zeros are shown, so a "<5" cell holds 1 to 4; a dash may hold
    anything."""
    unknown = [
        (i, j) for i, row in enumerate(shown) for j, s in enumerate(row) if s in (SMALL, HIDDEN)
    ]
    index = {p: k for k, p in enumerate(unknown)}
    a_eq, b_eq = [], []
    for members, total in equations:
        coefficients = np.zeros(len(unknown))
        rhs = 0.0
        for (i, j), sign in [(m, 1.0) for m in members] + [(total, -1.0)]:
            if (i, j) in index:
                coefficients[index[(i, j)]] += sign
            else:
                rhs -= sign * int(shown[i][j])
        if coefficients.any():
            a_eq.append(coefficients)
            b_eq.append(rhs)
        else:
            assert rhs == 0  # the published numbers themselves add up
    bounds = [(1, SMALL_CELL - 1) if shown[i][j] == SMALL else (0, None) for i, j in unknown]
    ranges = {}
    for p in unknown:
        if shown[p[0]][p[1]] != SMALL:
            continue
        ends = []
        for direction in (1.0, -1.0):
            c = np.zeros(len(unknown))
            c[index[p]] = direction
            result = linprog(c, A_eq=np.array(a_eq), b_eq=np.array(b_eq), bounds=bounds)
            assert result.status == 0, result.message
            ends.append(direction * result.fun)
        ranges[p] = (ends[0], ends[1])
    return ranges


def subtraction_attack(
    shown: list[list[str]], equations: list[tuple[list[tuple[int, int]], tuple[int, int]]]
) -> dict[tuple[int, int], int]:
    """Repeatedly solve any row or column with one unknown; return the cells recovered."""
    known = {
        (i, j): int(s)
        for i, row in enumerate(shown)
        for j, s in enumerate(row)
        if s not in (SMALL, HIDDEN)
    }
    recovered: dict[tuple[int, int], int] = {}
    progress = True
    while progress:
        progress = False
        for members, total in equations:
            missing = [p for p in (*members, total) if p not in known]
            if len(missing) != 1:
                continue
            p = missing[0]
            rest = sum(known[m] for m in members if m != p)
            known[p] = rest if p == total else known[total] - rest
            recovered[p] = known[p]
            progress = True
    return recovered


def check_table(counts: list[list[int]]) -> SuppressedTable:
    n_rows, n_cols = len(counts), len(counts[0])
    table = suppress_table(
        counts,
        row_labels=[f"r{i}" for i in range(n_rows)],
        column_labels=[f"c{j}" for j in range(n_cols)],
    )
    truth, shown = extended(counts), published(table)
    for i, row in enumerate(truth):
        for j, n in enumerate(row):
            if 0 < n < SMALL_CELL:
                # "<5", or a dash where even "<5" would give it away
                assert shown[i][j] in (SMALL, HIDDEN)
                assert (i, j) in table.hidden
            elif shown[i][j] == HIDDEN:
                assert (i, j) in table.hidden  # a dash promises nothing: never mislabelled
            else:
                assert shown[i][j] == str(n)  # what is shown is the truth
                assert (i, j) not in table.hidden
    equations = lines(n_rows, n_cols)
    recovered = subtraction_attack(shown, equations)
    assert not [p for p in recovered if 0 < truth[p[0]][p[1]] < SMALL_CELL]
    for p, (low, high) in lp_ranges(shown, equations).items():
        assert high - low >= 1 - 1e-6, f"cell {p} pinned at {low}"
    return table


# --- hand examples ---------------------------------------------------------------


def test_lone_number_keeps_its_old_behaviour():
    assert [suppress(n) for n in (0, 1, 4, 5, 12)] == ["0", "<5", "<5", "5", "12"]


def test_table_without_small_cells_is_shown_in_full():
    table = check_table([[5, 6], [7, 0]])
    assert table.cells == [["5", "6"], ["7", "0"]]
    assert table.row_totals == ["11", "7"]
    assert table.column_totals == ["12", "6"]
    assert table.total == "18"
    assert table.hidden == frozenset()


def test_one_small_cell_needs_three_partners():
    # The 2 could be read off its row or its column, so a rectangle is hidden.
    table = check_table([[2, 10, 20], [8, 9, 30], [11, 12, 13]])
    assert table.cells[0][0] == SMALL
    assert table.hidden == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert table.cells == [[SMALL, HIDDEN, "20"], [HIDDEN, HIDDEN, "30"], ["11", "12", "13"]]
    assert table.row_totals == ["32", "47", "36"]
    assert table.total == "115"


def test_small_total_is_suppressed_with_its_cells():
    table = check_table([[1, 2], [10, 20]])
    assert table.row_totals[0] == SMALL
    assert table.cells[0] == [SMALL, SMALL]
    assert table.row_labels == ["r0", "r1"]
    assert table.column_labels == ["c0", "c1"]


def test_known_floor_of_one_gives_nothing_away():
    # With "<5" read as 1 to 4, column totals "<5" and "<5" adding up to 2 would pin both.
    table = check_table([[1, 0, 0, 0], [4, 0, 1, 1]])
    assert table.cells[1][2] == SMALL and table.cells[1][3] == SMALL


def test_a_table_of_ones_is_protected():
    check_table([[1, 1], [1, 1]])
    check_table([[1, 1, 1, 1]])


def test_zeros_stay_shown():
    table = check_table([[0, 3, 9], [0, 7, 8]])
    assert table.cells[0][0] == "0"
    assert table.cells[1][0] == "0"
    assert table.column_totals[0] == "0"


def test_single_small_count_in_a_one_by_one_table():
    table = check_table([[3]])
    assert table.cells == [[SMALL]]
    assert table.row_totals == [SMALL]
    assert table.column_totals == [SMALL]
    assert table.total == SMALL


def test_two_small_cells_filling_their_cap_are_not_given_away():
    # 4 + 4 = 8 with both "<5" would pin both at 4: the 10 must go too.
    cells, total = suppress_list([4, 4, 10])
    assert cells == [SMALL, SMALL, HIDDEN]
    assert total == "18"


def test_list_hides_the_smallest_partner():
    assert suppress_list([3, 40, 7, 0]) == ([SMALL, "40", HIDDEN, "0"], "50")
    assert suppress_list([0, 0, 9]) == (["0", "0", "9"], "9")
    assert suppress_list([2]) == ([SMALL], SMALL)
    assert suppress_list([]) == ([], "0")


def test_threshold_can_be_raised():
    cells, total = suppress_list([7, 20, 30], threshold=10)
    assert cells == ["<10", HIDDEN, "30"]
    assert total == "57"


def test_a_long_table_of_units_is_checked_with_few_linear_programmes(monkeypatch):
    """The funder report's table by unit at scale 100 has hundreds of small cells: each
    check pushes them all at once first instead of solving up to two LPs per cell."""
    import random

    import scipy.optimize

    from brobygger.lib import suppress

    rng = random.Random(5)
    counts = [[rng.choice([0, 1, 2, 3, 4, 6, 9, 14]) for _ in range(4)] for _ in range(120)]
    lps: list[int] = []
    checks: list[tuple[int, int]] = []  # (small cells, LPs) per check
    real_linprog, real_check = scipy.optimize.linprog, suppress._first_pinned

    def counting_linprog(*args, **kwargs):
        lps.append(1)
        return real_linprog(*args, **kwargs)

    def counting_check(values, lines, hidden, primary, threshold):
        before = len(lps)
        found = real_check(values, lines, hidden, primary, threshold)
        checks.append((len(primary), len(lps) - before))
        return found

    monkeypatch.setattr(scipy.optimize, "linprog", counting_linprog)
    monkeypatch.setattr(suppress, "_first_pinned", counting_check)
    small = sum(0 < n < SMALL_CELL for row in counts for n in row)
    table = check_table(counts)  # protected: the attacks in check_table find nothing
    assert small > 150
    assert len(table.hidden) >= small
    assert checks
    assert all(cells >= small for cells, _n in checks)
    assert max(n for _cells, n in checks) <= 20  # one at a time takes over a hundred


def test_bad_input_is_refused():
    with pytest.raises(ValueError):
        suppress_table([[1, 2], [3]], row_labels=["a", "b"], column_labels=["x", "y"])
    with pytest.raises(ValueError):
        suppress_table([[1]], row_labels=["a", "b"], column_labels=["x"])
    with pytest.raises(ValueError):
        suppress_list([3, -1])


# --- properties ------------------------------------------------------------------


@PROPERTY
@given(tables())
def test_no_small_cell_can_be_recovered_from_a_table(counts: list[list[int]]) -> None:
    check_table(counts)


@PROPERTY
@given(st.lists(count, max_size=7))
def test_no_small_cell_can_be_recovered_from_a_list(counts: list[int]) -> None:
    cells, total = suppress_list(counts)
    shown = [[*cells, total]]
    truth = [*counts, sum(counts)]
    for n, s in zip(truth, shown[0], strict=True):
        if 0 < n < SMALL_CELL:
            assert s in (SMALL, HIDDEN)
        elif s != HIDDEN:
            assert s == str(n)
    equations = [([(0, j) for j in range(len(counts))], (0, len(counts)))]
    recovered = subtraction_attack(shown, equations)
    assert not [p for p in recovered if 0 < truth[p[1]] < SMALL_CELL]
    for p, (low, high) in lp_ranges(shown, equations).items():
        assert high - low >= 1 - 1e-6, f"cell {p} pinned at {low}"
