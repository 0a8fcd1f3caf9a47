"""Small-cell suppression for reports: counts under 5 are shown as "<5".

`suppress()` handles a lone number. A table with totals needs more: if a row
shows "<5" next to its other cells and its total, the hidden count is the total
minus the rest. `suppress_table()` and `suppress_list()` therefore add
complementary suppression: other cells are hidden (shown as an en dash) until no small
count can be worked out, neither by subtraction in one row or column nor by
linear reasoning across all of them.

The attacker we protect against knows every published number, that every row
and column adds up to its total, that counts are never negative and that a
"<5" cell holds at most 4. For each small cell we let a linear programme find
the smallest and largest value consistent with all that; if the two coincide,
the cell is pinned and one more cell is hidden. The constraint matrix of a
table with margins is totally unimodular, so the bounds are whole numbers and
the real-valued programme answers the integer question.

Zeros stay shown where they can (nothing to hide), so the attacker also knows
that a "<5" cell holds at least 1: the programme uses 1 to 4 as its bounds. Where
hiding every non-zero cell is not enough, zeros are hidden too (as an en dash,
which promises nothing about the value); and where even that is not enough (a
table of "<5" cells adding up to a "<5" total), the small cells that would still
be pinned are shown as an en dash as well, so the attacker's bounds are 0 and
unlimited and nothing can be worked out.

Policy, the same on every page and file that shows counts to evaluators or outside the
programme (the evaluator's dashboard and home page, the funder report as PDF, XLSX and
CSV, the research export's account of the persons it left out): 1 to 4 is "<5"; 0 is
shown as 0 (k-anonymity protects the few, and "none" identifies nobody); an en dash is a cell
hidden so that a small one cannot be worked out. Every such count goes through this
module (lone counts through `suppress`, breakdowns with totals through `suppress_list`
or `suppress_table`; reports/published.py's Publisher chooses). Coordinators see exact
counts of their own units on their dashboard. reports/tests/test_suppression_everywhere.py
checks that one count reads the same everywhere.

Pure module: no Django import; the translatable legend for templates is in
`brobygger.lib.suppress_words`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

SMALL_CELL = 5
SMALL = f"<{SMALL_CELL}"  # a primary-suppressed cell: 1 to 4
# An en dash: a complementary cell, hidden so that a small number cannot be worked out.
HIDDEN = "\u2013"

Position = tuple[int, int]


def suppress(count: int) -> str:
    """Zero stays 0 (nothing to hide); 1-4 become "<5"."""
    if 0 < count < SMALL_CELL:
        return f"<{SMALL_CELL}"
    return str(count)


@dataclass(frozen=True)
class SuppressedTable:
    row_labels: list[str]
    column_labels: list[str]
    cells: list[list[str]]  # the number, SMALL for a small count, HIDDEN for a complementary cell
    row_totals: list[str]
    column_totals: list[str]
    total: str
    # Row index len(row_labels) is the column-totals row; column index
    # len(column_labels) is the row-totals column.
    hidden: frozenset[Position]


@dataclass(frozen=True)
class _Line:
    """One published equation: the members add up to the total."""

    members: tuple[Position, ...]
    total: Position


def suppress_table(
    counts: Sequence[Sequence[int]],
    *,
    row_labels: Sequence[str],
    column_labels: Sequence[str],
    threshold: int = SMALL_CELL,
) -> SuppressedTable:
    """Suppress small cells of a two-way table and enough others that none can be recovered."""
    n_rows, n_cols = len(row_labels), len(column_labels)
    if len(counts) != n_rows or any(len(row) != n_cols for row in counts):
        raise ValueError("counts must have one row per row label and one cell per column label")
    values: dict[Position, int] = {}
    for i, row in enumerate(counts):
        for j, n in enumerate(row):
            values[(i, j)] = _count(n)
        values[(i, n_cols)] = sum(values[(i, j)] for j in range(n_cols))
    for j in range(n_cols + 1):
        values[(n_rows, j)] = sum(values[(i, j)] for i in range(n_rows))
    lines = [
        _Line(tuple((i, j) for j in range(n_cols)), (i, n_cols)) for i in range(n_rows + 1)
    ] + [_Line(tuple((i, j) for i in range(n_rows)), (n_rows, j)) for j in range(n_cols + 1)]
    totals = {p for p in values if p[0] == n_rows or p[1] == n_cols}
    hidden, primary = _protect(values, lines, totals, threshold)
    shown = {p: _display(p, values[p], hidden, primary, threshold) for p in values}
    return SuppressedTable(
        row_labels=list(row_labels),
        column_labels=list(column_labels),
        cells=[[shown[(i, j)] for j in range(n_cols)] for i in range(n_rows)],
        row_totals=[shown[(i, n_cols)] for i in range(n_rows)],
        column_totals=[shown[(n_rows, j)] for j in range(n_cols)],
        total=shown[(n_rows, n_cols)],
        hidden=frozenset(hidden),
    )


def suppress_list(counts: Sequence[int], *, threshold: int = SMALL_CELL) -> tuple[list[str], str]:
    """Suppress a one-way breakdown and its total; returns the cells and the total as shown."""
    size = len(counts)
    values: dict[Position, int] = {(0, j): _count(n) for j, n in enumerate(counts)}
    values[(0, size)] = sum(values.values())
    lines = [_Line(tuple((0, j) for j in range(size)), (0, size))]
    hidden, primary = _protect(values, lines, {(0, size)}, threshold)
    shown = [_display(p, values[p], hidden, primary, threshold) for p in sorted(values)]
    return shown[:size], shown[size]


def _count(n: int) -> int:
    if isinstance(n, bool) or int(n) != n or n < 0:
        raise ValueError(f"a count must be a whole number of at least 0, not {n!r}")
    return int(n)


def _display(
    p: Position, n: int, hidden: set[Position], primary: set[Position], threshold: int
) -> str:
    if p in primary:
        return SMALL if threshold == SMALL_CELL else f"<{threshold}"
    if p in hidden:
        return HIDDEN
    return str(n)


def _protect(
    values: dict[Position, int], lines: list[_Line], totals: set[Position], threshold: int
) -> tuple[set[Position], set[Position]]:
    """Return (all hidden positions, the primary ones)."""
    primary = {p for p, n in values.items() if 0 < n < threshold}
    hidden = set(primary)
    if not primary:
        return hidden, primary
    lines_of: dict[Position, list[_Line]] = {p: [] for p in values}
    for line in lines:
        for p in (*line.members, line.total):
            lines_of[p].append(line)

    def preference(p: Position) -> tuple[bool, int, Position]:
        # Hide inner cells before totals, and the smallest first: least lost.
        return (p in totals, values[p], p)

    # Small cells shown as an en dash instead of "<5" (the last resort below).
    dashed: set[Position] = set()
    while True:
        _close_single_unknowns(values, lines, hidden, preference)
        pinned = _first_pinned(values, lines, hidden, primary - dashed, threshold)
        if pinned is None:
            break
        near = [p for line in lines_of[pinned] for p in (*line.members, line.total)]
        candidates = (
            [p for p in near if p not in hidden and values[p] > 0]
            or [p for p, n in values.items() if p not in hidden and n > 0]
            or [p for p in near if p not in hidden]
            or [p for p in values if p not in hidden]
        )
        if candidates:
            hidden.add(min(candidates, key=preference))
        else:
            # Everything is hidden and the cell is still pinned by the "<5" bounds:
            # show it as a dash, which carries no bounds. Each round hides or
            # dashes one more cell, so the loop ends.
            dashed.add(pinned)
    # The greedy steps may hide more than needed: give back what can be shown
    # safely, totals and large cells first.
    for p in sorted(hidden - primary, key=preference, reverse=True):
        hidden.discard(p)
        if (
            _has_single_unknown(lines, hidden)
            or _first_pinned(values, lines, hidden, primary - dashed, threshold) is not None
        ):
            hidden.add(p)
    return hidden, primary - dashed


def _has_single_unknown(lines: list[_Line], hidden: set[Position]) -> bool:
    return any(sum(p in hidden for p in (*line.members, line.total)) == 1 for line in lines)


def _close_single_unknowns(
    values: dict[Position, int],
    lines: list[_Line],
    hidden: set[Position],
    preference: Callable[[Position], tuple[bool, int, Position]],
) -> None:
    """Until stable: a line with exactly one hidden cell gets a second one."""
    changed = True
    while changed:
        changed = False
        for line in lines:
            cells = (*line.members, line.total)
            if sum(p in hidden for p in cells) != 1:
                continue
            others = [p for p in cells if p not in hidden and values[p] > 0]
            # A line whose one hidden cell is non-zero always has another
            # non-zero cell: the total, or a member making up the total.
            hidden.add(min(others, key=preference))
            changed = True


def _first_pinned(
    values: dict[Position, int],
    lines: list[_Line],
    hidden: set[Position],
    primary: set[Position],
    threshold: int,
) -> Position | None:
    """The first small cell whose value the published table determines, if any."""
    import numpy as np
    from scipy.optimize import linprog

    unknown = sorted(hidden)
    index = {p: k for k, p in enumerate(unknown)}
    rows, rhs = [], []
    for line in lines:
        coefficients = np.zeros(len(unknown))
        known = 0
        for p, sign in [(m, 1) for m in line.members] + [(line.total, -1)]:
            if p in index:
                coefficients[index[p]] += sign
            else:
                known -= sign * values[p]
        if coefficients.any():
            rows.append(coefficients)
            rhs.append(known)
    a_eq, b_eq = np.array(rows), np.array(rhs, dtype=float)
    # Zeros are shown, so a "<5" cell holds 1 to threshold - 1; a dash promises nothing.
    bounds = [(1, threshold - 1) if p in primary else (0, None) for p in unknown]
    # Every solution found is a table the attacker cannot rule out: a small
    # cell seen there with another value than its own is not pinned.
    seen: dict[Position, set[int]] = {p: {values[p]} for p in primary}

    def solve(objective: np.ndarray) -> None:
        result = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if result.status != 0:
            raise RuntimeError(f"suppression check failed: {result.message}")
        for q in primary:
            seen[q].add(round(result.x[index[q]]))

    # First, tables that push every small cell still seen with one value away from it
    # (down if it can go lower, else up; then the other way): one such table usually
    # shows many cells with another value, leaving few for the one-at-a-time check.
    remaining = sorted(primary)
    flip = 1
    while len(remaining) > 2:
        objective = np.zeros(len(unknown))
        for q in remaining:
            objective[index[q]] = flip if values[q] > 1 else -flip
        solve(objective)
        still = [q for q in remaining if len(seen[q]) == 1]
        if len(still) == len(remaining):
            if flip == -1:
                break
            flip = -1
        remaining = still
    for p in sorted(primary):
        if len(seen[p]) > 1:
            continue
        for direction in (1, -1):
            objective = np.zeros(len(unknown))
            objective[index[p]] = direction
            solve(objective)
            if len(seen[p]) > 1:
                break
        if len(seen[p]) == 1:
            return p
    return None
