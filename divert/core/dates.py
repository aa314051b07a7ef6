"""Small date helpers used by pathway rules and measures (pure, no clock)."""

from __future__ import annotations

import calendar
import datetime as dt


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
