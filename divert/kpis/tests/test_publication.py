"""The publication policy for restricted audiences, tested as an attacker would use it.

Reports are built from invented children, so every count is a known sum over the same
children: the attacker's integer program has one 0/1-free variable per count the
definitions name (each measure's line, each group's numerator and denominator, the
children not in any group, each stage of a chain), and every linear relation the
definitions imply (totals, shared denominators, stage chains, the same figure in two
periods) holds because the variables are shared, not because values happen to match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from divert.kpis.publication import publish, redact_text
from divert.kpis.results import Cell, Result, count_cell, rate_cell, rate_result

T = 5
SEXES = ("female", "male")
ETHNIC = ("asian", "black", "mixed", "white")


@dataclass(frozen=True)
class Kid:
    sex: str
    ethnic: str | None  # None: not known (left out of the breakdown, so a remainder)
    depth: int  # 0 referred, 1 needs support, 2 offered it, 3 attending
    flag: bool  # a second outcome sharing the first measure's denominator


kids = st.lists(st.builds(Kid, st.sampled_from(SEXES), st.sampled_from((*ETHNIC, None)),
                          st.integers(0, 3), st.booleans()), max_size=45)


@dataclass
class Attack:
    """The attacker's variables (one per count the definitions name) and relations."""

    index: dict = field(default_factory=dict)
    values: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    lo: list = field(default_factory=list)
    hi: list = field(default_factory=list)
    published: list = field(default_factory=list)

    def var(self, name, value) -> int:
        if name not in self.index:
            self.index[name] = len(self.values)
            self.values.append(value)
            self.lo.append(0)
            self.hi.append(np.inf)
            self.published.append(False)
        assert self.values[self.index[name]] == value
        return self.index[name]

    def equal(self, terms: dict) -> None:
        self.rows.append(terms)

    def learn(self, i: int, symbol: str) -> None:
        """What one printed symbol says about variable i."""
        if symbol == f"≤{T}":
            self.lo[i], self.hi[i] = max(self.lo[i], 1), min(self.hi[i], T)
        elif symbol.isdigit():
            assert int(symbol) == self.values[i], "a published count is wrong"
            self.lo[i] = self.hi[i] = int(symbol)
            self.published[i] = True
        else:
            assert symbol == "[c]", symbol

    def width(self, i: int, lo=None, hi=None) -> float:
        n = len(self.values)
        mat = np.zeros((len(self.rows), n))
        for r, terms in enumerate(self.rows):
            for j, c in terms.items():
                mat[r, j] += c
        kw = dict(integrality=np.ones(n), bounds=Bounds(lo or self.lo, hi or self.hi))
        if self.rows:
            kw["constraints"] = LinearConstraint(mat, 0, 0)
        c = np.zeros(n)
        c[i] = 1
        low, high = milp(c, **kw), milp(-c, **kw)
        assert low.status == 0, "the published figures contradict the true ones"
        return np.inf if high.status != 0 else -high.fun - low.fun


def _groups(kids_, dim):
    return SEXES if dim == "sex" else ETHNIC


def _key(kid, dim):
    return kid.sex if dim == "sex" else kid.ethnic


def _rate(attack, label, name, num_set, den_set, dims=("sex", "ethnic_group")) -> Result:
    """A proportion with breakdowns; registers its counts and relations with the attacker."""
    breakdowns = {}
    head_n = attack.var((num_set[0], "all"), len(num_set[1]))
    head_d = attack.var((den_set[0], "all"), len(den_set[1]))
    for dim in dims:
        cells, parts_n, parts_d = [], [], []
        for g in _groups(None, dim):
            n = sum(1 for k in num_set[1] if _key(k, dim) == g)
            d = sum(1 for k in den_set[1] if _key(k, dim) == g)
            parts_n.append(attack.var((num_set[0], dim, g), n))
            parts_d.append(attack.var((den_set[0], dim, g), d))
            attack.var(("without", num_set[0], den_set[0], dim, g), d - n)
            attack.equal({parts_d[-1]: 1, parts_n[-1]: -1,
                          attack.index[("without", num_set[0], den_set[0], dim, g)]: -1})
            cells.append(rate_cell(g, g, n, d))
        for parts, head, which in ((parts_n, head_n, num_set), (parts_d, head_d, den_set)):
            rest = attack.var((which[0], dim, "rest"), attack.values[head] - sum(attack.values[p] for p in parts))
            attack.equal({**{p: 1 for p in parts}, rest: 1, head: -1})
        breakdowns[dim] = tuple(cells)
    return rate_result(name, label, "", len(num_set[1]), len(den_set[1]), "p", breakdowns=breakdowns)


