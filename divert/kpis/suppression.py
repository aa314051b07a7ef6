"""Small-number suppression primitives: the symbols ("≤5", "[c]") and one table with its
totals (`suppress_table`, for a single table published on its own).

The policy for a whole report, which treats every measure, breakdown, period and
comparison a restricted audience sees as one set of linked tables, is
`divert.kpis.publication.publish`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SECONDARY = "[c]"


def primary_label(threshold: int) -> str:
    """How a small count is shown, e.g. '≤5'."""
    return f"≤{threshold}"


def is_small(count: int | float | None, threshold: int) -> bool:
    """True when a count must be suppressed (1 up to the threshold)."""
    return count is not None and threshold > 0 and 0 < count <= threshold


def show_count(count: int | float | None, threshold: int) -> str:
    """A single count as published: '≤5' for small counts, the number otherwise."""
    if count is None:
        return ""
    if is_small(count, threshold):
        return primary_label(threshold)
    return f"{count:g}" if isinstance(count, float) else str(count)


@dataclass(frozen=True)
class SuppressedTable:
    """A table of counts as published: every cell and total is a number or a symbol."""

    cells: tuple[tuple[str, ...], ...]
    row_totals: tuple[str, ...]
    column_totals: tuple[str, ...]
    grand_total: str


# Positions: ("cell", i, j), ("row", i), ("col", j), ("all",)


def _value(table, pos) -> int:
    kind = pos[0]
    if kind == "cell":
        return table[pos[1]][pos[2]]
    if kind == "row":
        return sum(table[pos[1]])
    if kind == "col":
        return sum(row[pos[1]] for row in table)
    return sum(map(sum, table))


def _members(pos, rows: int, cols: int) -> list[tuple[int, int]]:
    kind = pos[0]
    if kind == "cell":
        return [(pos[1], pos[2])]
    if kind == "row":
        return [(pos[1], j) for j in range(cols)]
    if kind == "col":
        return [(i, pos[1]) for i in range(rows)]
    return [(i, j) for i in range(rows) for j in range(cols)]


def _bounds(table, pos, hidden: dict, threshold: int) -> tuple[float, float | None]:
    """What a reader knows about a position: exact if published, else the symbol's range."""
    if pos not in hidden:
        v = _value(table, pos)
        return v, v
    if hidden[pos] == "primary":
        return 1, threshold
    # "[c]" says nothing about the value (it may even be zero).
    return 0, None


