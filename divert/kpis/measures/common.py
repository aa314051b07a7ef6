"""Building blocks shared by the measures: the scope of records, portable date arithmetic
as database expressions, and one-query tallies with breakdowns.

Date arithmetic is done with integer expressions (Extract + arithmetic) so the same
query runs on SQLite and PostgreSQL without vendor SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django.db.models import (
    Aggregate,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.lookups import GreaterThan

from divert.core.dates import add_months
from divert.core.models import RecordedQuerySet
from divert.kpis.periods import Period
from divert.people.codes import EthnicGroup, Sex
from divert.people.models import Child


@dataclass(frozen=True)
class Scope:
    """What a computation covers: organisations (and optionally programmes), the period,
    the "as at" date and, optionally, the moment the figures are "as known on"."""

    organisations: tuple
    period: Period
    as_at: dt.date
    known_on: dt.datetime | None = None
    programmes: tuple = ()
    headline_only: bool = False  # comparisons need no breakdowns
    # Several organisations, each counted on its own (compute_reports): every query is
    # grouped by organisation, so one query serves them all.
    by_org: bool = False
    # The reoffending cohort (a calendar quarter) when one is chosen; otherwise the latest
    # mature one on the "as at" date.
    cohort: Period | None = None

    @property
    def units(self) -> list:
        """The keys results come under: each organisation's id when by_org, else None."""
        return [o.pk for o in self.organisations] if self.by_org else [None]

    def records(self, queryset):
        """Records as known on `known_on` (or every record not voided)."""
        # Called through RecordedQuerySet so that managers which do not inherit it
        # (e.g. victims) get the same rule.
        queryset = queryset.all()
        if self.known_on is not None:
            return RecordedQuerySet.known_on(queryset, self.known_on)
        return RecordedQuerySet.current(queryset)

    @property
    def org_ids(self) -> list[int]:
        """Primary keys of the organisations."""
        return [o.pk for o in self.organisations]

    def children(self):
        """The organisations' children (not merged away), as known."""
        return self.records(Child.objects).filter(
            organisation_id__in=self.org_ids, merged_into__isnull=True
        )

    def programme_filter(self, prefix: str = "programme") -> Q:
        """Records of the scope's programmes (or of every programme of its organisations)."""
        if self.programmes:
            return Q(**{f"{prefix}__in": [p.pk for p in self.programmes]})
        return Q(**{f"{prefix}__organisation_id__in": self.org_ids})

    def with_period(self, period: Period) -> Scope:
        """The same scope over another period."""
        return Scope(self.organisations, period, self.as_at, self.known_on, self.programmes, self.headline_only,
                     self.by_org, self.cohort)


def per_unit(function):
    """A measure computed for every unit at once (a dict unit → result); for an ordinary
    scope the wrapper returns the one result, as callers and tests expect."""

    @wraps(function)
    def wrapper(scope: Scope, *args, **kwargs):
        got = function(scope, *args, **kwargs)
        return got if scope.by_org else got[None]

    wrapper.by_unit = function  # type: ignore[attr-defined]  # the measure for every unit
    return wrapper


def by_unit(function, scope: Scope, *args, **kwargs) -> dict:
    """Call a @per_unit measure and always get the dict unit → result."""
    return getattr(function, "by_unit", function)(scope, *args, **kwargs)


UNIT = "kpi_unit"


def _unit_rows(scope: Scope, queryset, org_path: str, fields: tuple = ()):
    """The queryset grouped by unit (the organisation at `org_path`) and `fields`."""
    queryset = queryset.order_by()
    if scope.by_org:
        return queryset.annotate(**{UNIT: F(org_path)}).values(UNIT, *fields)
    return queryset.values(*fields) if fields else None


def _empty(aggregates: dict) -> dict:
    return {name: 0 if isinstance(agg, Count) else None for name, agg in aggregates.items()}


def aggregate_units(scope: Scope, queryset, org_path: str, **aggregates) -> dict:
    """queryset.aggregate(...) for every unit: {unit: {name: value}} (one query)."""
    if not scope.by_org:
        return {None: queryset.order_by().aggregate(**aggregates)}
    out = {unit: _empty(aggregates) for unit in scope.units}
    for row in _unit_rows(scope, queryset, org_path).annotate(**aggregates):
        out[row[UNIT]] = {name: row[name] for name in aggregates}
    return out


