"""The suppression policy: small counts hidden, and nothing recoverable from the totals."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from divert.kpis import suppression as s
from divert.kpis.suppression import SECONDARY, show_count, suppress_table

T = 5


def _known(symbol: str, value: int):
    """What a reader knows about a published position."""
    if symbol == f"≤{T}":
        return 1, T
    if symbol == SECONDARY:
        return 0, np.inf
    assert int(symbol) == value
    return value, value


def _integer_range(table, out, target):
    """Smallest and largest integer value of `target` consistent with what is published
    (an independent integer-programming check, not the code under test)."""
    rows, cols = len(table), len(table[0])
    n = rows * cols
    lo, hi = [], []
    for i in range(rows):
        for j in range(cols):
            a, b = _known(out.cells[i][j], table[i][j])
            lo.append(a)
            hi.append(b)
    mats, lows, highs = [], [], []

    def line(members, symbol, value):
        vec = np.zeros(n)
        for i, j in members:
            vec[i * cols + j] = 1
        a, b = _known(symbol, value)
        mats.append(vec)
        lows.append(a)
        highs.append(b)
        return vec

    for i in range(rows):
        line([(i, j) for j in range(cols)], out.row_totals[i], sum(table[i]))
    for j in range(cols):
        line([(i, j) for i in range(rows)], out.column_totals[j], sum(r[j] for r in table))
    line([(i, j) for i in range(rows) for j in range(cols)], out.grand_total, sum(map(sum, table)))
    constraints = LinearConstraint(np.array(mats), lows, highs)
    vec = np.zeros(n)
    for i, j in target:
        vec[i * cols + j] = 1
    kw = dict(constraints=constraints, integrality=np.ones(n), bounds=Bounds(lo, hi))
    low = milp(vec, **kw)
    high = milp(-vec, **kw)
    assert low.status == 0
    upper = np.inf if high.status != 0 else -high.fun
    return round(low.fun), upper


tables = st.integers(1, 4).flatmap(
    lambda r: st.integers(1, 4).flatmap(
        lambda c: st.lists(
            st.lists(st.one_of(st.integers(0, 6), st.integers(0, 40)), min_size=c, max_size=c),
            min_size=r,
            max_size=r,
        )
    )
)


@settings(max_examples=40, deadline=None)
@given(tables)
def test_no_suppressed_cell_or_total_can_be_recovered_from_the_totals(table):
    out = suppress_table(table, T)
    rows, cols = len(table), len(table[0])
    targets = []
    for i in range(rows):
        for j in range(cols):
            if not out.cells[i][j].isdigit():
                targets.append([(i, j)])
            elif 1 <= table[i][j] <= T:
                raise AssertionError("a small count was published")
    for i in range(rows):
        if not out.row_totals[i].isdigit():
            targets.append([(i, j) for j in range(cols)])
    for j in range(cols):
        if not out.column_totals[j].isdigit():
            targets.append([(i, j) for i in range(rows)])
    for target in targets:
        low, high = _integer_range(table, out, target)
        assert high > low, f"{target} recoverable in {table} published as {out}"


def test_lone_small_cell_gets_a_partner_in_its_row_and_column():
    out = suppress_table([[3, 20, 30], [25, 40, 50]], T)
    assert out.cells[0][0] == "≤5"
    hidden = sum(not c.isdigit() for row in out.cells for c in row)
    assert hidden >= 4  # a rectangle of suppressed cells at least


def test_counts_one_to_threshold_shown_as_le():
    assert [show_count(n, 5) for n in (0, 1, 5, 6)] == ["0", "≤5", "≤5", "6"]
    assert show_count(3, 2) == "3"


@settings(max_examples=150, deadline=None)
@given(
    table=st.integers(1, 3).flatmap(
        lambda rows: st.lists(st.lists(st.integers(0, 12), min_size=3, max_size=3),
                              min_size=rows, max_size=rows)
    ),
    picks=st.lists(st.integers(0, 30), max_size=8),
    kinds=st.lists(st.booleans(), min_size=8, max_size=8),
)
def test_the_quick_witness_never_frees_a_position_the_exact_test_pins_down(table, picks, kinds):
    """The cheap test that skips the LP only ever names positions a second table can move."""
    rows, cols = len(table), len(table[0])
    positions = ([("cell", i, j) for i in range(rows) for j in range(cols)]
                 + [("row", i) for i in range(rows)] + [("col", j) for j in range(cols)] + [("all",)])
    hidden = {}
    for pick, primary in zip(picks, kinds, strict=False):
        pos = positions[pick % len(positions)]
        small = s.is_small(s._value(table, pos), T)
        hidden[pos] = "primary" if (primary and small) or small else "secondary"
    free = s._shown_to_vary(table, hidden, T)
    original = s._shown_to_vary
    try:
        s._shown_to_vary = lambda *args: set()
        pinned = set(s.recoverable(table, hidden, T))
    finally:
        s._shown_to_vary = original
    assert not (free & pinned)
