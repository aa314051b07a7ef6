"""Reporting periods, named unambiguously: financial quarters and years, calendar years,
rolling 12 months and explicit from/to dates."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from divert.core.dates import (
    EARLIEST,
    LATEST,
    RANGE_TEXT,
    add_months,
    check_date_in_range,
    parse_date,
)

_FQ = re.compile(r"^(\d{4})-(\d{2})\s*Q([1-4])$", re.IGNORECASE)
_FY = re.compile(r"^(\d{4})-(\d{2})$")
_CY = re.compile(r"^(\d{4})$")
_CQ = re.compile(r"^(\d{4})\s*Q([1-4])$", re.IGNORECASE)
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:to|\.\.|/)\s*(\d{4}-\d{2}-\d{2})$")


@dataclass(frozen=True)
class Period:
    """An inclusive date range with an unambiguous label and its kind."""

    start: dt.date
    end: dt.date
    kind: str  # financial_quarter, financial_year, calendar_year, calendar_quarter, range
    label: str

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError("A period cannot end before it starts.")

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end

    @property
    def cli(self) -> str:
        """The label as typed on the command line (no spaces)."""
        return self.label.replace(" ", "")

    def months(self) -> int:
        """Whole months covered (for a range, rounded down)."""
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def previous(self) -> Period:
        """The period of the same length immediately before this one."""
        if self.kind == "range":
            length = self.end - self.start
            end = self.start - dt.timedelta(days=1)
            return range_period(end - length, end)
        return _shifted(self, -self.months())

    def same_period_last_year(self) -> Period:
        """The same period a year earlier."""
        if self.kind == "range":
            return range_period(_minus_year(self.start), _minus_year(self.end))
        return _shifted(self, -12)

    def as_dict(self) -> dict:
        """Plain data for JSON."""
        return {
            "label": self.label,
            "kind": self.kind,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


def _minus_year(day: dt.date) -> dt.date:
    return add_months(day, -12)


def _month_end(year: int, month: int) -> dt.date:
    return add_months(dt.date(year, month, 1), 1) - dt.timedelta(days=1)


def _shifted(period: Period, months: int) -> Period:
    start = add_months(period.start, months)
    if period.kind == "financial_quarter":
        return financial_quarter_containing(start)
    if period.kind == "financial_year":
        return financial_year(start.year if start.month >= 4 else start.year - 1)
    if period.kind == "calendar_year":
        return calendar_year(start.year)
    if period.kind == "calendar_quarter":
        return calendar_quarter(start.year, (start.month - 1) // 3 + 1)
    if period.kind == "rolling_12_months":
        end = _month_end(*_ym(add_months(period.end.replace(day=1), months)))
        return rolling_12_months(end)
    raise ValueError(f"Cannot shift a period of kind {period.kind}")


def _ym(day: dt.date) -> tuple[int, int]:
    return day.year, day.month


def _fy_label(start_year: int) -> str:
    return f"{start_year}-{(start_year + 1) % 100:02d}"


def financial_quarter(start_year: int, quarter: int) -> Period:
    """Financial quarter: `financial_quarter(2025, 1)` is 2025-26 Q1, April-June 2025."""
    if quarter not in (1, 2, 3, 4):
        raise ValueError("quarter must be 1-4")
    first_month = 4 + 3 * (quarter - 1)
    year = start_year + (first_month - 1) // 12
    month = (first_month - 1) % 12 + 1
    start = dt.date(year, month, 1)
    end = _month_end(*_ym(add_months(start, 2)))
    return Period(start, end, "financial_quarter", f"{_fy_label(start_year)} Q{quarter}")


def financial_quarter_containing(day: dt.date) -> Period:
    """The financial quarter a date falls in."""
    start_year = day.year if day.month >= 4 else day.year - 1
    quarter = ((day.month - 4) % 12) // 3 + 1
    return financial_quarter(start_year, quarter)


def financial_year(start_year: int) -> Period:
    """Financial year April `start_year` to March the next year, labelled `2025-26`."""
    return Period(
        dt.date(start_year, 4, 1), dt.date(start_year + 1, 3, 31), "financial_year",
        _fy_label(start_year),
    )


def calendar_year(year: int) -> Period:
    """The calendar year (a year ending December), labelled `2024`."""
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), "calendar_year", str(year))


def calendar_quarter(year: int, quarter: int) -> Period:
    """Calendar quarter, labelled `Jan-Mar 2018` (the form used for reoffending cohorts)."""
    start = dt.date(year, 3 * (quarter - 1) + 1, 1)
    end = _month_end(*_ym(add_months(start, 2)))
    return Period(start, end, "calendar_quarter", f"{start:%b}-{end:%b} {year}")


def quarter_containing(day: dt.date) -> Period:
    """The calendar quarter `day` is in."""
    return calendar_quarter(day.year, (day.month - 1) // 3 + 1)


_MONTHS = {f"{dt.date(2000, m, 1):%b}".lower(): m for m in range(1, 13)}
_QUARTER_NAME = re.compile(r"^([a-z]{3})\s*-\s*([a-z]{3})\s+(\d{4})$", re.IGNORECASE)
_YEAR_NAME = re.compile(r"^([a-z]{3})\s+(\d{4})\s*-\s*([a-z]{3})\s+(\d{4})$", re.IGNORECASE)


def parse_cohort(text: str) -> Period:
    """A reoffending cohort by the name the measures give it: the 3-month cohort
    `Jan-Mar 2023`, or the 12-month cohort `Apr 2022-Mar 2023` (which ends with the
    quarter Jan-Mar 2023). Returns that quarter: the 12-month cohort is the year ending
    with it."""
    text = " ".join(text.split())
    if m := _QUARTER_NAME.match(text):
        first, last, year = _MONTHS.get(m[1].lower()), _MONTHS.get(m[2].lower()), int(m[3])
        if first is not None and first % 3 == 1 and last == first + 2:
            return calendar_quarter(year, (first - 1) // 3 + 1)
    if m := _YEAR_NAME.match(text):
        first, start_year = _MONTHS.get(m[1].lower()), int(m[2])
        last, end_year = _MONTHS.get(m[3].lower()), int(m[4])
        if (first is not None and last is not None and last % 3 == 0
                and add_months(dt.date(start_year, first, 1), 11) == dt.date(end_year, last, 1)):
            return calendar_quarter(end_year, last // 3)
    raise ValueError(
        f"Cannot read the cohort '{text}': name a calendar quarter like 'Jan-Mar 2023' "
        "or a 12-month cohort ending with one, like 'Apr 2022-Mar 2023'"
    )


def rolling_12_months(end: dt.date) -> Period:
    """Twelve months ending on `end` (a month end), labelled `12 months to March 2025`."""
    start = add_months(end.replace(day=1), -11)
    return Period(start, end, "rolling_12_months", f"12 months to {end:%B %Y}")


def range_period(start: dt.date, end: dt.date) -> Period:
    """An explicit from/to period, labelled `2025-04-01 to 2025-06-30`."""
    return Period(start, end, "range", f"{start.isoformat()} to {end.isoformat()}")


def parse_period(text: str) -> Period:
    """Parse `2025-26Q1`, `2025-26 Q1`, `2025-26`, `2024`, `2024Q1` or `2025-04-01..2025-06-30`,
    within the dates a person may ask for (core.dates); ValueError says what is wrong."""
    period = _parse_period(text.strip())
    try:
        check_date_in_range(period.start, label="period")
        check_date_in_range(period.end, label="period")
    except ValueError as exc:
        raise ValueError(f"The period must fall {RANGE_TEXT}.") from exc
    return period


def _year(text: str) -> int:
    """A year typed by a person, in the sane range."""
    year = int(text)
    if not EARLIEST.year <= year <= LATEST.year:
        raise ValueError(f"The period must fall {RANGE_TEXT}.")
    return year


def _parse_period(text: str) -> Period:
    if m := _FQ.match(text):
        start_year, short, quarter = _year(m[1]), int(m[2]), int(m[3])
        if (start_year + 1) % 100 != short:
            raise ValueError(f"'{text}' is not a financial year (expected {_fy_label(start_year)})")
        return financial_quarter(start_year, quarter)
    if m := _FY.match(text):
        start_year, short = _year(m[1]), int(m[2])
        if (start_year + 1) % 100 != short:
            raise ValueError(f"'{text}' is not a financial year (expected {_fy_label(start_year)})")
        return financial_year(start_year)
    if m := _CY.match(text):
        return calendar_year(_year(m[1]))
    if m := _CQ.match(text):
        return calendar_quarter(_year(m[1]), int(m[2]))
    if m := _RANGE.match(text):
        return range_period(parse_date(m[1], label="period's start"), parse_date(m[2], label="period's end"))
    raise ValueError(
        f"Cannot read the period '{text}': use 2025-26Q1, 2025-26, 2024, or FROM..TO dates"
    )


def year_ending_december_before(day: dt.date) -> Period:
    """The latest complete calendar year ending on or before `day`."""
    return calendar_year(day.year if day == dt.date(day.year, 12, 31) else day.year - 1)


# Published periods: what restricted audiences (board members, commissioners) may see.
PUBLISHED_KINDS = ("financial_quarter", "financial_year", "calendar_year")


def publication_day(period: Period) -> dt.date:
    """The day a period's figures are published to restricted audiences: the last day of the
    month after the period ends. They are shown as at that day and as known on it, so every
    view of a published period shows the same figures (nothing to difference)."""
    return add_months(period.end.replace(day=1), 2) - dt.timedelta(days=1)


def is_published(period: Period, today: dt.date) -> bool:
    """Whether restricted audiences may see this period on `today`."""
    return period.kind in PUBLISHED_KINDS and publication_day(period) <= today


def latest_published_quarter(today: dt.date) -> Period:
    """The most recent financial quarter whose figures are published by `today`."""
    quarter = financial_quarter_containing(today)
    while publication_day(quarter) > today:
        quarter = quarter.previous()
    return quarter
