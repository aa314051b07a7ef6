"""What a restricted audience (board members, commissioners, suppressed exports) may see:
one policy over the whole set of figures shown together.

`publish(results, threshold)` takes every measure a restricted reader will see for one
period (headlines, breakdowns, notes, definitions) and returns them as published. The
figures are treated as one set of linked tables, not each table alone:

- every count is a variable; the relations the definitions imply are linear constraints:
  a breakdown's cells add up to its measure's own line (the remainder, e.g. "not known",
  is an unpublished variable), each rate cell's numerator is at most its denominator and
  the difference (children without the outcome) is a variable too, cells of one
  breakdown that add up to another are linked, and every two breakdown cells for the same
  group of the same characteristic (e.g. "Asian" by ethnic group, in any measure or stage)
  that hold the same count are taken to be the same figure (this covers shared
  denominators and stage chains, and errs on the side of caution for coincidences);
- primary suppression: a count from 1 to the threshold is shown as "≤5";
- secondary suppression: an integer LP audit (HiGHS) bounds every hidden cell, and every
  unpublished count from 1 to the threshold, from everything published; while any can be
  narrowed to an interval of width 2 or less, the cheapest neighbouring breakdown cell
  (smallest count) is hidden as "[c]". A measure's own line is never hidden by secondary
  suppression (only when it is small), so the same headline is shown the same way in its
  own period's report and in every comparison that quotes it;
- derived figures (rates, intervals, shares, rate ratios, differences, changes) are shown
  only when every count they come from is shown, so they add nothing to what the counts
  already say; counts written in notes and definitions are replaced by "[c]";
- a true zero is shown as 0 (a zero identifies no child); "0 of 0" has no rate.

Restricted audiences also see only published periods, each as at and as known on its
publication day (`divert.kpis.periods.publication_day`), so two views of one period
cannot be differenced.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field, replace
from itertools import combinations
from typing import TypeGuard

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse import csr_array

from divert.kpis.results import Cell, Result
from divert.kpis.suppression import SECONDARY, is_small, primary_label

MIN_WIDTH = 3  # a hidden count must keep at least 3 apart possible values (width > 2)

# What the policy guarantees, in the words the report (and the board pack's definitions
# appendix) shows to a restricted audience. {threshold} is the service's setting.
POLICY_TEXT = (
    "Small numbers are suppressed. A count from 1 to {threshold} is shown as \"≤{threshold}\". A breakdown "
    "with such a count in it (a group, the group's children without the outcome, or the children in no "
    "group) is shown as \"[c]\", except true zeros, which are shown as 0. The whole report is checked as "
    "one set of linked tables: every measure, breakdown, stage and comparison, with the totals, shared "
    "denominators and stage chains that link them. No hidden count can be worked out, or narrowed to "
    "fewer than 4 possible values, from everything shown. Rates, intervals, shares, rate ratios and "
    "changes are shown only beside the counts they come from, and counts in notes are replaced by "
    "\"[c]\". Each period's figures are published on the last day of the month after it ends, as "
    "recorded by then; a measure's own line (for example 47 of 51) is hidden only when it is small."
)
# A number in a note or definition, unless it names something: "Outcome 22", "KPI 4".
_COUNT_IN_TEXT = re.compile(
    r"(?<![\w.,:/%-])(?<!Outcome )(?<!KPI )\d+(?![\w.,%/-]|\.\d| month| year| to \d)"
)


@dataclass
class _Var:
    value: int
    printed: bool  # False for remainders and complements nobody sees
    headline: bool = False
    state: str = "shown"  # shown, primary, secondary, unpublished

    @property
    def hidden(self) -> bool:
        return self.state != "shown"


@dataclass
class _Table:
    """One breakdown of one measure: its cells as (numerator, denominator, without) variables
    (the last two None for a breakdown of counts) and the unpublished remainders."""

    at: tuple
    cells: list[tuple[int, int | None, int | None]] = field(default_factory=list)
    rests: list[int] = field(default_factory=list)
    heads: tuple[int | None, int | None] = (None, None)
    withheld: bool = False

    def members(self) -> list[int]:
        return [i for cell in self.cells for i in cell if i is not None] + self.rests


@dataclass
class Model:
    """Every count of a report as a variable, and the linear relations among them."""

    threshold: int
    vars: list[_Var] = field(default_factory=list)
    # Each constraint: ({var: coefficient}, "eq" | "le"), meaning sum == 0 or sum <= 0.
    constraints: list[tuple[dict[int, int], str]] = field(default_factory=list)
    links: dict[tuple, int] = field(default_factory=dict)
    where: dict[tuple, int] = field(default_factory=dict)
    tables: list[_Table] = field(default_factory=list)

    def add(self, value: int, *, printed: bool = True, headline: bool = False, link: tuple | None = None,
            at: tuple | None = None) -> int:
        """A new variable; breakdown cells for the same group of the same characteristic holding
        the same count are one variable (the same figure wherever it is shown)."""
        key = None if link is None else (*link, value)
        if key is not None and key in self.links:
            i = self.links[key]
        else:
            v = _Var(value, printed, headline)
            if not printed:
                v.state = "unpublished"
            elif is_small(value, self.threshold):
                v.state = "primary"
            self.vars.append(v)
            i = len(self.vars) - 1
            if key is not None:
                self.links[key] = i
        if at is not None:
            self.where[at] = i
        return i

    def relate(self, terms: list[tuple[int, int]], sense: str = "eq") -> None:
        """Add sum(coefficient * variable) == 0 (or <= 0); a variable named twice (one figure
        shown in two places) has its coefficients added."""
        coefficients: dict[int, int] = defaultdict(int)
        for i, coefficient in terms:
            coefficients[i] += coefficient
        kept = {i: c for i, c in coefficients.items() if c}
        if kept:
            self.constraints.append((kept, sense))

    def is_target(self, i: int) -> bool:
        """A figure the audit must keep uncertain: a hidden printed count, or an unpublished
        count from 1 to the threshold (e.g. 3 children without the outcome)."""
        v = self.vars[i]
        if v.printed:
            return v.hidden
        return is_small(v.value, self.threshold)


def _count(x: object) -> TypeGuard[int]:
    return isinstance(x, int) and not isinstance(x, bool)


def _dimension(m: Result, breakdown: str) -> str:
    """The characteristic a breakdown is by (disproportionality stages are all by the measure's)."""
    return m.key.split(".", 1)[1] if m.key.startswith("disproportionality.") else breakdown


def _headline(model: Model, mi: int, m: Result) -> tuple[int | None, int | None]:
    counts = m.about_children and m.unit not in {"points", "ratio"}
    num = den = None
    numerator, denominator = m.numerator, m.denominator
    if counts and _count(numerator):
        num = model.add(numerator, headline=True, at=(mi, "num"))
    if counts and _count(denominator):
        den = model.add(denominator, headline=True, at=(mi, "den"))
    if (num is not None and den is not None and _count(numerator) and _count(denominator)
            and m.unit == "proportion" and numerator <= denominator):
        model.relate([(num, 1), (den, -1)], "le")
    return num, den


def _sum_to(model: Model, parts: list[int], total: int | None) -> int | None:
    """The cells add up to the measure's own line, with an unpublished remainder if short
    (returned)."""
    if total is None or not parts:
        return None
    gap = model.vars[total].value - sum(model.vars[p].value for p in parts)
    if gap < 0:
        return None
    terms = [(p, 1) for p in parts] + [(total, -1)]
    rest = model.add(gap, printed=False) if gap > 0 else None
    if rest is not None:
        terms.append((rest, 1))
    model.relate(terms)
    return rest


def _within(model: Model, members: list[int]) -> None:
    """Cells of one count breakdown (and its measure's line) that equal another, or the sum of
    two others (e.g. started = both + lost), are linked."""
    values = [(i, model.vars[i].value) for i in members]
    for (a, va), (b, vb) in combinations(values, 2):
        if va == vb:
            model.relate([(a, 1), (b, -1)])
    if len(values) > 9:
        return
    for (a, va), (b, vb), (c, vc) in combinations(values, 3):
        for total, x, y, vt, vx, vy in ((a, b, c, va, vb, vc), (b, a, c, vb, va, vc), (c, a, b, vc, va, vb)):
            if vt == vx + vy and vx and vy:
                model.relate([(total, 1), (x, -1), (y, -1)])


def _breakdown(model: Model, mi: int, m: Result, name: str, heads: tuple[int | None, int | None]) -> None:
    dim = _dimension(m, name)
    table = _Table(at=(mi, name), heads=heads)
    nums, dens = [], []
    counted = [c for c in m.breakdowns[name] if _count(c.numerator)]
    num_vector = (dim, tuple((c.key, c.numerator) for c in counted))
    den_vector = (dim, tuple((c.key, c.denominator) for c in counted))
    for ci, c in enumerate(m.breakdowns[name]):
        numerator, denominator = c.numerator, c.denominator
        if not _count(numerator):
            continue
        n = model.add(numerator, link=(num_vector, c.key), at=(mi, name, ci, "num"))
        nums.append(n)
        d = without = None
        if _count(denominator):
            d = model.add(denominator, link=(den_vector, c.key), at=(mi, name, ci, "den"))
            dens.append(d)
            if numerator <= denominator:
                without = model.add(denominator - numerator, printed=False)
                model.relate([(d, 1), (n, -1), (without, -1)])
        table.cells.append((n, d, without))
    model.tables.append(table)
    if m.key.startswith("disproportionality."):
        return
    table.rests = [r for r in (_sum_to(model, nums, heads[0]),
                               _sum_to(model, dens, heads[1]) if len(dens) == len(nums) else None)
                   if r is not None]
    if not dens:
        _within(model, nums + [h for h in heads if h is not None])


def build_model(results: list[Result], threshold: int) -> Model:
    """The variables and relations for every measure shown together."""
    model = Model(threshold)
    for mi, m in enumerate(results):
        if not m.about_children:
            continue
        heads = _headline(model, mi, m)
        for name in m.breakdowns:
            _breakdown(model, mi, m, name, heads)
    return model


# The audit -----------------------------------------------------------------------------


def _components(model: Model) -> list[tuple[list[int], list[int]]]:
    """Groups of hidden variables tied by relations, each with the relations it needs."""
    parent = list(range(len(model.vars)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for coefficients, _ in model.constraints:
        hidden = [i for i in coefficients if model.vars[i].hidden]
        for a in hidden[1:]:
            parent[find(a)] = find(hidden[0])
    groups: dict[int, list[int]] = defaultdict(list)
    for i, v in enumerate(model.vars):
        if v.hidden:
            groups[find(i)].append(i)
    touching: dict[int, list[int]] = defaultdict(list)
    for k, (coefficients, _) in enumerate(model.constraints):
        for i in coefficients:
            if model.vars[i].hidden:
                touching[find(i)].append(k)
                break
    return [(members, touching[root]) for root, members in groups.items()]


def _bounds(model: Model, i: int) -> tuple[float, float]:
    v = model.vars[i]
    return (1, model.threshold) if v.state == "primary" else (0, np.inf)


def _system(model: Model, members: list[int], rows: list[int]):
    index = {i: k for k, i in enumerate(members)}
    parts: dict[str, tuple[list, list, list, list]] = {"eq": ([], [], [], []), "le": ([], [], [], [])}
    for k in rows:
        coefficients, sense = model.constraints[k]
        data, cols, row_of, rhs = parts[sense]
        row = len(rhs)
        total = 0.0
        for i, coef in coefficients.items():
            if i in index:
                data.append(coef)
                cols.append(index[i])
                row_of.append(row)
            else:
                total -= coef * model.vars[i].value
        rhs.append(total)

    def matrix(sense: str):
        data, cols, row_of, rhs = parts[sense]
        if not rhs:
            return None, None
        return csr_array((data, (row_of, cols)), shape=(len(rhs), len(members))), rhs

    bounds = [_bounds(model, i) for i in members]
    return index, (*matrix("eq"), *matrix("le"), bounds)


def _extreme(system, target: int, sign: int) -> float:
    """The largest (sign -1) or smallest (sign 1) integer value of a variable."""
    a_eq, b_eq, a_ub, b_ub, bounds = system
    n = len(bounds)
    c = np.zeros(n)
    c[target] = sign
    got = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if got.status == 3:
        return np.inf
    if got.status == 0 and got.x is not None and got.fun is not None and np.allclose(got.x, np.round(got.x), atol=1e-7):
        return sign * float(got.fun)
    constraints = []
    if a_eq is not None:
        constraints.append(LinearConstraint(a_eq, b_eq, b_eq))
    if a_ub is not None:
        constraints.append(LinearConstraint(a_ub, -np.inf, b_ub))
    lo, hi = zip(*bounds, strict=True)
    exact = milp(c, constraints=constraints, integrality=np.ones(n, dtype=np.int_), bounds=Bounds(lo, hi))
    if exact.status != 0 or exact.fun is None:
        return np.inf if sign < 0 else -np.inf
    return sign * float(exact.fun)


def _spread(model: Model, system, index: dict[int, int], targets: list[int]) -> set[int]:
    """Targets that a few integer tables the reader cannot tell from the true one already
    show to take values 3 or more apart: the LP optima of pushing all targets up, all down,
    and two mixed directions (kept only when they are whole numbers, i.e. real tables)."""
    a_eq, b_eq, a_ub, b_ub, bounds = system
    n = len(bounds)
    cols = [index[i] for i in targets]
    true = np.array([model.vars[i].value for i in index], dtype=float)
    high, low = true[cols].copy(), true[cols].copy()
    # Capped near the true table, so no direction is unbounded (any point found is still a
    # table the reader cannot rule out).
    near = [(max(lo, v - MIN_WIDTH), min(hi, v + MIN_WIDTH)) for (lo, hi), v in zip(bounds, true, strict=True)]
    rng = np.random.default_rng(len(targets))
    for direction in (np.ones(len(cols)), -np.ones(len(cols)), *rng.choice([-1.0, 1.0], (2, len(cols)))):
        c = np.zeros(n)
        c[cols] = -direction
        got = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=near, method="highs")
        if got.status != 0 or got.x is None or not np.allclose(got.x, np.round(got.x), atol=1e-7):
            continue
        point = np.round(got.x)[cols]
        high, low = np.maximum(high, point), np.minimum(low, point)
    return {i for i, h, lo in zip(targets, high, low, strict=True) if h - lo >= MIN_WIDTH}


def _wide(system, k: int, value: int) -> bool:
    """Whether what is published leaves at least 3 possible values for variable k."""
    high = _extreme(system, k, -1)
    if high - value >= MIN_WIDTH:
        return True
    return high - _extreme(system, k, 1) >= MIN_WIDTH


def _settle(model: Model) -> None:
    """Set every breakdown cell's state from the withheld tables: a cell is hidden when no
    table that is shown prints it."""
    shown: set[int] = set()
    for table in model.tables:
        if not table.withheld:
            shown.update(i for n, d, _ in table.cells for i in (n, d) if i is not None)
    for table in model.tables:
        for n, d, _ in table.cells:
            for i in (n, d):
                if i is not None and not model.vars[i].headline:
                    # A true zero is shown as 0 even in a withheld breakdown: it identifies no child.
                    model.vars[i].state = "shown" if i in shown or model.vars[i].value == 0 else "secondary"


def _small_inside(model: Model, table: _Table) -> bool:
    return any(is_small(model.vars[i].value, model.threshold) for i in table.members())


def _moves(model: Model, table: _Table):
    """Small changes to a withheld table that keep its totals: one child moved between two
    groups (or a group and the remainder), with or without the outcome."""
    cells = list(table.cells)
    if len(table.rests) == 2:
        cells.append((table.rests[0], table.rests[1], None))
    elif len(table.rests) == 1 and all(d is None for _, d, _ in cells):
        cells.append((table.rests[0], None, None))
    head_n, head_d = table.heads
    for n, d, _ in cells:  # one group alone (a stage of a chain), or with the measure's line
        yield [(n, 1)]
        if head_n is not None:
            yield [(n, 1), (head_n, 1)]
        if d is not None:
            yield [(d, 1)]
            yield [(n, 1), (d, 1)]
            if head_d is not None:
                yield [(d, 1), (head_d, 1)]
                if head_n is not None:
                    yield [(n, 1), (d, 1), (head_n, 1), (head_d, 1)]
    for (n1, d1, w1), (n2, d2, w2) in combinations(cells, 2):
        if d1 is None or d2 is None:
            yield [(n1, 1), (n2, -1)]
            continue
        yield [(n1, 1), (d1, 1), (n2, -1), (d2, -1)]
        if w1 is not None and w2 is not None:
            yield [(d1, 1), (w1, 1), (d2, -1), (w2, -1)]
            yield [(n1, 1), (w1, -1), (n2, -1), (w2, 1)]


def _residual(model: Model, k: int, step: dict[int, int]) -> int:
    return sum(c * step.get(i, 0) for i, c in model.constraints[k][0].items())


def _complete(model: Model, step: dict[int, int], by_var: dict[int, list[int]]) -> dict[int, int] | None:
    """The move with every equation it breaks mended by the one unpublished figure of that
    equation it does not yet move (e.g. the same denominators shown in another measure: that
    measure's children without the outcome move too); None if that is not possible."""
    step = dict(step)
    if any(not model.vars[i].hidden for i in step):
        return None
    queue = [k for i in step for k in by_var.get(i, ()) if model.constraints[k][1] == "eq"]
    for _ in range(500):
        if not queue:
            return step
        k = queue.pop()
        residual = _residual(model, k, step)
        if not residual:
            continue
        coefficients = model.constraints[k][0]
        menders = [i for i in coefficients if i not in step and model.vars[i].state == "unpublished"]
        if len(menders) != 1 or abs(coefficients[menders[0]]) != 1:
            return None
        step[menders[0]] = -residual * coefficients[menders[0]]
        queue += [j for j in by_var.get(menders[0], ()) if model.constraints[j][1] == "eq"]
    return None


def _reach(model: Model, step: dict[int, int], by_var: dict[int, list[int]]) -> tuple[int, int]:
    """How far a move can go up and down (up to 3 each way) keeping every relation and
    every range a reader knows (the feasible steps form an interval containing 0)."""
    rows = {k for i in step for k in by_var.get(i, ())}
    le_rows = [model.constraints[k][0] for k in rows if model.constraints[k][1] == "le"]

    def fits(t: int) -> bool:
        for i, d in step.items():
            lo, hi = _bounds(model, i)
            if not lo <= model.vars[i].value + t * d <= hi:
                return False
        return all(sum(c * (model.vars[i].value + t * step.get(i, 0)) for i, c in row.items()) <= 0
                   for row in le_rows)

    up = next((t - 1 for t in (1, 2, 3) if not fits(t)), 3)
    down = next((t - 1 for t in (1, 2, 3) if not fits(-t)), 3)
    return up, down


def _witnessed(model: Model, by_var: dict[int, list[int]]) -> set[int]:
    """Hidden figures cheap witnesses show to keep at least 3 possible values: moves of
    withheld tables that every relation allows. Each move reaches true tables where a
    figure is higher or lower than it is; the highest and lowest reached, over all moves,
    are both possible, so their distance is a lower bound on the width."""
    higher: dict[int, int] = defaultdict(int)
    lower: dict[int, int] = defaultdict(int)
    for table in model.tables:
        if not table.withheld:
            continue
        for terms in _moves(model, table):
            start: dict[int, int] = defaultdict(int)
            for i, d in terms:
                start[i] += d
            whole = _complete(model, {i: d for i, d in start.items() if d}, by_var)
            if not whole:
                continue
            up, down = _reach(model, whole, by_var)
            for i, d in whole.items():
                a, b = (up * d, down * d) if d > 0 else (down * -d, up * -d)
                higher[i], lower[i] = max(higher[i], a), max(lower[i], b)
    return {i for i in higher if higher[i] + lower[i] >= MIN_WIDTH}


def _exposed(model: Model, settled: set[int]) -> list[int]:
    """Targets that what is published pins to a width of 2 or less (witness first, exact
    integer bounds for the rest). `settled` holds targets already shown to be safe (or
    fixed by the measures' own lines): withholding more only widens what a reader can say
    about them (every table that fitted before still fits), so they are not checked again."""
    by_var: dict[int, list[int]] = defaultdict(list)
    for k, (coefficients, _) in enumerate(model.constraints):
        for i in coefficients:
            by_var[i].append(k)
    settled |= _witnessed(model, by_var)
    exposed = []
    for members, rows in _components(model):
        pending = [i for i in members if model.is_target(i) and i not in settled]
        if not pending:
            continue
        index, system = _system(model, members, rows)
        settled |= _spread(model, system, index, pending)
        for i in pending:
            if i in settled:
                continue
            if _wide(system, index[i], model.vars[i].value):
                settled.add(i)
            else:
                exposed.append(i)
    by_headlines = _set_by_headlines(model, exposed)
    settled |= by_headlines
    return [i for i in exposed if i not in by_headlines]


def _set_by_headlines(model: Model, figures: list[int]) -> set[int]:
    """Those of the figures that the measures' own lines (and true zeros) pin on their own,
    with every breakdown cell hidden: they are published by those lines (e.g. a breakdown
    with one group, or the children without the outcome when the measure says 47 of 51),
    and no further suppression of cells can protect them."""
    if not figures:
        return set()
    saved = [v.state for v in model.vars]
    for v in model.vars:
        if v.state == "shown" and not v.headline and v.value != 0:
            v.state = "secondary"
    try:
        pinned = set()
        for members, rows in _components(model):
            inside = [i for i in figures if i in set(members)]
            if inside:
                index, system = _system(model, members, rows)
                pinned |= {i for i in inside if not _wide(system, index[i], model.vars[i].value)}
        return pinned
    finally:
        for v, state in zip(model.vars, saved, strict=True):
            v.state = state


def protect(model: Model) -> Model:
    """Withhold every breakdown with a count from 1 to the threshold in it (a group, the
    group without the outcome, or the remainder); then, while the audit finds a target
    narrowed to width 2 or less, withhold the shown breakdowns that print a figure in one
    of its relations."""
    for table in model.tables:
        table.withheld = _small_inside(model, table)
    _settle(model)
    settled: set[int] = set()
    for _ in range(len(model.tables) + 1):
        exposed = _exposed(model, settled)
        if not exposed:
            break
        near = {i for k, (coefficients, _) in enumerate(model.constraints)
                if any(e in coefficients for e in exposed) for i in coefficients}
        more = [t for t in model.tables if not t.withheld and near & set(t.members())]
        if not more:
            break  # only the measures' own lines left (never reached in the tests)
        for table in more:
            table.withheld = True
        _settle(model)
    return model


# Applying the decisions to the results -------------------------------------------------


def redact_text(text: str) -> str:
    """A note or definition with its counts replaced by "[c]" (years, dates, decimals,
    percentages, ranges and lengths of time are kept)."""
    return _COUNT_IN_TEXT.sub(lambda match: match.group() if _year(match.group()) else SECONDARY, text)


def _year(digits: str) -> bool:
    return len(digits) == 4 and digits[:2] in {"19", "20"}


def _headline_symbol(model: Model, i: int | None, raw) -> str:
    if i is None:
        return "" if raw is None else (f"{raw:g}" if isinstance(raw, float) else str(raw))
    v = model.vars[i]
    return primary_label(model.threshold) if v.hidden else str(v.value)


def _withheld_cell(c: Cell) -> Cell:
    """A cell of a withheld breakdown: true zeros shown, every other count "[c]", nothing derived."""
    zero_num, zero_den = c.numerator == 0, c.denominator == 0
    shown = "0" if zero_num else SECONDARY
    if c.denominator is not None or not _count(c.numerator):
        shown = f"{shown} of {'0' if zero_den else SECONDARY}" if _count(c.numerator) else SECONDARY
    return replace(c, numerator=0 if zero_num else None, denominator=0 if zero_den else None,
                   value=None, interval=None, details={k: v for k, v in c.details.items() if k == "note"},
                   flags=replace(c.flags, suppressed=True), shown=shown)


def _shown_cell(c: Cell) -> Cell:
    if not _count(c.numerator):
        return c
    shown = str(c.numerator) if c.denominator is None else f"{c.numerator} of {c.denominator:g}"
    return replace(c, shown=shown)


def _measure(model: Model, mi: int, m: Result, withheld: set[tuple]) -> Result:
    if not m.about_children:
        return m
    num, den = model.where.get((mi, "num")), model.where.get((mi, "den"))
    hidden = any(i is not None and model.vars[i].hidden for i in (num, den))
    shown = None
    if num is not None:
        shown = _headline_symbol(model, num, m.numerator)
        if m.denominator is not None:
            shown = f"{shown} of {_headline_symbol(model, den, m.denominator)}"
    breakdowns = {
        name: tuple(_withheld_cell(c) if (mi, name) in withheld else _shown_cell(c) for c in cells)
        for name, cells in m.breakdowns.items()
    }
    return replace(
        m,
        numerator=None if num is not None and model.vars[num].hidden else m.numerator,
        denominator=None if den is not None and model.vars[den].hidden else m.denominator,
        value=None if hidden else m.value, interval=None if hidden else m.interval,
        flags=replace(m.flags, suppressed=hidden), shown=shown, breakdowns=breakdowns,
        changes={} if hidden else m.changes, rag=None if hidden else m.rag,  # a rating narrows the value
        notes=tuple(redact_text(n) for n in m.notes), definition=redact_text(m.definition),
    )


def publish(results: list[Result] | tuple[Result, ...], threshold: int) -> list[Result]:
    """Every measure as a restricted audience sees it (see the module docstring)."""
    results = list(results)
    model = protect(build_model(results, threshold))
    withheld = {t.at for t in model.tables if t.withheld}
    return [_measure(model, mi, m, withheld) for mi, m in enumerate(results)]


def headline_published(result: Result, threshold: int) -> bool:
    """Whether a measure's own line is shown to a restricted audience (its counts are not
    small): the test a comparison with an earlier period applies to the earlier figure."""
    if not result.about_children or result.unit in {"points", "ratio"}:
        return True
    return not any(_count(x) and is_small(x, threshold) for x in (result.numerator, result.denominator))
