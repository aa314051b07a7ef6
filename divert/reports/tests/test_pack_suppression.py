"""Suppression over the whole board pack, tested as an attacker would use it.

A board member is given every figure of the pack: the summary, each section's measures
and breakdowns, the tracker's summary, the comparisons with earlier quarters and the
trend. The attacker pairs each printed figure with the true one (the same pack,
unsuppressed, as recorded on the same day), writes every linear relation the definitions
imply (a breakdown's groups and its children in no group add up to the measure's line;
children with the outcome are at most the children counted; a stage's denominator is the
preceding stage's count for the same group; the same group of the same characteristic
holding the same count in two tables of one period is taken to be the same children),
and solves for each hidden count. None may be found exactly or narrowed to 3 or fewer
possible values, unless the measures' own lines alone pin it (they are always shown).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import numpy as np
import pytest
from django.utils import timezone
from scipy.optimize import Bounds, LinearConstraint, milp

from divert.kpis.engine import end_of_day
from divert.kpis.periods import parse_period, publication_day
from divert.kpis.tests import factories as f
from divert.reports.pack import build_pack

Q1 = parse_period("2025-26Q1")
NOW = timezone.make_aware(dt.datetime(2025, 9, 1, 9, 0))
COUNT = re.compile(r"^\d+$")


@dataclass
class Attack:
    values: list[int] = field(default_factory=list)
    lo: list[float] = field(default_factory=list)
    hi: list[float] = field(default_factory=list)
    names: list[tuple] = field(default_factory=list)
    headline: list[bool] = field(default_factory=list)
    rows: list[dict[int, int]] = field(default_factory=list)
    index: dict[tuple, int] = field(default_factory=dict)

    def var(self, name: tuple, value: int, *, headline: bool = False) -> int:
        if name in self.index:
            assert self.values[self.index[name]] == value, name
            return self.index[name]
        self.index[name] = len(self.values)
        self.values.append(value)
        self.lo.append(0)
        self.hi.append(np.inf)
        self.names.append(name)
        self.headline.append(headline)
        return self.index[name]

    def learn(self, i: int, symbol: str, threshold: int) -> None:
        if symbol == f"≤{threshold}":
            self.lo[i], self.hi[i] = max(self.lo[i], 1), min(self.hi[i], threshold)
        elif COUNT.match(symbol):
            assert int(symbol) == self.values[i], f"a published count is wrong: {self.names[i]}"
            self.lo[i] = self.hi[i] = int(symbol)
        else:
            assert symbol in ("[c]", "", "–"), symbol

    def width(self, i: int, lo=None, hi=None) -> float:
        n = len(self.values)
        kw: dict = {"integrality": np.ones(n), "bounds": Bounds(lo or self.lo, hi or self.hi)}
        if self.rows:
            mat = np.zeros((len(self.rows), n))
            for r, terms in enumerate(self.rows):
                for j, c in terms.items():
                    mat[r, j] += c
            kw["constraints"] = LinearConstraint(mat, 0, 0)
        c = np.zeros(n)
        c[i] = 1
        low, high = milp(c, **kw), milp(-c, **kw)
        assert low.status == 0, "the published figures contradict the true ones"
        return np.inf if high.status != 0 else -high.fun - low.fun


def _fraction(text: str) -> list[str]:
    return text.split(" of ") if text else []


def _measure(attack: Attack, period: str, true: dict, shown: dict, threshold: int) -> None:
    """One measure row: its own line, each breakdown's cells, remainders and complements."""
    stage = true["key"].startswith("disproportionality.")
    heads = []
    for part, symbol in zip(("numerator", "denominator"), _fraction(shown["fraction_text"]), strict=False):
        value = true[part]
        if isinstance(value, int):
            i = attack.var((period, true["key"], part), value, headline=True)
            attack.learn(i, symbol, threshold)
            heads.append(i)
    if len(heads) == 2 and true["unit"] == "proportion":
        attack.rows.append({heads[1]: 1, heads[0]: -1, attack.var((period, true["key"], "without"),
                                                                   true["denominator"] - true["numerator"]): -1})
    for tb, sb in zip(true["breakdowns"], shown["breakdowns"], strict=True):
        nums, dens = [], []
        for tc, sc in zip(tb["rows"], sb["rows"], strict=True):
            symbols = _fraction(sc["fraction_text"])
            dim = true["key"].split(".", 1)[1] if stage else tb["key"]
            for part, symbol in zip(("numerator", "denominator"), symbols, strict=False):
                value = tc[part]
                if not isinstance(value, int):
                    continue
                # the same group of the same characteristic with the same count: the same children
                i = attack.var((period, dim, tc["key"], value), value)
                attack.learn(i, symbol, threshold)
                (nums if part == "numerator" else dens).append(i)
            if isinstance(tc["numerator"], int) and isinstance(tc["denominator"], int) \
                    and tc["numerator"] <= tc["denominator"]:
                n = attack.var((period, dim, tc["key"], tc["numerator"]), tc["numerator"])
                d = attack.var((period, dim, tc["key"], tc["denominator"]), tc["denominator"])
                if n != d:
                    w = attack.var(("without", period, true["key"], tb["key"], tc["key"]),
                                   tc["denominator"] - tc["numerator"])
                    attack.rows.append({d: 1, n: -1, w: -1})
        if stage:
            continue  # a stage's denominator is the stage before: the same variable (same group, count)
        for parts, head in ((nums, heads[0] if heads else None), (dens, heads[1] if len(heads) > 1 else None)):
            if head is None or not parts or len(set(parts)) < len(parts):
                continue
            gap = attack.values[head] - sum(attack.values[p] for p in parts)
            if gap >= 0:
                rest = attack.var(("rest", period, true["key"], tb["key"], head), gap)
                attack.rows.append({**{p: 1 for p in parts}, rest: 1, head: -1})


