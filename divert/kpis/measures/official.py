"""The official measures: First Time Entrants, proven reoffending and use of custody."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce

from divert.casework.models import Episode
from divert.core.dates import add_months
from divert.imports.followup import complete_to_as_known
from divert.kpis.measures.common import (
    ETHNIC_LABELS,
    SEX_LABELS,
    Scope,
    age_band_expression,
    age_on,
    count_units,
    month_key,
    per_unit,
    tally_units,
)
from divert.kpis.periods import Period, calendar_quarter
from divert.kpis.periods import Period as P
from divert.kpis.results import Flags, Result, count_cell, rate_cell, rate_result
from divert.kpis.stats import is_volatile, mean_ratio_interval, rate_interval
from divert.offending.codes import FORMAL_GROUPS, Disposal, DisposalGroup
from divert.offending.models import DataSource, Offence, Outcome
from divert.people.models import Child
from divert.reference.models import Population

# Events that put a child in the official reoffending cohort: cautions, non-custodial
# court sentences and releases from custody (never Community Resolutions or Outcome 22/21).
COHORT_GROUPS = (DisposalGroup.PRE_COURT, DisposalGroup.FIRST_TIER, DisposalGroup.COMMUNITY)


def population_10_17(scope: Scope, year: int, **filters) -> tuple[int, int | None]:
    """The 10-17 population of the scope's areas for `year` (falling back to the latest
    earlier year loaded) and the year used; (0, None) when none is loaded."""
    return population_units(scope, year, **filters)[None if not scope.by_org else scope.units[0]]


def population_units(scope: Scope, year: int, **filters) -> dict:
    """`population_10_17` for every unit: {unit: (population, year used)} in one query."""
    rows = (
        Population.objects.filter(organisation_id__in=scope.org_ids, year__lte=year, **filters)
        .order_by().values("organisation_id", "year").annotate(n=Sum("count"))
    )
    per_org: dict = {}
    for row in rows:  # a few rows per organisation (one per year loaded)
        per_org.setdefault(row["organisation_id"], {})[row["year"]] = row["n"] or 0
    out = {}
    for unit in scope.units:
        orgs = [unit] if unit is not None else scope.org_ids
        years = {y for o in orgs for y in per_org.get(o, {})}
        if not years:
            out[unit] = (0, None)
            continue
        used = max(years)
        out[unit] = (sum(per_org.get(o, {}).get(used, 0) for o in orgs), used)
    return out


def _outcomes(scope: Scope):
    """The scope's outcomes as known, dated on or before the "as at" date."""
    return scope.records(Outcome.objects).filter(
        child__in=scope.children(), outcome_date__lte=scope.as_at
    )


def first_formal_outcomes(scope: Scope, up_to: dt.date | None = None):
    """Per child, the date of their first formal outcome (caution or conviction), as known
    (looking only at outcomes up to `up_to` when given: enough to find a first in a period)."""
    outcomes = _outcomes(scope)
    if up_to is not None:
        outcomes = outcomes.filter(outcome_date__lte=up_to)
    return (
        outcomes
        .filter(disposal_group__in=FORMAL_GROUPS)
        .order_by()
        .values("child")
        .annotate(first=Min("outcome_date"), dob=F("child__date_of_birth"))
    )


def first_formal_date(scope: Scope, child_ref: str = "pk") -> Subquery:
    """The date of a (known, in-scope) child's first formal outcome, as a correlated subquery
    on that child's outcomes alone (the outer row is already a child of the scope)."""
    return Subquery(
        scope.records(Outcome.objects)
        .filter(child=OuterRef(child_ref), outcome_date__lte=scope.as_at, disposal_group__in=FORMAL_GROUPS)
        .order_by().values("child").annotate(first=Min("outcome_date")).values("first")[:1]
    )


def fte_children(scope: Scope, period: Period):
    """Children whose first formal outcome fell in `period` when aged 10-17 (ids queryset)."""
    return (
        first_formal_outcomes(scope, up_to=period.end)
        .filter(first__gte=period.start, first__lte=period.end)
        .annotate(age=age_on("dob", "first"))
        .filter(age__gte=10, age__lte=17)
        .values("child")
    )


FTE_DEFINITION = (
    "Children aged 10-17 receiving their first youth caution, youth conditional caution or "
    "court conviction in the period (Community Resolutions and Outcome 22 never count), per "
    "100,000 of the area's 10-17 population (ONS mid-year estimate of the matching year)."
)


