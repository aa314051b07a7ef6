"""The database's month arithmetic agrees with `add_months` on every backend."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import DateField, IntegerField, Value
from django.test.utils import CaptureQueriesContext

from divert.accounts.models import Organisation
from divert.core.dates import AddDays, AddMonths, add_months, follow_up_window, follow_up_window_sql


@pytest.mark.django_db
@pytest.mark.parametrize("months", [1, 3, 6, 9, 12, -6])
def test_add_months_in_the_database_matches_python(personas, months):
    days = [dt.date(2023, 1, 1) + dt.timedelta(days=i) for i in range(0, 731, 3)]
    days += [
        dt.date(y, m, 1) - dt.timedelta(days=k)
        for y in (2023, 2024, 2025)
        for m in range(1, 13)
        for k in (1, 2, 3)
    ]
    annotations = {
        f"d{i}": AddMonths(
            Value(day, output_field=DateField()), Value(months, output_field=IntegerField())
        )
        for i, day in enumerate(days)
    }
    row = (
        Organisation.objects.filter(pk=personas.north.pk)
        .annotate(**annotations)
        .values(*annotations)
        .get()
    )
    assert [row[f"d{i}"] for i in range(len(days))] == [add_months(day, months) for day in days]


@pytest.mark.django_db
def test_add_days_in_the_database(personas):
    row = (
        Organisation.objects.filter(pk=personas.north.pk)
        .annotate(
            d=AddDays(
                Value(dt.date(2024, 2, 20), output_field=DateField()),
                Value(10, output_field=IntegerField()),
            )
        )
        .values("d")
        .get()
    )
    assert row["d"] == dt.date(2024, 3, 1)


@pytest.mark.django_db
def test_date_arithmetic_survives_the_query_log(personas):
    """Django's query log (DEBUG, assertNumQueries) formats the SQL with its parameters:
    the SQLite printf patterns must not break it."""
    day = Value(dt.date(2024, 1, 31), output_field=DateField())
    with CaptureQueriesContext(connection) as queries:
        row = (
            Organisation.objects.filter(pk=personas.north.pk)
            .annotate(m=AddMonths(day, Value(1, output_field=IntegerField())),
                      d=AddDays(day, Value(-1, output_field=IntegerField())))
            .values("m", "d")
            .get()
        )
    assert (row["m"], row["d"]) == (dt.date(2024, 2, 29), dt.date(2024, 1, 30))
    assert len(queries) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("months", [3, 6, 9, 12])
def test_follow_up_window_in_the_database_matches_python(personas, months):
    days = [dt.date(2023, 8, 25) + dt.timedelta(days=i) for i in range(0, 200, 2)]
    annotations = {}
    for i, day in enumerate(days):
        edges = follow_up_window_sql(Value(day, output_field=DateField()), months)
        annotations[f"e{i}"] = edges["end"]
        annotations[f"d{i}"] = edges["deadline"]
    row = Organisation.objects.filter(pk=personas.north.pk).annotate(**annotations).values(*annotations).get()
    for i, day in enumerate(days):
        window = follow_up_window(day, months)
        assert (row[f"e{i}"], row[f"d{i}"]) == (window.end, window.deadline)
