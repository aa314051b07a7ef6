"""The YJB's reporting population: episodes ending in the period, with their programme type.

Shared by KPIs 1-7 (`yjb.py`) and KPIs 8-10 (`yjb_other.py`)."""

from __future__ import annotations

from django.db.models import Case, IntegerField, Value, When

from divert.casework.models import Episode
from divert.kpis.measures.common import Scope, age_on
from divert.offending.codes import YJB_PROGRAMME_TYPE


def programme_type_expression(field: str = "order_type") -> Case:
    """The YJB programme type (1-6; 0 for anything else) of an order type."""
    whens = [
        When(**{f"{field}__in": [str(c) for c, t in YJB_PROGRAMME_TYPE.items() if t == n]}, then=Value(n))
        for n in range(1, 7)
    ]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def scope_episodes(scope: Scope):
    """Every episode ending in the period (by the "as at" date), child aged 10-17 at its start."""
    return (
        scope.records(Episode.objects)
        .filter(scope.programme_filter(), child__in=scope.children())
        .filter(end_date__gte=scope.period.start, end_date__lte=min(scope.period.end, scope.as_at))
        .alias(start_age=age_on("child__date_of_birth", "start_date"))
        .filter(start_age__gte=10, start_age__lte=17)
        .annotate(programme_type=programme_type_expression())
    )