@per_unit
def first_time_entrants(scope: Scope, period: Period, *, key: str = "fte") -> dict:
    """First Time Entrants in `period`: count and rate per 100,000 aged 10-17."""
    rows = Child.objects.filter(pk__in=fte_children(scope, period))
    dims = {}
    if not scope.headline_only:
        rows = rows.annotate(first=first_formal_date(scope))
        dims = {"sex": F("sex"), "ethnic_group": F("ethnic_group"),
                "age_band": age_band_expression("date_of_birth", "first")}
    tallies = tally_units(scope, rows, "organisation_id", {"n": Q(pk__isnull=False)}, dims)
    populations = population_units(scope, period.end.year)
    return {unit: _fte_result(scope, period, key, dims, t, *populations[unit]) for unit, t in tallies.items()}


def _fte_result(scope: Scope, period: Period, key: str, dims: dict, t: dict, population: int, year) -> Result:
    count = t[None]["n"]
    notes = []
    if year is None:
        notes.append("No 10-17 population loaded: rate not computed.")
    elif year != period.end.year:
        notes.append(f"Population for {period.end.year} not loaded; used {year}.")
    else:
        notes.append(f"Population: {year} mid-year estimate.")
    # A first outcome dated in the period may still arrive: provisional until as at covers it.
    provisional = scope.as_at < period.end
    labels = {"sex": SEX_LABELS, "ethnic_group": ETHNIC_LABELS, "age_band": {}}
    breakdowns = {
        dim: tuple(count_cell(g, labels[dim].get(g, g), t[dim][g]["n"]) for g in sorted(t[dim]))
        for dim in dims
    }
    return Result(
        key=key,
        label=f"First time entrants ({period.label})",
        definition=FTE_DEFINITION,
        unit="per_100000",
        value=count / population * 100_000 if population else None,
        numerator=count,
        denominator=population or None,
        period=period.label,
        interval=rate_interval(count, population, 100_000) if population else None,
        flags=Flags(provisional=provisional),
        breakdowns=breakdowns,
        notes=tuple(notes),
        higher_is_better=False,
    )


@per_unit
def fte_conversion(scope: Scope, period: Period) -> dict:
    """Of the children a programme started supporting in `period` who were not already
    First Time Entrants, how many became one within 12 months of the start."""
    episodes = scope.records(Episode.objects).filter(
        scope.programme_filter(), child__in=scope.children(),
        start_date__gte=period.start, start_date__lte=min(period.end, scope.as_at),
    )
    starts = (
        episodes.order_by().values("child").annotate(start=Min("start_date")).values("child", "start")
    )
    rows = starts.annotate(first=first_formal_date(scope, "child"))
    supported = rows.filter(Q(first__isnull=True) | Q(first__gte=F("start")))
    converted = supported.filter(first__isnull=False).alias(
        fk=month_key("first"), sk=month_key("start")
    ).filter(fk__lte=F("sk") + 1200)
    # One row per supported child (grouped by organisation when several are computed).
    tallies = tally_units(
        scope, Child.objects.filter(pk__in=supported.values("child")), "organisation_id",
        {"supported": Q(pk__isnull=False), "converted": Q(pk__in=converted.values("child"))}, {},
    )
    last_start = min(period.end, scope.as_at)
    provisional = scope.as_at < add_months(last_start, 12)
    return {unit: rate_result(
        "fte_conversion",
        "Supported children who became first time entrants within 12 months",
        "Of the children whose support started in the period (not already first time "
        "entrants), those whose first caution or conviction came within 12 months of the start.",
        t[None]["converted"], t[None]["supported"], period.label,
        flags=Flags(provisional=provisional),
        higher_is_better=False,
    ) for unit, t in tallies.items()}


def _cohort_event_date():
    """The date an outcome puts a child in the cohort: the sentence date, or for custody
    the release date."""
    return Case(
        When(disposal=Disposal.CUSTODY, then=F("custody_release_date")),
        default=F("outcome_date"),
    )


def _qualifying() -> Q:
    """Outcomes that put a child in the cohort."""
    return Q(disposal_group__in=COHORT_GROUPS) | Q(disposal=Disposal.CUSTODY, custody_release_date__isnull=False)