def _check_derived(row: dict) -> None:
    """Rates, intervals, ratings and comparisons only beside the counts they come from."""
    hidden = any(not COUNT.match(s) for s in _fraction(row["fraction_text"]))
    if hidden:
        assert row["value"] is None and row["interval"] is None and row["rag"] is None, row["key"]
        assert row["previous"] is None and row["last_year"] is None, row["key"]
    for b in row["breakdowns"]:
        for c in b["rows"]:
            if any(not COUNT.match(s) for s in _fraction(c["fraction_text"])):
                assert c["value"] is None and not c["interval_text"] and c["share"] is None and c["rri"] is None
    for p in row["trend"]:
        if p["value"] is not None and p["fraction_text"]:
            assert all(COUNT.match(s) for s in _fraction(p["fraction_text"])), (row["key"], p)
    for which in ("previous", "last_year"):
        if row[which]:
            point = next(p for p in row["trend"] if p["period"] == row[which]["period"])
            assert all(COUNT.match(s) for s in _fraction(point["fraction_text"])), (row["key"], point)


@pytest.fixture
def service(personas):
    """A service with groups of every size: small and large, by sex and ethnic group."""
    org, prog = personas.north, personas.programme
    kinds = [("female", "WBRI")] * 14 + [("male", "WBRI")] * 22 + [("male", "BCRB")] * 4 + [("female", "AIND")] * 2 \
        + [("male", "MWBC")] * 7 + [("male", "NOBT")] * 3
    for n, (sex, ethnicity) in enumerate(kinds):
        kid = f.child(org, dob=dt.date(2010, 1 + n % 12, 1), sex=sex, ethnicity=ethnicity)
        start = dt.date(2025, 1, 1) + dt.timedelta(days=n)
        f.episode(kid, prog, start, dt.date(2025, 4, 2) + dt.timedelta(days=n), order_type="outcome_22",
                  completed=n % 3 != 0)
        if n % 4 == 0:
            f.outcome(kid, dt.date(2024, 6, 1) + dt.timedelta(days=5 * n))
    for sex in ("male", "female"):
        f.population(org, 2024, 9000, sex=sex)
        f.population(org, 2025, 9000, sex=sex)
    return personas


def _rows(pack: dict) -> list[dict]:
    return [r for s in pack["sections"] for r in (*s["measures"], *s["table_rows"])]


def test_an_attacker_with_every_figure_of_a_board_members_pack_recovers_no_hidden_count(service):
    org = service.north
    shown = build_pack(organisations=[org], quarter=Q1, suppress=True, now=NOW)
    true = build_pack(organisations=[org], quarter=Q1, suppress=False, now=NOW,
                      as_known_on=end_of_day(publication_day(Q1)))
    threshold = shown["threshold"]
    attack = Attack()
    true_rows, shown_rows = _rows(true), _rows(shown)
    assert [r["key"] for r in true_rows] == [r["key"] for r in shown_rows]
    hidden_somewhere = False
    for t, s in zip(true_rows, shown_rows, strict=True):
        _check_derived(s)
        _measure(attack, Q1.label, t, s, threshold)
        for tp, sp in zip(t["trend"][:-1], s["trend"][:-1], strict=True):  # earlier quarters: headlines only
            for part, (tv, sv) in enumerate(zip(_fraction(tp["fraction_text"]), _fraction(sp["fraction_text"]),
                                                strict=False)):
                if COUNT.match(tv):
                    attack.learn(attack.var((tp["period"], t["key"], part), int(tv), headline=True), sv, threshold)
        hidden_somewhere |= "[c]" in s["fraction_text"] + "".join(c["fraction_text"] for b in s["breakdowns"]
                                                                   for c in b["rows"])
    broken = [{attack.names[j]: c for j, c in r.items()} for r in attack.rows
              if sum(c * attack.values[j] for j, c in r.items())]
    assert not broken, broken[:3]
    assert hidden_somewhere, "the service should have some withheld breakdowns to attack"
    checked = 0
    for i, name in enumerate(attack.names):
        if attack.lo[i] == attack.hi[i]:
            continue  # published
        value = attack.values[i]
        if name[0] in ("without", "rest") and not 1 <= value <= threshold:
            continue  # a large complement nobody sees
        if value == 0 and name[0] not in ("without", "rest"):
            continue  # a true zero is shown as 0
        checked += 1
        width = attack.width(i)
        if width < 3:
            keep_lo = [attack.lo[j] if attack.headline[j] or attack.values[j] == 0 else 0 for j in range(len(attack.lo))]
            keep_hi = [attack.hi[j] if attack.headline[j] or attack.values[j] == 0 else np.inf
                       for j in range(len(attack.hi))]
            assert attack.width(i, keep_lo, keep_hi) < 3, f"{name}={value} narrowed to width {width}"
    assert checked


def test_the_pack_shows_no_count_that_its_published_figures_do_not(service):
    """Nothing in the restricted pack (tables, chart tables, text alternatives, notes) prints a
    count that the published measure rows hide."""
    shown = build_pack(organisations=[service.north], quarter=Q1, suppress=True, now=NOW)
    text = repr(shown)
    assert "child(ren) with" not in text or "[c] child(ren)" in text
    for s in shown["sections"]:
        for chart in s["charts"]:
            for row in chart["table"]["rows"]:
                for cell in row:
                    assert "[c]" not in cell["text"] or cell["value"] is None