def _stages(attack, name, sets) -> Result:
    """Disproportionality by ethnic group: each stage's group counts against the preceding
    stage's (a stage chain); the group not known is a cell."""
    breakdowns = {}
    for s, (set_name, members) in enumerate(sets):
        cells = []
        for g in (*ETHNIC, None):
            a = sum(1 for k in members if k.ethnic == g)
            attack.var((set_name, "ethnic_group", g or "rest"), a)
            before = None
            if s:
                before = sum(1 for k in sets[s - 1][1] if k.ethnic == g)
            cells.append(Cell(key=g or "unknown", label=g or "Not known", numerator=a, denominator=before))
        breakdowns[set_name] = tuple(cells)
    return Result(key=f"disproportionality.{name}", label="d", definition="", unit="ratio", value=None,
                  numerator=None, denominator=None, period="p", breakdowns=breakdowns)


def _period(attack, tag, children, year_figure):
    """Every measure of one period, in the shape the engine returns."""
    sets = {d: (f"{tag}depth{d}", [k for k in children if k.depth >= d]) for d in range(4)}
    flagged = (f"{tag}flag", [k for k in children if k.flag])
    counts = tuple(count_cell(g, g, sum(1 for k in flagged[1] if k.sex == g)) for g in SEXES)
    head = attack.var((flagged[0], "all"), len(flagged[1]))
    attack.equal({**{attack.var((flagged[0], "sex", g), c.numerator): 1 for g, c in zip(SEXES, counts, strict=True)},
                  head: -1, attack.var((flagged[0], "sex", "rest"), 0): 1})
    return [
        _rate(attack, "need", "kpi4.need_of_all", sets[1], sets[0]),
        _rate(attack, "offered", "kpi4.offered_of_need", sets[2], sets[1]),  # chain
        _rate(attack, "attending", "kpi4.attending_of_offered", sets[3], sets[2]),  # chain
        _rate(attack, "flag", "kpi7.wider_services", flagged, sets[0]),  # shared denominator
        Result(key="kpi7.count", label="c", definition="", unit="count", value=float(len(flagged[1])),
               numerator=len(flagged[1]), denominator=None, period="p", breakdowns={"sex": counts}),
        _stages(attack, "ethnic_group", [sets[0], sets[1], sets[2], sets[3]]),
        year_figure,  # the same figure (a year ending December) in both periods
    ]


def _read(attack: Attack, report: list[Result]) -> None:
    """Everything a board member is shown, fed to the attacker; derived figures must only
    appear with the counts they come from."""
    for m in report:
        if m.shown:
            parts = m.shown.split(" of ")
            names = _headline_names(attack, m)
            for name, symbol in zip(names, parts, strict=False):
                if name is not None:
                    attack.learn(attack.index[name], symbol)
            assert m.value is None or all(p.isdigit() for p in parts)
            if m.value is None:
                assert not m.changes and m.interval is None
        for dim, cells in m.breakdowns.items():
            for c in cells:
                _read_cell(attack, m, dim, c)


HEADLINES: dict[str, tuple] = {}


def _headline_names(attack, m):
    return HEADLINES.get(id(m), (None, None))


def _read_cell(attack, m, dim, c):
    if c.shown is None:
        return
    parts = c.shown.split(" of ")
    assert c.value is None or all(p.isdigit() for p in parts), "a rate shown beside a hidden count"
    if c.value is None and c.details:
        assert set(c.details) <= {"note"}
    for name, symbol in zip(CELLS.get((id(m), dim, c.key), ()), parts, strict=False):
        attack.learn(attack.index[name], symbol)


CELLS: dict[tuple, tuple] = {}


