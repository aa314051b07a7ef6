"""Date arithmetic in SQL that matches `divert.core.dates.add_months` exactly.

Windows are computed per checkpoint inside the database, so the month arithmetic has to
run there too. Both backends clamp to the month's end (31 January + 1 month is 28 or 29
February), as the Python function does; `test_dates.py` checks them day by day.
"""

from __future__ import annotations

from django.db.models import DateField, Func


class AddMonths(Func):
    """`date` plus a whole number of months (an expression or an int), clamped to the month's end."""

    arity = 2
    output_field = DateField()

    def as_postgresql(self, compiler, connection, **extra):
        """Interval arithmetic on PostgreSQL already clamps to the month's end."""
        (day, day_params), (months, months_params) = (
            compiler.compile(e) for e in self.source_expressions
        )
        return f"(({day}) + make_interval(months => ({months})::int))::date", [
            *day_params,
            *months_params,
        ]

    def as_sqlite(self, compiler, connection, **extra):
        """SQLite normalises 31 Jan + 1 month to 2/3 March, so build the date and clamp it."""
        (day, day_params), (months, months_params) = (
            compiler.compile(e) for e in self.source_expressions
        )
        same_day = (
            f"date({day}, 'start of month', printf('%+d months', {months}), "
            f"printf('+%d days', CAST(strftime('%d', {day}) AS INTEGER) - 1))"
        )
        month_end = (
            f"date({day}, 'start of month', printf('%+d months', ({months}) + 1), '-1 days')"
        )
        params = [*day_params, *months_params, *day_params, *day_params, *months_params]
        return f"min({same_day}, {month_end})", params

    def as_sql(self, compiler, connection, **extra):  # pragma: no cover - other backends
        """Only PostgreSQL and SQLite are supported."""
        raise NotImplementedError(f"AddMonths is not implemented for {connection.vendor}")


class AddDays(Func):
    """`date` plus a whole number of days."""

    arity = 2
    output_field = DateField()

    def as_postgresql(self, compiler, connection, **extra):
        """date + integer is a date on PostgreSQL."""
        (day, day_params), (days, days_params) = (
            compiler.compile(e) for e in self.source_expressions
        )
        return f"(({day}) + ({days})::int)", [*day_params, *days_params]

    def as_sqlite(self, compiler, connection, **extra):
        """SQLite's date() with a days modifier."""
        (day, day_params), (days, days_params) = (
            compiler.compile(e) for e in self.source_expressions
        )
        return f"date({day}, printf('%+d days', {days}))", [*day_params, *days_params]

    def as_sql(self, compiler, connection, **extra):  # pragma: no cover - other backends
        """Only PostgreSQL and SQLite are supported."""
        raise NotImplementedError(f"AddDays is not implemented for {connection.vendor}")
