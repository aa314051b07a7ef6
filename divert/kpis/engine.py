"""The KPI engine: every measure for organisation(s) or programme(s), a period, an "as at"
date and optionally an "as known on" moment. Pure: no views, no HTTP, no clock.

    report = compute_report(organisations=[org], period=parse_period("2025-26Q1"),
                            as_at=date(2025, 7, 31))

The same `Report` feeds the web page, the CLI (table, JSON, CSV) and the tests.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from divert.core.dates import add_months
from divert.kpis.measures.common import Scope, by_unit
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
from divert.kpis.models import RagThreshold
from divert.kpis.periods import (
    PUBLISHED_KINDS,
    Period,
    publication_day,
    quarter_containing,
    rolling_12_months,
    year_ending_december_before,
)
from divert.kpis.publication import headline_published, publish
from divert.kpis.results import Report, Result
from divert.kpis.stats import change
from divert.reference.models import ComparatorFigure


def _month_end(day: dt.date) -> dt.date:
    return add_months(day.replace(day=1), 1) - dt.timedelta(days=1)


def _keyed(results: dict, key: str) -> dict:
    return {unit: replace(r, key=key) for unit, r in results.items()}


def _merge(*parts: dict) -> dict:
    """Per unit, the results of several measures in order (each part maps unit → a result or a list)."""
    out: dict = {}
    for part in parts:
        for unit, got in part.items():
            out.setdefault(unit, []).extend(got if isinstance(got, list) else [got])
    return out


def official_measures(scope: Scope) -> dict:
    """FTE (rolling 12 months and year ending December), FTE conversion, proven reoffending
    (latest mature 3-month and 12-month cohorts) and use of custody, per unit."""
    period = scope.period
    rolling = rolling_12_months(_month_end(period.end))
    december = year_ending_december_before(period.end)
    conversion_window = rolling_12_months(_month_end(add_months(period.end, -12)))
    quarter_cohort = scope.cohort or latest_mature_quarter_cohort(scope.as_at)
    annual_cohort = twelve_month_cohort_ending(quarter_cohort)
    return _merge(
        by_unit(first_time_entrants, scope, rolling, key="fte.rolling_12_months"),
        by_unit(first_time_entrants, scope, december, key="fte.year_ending_december"),
        _keyed(by_unit(fte_conversion, scope, conversion_window), "fte.conversion"),
        by_unit(proven_reoffending, scope, quarter_cohort, key_prefix="reoffending.3_month_cohort"),
        by_unit(proven_reoffending, scope, annual_cohort, key_prefix="reoffending.12_month_cohort"),
        _keyed(by_unit(use_of_custody, scope, rolling), "custody.rolling_12_months"),
        _keyed(by_unit(use_of_custody, scope, december), "custody.year_ending_december"),
    )


def _parts(scope: Scope, with_disproportionality: bool) -> list:
    """The groups of measures, as calls that can run one after the other or side by side."""
    parts = [
        lambda: official_measures(scope),
        lambda: by_unit(yjb_kpis, scope),
        lambda: by_unit(prevention_measures, scope),
        lambda: by_unit(follow_up, scope),
    ]
    if with_disproportionality:
        parts.append(lambda: by_unit(disproportionality, scope))
    return parts


def measures_by_unit(scope: Scope, *, with_disproportionality: bool = True) -> dict:
    """Every measure for every unit of the scope (no RAG, changes or suppression): {unit: [results]}."""
    return _merge(*(part() for part in _parts(scope, with_disproportionality)))


def _on_own_connection(part):
    """Run a group of measures in a pool thread, on that thread's own database connection."""
    try:
        return part()
    finally:
        connection.close()


def measures(scope: Scope, *, with_disproportionality: bool = True) -> list[Result]:
    """Every measure for one scope (no RAG, changes or suppression)."""
    return measures_by_unit(scope, with_disproportionality=with_disproportionality)[scope.units[0]]