def count_units(scope: Scope, queryset, org_path: str) -> dict:
    """queryset.count() for every unit: {unit: n}."""
    got = aggregate_units(scope, queryset, org_path, n=Count("pk"))
    return {unit: row["n"] for unit, row in got.items()}


def group_units(scope: Scope, queryset, org_path: str, fields: tuple, **aggregates) -> dict:
    """queryset.values(*fields).annotate(...) ordered by `fields`, for every unit: {unit: [rows]}."""
    out: dict = {unit: [] for unit in scope.units}
    if scope.by_org:
        rows = _unit_rows(scope, queryset, org_path, fields).annotate(**aggregates).order_by(UNIT, *fields)
    else:
        rows = queryset.order_by().values(*fields).annotate(**aggregates).order_by(*fields)
    for row in rows:
        out[row.pop(UNIT, None)].append(row)
    return out


def int_expr(expression):
    """Wrap an arithmetic expression as an integer."""
    return ExpressionWrapper(expression, output_field=IntegerField())


class _DateFunc(Func):
    """A date function written once per database as a small SQL template over its
    arguments (no user data is ever put in the SQL: arguments are compiled expressions
    with their own parameters). One node instead of a tree of Extracts keeps queries
    small and quick to compile."""

    output_field = IntegerField()
    templates: dict[str, str] = {}

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra):
        """Fill the template for this database; arguments may appear several times."""
        template = self.templates.get(connection.vendor)
        if template is None:
            raise NotImplementedError(f"{type(self).__name__} has no SQL for {connection.vendor}")
        compiled = [compiler.compile(arg) for arg in self.get_source_expressions()]
        names = "abcdefgh"
        sql_parts = {names[i]: sql for i, (sql, _) in enumerate(compiled)}
        # Parameters follow the placeholders in the order they occur in the template.
        params: list = []
        out = []
        i = 0
        while i < len(template):
            if template[i] == "{" and template[i + 2] == "}":
                k = names.index(template[i + 1])
                out.append(sql_parts[template[i + 1]])
                params.extend(compiled[k][1])
                i += 3
            else:
                out.append(template[i])
                i += 1
        return "".join(out), params


class MonthKey(_DateFunc):
    """(year × 12 + month) × 100 + day of a date."""

    arity = 1
    templates = {
        "postgresql": "((EXTRACT(YEAR FROM {a})::integer * 12 + EXTRACT(MONTH FROM {a})::integer) * 100"
                      " + EXTRACT(DAY FROM {a})::integer)",
        "sqlite": "((CAST(strftime('%%Y', {a}) AS INTEGER) * 12 + CAST(strftime('%%m', {a}) AS INTEGER)) * 100"
                  " + CAST(strftime('%%d', {a}) AS INTEGER))",
    }


class DayNumber(_DateFunc):
    """Days since 1970-01-01."""

    arity = 1
    templates = {
        "postgresql": "(({a})::date - DATE '1970-01-01')",
        "sqlite": "CAST(julianday({a}) - 2440587.5 AS INTEGER)",
    }


class AgeOn(_DateFunc):
    """Age in whole years on a date: AgeOn(date_of_birth, day)."""

    arity = 2
    templates = {
        "postgresql": "EXTRACT(YEAR FROM age(({b})::date, ({a})::date))::integer",
        "sqlite": "(CAST(strftime('%%Y', {b}) AS INTEGER) - CAST(strftime('%%Y', {a}) AS INTEGER)"
                  " - (strftime('%%m-%%d', {b}) < strftime('%%m-%%d', {a})))",
    }


def _ref(field):
    return F(field) if isinstance(field, str) else field


def month_key(field) -> object:
    """(year × 12 + month) × 100 + day: compares like the date, and adding k × 100 gives
    'k months later' with the day clamped (so `month_key(a) <= month_key(b) + 1200` means
    a is on or before the same day a year after b)."""
    return MonthKey(_ref(field))


def python_month_key(day: dt.date) -> int:
    """`month_key` for a Python date."""
    return (day.year * 12 + day.month) * 100 + day.day


def day_number(field) -> DayNumber:
    """Days since 1970-01-01 as an integer expression, so differences and 'n days after'
    are plain integer arithmetic on every database."""
    return DayNumber(_ref(field))