def _register(report, tag, sets_names):
    """Which attacker variables each printed figure shows."""
    for m in report:
        if m.key.startswith("disproportionality."):
            for s, stage in enumerate(m.breakdowns):
                for c in m.breakdowns[stage]:
                    g = c.key if c.key != "unknown" else "rest"
                    names = [(stage, "ethnic_group", g)]
                    if s:
                        names.append((list(m.breakdowns)[s - 1], "ethnic_group", g))
                    CELLS[(id(m), stage, c.key)] = tuple(names)
            continue
        if m.key not in sets_names:
            continue
        num, den = sets_names[m.key]
        HEADLINES[id(m)] = ((num, "all"), (den, "all") if den else None)
        for dim, cells in m.breakdowns.items():
            for c in cells:
                CELLS[(id(m), dim, c.key)] = ((num, dim, c.key), *(((den, dim, c.key),) if den else ()))


def _names(tag):
    return {
        "kpi4.need_of_all": (f"{tag}depth1", f"{tag}depth0"),
        "kpi4.offered_of_need": (f"{tag}depth2", f"{tag}depth1"),
        "kpi4.attending_of_offered": (f"{tag}depth3", f"{tag}depth2"),
        "kpi7.wider_services": (f"{tag}flag", f"{tag}depth0"),
        "kpi7.count": (f"{tag}flag", None),
    }


def _by_headlines_only(attack: Attack, i: int) -> bool:
    """Whether the measures' own lines (and true zeros) alone pin this count: it is then
    published by those lines, which the policy never hides unless they are small."""
    lo, hi = [], []
    for j, name in enumerate(attack.index):
        keep = name[-1] == "all" or attack.values[j] == 0
        lo.append(attack.lo[j] if keep else 0)
        hi.append(attack.hi[j] if keep else np.inf)
    return attack.width(i, lo, hi) < 3


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=kids, second=kids, yearly=kids)
def test_an_attacker_with_every_figure_of_two_periods_recovers_no_hidden_count(first, second, yearly):
    HEADLINES.clear()
    CELLS.clear()
    attack = Attack()
    year_sets = ("yeardepth0", yearly)
    flagged = ("yearflag", [k for k in yearly if k.flag])
    reports = []
    for tag, children in (("p1", first), ("p2", second)):
        year = _rate(attack, "flag (year ending December)", "fte.year_ending_december", flagged, year_sets)
        report = _period(attack, tag, children, year)
        names = _names(tag) | {"fte.year_ending_december": ("yearflag", "yeardepth0")}
        published = publish(report, T)
        _register(published, tag, names)
        reports.append(published)
    for published in reports:
        _read(attack, published)
    for i, name in enumerate(attack.index):
        value = attack.values[i]
        hidden = not attack.published[i]
        if not hidden or (value > T and name[0] == "without") or (value == 0 and name[-1] != "rest"):
            continue
        if not 1 <= value <= T and name[-1] == "rest":
            continue
        width = attack.width(i)
        assert width >= 3 or _by_headlines_only(attack, i), f"{name}={value} narrowed to width {width}"


# Each leak the attack on the demo found -------------------------------------------------


def _kpi4_by_sex(female: tuple[int, int], male: tuple[int, int]) -> Result:
    n, d = female[0] + male[0], female[1] + male[1]
    return rate_result("kpi4.offered_of_need", "KPI 4", "", n, d, "p", breakdowns={
        "sex": (rate_cell("female", "Female", *female), rate_cell("male", "Male", *male))})


def test_a_measures_own_line_does_not_give_away_its_hidden_group():
    # The demo printed Female "≤5 of ≤5", Male "[c] of 13" and the measure "10 of 18": 5.
    out = publish([_kpi4_by_sex((3, 5), (7, 13))], T)[0]
    assert out.shown == "10 of 18"
    shown = [c.shown for c in out.breakdowns["sex"]]
    assert shown == ["[c] of [c]", "[c] of [c]"]


def test_a_stage_chain_does_not_give_away_a_hidden_stage():
    # Screened-in Asian "[c] of 9" and the next stage's "≤5 of 6" gave away 6.
    stages = Result(key="disproportionality.ethnic_group", label="d", definition="", unit="ratio", value=None,
                    numerator=None, denominator=None, period="p", breakdowns={
                        "referred": (Cell("asian", "Asian", 9), Cell("white", "White", 40)),
                        "screened_in": (Cell("asian", "Asian", 6, 9), Cell("white", "White", 30, 40)),
                        "engaged": (Cell("asian", "Asian", 4, 6), Cell("white", "White", 20, 30)),
                    })
    out = publish([stages], T)[0]
    printed = {stage: [c.shown for c in cells] for stage, cells in out.breakdowns.items()}
    assert printed["screened_in"][0] == "[c] of [c]" and printed["engaged"][0] == "[c] of [c]"
    assert all(not c.details or set(c.details) == {"note"} for c in out.breakdowns["engaged"])