def end_of_day(day: dt.date) -> dt.datetime:
    """The last moment of a day in the service's time zone (an "as known on" moment)."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.max))


def published_scope(scope: Scope, other: Period) -> Scope:
    """The scope for an earlier period as its own published report shows it: as at and as
    known on its publication day (what a restricted audience compares with)."""
    day = publication_day(other)
    shifted = earlier_scope(scope, other)
    return Scope(scope.organisations, other, day, end_of_day(day), scope.programmes, headline_only=True,
                 by_org=scope.by_org, cohort=shifted.cohort)


def earlier_scope(scope: Scope, other: Period) -> Scope:
    """The scope for an earlier period, "as at" the same distance after it, so that the
    comparison is with the figure as it stood then (e.g. the previous reoffending cohort)."""
    months = (scope.period.start.year - other.start.year) * 12 + scope.period.start.month - other.start.month
    if other.kind == "range" or scope.period.kind == "range":
        as_at = scope.as_at - (scope.period.start - other.start)
    else:
        as_at = add_months(scope.as_at, -months)
    # A chosen cohort moves back by as many months as the period does.
    cohort = quarter_containing(add_months(scope.cohort.start, -months)) if scope.cohort else None
    return Scope(scope.organisations, other, as_at, scope.known_on, scope.programmes, headline_only=True,
                 by_org=scope.by_org, cohort=cohort)


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


def _changes(current: Result, earlier: Result | None, label: str, threshold: int | None = None) -> dict:
    """The comparison with an earlier figure. None when there is nothing to compare with: no
    earlier figure, the same window (a year ending December seen from the next quarter of
    the same year), or, for a restricted audience (`threshold` set), an earlier figure its
    own period's published report does not show."""
    if earlier is None or earlier.value is None or current.value is None or earlier.period == current.period:
        return {}
    if threshold is not None and not headline_published(earlier, threshold):
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


def _comparators_by_org(organisations) -> dict[int, dict[tuple[str, str], dict]]:
    """Each organisation's comparator figures: {org id: {(measure key, period label): {comparator: figure}}}."""
    figures = ComparatorFigure.objects.filter(organisation__in=organisations).order_by("pk")
    out: dict[int, dict[tuple[str, str], dict]] = {}
    for fig in figures.values("organisation_id", "measure_key", "period_label", "comparator", "value", "source"):
        out.setdefault(fig["organisation_id"], {}).setdefault((fig["measure_key"], fig["period_label"]), {})[
            fig["comparator"]] = {"value": fig["value"], "source": fig["source"]}
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
    cohort: Period | None = None,
) -> Report:
    """Every measure for the organisations (or programmes) over `period`, as at `as_at`,
    optionally as known on `known_on`, for a chosen reoffending `cohort` (a calendar quarter;
    by default the latest mature one); with RAG, direction of travel (against the previous
    period and the same period last year) and comparators; suppressed for audiences
    without child-level access when `suppress` is set."""
    programmes = tuple(programmes)
    organisations = tuple(organisations) or tuple({p.organisation for p in programmes})
    if not organisations:
        raise ValueError("compute_report needs at least one organisation or programme")
    scope = Scope(tuple(organisations), period, as_at, known_on, programmes, cohort=cohort)
    return _reports(scope, suppress=suppress, with_changes=with_changes)[None]


def compute_reports(
    organisations,
    *,
    period: Period,
    as_at: dt.date,
    known_on: dt.datetime | None = None,
    suppress: bool = False,
    with_changes: bool = True,
    connections: int = 1,
) -> dict:
    """`compute_report` for each organisation on its own, {organisation: Report}, with the
    same figures, but each measure counted for all of them in one grouped query (the national
    benchmark, a cross-service view) instead of one query per organisation. With
    `connections` > 1 the groups of measures run side by side on that many database
    connections (threads; PostgreSQL: the queries use several cores)."""
    organisations = tuple(organisations)
    if not organisations:
        return {}
    scope = Scope(organisations, period, as_at, known_on, by_org=True)
    if connections > 1:
        with ThreadPoolExecutor(max_workers=connections) as pool:
            reports = _reports(scope, suppress=suppress, with_changes=with_changes, pool=pool)
    else:
        reports = _reports(scope, suppress=suppress, with_changes=with_changes)
    return {org: reports[org.pk] for org in organisations}


