"""The live reoffending tracker: participants against the comparison group.

Definitions (../shared/definitions.md, "Local prevention follow-up"). Units are the
follow-up checkpoints (one per referral, anchor and window), whose group was fixed at
consent by intention to treat. The primary view anchors both groups at the offer; the
secondary view anchors completers at closure and the comparison group at a
pseudo-closure (offer date + the programme's median length of a completed episode).

A child counts as *tracked* for a tier once the window has ended and the police data is
complete to its end (+ 6 months' waiting period for tiers a and b); the rule is
`divert.imports.followup.outcomes_covered` / `arrests_covered`, turned into the latest
anchor date each window allows. Until then the child is counted as not yet mature or
awaiting data, never as "no outcome". Everything is counted in the database: one grouped
query per anchor, with the offences, outcomes and arrests in each window counted by
correlated subqueries.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.db.models import (
    Case,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate

from divert.accounts.models import Programme
from divert.casework.models import Episode, FollowUpCheckpoint
from divert.core.dates import (
    WAITING_MONTHS,
    AddDays,
    add_months,
    follow_up_window,
    follow_up_window_sql,
)
from divert.imports.followup import arrests_covered, outcomes_covered, source_coverage
from divert.imports.formats import LONDON
from divert.kpis.stats import Difference, Interval, difference_of_proportions, is_volatile, wilson
from divert.offending.codes import FORMAL_GROUPS
from divert.offending.models import Arrest, Offence, Outcome
from divert.referrals.models import Screening

WINDOWS = (3, 6, 9, 12)
TIERS = {
    "a": "Proven reoffence (caution or conviction)",
    "b": "Any further formal police outcome (including Community Resolution and Outcome 22)",
    "c": "Any further arrest",
}
ANCHORS = {
    "offer": "From the offer date (both groups, intention to treat)",
    "closure": "From closure (completers) and pseudo-closure (comparison group)",
}
GROUPS = ("participant", "comparison")
CELLS = ("tracked", "with_outcome", "not_yet_mature", "awaiting_data", "provisional_with_outcome")

WEAK_COMPARISON = (
    "The comparison group is children who declined or did not respond. They chose not to "
    "take part, so they may differ from participants in ways that affect reoffending "
    "(self-selection): a difference between the groups is not proof that the service caused it."
)
SAMPLE_SIZE = (
    "A single service rarely has the numbers to show an effect: about 330 to 650 children "
    "per group are needed to detect a 7 to 10 percentage point difference from a base rate "
    "of about 32%."
)
SMALL_NUMBERS = (
    "Rates with fewer than 30 children tracked are volatile: one child moves them a long way."
)
PROVISIONAL = (
    "Children whose window has not ended, or whose police data does not yet cover it "
    "(+ 6 months for tiers a and b), are not counted in the rates: 'no outcome yet' is not 'no outcome'."
)


@dataclass(frozen=True)
class GroupFigure:
    """One group's figure for one tier and window."""

    children_tracked: int
    children_with_outcome: int
    outcomes: int
    not_yet_mature: int
    awaiting_data: int
    provisional_with_outcome: int
    interval: Interval | None

    @property
    def rate(self) -> float | None:
        """Children with an outcome ÷ children tracked."""
        return self.children_with_outcome / self.children_tracked if self.children_tracked else None

    @property
    def provisional(self) -> int:
        """Children not yet counted: window not ended or data not complete."""
        return self.not_yet_mature + self.awaiting_data

    @property
    def volatile(self) -> bool:
        """Fewer than 30 children tracked."""
        return is_volatile(self.children_tracked)

    def as_dict(self) -> dict:
        """Plain data for JSON."""
        return {
            "children_tracked": self.children_tracked,
            "children_with_outcome": self.children_with_outcome,
            "outcomes": self.outcomes,
            "rate": self.rate,
            "interval": self.interval.as_dict() if self.interval else None,
            "volatile": self.volatile,
            "not_yet_mature": self.not_yet_mature,
            "awaiting_data": self.awaiting_data,
            "provisional_with_outcome": self.provisional_with_outcome,
        }


@dataclass(frozen=True)
class TierResult:
    """Both groups side by side for one outcome tier, with participants − comparison."""

    tier: str
    participants: GroupFigure
    comparison: GroupFigure
    difference: Difference | None

    @property
    def label(self) -> str:
        """The tier's name."""
        return TIERS[self.tier]

    def as_dict(self) -> dict:
        """Plain data for JSON."""
        d = self.difference
        return {
            "tier": self.tier,
            "label": self.label,
            "participants": self.participants.as_dict(),
            "comparison": self.comparison.as_dict(),
            "difference": {"value": d.value, "interval": d.interval.as_dict()} if d else None,
        }