def test_measures_sharing_a_denominator_hide_it_alike():
    # Two measures over the same 18 children by sex: one has a small group, the other not.
    small = _kpi4_by_sex((3, 5), (7, 13))
    other = rate_result("kpi4.need_of_all", "KPI 4 need", "", 12, 18, "p", breakdowns={
        "sex": (rate_cell("female", "Female", 3, 5), rate_cell("male", "Male", 9, 13))})
    wide = rate_result("kpi5.need_of_all", "KPI 5 need", "", 13, 18, "p", breakdowns={
        "sex": (rate_cell("female", "Female", 0, 5), rate_cell("male", "Male", 13, 13))})
    out = publish([small, other, wide], T)
    for m in out:
        for c in m.breakdowns["sex"]:
            assert "of 5" not in c.shown and "of 13" not in c.shown, (m.key, c.shown)


def test_a_small_count_in_a_note_or_definition_is_not_printed():
    stages = Result(key="kpi10.support_given", label="KPI 10", unit="proportion", value=0.5, numerator=10,
                    denominator=20, period="p",
                    definition="Victims given support ÷ victims who consented to contact (3 requested support).",
                    notes=("referred: 2 child(ren) with ethnic group not known.",
                           "Cohort shown: Oct-Dec 2023 (index dates 2023-10-01 to 2023-12-31).",
                           "Provisional: final on 2025-06-30 (18 months after the last index date)."))
    out = publish([stages], T)[0]
    assert "(3 requested" not in out.definition and "([c] requested support)" in out.definition
    assert out.notes[0] == "referred: [c] child(ren) with ethnic group not known."
    assert out.notes[1:] == stages.notes[1:]
    assert redact_text("about 330-650 children per group, a ~32% base, effect 1.24") == \
        "about 330-650 children per group, a ~32% base, effect 1.24"
    # Names that carry a number are not counts.
    assert redact_text("Community Resolutions and Outcome 22 never count (KPI 4).") == \
        "Community Resolutions and Outcome 22 never count (KPI 4)."


def test_shares_and_rate_ratios_are_not_shown_beside_a_hidden_count():
    cells = (Cell("asian", "Asian", 3, 9, details={"share": 0.1, "rri": 1.2}),
             Cell("white", "White", 27, 40, details={"share": 0.9, "rri": 1.0}))
    stages = Result(key="disproportionality.ethnic_group", label="d", definition="", unit="ratio", value=None,
                    numerator=None, denominator=None, period="p", breakdowns={"screened_in": cells})
    out = publish([stages], T)[0]
    assert all(not c.details for c in out.breakdowns["screened_in"])


def test_a_true_zero_is_shown_as_zero_not_as_suppressed():
    out = publish([_kpi4_by_sex((0, 0), (12, 20))], T)[0]
    assert [c.shown for c in out.breakdowns["sex"]] == ["0 of 0", "12 of 20"]
    out = publish([_kpi4_by_sex((0, 3), (12, 20))], T)[0]
    assert out.breakdowns["sex"][0].shown == "0 of [c]"
    assert re.fullmatch(r"\[c\] of \[c\]", out.breakdowns["sex"][1].shown)


def test_meetings_are_not_suppressed_and_means_of_few_children_are_hidden():
    meetings = Result(key="kpi8", label="", definition="", unit="proportion", value=0.6, numerator=3,
                      denominator=5, period="p", about_children=False)
    mean = Result(key="m", label="", definition="", unit="mean", value=2.5, numerator=4, denominator=50,
                  period="p")
    out = publish([meetings, mean], T)
    assert out[0] == meetings
    assert out[1].value is None and out[1].shown == "≤5 of 50"


def test_a_rating_is_not_shown_beside_a_hidden_value():
    # "Green" on "≤5 of 30" says the rate is above the green bound: it narrows the count.
    small = replace(rate_result("kpi1.accommodation", "KPI 1", "", 3, 30, "p"), rag="green")
    large = replace(rate_result("kpi2.ete", "KPI 2", "", 20, 30, "p"), rag="red")
    out = publish([small, large], T)
    assert out[0].shown == "≤5 of 30" and out[0].rag is None
    assert out[1].rag == "red"
