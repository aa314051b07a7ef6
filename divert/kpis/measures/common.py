"""Building blocks shared by the measures: the scope of records, portable date arithmetic
as database expressions, and one-query tallies with breakdowns.

Date arithmetic is done with integer expressions (Extract + arithmetic) so the same
query runs on SQLite and PostgreSQL without vendor SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models.functions import Cast, ExtractDay, ExtractMonth, ExtractYear
from django.db.models.lookups import GreaterThan

from divert.core.dates import add_months
from divert.core.models import RecordedQuerySet
from divert.kpis.periods import Period
from divert.people.codes import EthnicGroup, Sex


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
        from divert.people.models import Child

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
        return Scope(self.organisations, period, self.as_at, self.known_on, self.programmes, self.headline_only)


def int_expr(expression):
    """Wrap an arithmetic expression as an integer."""
    from django.db.models import ExpressionWrapper

    return ExpressionWrapper(expression, output_field=IntegerField())


def month_key(field) -> object:
    """(year × 12 + month) × 100 + day: compares like the date, and adding k × 100 gives
    'k months later' with the day clamped (so `month_key(a) <= month_key(b) + 1200` means
    a is on or before the same day a year after b)."""
    f = F(field) if isinstance(field, str) else field
    return int_expr((ExtractYear(f) * 12 + ExtractMonth(f)) * 100 + ExtractDay(f))


def python_month_key(day: dt.date) -> int:
    """`month_key` for a Python date."""
    return (day.year * 12 + day.month) * 100 + day.day


def day_number(field) -> object:
    """Days since 1970-01-01 as an integer expression (Hinnant's days-from-civil), so
    differences and 'n days after' are plain integer arithmetic on every database."""
    f = F(field) if isinstance(field, str) else field
    # Cast: PostgreSQL's EXTRACT returns numeric, and we need integer division.
    y = Cast(ExtractYear(f), IntegerField())
    m = Cast(ExtractMonth(f), IntegerField())
    d = Cast(ExtractDay(f), IntegerField())
    march_based_year = y - Case(When(GreaterThan(Value(3), m), then=Value(1)), default=Value(0))
    shifted_month = m + Case(When(GreaterThan(m, Value(2)), then=Value(-3)), default=Value(9))
    day_of_year = (153 * shifted_month + 2) / 5 + d - 1
    # Years 1900-2399 only (era arithmetic simplified: era 4 and 5 from year 1600).
    years = march_based_year - 1600
    day_of_era = years * 365 + years / 4 - years / 100 + years / 400 + day_of_year
    return int_expr(day_of_era - 135080)


def python_day_number(day: dt.date) -> int:
    """`day_number` for a Python date."""
    return (day - dt.date(1970, 1, 1)).days


def age_on(dob_field, day_field) -> object:
    """Age in whole years on a date, as a database expression."""
    dob = F(dob_field) if isinstance(dob_field, str) else dob_field
    day = F(day_field) if isinstance(day_field, str) else day_field
    md_dob = ExtractMonth(dob) * 100 + ExtractDay(dob)
    md_day = ExtractMonth(day) * 100 + ExtractDay(day)
    return int_expr(
        ExtractYear(day)
        - ExtractYear(dob)
        - Case(When(GreaterThan(md_dob, md_day), then=Value(1)), default=Value(0))
    )


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


def tally(queryset, conditions: dict[str, Q], dimensions: dict[str, object]) -> dict:
    """Conditional counts of rows, overall and per value of each dimension.

    Returns {None: {name: n}, dim: {value: {name: n}}}. One query, grouped by every
    dimension at once, does the counting in the database; the margins (per dimension and
    overall) are then sums over those few groups (at most a few hundred), never over rows.
    """
    # Prefixed so a count never clashes with an annotation of the same name.
    counts = {f"n__{name}": Count("pk", filter=cond) for name, cond in conditions.items()}
    dims = {f"d__{dim}": expression for dim, expression in dimensions.items()}
    rows = queryset.annotate(**dims).order_by().values(*dims).annotate(**counts)
    out: dict = {None: dict.fromkeys(conditions, 0), **{dim: {} for dim in dimensions}}
    for row in rows:  # one row per combination of groups
        for name in conditions:
            n = row[f"n__{name}"]
            out[None][name] += n
            for dim in dimensions:
                group = out[dim].setdefault(row[f"d__{dim}"], dict.fromkeys(conditions, 0))
                group[name] += n
    return out