@dataclass(frozen=True)
class WindowResult:
    """One follow-up window (months after the anchor)."""

    months: int
    tiers: tuple[TierResult, ...]


@dataclass(frozen=True)
class AnchorResult:
    """Every window counted from one anchor."""

    anchor: str
    windows: tuple[WindowResult, ...]
    pseudo_closure_days: dict[str, int] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """What the windows count from."""
        return ANCHORS[self.anchor]


@dataclass(frozen=True)
class Tracker:
    """The tracker for an organisation as at a date (and as known on a moment)."""

    organisation: object
    as_at: dt.date
    known_on: dt.datetime | None
    outcomes_complete_to: dt.date | None
    arrests_complete_to: dt.date | None
    anchors: tuple[AnchorResult, ...]
    warnings: tuple[str, ...]
    screened_out: int = 0

    def as_dict(self) -> dict:
        """Plain data for JSON."""
        return {
            "organisation": getattr(self.organisation, "slug", None),
            "as_at": self.as_at.isoformat(),
            "known_on": self.known_on.isoformat() if self.known_on else None,
            "outcomes_complete_to": _iso(self.outcomes_complete_to),
            "arrests_complete_to": _iso(self.arrests_complete_to),
            "anchors": [
                {
                    "anchor": a.anchor,
                    "label": a.label,
                    "pseudo_closure_days": a.pseudo_closure_days,
                    "windows": [
                        {"months": w.months, "tiers": [t.as_dict() for t in w.tiers]}
                        for w in a.windows
                    ],
                }
                for a in self.anchors
            ],
            "screened_out": self.screened_out,
            "warnings": list(self.warnings),
        }


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


# ---- the rules as latest anchor dates --------------------------------------------------


def latest_anchor(
    test: Callable[[dt.date], bool], *, from_day: dt.date | None, months: int
) -> dt.date | None:
    """The latest anchor date for which `test` holds, searching back from `from_day`.

    `test` must be monotone (true for every earlier anchor once true), which the window
    rules are, because adding months never moves a later date before an earlier one.
    """
    if from_day is None:
        return None
    day = from_day
    limit = add_months(from_day, -(months + WAITING_MONTHS + 1))
    while day >= limit:
        if test(day):
            return day
        day -= dt.timedelta(days=1)
    return None  # pragma: no cover - the limit is always far enough back


@dataclass(frozen=True)
class Rules:
    """The latest anchor date per window that is mature / covered for tiers a-b / tier c."""

    mature: dict[int, dt.date | None]
    covered_ab: dict[int, dt.date | None]
    covered_c: dict[int, dt.date | None]

    @classmethod
    def build(
        cls, *, as_at: dt.date, outcomes_to: dt.date | None, arrests_to: dt.date | None
    ) -> Rules:
        """Data is never treated as complete beyond the 'as at' date."""
        outcomes_to = min(outcomes_to, as_at) if outcomes_to else None
        arrests_to = min(arrests_to, as_at) if arrests_to else None

        def mature(n: int) -> Callable[[dt.date], bool]:
            return lambda anchor: follow_up_window(anchor, n).end <= as_at

        def outcomes_cover(n: int) -> Callable[[dt.date], bool]:
            return lambda anchor: outcomes_covered(anchor, n, outcomes_to)

        def arrests_cover(n: int) -> Callable[[dt.date], bool]:
            return lambda anchor: arrests_covered(anchor, n, arrests_to)

        return cls(
            mature={n: latest_anchor(mature(n), from_day=as_at, months=n) for n in WINDOWS},
            covered_ab={
                n: latest_anchor(outcomes_cover(n), from_day=outcomes_to, months=n) for n in WINDOWS
            },
            covered_c={
                n: latest_anchor(arrests_cover(n), from_day=arrests_to, months=n) for n in WINDOWS
            },
        )

    @staticmethod
    def q(latest: dict[int, dt.date | None]) -> Q:
        """Units whose (shifted) anchor is on or before the window's latest anchor."""
        q = Q(months=0)  # matches nothing
        for months, day in latest.items():
            if day is not None:
                q |= Q(months=months, start__lte=day)
        return q

    def tier_q(self, tier: str) -> Q:
        """Units tracked for a tier."""
        return self.q(self.covered_c if tier == "c" else self.covered_ab)


# ---- the units and what happened in their windows -------------------------------------