def recoverable(table: Sequence[Sequence[int]], hidden: dict, threshold: int, *, first_only: bool = False) -> list[tuple]:
    """Hidden positions whose value the published table pins down exactly (LP over the
    constraints a reader knows; the table's constraint matrix makes the bounds integral).
    With `first_only`, stop at the first one found (all the suppression loop needs)."""
    # Imported here: scipy.optimize takes a second to import and only suppressed tables need it.
    from scipy.optimize import linprog

    rows, cols = len(table), len(table[0])
    n = rows * cols
    index = {(i, j): i * cols + j for i in range(rows) for j in range(cols)}
    bounds = [_bounds(table, ("cell", i, j), hidden, threshold) for i in range(rows) for j in range(cols)]
    a_ub, b_ub = [], []
    lines = [("row", i) for i in range(rows)] + [("col", j) for j in range(cols)] + [("all",)]
    for pos in lines:
        lo, hi = _bounds(table, pos, hidden, threshold)
        vec = np.zeros(n)
        for m in _members(pos, rows, cols):
            vec[index[m]] = 1
        a_ub.append(-vec)
        b_ub.append(-lo)
        if hi is not None:
            a_ub.append(vec)
            b_ub.append(hi)
    free = _shown_to_vary(table, hidden, threshold)
    found = []
    for pos in hidden:
        if pos in free:
            continue
        vec = np.zeros(n)
        for m in _members(pos, rows, cols):
            vec[index[m]] = 1
        high = linprog(-vec, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
        if high.status == 3:  # unbounded above: certainly not recoverable
            continue
        low = linprog(vec, A_ub=a_ub, b_ub=b_ub, bounds=bounds, method="highs")
        if low.status == 0 and high.status == 0 and high.fun is not None and low.fun is not None \
                and (-high.fun) - low.fun < 0.5:
            found.append(pos)
            if first_only:
                break
    return found


def _shown_to_vary(table, hidden: dict, threshold: int) -> set:
    """Hidden positions a reader provably cannot pin down, found cheaply: a small change to
    the true table (a rectangle of hidden cells moved by one, or cells whose hidden totals
    absorb the change) that keeps every published figure and every symbol's range true
    gives a second table the reader cannot tell apart, so each position it changes stays
    unknown. Positions not shown here go to the exact LP test."""
    rows, cols = len(table), len(table[0])
    cells = [(i, j) for i in range(rows) for j in range(cols) if ("cell", i, j) in hidden]
    if not cells:
        return set()
    lines = [("row", i) for i in range(rows)] + [("col", j) for j in range(cols)] + [("all",)]
    line_hidden = {pos for pos in lines if pos in hidden}

    def within(pos, value) -> bool:
        lo, hi = _bounds(table, pos, hidden, threshold)
        return value >= lo and (hi is None or value <= hi)

    def changes(step: dict) -> list:
        """The positions a step changes, if the step keeps every published figure true."""
        row_delta, col_delta = [0] * rows, [0] * cols
        for (i, j), d in step.items():
            if not within(("cell", i, j), table[i][j] + d):
                return []
            row_delta[i] += d
            col_delta[j] += d
        moved: list[tuple] = [("cell", i, j) for (i, j), d in step.items() if d]
        total = sum(row_delta)
        for pos, delta in ([(("row", i), row_delta[i]) for i in range(rows)]
                           + [(("col", j), col_delta[j]) for j in range(cols)] + [(("all",), total)]):
            if delta:
                if pos not in line_hidden or not within(pos, _value(table, pos) + delta):
                    return []
                moved.append(pos)
        return moved

    steps = []
    for a, (i1, j1) in enumerate(cells):
        steps.append({(i1, j1): 1})
        for i2, j2 in cells[a + 1:]:
            steps.append({(i1, j1): 1, (i2, j2): -1})
            if i1 != i2 and j1 != j2 and ("cell", i1, j2) in hidden and ("cell", i2, j1) in hidden:
                steps.append({(i1, j1): 1, (i2, j2): 1, (i1, j2): -1, (i2, j1): -1})
    free: set = set()
    for step in steps:
        for sign in (1, -1):
            free.update(changes({cell: sign * d for cell, d in step.items()}))
    return free


def _next_to_hide(table, pos, hidden, threshold) -> tuple | None:
    """The cheapest extra position to hide to protect `pos`: the smallest count above the
    threshold in the same row or column; failing that, a total."""
    rows, cols = len(table), len(table[0])
    if pos[0] == "cell":
        _, i, j = pos
        candidates = [("cell", i, k) for k in range(cols) if k != j] + [
            ("cell", k, j) for k in range(rows) if k != i
        ]
    elif pos[0] == "row":
        candidates = [("row", k) for k in range(rows) if k != pos[1]]
    elif pos[0] == "col":
        candidates = [("col", k) for k in range(cols) if k != pos[1]]
    else:
        candidates = []
    candidates = [
        c for c in candidates if c not in hidden and _value(table, c) > threshold
    ]
    if candidates:
        return min(candidates, key=lambda c: (_value(table, c), c))
    # No usable cell: hide the totals that give it away.
    if pos[0] == "cell":
        for total in (("row", pos[1]), ("col", pos[2]), ("all",)):
            if total not in hidden:
                return total
    elif ("all",) not in hidden:
        return ("all",)
    return None


def suppress_table(table: list[list[int]], threshold: int) -> SuppressedTable:
    """Apply primary and secondary suppression to a table of non-negative counts with its
    row, column and grand totals."""
    return _suppress_table(tuple(tuple(row) for row in table), threshold)


@functools.lru_cache(maxsize=4096)
def _suppress_table(table: tuple[tuple[int, ...], ...], threshold: int) -> SuppressedTable:
    """suppress_table for a hashable table: the same counts give the same published table,
    so a report seen again (or a breakdown repeated across measures) is not solved twice."""
    rows, cols = len(table), len(table[0]) if table else 0
    if rows == 0 or cols == 0:
        return SuppressedTable((), (), (), "0")
    positions = (
        [("cell", i, j) for i in range(rows) for j in range(cols)]
        + [("row", i) for i in range(rows)]
        + [("col", j) for j in range(cols)]
        + [("all",)]
    )
    hidden: dict[tuple, str] = {
        p: "primary" for p in positions if is_small(_value(table, p), threshold)
    }
    if hidden:
        for _ in range(len(positions)):
            exposed = recoverable(table, hidden, threshold, first_only=True)
            if not exposed:
                break
            extra = _next_to_hide(table, exposed[0], hidden, threshold)
            if extra is None:
                # Nothing left to hide: hide every position (never reached in practice).
                hidden = {p: hidden.get(p, "secondary") for p in positions}
                break
            hidden[extra] = "primary" if is_small(_value(table, extra), threshold) else "secondary"

    def shown(pos):
        if pos in hidden:
            return primary_label(threshold) if hidden[pos] == "primary" else SECONDARY
        return str(_value(table, pos))

    return SuppressedTable(
        cells=tuple(tuple(shown(("cell", i, j)) for j in range(cols)) for i in range(rows)),
        row_totals=tuple(shown(("row", i)) for i in range(rows)),
        column_totals=tuple(shown(("col", j)) for j in range(cols)),
        grand_total=shown(("all",)),
    )
