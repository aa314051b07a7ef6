"""Small date helpers used by pathway rules and measures (pure, no clock).

Also the local follow-up window (`follow_up_window`), the one place its edges and its
proving deadline are defined, and the same month arithmetic as SQL expressions
(`AddMonths`, `AddDays`) for measures that count windows inside the database.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass

from django.db.models import DateField, F, Func, Value

# The dates a person may type or send (query strings, forms, the API, uploaded files). Far
# wider than any real record, and far enough inside Python's year 1-9999 that date
# arithmetic on them (periods before, follow-up after, ages) can never overflow.
EARLIEST = dt.date(1900, 1, 1)
LATEST = dt.date(2199, 12, 31)
RANGE_TEXT = f"between {EARLIEST.year} and {LATEST.year}"


def check_date_in_range(day: dt.date, *, label: str = "date") -> dt.date:
    """`day` if it lies between EARLIEST and LATEST; otherwise ValueError with a plain message."""
    if not EARLIEST <= day <= LATEST:
        raise ValueError(f"The {label} must be {RANGE_TEXT}.")
    return day


def parse_date(text: str, *, label: str = "date") -> dt.date:
    """A YYYY-MM-DD date typed or sent by a person, in the sane range; ValueError says what is wrong."""
    try:
        day = dt.date.fromisoformat(text.strip())
    except ValueError as exc:
        raise ValueError(f"The {label} must look like 2025-07-31.") from exc
    return check_date_in_range(day, label=label)


# The waiting period after a follow-up window in which an offence committed in it may be proven.
WAITING_MONTHS = 6


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: dt.date, years: int) -> dt.date:
    """The same day `years` later (29 February becomes 28 February)."""
    return add_months(day, 12 * years)


def add_working_days(day: dt.date, days: int) -> dt.date:
    """`days` working days (Monday-Friday) after `day`. Bank holidays are not excluded."""
    current = day
    remaining = days
    while remaining > 0:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            remaining -= 1
    return current


def age_on(date_of_birth: dt.date, day: dt.date) -> int:
    """Age in whole years on `day`."""
    return day.year - date_of_birth.year - (
        (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    )


@dataclass(frozen=True)
class FollowUpWindow:
    """A follow-up window: `start` inclusive, `end` exclusive (the first day after it).

    `deadline` is exclusive too: an offence committed in the window counts as proven when
    its outcome is dated before `deadline` (the window's end + 6 months' waiting period).
    """

    start: dt.date
    end: dt.date
    deadline: dt.date

    @property
    def last_day(self) -> dt.date:
        """The window's last day."""
        return self.end - dt.timedelta(days=1)

    @property
    def last_proving_day(self) -> dt.date:
        """The last day on which an outcome still proves an offence committed in the window."""
        return self.deadline - dt.timedelta(days=1)

    def contains(self, day: dt.date) -> bool:
        """`day` is in the window."""
        return self.start <= day < self.end

    def proven_in_time(self, day: dt.date) -> bool:
        """An outcome dated `day` falls within the window + the waiting period."""
        return day < self.deadline


def follow_up_window(anchor_date: dt.date, months: int) -> FollowUpWindow:
    """The follow-up window of `months` from `anchor_date` (shared/definitions.md).

    From the anchor day inclusive to the same day `months` later exclusive (clamped to the
    month's end: 31 January + 1 month ends before 28/29 February); the proving deadline is
    that end + 6 months, exclusive in the same way. Every view of follow-up uses this
    function, or `follow_up_window_sql` for counting inside the database.
    """
    end = add_months(anchor_date, months)
    return FollowUpWindow(start=anchor_date, end=end, deadline=add_months(end, WAITING_MONTHS))


def follow_up_window_sql(anchor, months) -> dict:
    """`follow_up_window` as SQL expressions: {"start", "end", "deadline"}.

    `anchor` and `months` are expressions (or a field name / an int); the edges are the same
    as `follow_up_window`'s (`core/tests/test_dates.py` checks them against each other).
    """
    anchor = F(anchor) if isinstance(anchor, str) else anchor
    months = Value(months) if isinstance(months, int) else months
    end = AddMonths(anchor, months)
    return {"start": anchor, "end": end, "deadline": AddMonths(end, Value(WAITING_MONTHS))}


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
        """SQLite normalises 31 Jan + 1 month to 2/3 March, so build the date and clamp it.

        Percent signs are doubled: Django's SQLite cursor turns %% into % before running the
        query, and its query log formats the SQL with its parameters (a bare % breaks it)."""
        (day, day_params), (months, months_params) = (
            compiler.compile(e) for e in self.source_expressions
        )
        same_day = (
            f"date({day}, 'start of month', printf('%%+d months', {months}), "
            f"printf('+%%d days', CAST(strftime('%%d', {day}) AS INTEGER) - 1))"
        )
        month_end = (
            f"date({day}, 'start of month', printf('%%+d months', ({months}) + 1), '-1 days')"
        )
        params = [*day_params, *months_params, *day_params, *day_params, *months_params]
        return f"min({same_day}, {month_end})", params

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra):  # pragma: no cover - other backends
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
        return f"date({day}, printf('%%+d days', {days}))", [*day_params, *days_params]

    def as_sql(self, compiler, connection, function=None, template=None, arg_joiner=None, **extra):  # pragma: no cover - other backends
        """Only PostgreSQL and SQLite are supported."""
        raise NotImplementedError(f"AddDays is not implemented for {connection.vendor}")