def published(measures: list[Result], threshold: int) -> list[Result]:
    """`publish`, remembered in the cache: the same figures give the same published report
    (a published period is as known on its publication day, so every view of it repeats
    the same figures), and the audit behind it takes seconds for a large service."""
    text = json.dumps([m.as_dict() for m in measures], sort_keys=True, default=str)
    key = "kpis.published." + hashlib.sha256(f"{threshold}|{text}".encode()).hexdigest()
    got = cache.get(key)
    if got is None:
        got = publish(measures, threshold)
        cache.set(key, got, 7 * 24 * 3600)
    return got


def _thresholds(scope: Scope) -> dict:
    """Each unit's suppression threshold (the highest of its organisations')."""
    if scope.by_org:
        return {o.pk: o.suppression_threshold for o in scope.organisations}
    return {None: max(o.suppression_threshold for o in scope.organisations)}


def _reports(scope: Scope, *, suppress: bool, with_changes: bool, pool=None) -> dict:
    """A report per unit of the scope (each organisation when by_org, else the one scope)."""
    period = scope.period
    others = (("previous", period.previous()), ("last_year", period.same_period_last_year())) if with_changes else ()
    shift = published_scope if suppress and period.kind in PUBLISHED_KINDS else earlier_scope
    scopes = [(scope, True), *((shift(scope, other), False) for _, other in others)]
    if pool is not None:
        # Every group of measures of every scope is queued at once; the pool's threads (each
        # with its own connection) take them in turn. The results are merged in order.
        futures = [[pool.submit(_on_own_connection, part) for part in _parts(s, d)] for s, d in scopes]
        results = [_merge(*(f.result() for f in fs)) for fs in futures]
    else:
        results = [measures_by_unit(s, with_disproportionality=d) for s, d in scopes]
    all_results, got_earlier = results[0], results[1:]
    if with_changes:
        earlier = {}
        for (name, other), got in zip(others, got_earlier, strict=True):
            earlier[name] = (other.label, {unit: {r.key: r for r in rs} for unit, rs in got.items()})
        limits = _thresholds(scope) if suppress else {}
        all_results = {unit: [
            replace(r, changes={name: ch for name, (label, per_unit) in earlier.items()
                                if (ch := _changes(r, (rs := per_unit.get(unit, {})).get(r.key),
                                                   rs[r.key].period if r.key in rs else label, limits.get(unit)))})
            for r in results
        ] for unit, results in all_results.items()}
    groups = {o.pk: (o,) for o in scope.organisations} if scope.by_org else {}
    all_comparators = _comparators_by_org(scope.organisations)
    all_thresholds = RagThreshold.objects.by_organisation(o.pk for o in scope.organisations)
    reports = {}
    for unit in scope.units:
        organisations = groups[unit] if unit is not None else scope.organisations
        thresholds: dict = {}
        comparators: dict = {}
        for org in organisations:
            thresholds.update(all_thresholds.get(org.pk, {}))
            for k, v in all_comparators.get(org.pk, {}).items():
                comparators.setdefault(k, {}).update(v)
        measures: list[Result] = [
            replace(r, rag=rag(r, thresholds), comparators=comparators.get((r.key, r.period), {}))
            for r in all_results.get(unit, [])
        ]
        if suppress:
            measures = published(measures, max(org.suppression_threshold for org in organisations))
        label = ", ".join(sorted(o.name for o in organisations))
        if scope.programmes:
            label += " (" + ", ".join(sorted(p.name for p in scope.programmes)) + ")"
        reports[unit] = Report(
            organisation=label,
            period=period.as_dict(),
            as_at=scope.as_at,
            known_on=scope.known_on,
            measures=tuple(measures),
            suppressed=suppress,
        )
    return reports