def reoffending_cohort(scope: Scope, cohort: Period):
    """Per child in the cohort, their index date (first qualifying event in the period)."""
    return (
        scope.records(Outcome.objects)
        .filter(child__in=scope.children())
        .filter(_qualifying())
        .annotate(event=_cohort_event_date())
        .filter(event__gte=cohort.start, event__lte=min(cohort.end, scope.as_at))
        .order_by()
        .values("child")
        .annotate(index=Min("event"), dob=F("child__date_of_birth"))
        .annotate(age=age_on("dob", "index"))
        .filter(age__gte=10, age__lte=17)
    )


REOFFENDING_DEFINITION = (
    "MoJ/YJB proven reoffending. Cohort: children aged 10-17 cautioned, given a non-custodial "
    "court sentence or released from custody in the cohort period (Community Resolutions and "
    "Outcome 22/21 do not count), counted once from their first such event (the index date). "
    "A proven reoffence is an offence committed in the 12 months after the index date and "
    "proven by caution or conviction within those 12 months or a further 6-month waiting period."
)


@per_unit
def proven_reoffending(scope: Scope, cohort: Period, *, key_prefix: str = "reoffending") -> dict:
    """Binary rate, reoffences per reoffender and reoffences per child for a cohort."""
    members = reoffending_cohort(scope, cohort)
    # One row per child in the cohort: the index date's month key, then their proven
    # reoffences (committed after the index date and within 12 months of it, proven by
    # caution or conviction within 18 months of it).
    # The outer rows are the cohort's children, so their index date is the first qualifying
    # event among their own outcomes (no need to repeat the cohort's age and scope checks).
    index_key = Subquery(
        scope.records(Outcome.objects).filter(child=OuterRef("pk")).filter(_qualifying())
        .annotate(event=_cohort_event_date())
        .filter(event__gte=cohort.start, event__lte=min(cohort.end, scope.as_at))
        .order_by().values("child").annotate(index_key=month_key(Min("event"))).values("index_key")[:1]
    )
    proven = Exists(
        scope.records(Outcome.objects).filter(
            offence=OuterRef("pk"), disposal_group__in=FORMAL_GROUPS, outcome_date__lte=scope.as_at
        ).alias(ok=month_key("outcome_date")).filter(ok__lte=OuterRef(OuterRef("ik")) + 1800)
    )
    reoffence_count = (
        scope.records(Offence.objects)
        .filter(child=OuterRef("pk"))
        .alias(ck=month_key("committed_on"))
        .filter(ck__gt=OuterRef("ik"), ck__lte=OuterRef("ik") + 1200)
        .filter(proven)
        .order_by().values("child").annotate(c=Count("pk")).values("c")
    )
    rows = (
        Child.objects.filter(pk__in=members.values("child"))
        .annotate(ik=index_key)
        .annotate(reoffences=Coalesce(Subquery(reoffence_count), Value(0)))
    )
    dims = {} if scope.headline_only else {"sex": F("sex"), "ethnic_group": F("ethnic_group")}
    tallies = tally_units(scope, rows, "organisation_id",
                          {"cohort": Q(pk__isnull=False), "reoffender": Q(reoffences__gt=0)}, dims,
                          sums={"reoffences": F("reoffences")})
    final_on = add_months(cohort.end, 18)
    incomplete = sources_incomplete(scope, final_on)
    return {unit: _reoffending_results(scope, cohort, key_prefix, t, final_on, incomplete[unit])
            for unit, t in tallies.items()}


def sources_incomplete(scope: Scope, needed: dt.date) -> dict:
    """Per unit: True when any of its police data sources is not complete to `needed`
    (or has no "complete to" date). One query for every unit."""
    if scope.known_on is None:
        rows = (DataSource.objects.filter(organisation_id__in=scope.org_ids).order_by().values("organisation_id")
                .annotate(earliest=Min("complete_to"), unknown=Count("pk", filter=Q(complete_to__isnull=True))))
        lagging = {r["organisation_id"] for r in rows
                   if r["unknown"] or (r["earliest"] and r["earliest"] < needed)}
    else:
        # As known then: each source's "complete to" from its dated history.
        sources = complete_to_as_known(
            list(DataSource.objects.filter(organisation_id__in=scope.org_ids)
                 .values_list("id", "organisation_id", "complete_to")), scope.known_on)
        lagging = {org for _, org, complete_to in sources if complete_to is None or complete_to < needed}
    if scope.by_org:
        return {unit: unit in lagging for unit in scope.units}
    return {None: bool(lagging)}


