"""The KPI engine: every measure for organisation(s) or programme(s), a period, an "as at"
date and optionally an "as known on" moment. Pure: no views, no HTTP, no clock.

    report = compute_report(organisations=[org], period=parse_period("2025-26Q1"),
                            as_at=date(2025, 7, 31))

The same `Report` feeds the web page, the CLI (table, JSON, CSV) and the tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from divert.core.dates import add_months
from divert.kpis.measures.common import Scope
from divert.kpis.measures.disproportionality import disproportionality
from divert.kpis.measures.follow_up import follow_up
from divert.kpis.measures.local import prevention_measures
from divert.kpis.measures.official import (
    first_time_entrants,
    fte_conversion,
    latest_mature_quarter_cohort,
    proven_reoffending,
    twelve_month_cohort_ending,
    use_of_custody,
)
from divert.kpis.measures.yjb import yjb_kpis
from divert.kpis.periods import Period, rolling_12_months, year_ending_december_before
from divert.kpis.results import Report, Result
from divert.kpis.stats import change
from divert.kpis.suppression import suppress_result


def _month_end(day: dt.date) -> dt.date:
    return add_months(day.replace(day=1), 1) - dt.timedelta(days=1)


def official_measures(scope: Scope) -> list[Result]:
    """FTE (rolling 12 months and year ending December), FTE conversion, proven reoffending
    (latest mature 3-month and 12-month cohorts) and use of custody."""
    period = scope.period
    rolling = rolling_12_months(_month_end(period.end))
    december = year_ending_december_before(period.end)
    conversion_window = rolling_12_months(_month_end(add_months(period.end, -12)))
    quarter_cohort = latest_mature_quarter_cohort(scope.as_at)
    annual_cohort = twelve_month_cohort_ending(quarter_cohort)
    return [
        first_time_entrants(scope, rolling, key="fte.rolling_12_months"),
        first_time_entrants(scope, december, key="fte.year_ending_december"),
        replace(fte_conversion(scope, conversion_window), key="fte.conversion"),
        *proven_reoffending(scope, quarter_cohort, key_prefix="reoffending.3_month_cohort"),
        *proven_reoffending(scope, annual_cohort, key_prefix="reoffending.12_month_cohort"),
        replace(use_of_custody(scope, rolling), key="custody.rolling_12_months"),
        replace(use_of_custody(scope, december), key="custody.year_ending_december"),
    ]


def measures(scope: Scope, *, with_disproportionality: bool = True) -> list[Result]:
    """Every measure for one scope (no RAG, changes or suppression)."""
    return [
        *official_measures(scope),
        *yjb_kpis(scope),
        *prevention_measures(scope),
        *follow_up(scope),
        *(disproportionality(scope) if with_disproportionality else []),
    ]


def earlier_scope(scope: Scope, other: Period) -> Scope:
    """The scope for an earlier period, "as at" the same distance after it, so that the
    comparison is with the figure as it stood then (e.g. the previous reoffending cohort)."""
    if other.kind == "range" or scope.period.kind == "range":
        as_at = scope.as_at - (scope.period.start - other.start)
    else:
        months = (scope.period.start.year - other.start.year) * 12 + scope.period.start.month - other.start.month
        as_at = add_months(scope.as_at, -months)
    return Scope(scope.organisations, other, as_at, scope.known_on, scope.programmes, headline_only=True)


def rag(result: Result, thresholds: dict) -> str | None:
    """Green/amber/red from an organisation's thresholds for this measure, if it has any.

    thresholds[key] = {"green": g, "red": r, "higher_is_better": bool}: higher is better
    means green at or above g and red below r; otherwise green at or below g, red above r.
    """
    t = thresholds.get(result.key)
    if not t or result.value is None:
        return None
    higher = t.get("higher_is_better", result.higher_is_better if result.higher_is_better is not None else True)
    green, red = t.get("green"), t.get("red")
    v = result.value
    if higher:
        if green is not None and v >= green:
            return "green"
        if red is not None and v < red:
            return "red"
    else:
        if green is not None and v <= green:
            return "green"
        if red is not None and v > red:
            return "red"
    return "amber"


def _changes(current: Result, earlier: Result | None, label: str) -> dict:
    if earlier is None or earlier.value is None or current.value is None:
        return {}
    c = change(earlier.value, current.value, is_rate=current.unit == "proportion")
    direction = None
    if current.higher_is_better is not None and current.value != earlier.value:
        better = (current.value > earlier.value) == current.higher_is_better
        direction = "better" if better else "worse"
    elif current.value == earlier.value:
        direction = "same"
    return {
        "period": label,
        "value": earlier.value,
        "relative_change": c.relative,
        "change_in_points": c.points,
        "direction": direction,
    }


def _comparators(organisations) -> dict[tuple[str, str], dict]:
    from divert.reference.models import ComparatorFigure

    figures = ComparatorFigure.objects.filter(organisation__in=organisations)
    out: dict[tuple[str, str], dict] = {}
    for fig in figures.values("measure_key", "period_label", "comparator", "value", "source"):
        out.setdefault((fig["measure_key"], fig["period_label"]), {})[fig["comparator"]] = {
            "value": fig["value"], "source": fig["source"]}
    return out


def compute_report(
    *,
    organisations=(),
    programmes=(),
    period: Period,
    as_at: dt.date,
    known_on: dt.datetime | None = None,
    suppress: bool = False,
    with_changes: bool = True,
) -> Report:
    """Every measure for the organisations (or programmes) over `period`, as at `as_at`,
    optionally as known on `known_on`; with RAG, direction of travel (against the previous
    period and the same period last year) and comparators; suppressed for audiences
    without child-level access when `suppress` is set."""
    programmes = tuple(programmes)
    organisations = tuple(organisations) or tuple({p.organisation for p in programmes})
    if not organisations:
        raise ValueError("compute_report needs at least one organisation or programme")
    scope = Scope(tuple(organisations), period, as_at, known_on, programmes)
    results = measures(scope)
    if with_changes:
        earlier = {}
        for name, other in (("previous", period.previous()), ("last_year", period.same_period_last_year())):
            got = measures(earlier_scope(scope, other), with_disproportionality=False)
            earlier[name] = (other.label, {r.key: r for r in got})
        results = [
            replace(r, changes={name: ch for name, (label, rs) in earlier.items()
                                if (ch := _changes(r, rs.get(r.key), rs[r.key].period if r.key in rs else label))})
            for r in results
        ]
    thresholds: dict = {}
    for org in organisations:
        thresholds.update(org.rag_thresholds or {})
    comparators = _comparators(organisations)
    results = [
        replace(r, rag=rag(r, thresholds), comparators=comparators.get((r.key, r.period), {}))
        for r in results
    ]
    if suppress:
        threshold = max(org.suppression_threshold for org in organisations)
        results = [suppress_result(r, threshold) for r in results]
    label = ", ".join(sorted(o.slug for o in organisations))
    if programmes:
        label += " (" + ", ".join(sorted(p.slug for p in programmes)) + ")"
    return Report(
        organisation=label,
        period=period.as_dict(),
        as_at=as_at,
        known_on=known_on,
        measures=tuple(results),
        suppressed=suppress,
    )
