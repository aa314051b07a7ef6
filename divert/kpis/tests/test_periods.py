"""Period naming and arithmetic."""

import datetime as dt

import pytest

from divert.kpis.periods import calendar_year, financial_quarter_containing, parse_period


def test_financial_quarter_one_is_april_to_june():
    p = parse_period("2025-26Q1")
    assert (p.start, p.end, p.label, p.cli) == (
        dt.date(2025, 4, 1), dt.date(2025, 6, 30), "2025-26 Q1", "2025-26Q1"
    )
    assert parse_period("2025-26 Q1") == p


def test_quarter_four_is_january_to_march_next_year():
    p = parse_period("2025-26Q4")
    assert (p.start, p.end) == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def test_previous_and_same_period_last_year():
    p = parse_period("2025-26Q1")
    assert p.previous().label == "2024-25 Q4"
    assert p.same_period_last_year().label == "2024-25 Q1"
    assert calendar_year(2024).previous().label == "2023"


def test_calendar_year_and_range():
    assert parse_period("2024").end == dt.date(2024, 12, 31)
    r = parse_period("2025-01-15..2025-02-14")
    assert r.kind == "range" and r.previous().end == dt.date(2025, 1, 14)


def test_quarter_containing():
    assert financial_quarter_containing(dt.date(2026, 2, 10)).label == "2025-26 Q4"


@pytest.mark.parametrize("bad", ["2025-27Q1", "2025Q5", "Q1", "2025-26Q0"])
def test_bad_periods_fail_loudly(bad):
    with pytest.raises(ValueError):
        parse_period(bad)