def python_day_number(day: dt.date) -> int:
    """`day_number` for a Python date."""
    return (day - dt.date(1970, 1, 1)).days


def age_on(dob_field, day_field) -> object:
    """Age in whole years on a date, as a database expression."""
    return AgeOn(_ref(dob_field), _ref(day_field))


def aged_10_17_on(day: dt.date, prefix: str = "") -> Q:
    """Children aged 10-17 on a fixed date (a filter on date of birth)."""
    latest_dob = add_months(day, -120)
    earliest_dob = add_months(day, -216) + dt.timedelta(days=1)
    return Q(**{f"{prefix}date_of_birth__lte": latest_dob, f"{prefix}date_of_birth__gte": earliest_dob})


def age_band_expression(dob_field: str, day_field: str) -> Case:
    """The YJB's age bands (10-14, 15-17) on a date."""
    age = age_on(dob_field, day_field)
    return Case(
        When(GreaterThan(Value(15), age), then=Value("10-14")),
        When(GreaterThan(Value(18), age), then=Value("15-17")),
        default=Value("18+"),
    )


def current_on(day_ref, prefix: str = "") -> Q:
    """Dated records current on a (possibly outer) date: started by it, not ended before it."""
    return Q(**{f"{prefix}start_date__lte": day_ref}) & (
        Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": day_ref})
    )


def overlapping(start_ref, end_ref) -> Q:
    """Dated records current at any point between two (possibly outer) dates."""
    return Q(start_date__lte=end_ref) & (Q(end_date__isnull=True) | Q(end_date__gte=start_ref))


def exists(scope: Scope, model, **filters) -> Exists:
    """Exists() over a model's known records, correlated on the outer row's child."""
    child_ref = filters.pop("child_ref", "child")
    q = filters.pop("q", Q())
    return Exists(scope.records(model.objects).filter(q, child=OuterRef(child_ref), **filters))


ETHNIC_LABELS = dict(EthnicGroup.choices)
SEX_LABELS = dict(Sex.choices)


def tally(queryset, conditions: dict[str, Q], dimensions: dict[str, object], sums: dict | None = None) -> dict:
    """Conditional counts of rows, overall and per value of each dimension.

    Returns {None: {name: n}, dim: {value: {name: n}}}. One query, grouped by every
    dimension at once, does the counting in the database; the margins (per dimension and
    overall) are then sums over those few groups (at most a few hundred), never over rows.
    """
    return _tally(queryset, conditions, dimensions, sums, None, [None])[None]


def tally_units(scope: Scope, queryset, org_path: str, conditions: dict[str, Q], dimensions: Mapping[str, Any],
                sums: dict | None = None) -> dict:
    """`tally` for every unit: {unit: tally}, still one query (grouped by organisation too)."""
    return _tally(queryset, conditions, dimensions, sums, F(org_path) if scope.by_org else None, scope.units)


def _tally(queryset, conditions, dimensions, sums, unit, units) -> dict:
    # Prefixed so a count never clashes with an annotation of the same name.
    counts: dict[str, Aggregate] = {f"n__{name}": Count("pk", filter=cond) for name, cond in conditions.items()}
    # Optional sums (e.g. reoffences) are margined the same way as counts.
    counts.update({f"n__{name}": Sum(expr) for name, expr in (sums or {}).items()})
    conditions = {**conditions, **dict.fromkeys(sums or {})}
    dims = {f"d__{dim}": expression for dim, expression in dimensions.items()}
    if unit is not None:
        dims[UNIT] = unit
    if dims:
        rows = queryset.annotate(**dims).order_by().values(*dims).annotate(**counts)
    else:
        # No dimensions (headline only): one aggregate row. `.values()` with no fields would
        # select every column and group by the primary key, i.e. one row per child.
        rows = [queryset.order_by().aggregate(**counts)]
    out: dict[Any, dict[str | None, dict]] = {
        u: {None: dict.fromkeys(conditions, 0), **{dim: {} for dim in dimensions}} for u in units
    }
    for row in rows:  # one row per combination of groups
        t = out[row.get(UNIT)]
        for name in conditions:
            n = row[f"n__{name}"] or 0
            t[None][name] += n
            for dim in dimensions:
                group = t[dim].setdefault(row[f"d__{dim}"], dict.fromkeys(conditions, 0))
                group[name] += n
    return out