def _known(queryset, known_on: dt.datetime | None):
    return queryset.known_on(known_on) if known_on else queryset.current()


def pseudo_closure_days(
    *, organisation, programmes=None, as_at: dt.date, known_on: dt.datetime | None = None
) -> dict[int, int]:
    """Median length in days of completed episodes (closed by `as_at`), per programme id."""
    episodes = _known(Episode.objects, known_on).filter(
        referral__child__organisation=organisation,
        successfully_completed=True,
        end_date__isnull=False,
        end_date__lte=as_at,
    )
    if programmes is not None:
        episodes = episodes.filter(referral__programme__in=programmes)
    lengths = episodes.annotate(
        length=ExpressionWrapper(F("end_date") - F("start_date"), output_field=DurationField())
    ).order_by("length")
    medians = {}
    for programme_id, n in (
        episodes.order_by().values_list("referral__programme_id").annotate(n=Count("pk"))
    ):
        ordered = lengths.filter(referral__programme_id=programme_id).values_list(
            "length", flat=True
        )
        middle = list(ordered[(n - 1) // 2 : n // 2 + 1])
        medians[programme_id] = sum(d.days for d in middle) // len(middle)
    return medians


def units(
    *,
    organisation,
    programmes=None,
    anchor: str,
    as_at: dt.date,
    known_on: dt.datetime | None = None,
    pseudo_days: dict[int, int] | None = None,
    first_only: bool = True,
):
    """Checkpoints for an anchor with their window as `start`, `end` and `deadline` aliases.

    With `first_only` (the tracker), a child counts once per group and window, from their
    first offer; without it (the research extract), every referral's checkpoints are kept.
    """
    qs = _known(FollowUpCheckpoint.objects, known_on).filter(
        child__organisation=organisation,
        child__merged_into__isnull=True,
        anchor_date__lte=as_at,
    )
    if programmes is not None:
        qs = qs.filter(referral__programme__in=programmes)
    # A child counts once per group and window, from their first offer (or closure).
    earlier = qs.filter(
        child=OuterRef("child"),
        anchor=OuterRef("anchor"),
        months=OuterRef("months"),
        group=OuterRef("group"),
    ).filter(
        Q(anchor_date__lt=OuterRef("anchor_date"))
        | Q(anchor_date=OuterRef("anchor_date"), pk__lt=OuterRef("pk"))
    )
    if first_only:
        qs = qs.filter(~Exists(earlier))
    if anchor == "offer":
        qs = qs.filter(anchor="offer")
        start: F | Case = F("anchor_date")
    else:
        pseudo_days = pseudo_days or {}
        qs = qs.filter(
            Q(anchor="closure")
            | Q(anchor="offer", group="comparison", referral__programme_id__in=list(pseudo_days))
        )
        shift = Case(
            *[When(referral__programme_id=p, then=Value(d)) for p, d in pseudo_days.items()],
            default=Value(0),
            output_field=IntegerField(),
        )
        start = Case(
            When(anchor="offer", then=AddDays(F("anchor_date"), shift)), default=F("anchor_date")
        )
    edges = follow_up_window_sql(F("start"), F("months"))
    return qs.alias(start=start).alias(end=edges["end"]).alias(deadline=edges["deadline"])


def _count(queryset):
    counted = queryset.order_by().values("child").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def with_outcome_counts(queryset, *, known_on: dt.datetime | None = None):
    """Add `n_a`, `n_b`, `n_c`: reoffences proven, offences with any outcome, arrests in each unit's window."""
    offences = _known(Offence.objects, known_on).filter(
        child=OuterRef("child"),
        committed_on__gte=OuterRef("start"),
        committed_on__lt=OuterRef("end"),
    )
    outcomes = _known(Outcome.objects, known_on).filter(
        offence=OuterRef("pk"), outcome_date__lt=OuterRef(OuterRef("deadline"))
    )
    arrests = (
        _known(Arrest.objects, known_on)
        .alias(day=TruncDate("arrested_at", tzinfo=LONDON))
        .filter(child=OuterRef("child"), day__gte=OuterRef("start"), day__lt=OuterRef("end"))
    )
    return queryset.annotate(
        n_a=_count(offences.filter(Exists(outcomes.filter(disposal_group__in=FORMAL_GROUPS)))),
        n_b=_count(offences.filter(Exists(outcomes))),
        n_c=_count(arrests),
    )


def flagged(queryset, *, rules: Rules, known_on: dt.datetime | None = None):
    """Each unit once, as plain values: its counts and which rules it meets (1 or 0)."""
    flags = {
        "is_mature": rules.q(rules.mature),
        "is_covered_ab": rules.tier_q("a"),
        "is_covered_c": rules.tier_q("c"),
    }
    return (
        with_outcome_counts(queryset, known_on=known_on)
        .annotate(
            **{
                name: Case(When(q, then=Value(1)), default=Value(0), output_field=IntegerField())
                for name, q in flags.items()
            }
        )
        .order_by()
        .values("pk", "child", "referral", "months", "group", "n_a", "n_b", "n_c", *flags)
    )


def unit_outcome(unit: dict, tier: str) -> str:
    """One flagged unit's result for a tier, by the same rules as `cell_q`.

    'yes' or 'no' once tracked; otherwise 'not_ended' (window still open) or
    'awaiting_data' (police data not yet complete to its end).
    """
    if unit["is_covered_c" if tier == "c" else "is_covered_ab"]:
        return "yes" if unit[f"n_{tier}"] else "no"
    return "not_ended" if not unit["is_mature"] else "awaiting_data"


def cell_q(tier: str, cell: str) -> Q:
    """Which flagged units make up a cell of the tracker."""
    tracked = Q(is_covered_c=1) if tier == "c" else Q(is_covered_ab=1)
    has = Q(**{f"n_{tier}__gt": 0})
    return {
        "tracked": tracked,
        "with_outcome": tracked & has,
        "not_yet_mature": Q(is_mature=0),
        "awaiting_data": Q(is_mature=1) & ~tracked,
        "provisional_with_outcome": ~tracked & has,
    }[cell]


# ---- the tracker -----------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What every tracker query shares: the organisation, dates, data coverage and pseudo-closures."""

    organisation: object
    programmes: list | None
    as_at: dt.date
    known_on: dt.datetime | None
    outcomes_to: dt.date | None
    arrests_to: dt.date | None
    rules: Rules
    pseudo_days: dict[int, int]

    @classmethod
    def build(cls, *, organisation, programmes, as_at, known_on) -> Scope:
        """Read the data sources' coverage and the programmes' median lengths once."""
        programmes = list(programmes) if programmes is not None else None
        # As known on a past moment: each source's "complete to" from its dated history.
        outcomes_to, arrests_to = source_coverage(organisation, known_on=known_on)
        return cls(
            organisation,
            programmes,
            as_at,
            known_on,
            outcomes_to,
            arrests_to,
            Rules.build(as_at=as_at, outcomes_to=outcomes_to, arrests_to=arrests_to),
            pseudo_closure_days(
                organisation=organisation, programmes=programmes, as_at=as_at, known_on=known_on
            ),
        )

    def flagged_units(self, anchor: str):
        """The anchor's units, each with its counts and flags."""
        queryset = units(
            organisation=self.organisation,
            programmes=self.programmes,
            anchor=anchor,
            as_at=self.as_at,
            known_on=self.known_on,
            pseudo_days=self.pseudo_days,
        )
        return flagged(queryset, rules=self.rules, known_on=self.known_on)


def screened_out_children(scope: Scope) -> int:
    """Children screened out to another agency by the 'as at' date: neither group, reported separately."""
    screenings = _known(Screening.objects, scope.known_on).filter(
        referral__child__organisation=scope.organisation,
        decision="screened_out",
        decided_on__lte=scope.as_at,
    )
    if scope.programmes is not None:
        screenings = screenings.filter(referral__programme__in=scope.programmes)
    return screenings.values("referral__child").distinct().count()


@transaction.atomic
def tracker(
    *,
    organisation,
    programmes: Iterable | None = None,
    as_at: dt.date,
    known_on: dt.datetime | None = None,
) -> Tracker:
    """Participants against the comparison group at 3, 6, 9 and 12 months, both anchors, three tiers."""
    _no_jit()
    scope = Scope.build(
        organisation=organisation, programmes=programmes, as_at=as_at, known_on=known_on
    )
    anchors = []
    for anchor in ANCHORS:
        rows = _aggregate(scope.flagged_units(anchor))
        windows = tuple(WindowResult(n, tuple(_tier(rows, n, t) for t in TIERS)) for n in WINDOWS)
        names = _programme_names(scope.pseudo_days) if anchor == "closure" else {}
        anchors.append(AnchorResult(anchor=anchor, windows=windows, pseudo_closure_days=names))
    warnings = [WEAK_COMPARISON, SAMPLE_SIZE, PROVISIONAL]
    figures = (
        g
        for a in anchors
        for w in a.windows
        for t in w.tiers
        for g in (t.participants, t.comparison)
    )
    if any(g.volatile for g in figures):
        warnings.insert(1, SMALL_NUMBERS)
    return Tracker(
        organisation,
        as_at,
        known_on,
        scope.outcomes_to,
        scope.arrests_to,
        tuple(anchors),
        tuple(warnings),
        screened_out=screened_out_children(scope),
    )


def _cell_sql(tier: str, cell: str) -> str:
    """The SQL condition for `cell_q` over the flagged columns (constant text, no values)."""
    tracked = "is_covered_c = 1" if tier == "c" else "is_covered_ab = 1"
    has = f"n_{tier} > 0"
    return {
        "tracked": tracked,
        "with_outcome": f"{tracked} AND {has}",
        "not_yet_mature": "is_mature = 0",
        "awaiting_data": f"is_mature = 1 AND NOT ({tracked})",
        "provisional_with_outcome": f"NOT ({tracked}) AND {has}",
    }[cell]


def _no_jit() -> None:
    """Turn PostgreSQL's JIT off for this transaction.

    The correlated subqueries give the planner cost estimates far above its JIT
    threshold, and compiling the query then takes several seconds for a query that runs
    in a few hundred milliseconds.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")


def _aggregate(flagged_units) -> dict[tuple[int, str], dict]:
    """Every cell count for every window and group, in one grouped query.

    The inner query (built by the ORM, values passed as parameters) works out each unit,
    one child in one group and window, once; the outer one sums its flags per window and
    group. The outer text is fixed column names and conditions only: the ORM cannot group
    over a subquery, and its aggregate() spends most of a second rewriting 120 filtered
    aggregates.
    """
    inner_sql, params = flagged_units.query.sql_with_params()
    names, sums = [], []
    for tier in TIERS:
        for cell in CELLS:
            names.append(f"{tier}_{cell}")
            sums.append(f"SUM(CASE WHEN {_cell_sql(tier, cell)} THEN 1 ELSE 0 END)")
        names.append(f"{tier}_outcomes")
        sums.append(f"SUM(CASE WHEN {_cell_sql(tier, 'tracked')} THEN n_{tier} ELSE 0 END)")
    sql = f'SELECT months, "group", {", ".join(sums)} FROM ({inner_sql}) units GROUP BY months, "group"'  # noqa: S608 - fixed text; values are in params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {
            (row[0], row[1]): dict(zip(names, (int(v or 0) for v in row[2:]), strict=True))
            for row in cursor.fetchall()
        }


def _figure(row: dict | None, tier: str) -> GroupFigure:
    row = row or {}

    def get(name):
        return row.get(f"{tier}_{name}", 0)

    return GroupFigure(
        children_tracked=get("tracked"),
        children_with_outcome=get("with_outcome"),
        outcomes=get("outcomes"),
        not_yet_mature=get("not_yet_mature"),
        awaiting_data=get("awaiting_data"),
        provisional_with_outcome=get("provisional_with_outcome"),
        interval=wilson(get("with_outcome"), get("tracked")),
    )


def _tier(rows: dict, months: int, tier: str) -> TierResult:
    p = _figure(rows.get((months, "participant")), tier)
    c = _figure(rows.get((months, "comparison")), tier)
    diff = difference_of_proportions(
        p.children_with_outcome, p.children_tracked, c.children_with_outcome, c.children_tracked
    )
    return TierResult(tier, p, c, diff)


def _programme_names(pseudo: dict[int, int]) -> dict[str, int]:
    names = dict(Programme.objects.filter(pk__in=list(pseudo)).values_list("pk", "name"))
    return {names[p]: days for p, days in sorted(pseudo.items())}


def cell_child_ids(
    *,
    organisation,
    programmes=None,
    as_at: dt.date,
    known_on: dt.datetime | None = None,
    anchor: str,
    months: int,
    group: str,
    tier: str,
    cell: str,
):
    """The ids of the children behind one cell (a queryset, for `Child.objects.visible_to(user)`)."""
    if (
        anchor not in ANCHORS
        or months not in WINDOWS
        or group not in GROUPS
        or tier not in TIERS
        or cell not in CELLS
    ):
        raise ValueError("Unknown tracker cell")
    scope = Scope.build(
        organisation=organisation, programmes=programmes, as_at=as_at, known_on=known_on
    )
    cell_units = scope.flagged_units(anchor).filter(months=months, group=group)
    return cell_units.filter(cell_q(tier, cell)).values("child")