def _reoffending_results(scope: Scope, cohort: Period, key_prefix: str, t: dict, final_on, incomplete: bool):
    cohort_size, n_reoffenders = t[None]["cohort"], t[None]["reoffender"]
    n_offences = t[None]["reoffences"]
    provisional = scope.as_at < final_on
    notes = [f"Cohort shown: {cohort.label} (index dates {cohort.start} to {cohort.end})."]
    if provisional:
        notes.append(f"Provisional: final on {final_on} (18 months after the last index date).")
    elif incomplete:
        notes.append("Provisional: police data is not yet complete to the end of the waiting period.")
    flags = Flags(provisional=provisional or incomplete)
    breakdowns = {
        dim: tuple(
            rate_cell(g, labels.get(g, g), t[dim][g]["reoffender"], t[dim][g]["cohort"]) for g in sorted(t[dim])
        )
        for dim, labels in (("sex", SEX_LABELS), ("ethnic_group", ETHNIC_LABELS)) if t.get(dim)
    }
    common: dict[str, Any] = dict(period=cohort.label, flags=flags, notes=tuple(notes), higher_is_better=False)
    binary = rate_result(
        f"{key_prefix}.binary", f"Proven reoffending: binary rate ({cohort.label} cohort)",
        REOFFENDING_DEFINITION + " Binary rate = reoffenders ÷ children in the cohort.",
        n_reoffenders, cohort_size, breakdowns=breakdowns, **common,
    )
    per_reoffender = Result(
        key=f"{key_prefix}.per_reoffender",
        label=f"Reoffences per reoffender ({cohort.label} cohort)",
        definition=REOFFENDING_DEFINITION + " Reoffences per reoffender = reoffences ÷ reoffenders.",
        unit="per_child", value=n_offences / n_reoffenders if n_reoffenders else None,
        numerator=n_offences, denominator=n_reoffenders,
        interval=mean_ratio_interval(n_offences, n_reoffenders), **{**common, "flags": Flags(
            provisional=flags.provisional, volatile=is_volatile(n_reoffenders))},
    )
    per_child = Result(
        key=f"{key_prefix}.per_child",
        label=f"Reoffences per child in the cohort (frequency rate, {cohort.label})",
        definition=REOFFENDING_DEFINITION + " Frequency rate = reoffences ÷ children in the cohort.",
        unit="per_child", value=n_offences / cohort_size if cohort_size else None,
        numerator=n_offences, denominator=cohort_size,
        interval=mean_ratio_interval(n_offences, cohort_size), **{**common, "flags": Flags(
            provisional=flags.provisional, volatile=is_volatile(cohort_size))},
    )
    return [binary, per_reoffender, per_child]


def latest_mature_quarter_cohort(as_at: dt.date) -> Period:
    """The latest calendar-quarter cohort whose figures are final on `as_at` (18 months on)."""
    cutoff = add_months(as_at, -18)
    quarter = calendar_quarter(cutoff.year, (cutoff.month - 1) // 3 + 1)
    while add_months(quarter.end, 18) > as_at:
        quarter = quarter.previous()
    return quarter


def twelve_month_cohort_ending(quarter: Period) -> Period:
    """The 12-month cohort ending with a quarter cohort."""
    start = add_months(quarter.end.replace(day=1), -11)
    return P(start, quarter.end, "range", f"{start:%b %Y}-{quarter.end:%b %Y}")


CUSTODY_DEFINITION = (
    "Custodial sentences (not children) given in the period to children aged 10-17, per 1,000 "
    "of the area's 10-17 population."
)


@per_unit
def use_of_custody(scope: Scope, period: Period) -> dict:
    """Custodial sentences in the period per 1,000 of the 10-17 population."""
    sentences = (
        _outcomes(scope)
        .filter(disposal=Disposal.CUSTODY, outcome_date__gte=period.start, outcome_date__lte=period.end)
        .annotate(age=age_on("child__date_of_birth", "outcome_date"))
        .filter(age__gte=10, age__lte=17)
    )
    counts = count_units(scope, sentences, "child__organisation_id")
    populations = population_units(scope, period.end.year)
    out = {}
    for unit, count in counts.items():
        population, year = populations[unit]
        out[unit] = Result(
            key="custody",
            label=f"Use of custody ({period.label})",
            definition=CUSTODY_DEFINITION,
            unit="per_1000",
            value=count / population * 1000 if population else None,
            numerator=count,
            denominator=population or None,
            period=period.label,
            interval=rate_interval(count, population, 1000) if population else None,
            flags=Flags(provisional=scope.as_at < period.end),
            notes=(f"Population year: {year}." if year else "No 10-17 population loaded.",),
            higher_is_better=False,
        )
    return out
