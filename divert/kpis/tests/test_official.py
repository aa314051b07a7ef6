"""First time entrants, proven reoffending and use of custody, with the worked examples."""

import datetime as dt

import pytest
from django.utils import timezone

from divert.kpis.measures.common import Scope
from divert.kpis.measures.official import (
    first_time_entrants,
    fte_conversion,
    latest_mature_quarter_cohort,
    proven_reoffending,
    use_of_custody,
)
from divert.kpis.periods import calendar_quarter, calendar_year, parse_period
from divert.kpis.tests import factories as f
from divert.offending.actions import record_complete_to
from divert.offending.models import DataSource, SourceCompleteness

pytestmark = pytest.mark.django_db
AS_AT = dt.date(2025, 6, 30)


@pytest.fixture
def org():
    return f.organisation()


def scope(org, period, as_at=AS_AT, **kw):
    return Scope((org,), period, as_at, **kw)


def test_fte_worked_example_343_per_100000(org):
    year = calendar_year(2024)
    f.population(org, 2024, 34_111)
    kids = [f.child(org) for _ in range(117)]
    for k in kids:
        f.outcome(k, dt.date(2024, 5, 1), "youth_caution")
    result = first_time_entrants(scope(org, year), year)
    assert (result.numerator, result.denominator) == (117, 34_111)
    assert round(result.value) == 343


def test_community_resolution_never_makes_an_fte(org):
    year = calendar_year(2024)
    f.outcome(f.child(org), dt.date(2024, 3, 1), "community_resolution")
    f.outcome(f.child(org), dt.date(2024, 3, 1), "outcome_22")
    assert first_time_entrants(scope(org, year), year).numerator == 0


def test_fte_counts_only_the_first_formal_outcome(org):
    year = calendar_year(2024)
    earlier = f.child(org)
    f.outcome(earlier, dt.date(2023, 11, 1), "youth_caution")
    f.outcome(earlier, dt.date(2024, 2, 1), "referral_order")
    new = f.child(org)
    f.outcome(new, dt.date(2024, 2, 1), "community_resolution")
    f.outcome(new, dt.date(2024, 8, 1), "youth_conditional_caution")
    assert first_time_entrants(scope(org, year), year).numerator == 1


def test_fte_age_10_17_on_the_outcome_date(org):
    year = calendar_year(2024)
    adult = f.child(org, dob=dt.date(2006, 1, 1))  # 18 in 2024
    f.outcome(adult, dt.date(2024, 6, 1))
    assert first_time_entrants(scope(org, year), year).numerator == 0


def test_fte_conversion_of_supported_children(org):
    prog = f.programme(org)
    period = parse_period("2023-24")
    converted, stayed_out, already = f.child(org), f.child(org), f.child(org)
    late = f.child(org)
    for k in (converted, stayed_out, already, late):
        f.episode(k, prog, dt.date(2023, 6, 1), dt.date(2023, 9, 1))
    f.outcome(converted, dt.date(2024, 5, 31))  # within 12 months of 2023-06-01
    f.outcome(late, dt.date(2024, 6, 2))  # just after 12 months
    f.outcome(already, dt.date(2023, 1, 1))  # already an FTE: not in the denominator
    result = fte_conversion(scope(org, period), period)
    assert (result.numerator, result.denominator) == (1, 3)


def _reoffending_cohort(org, size, reoffenders, offences):
    """Children cautioned in Jan-Mar 2018; `reoffenders` of them with `offences` between them."""
    kids = [f.child(org, dob=dt.date(2002, 1, 1)) for _ in range(size)]
    for k in kids:
        f.outcome(k, dt.date(2018, 2, 1), "youth_caution")
    per = [offences // reoffenders + (1 if i < offences % reoffenders else 0) for i in range(reoffenders)]
    for k, n in zip(kids, per, strict=False):
        for j in range(n):
            f.outcome(k, dt.date(2018, 9, 1), "referral_order", committed_on=dt.date(2018, 3, 1 + j))


def test_reoffending_worked_example_jan_mar_2018(org):
    cohort = calendar_quarter(2018, 1)
    _reoffending_cohort(org, 70, 19, 74)
    binary, per_reoffender, per_child = proven_reoffending(scope(org, cohort), cohort)
    assert (binary.numerator, binary.denominator) == (19, 70)
    assert round(binary.value * 100, 1) == 27.1
    assert round(per_reoffender.value, 2) == 3.89
    assert round(per_child.value, 2) == 1.06
    assert cohort.label in binary.label and not binary.flags.provisional


def test_reoffending_worked_example_jan_mar_2017(org):
    cohort = calendar_quarter(2017, 1)
    kids = [f.child(org, dob=dt.date(2001, 1, 1)) for _ in range(64)]
    for k in kids:
        f.outcome(k, dt.date(2017, 2, 1), "youth_caution")
    per = [109 // 21 + (1 if i < 109 % 21 else 0) for i in range(21)]
    for k, n in zip(kids, per, strict=False):
        for j in range(n):
            f.outcome(k, dt.date(2017, 9, 1), "fine", committed_on=dt.date(2017, 3, 1 + j))
    binary, per_reoffender, _ = proven_reoffending(scope(org, cohort), cohort)
    assert round(binary.value * 100, 1) == 32.8
    assert round(per_reoffender.value, 2) == 5.19


def test_community_resolution_does_not_enter_the_cohort(org):
    cohort = calendar_quarter(2018, 1)
    f.outcome(f.child(org, dob=dt.date(2003, 1, 1)), dt.date(2018, 2, 1), "community_resolution")
    f.outcome(f.child(org, dob=dt.date(2003, 1, 1)), dt.date(2018, 2, 1), "outcome_22")
    assert proven_reoffending(scope(org, cohort), cohort)[0].denominator == 0


def test_custody_release_puts_a_child_in_the_cohort(org):
    cohort = calendar_quarter(2018, 1)
    k = f.child(org, dob=dt.date(2002, 1, 1))
    f.outcome(k, dt.date(2017, 6, 1), "custody", custody_release_date=dt.date(2018, 1, 15))
    assert proven_reoffending(scope(org, cohort), cohort)[0].denominator == 1


def test_reoffence_windows_follow_up_and_waiting_period(org):
    cohort = calendar_quarter(2018, 1)
    index = dt.date(2018, 2, 1)
    inside, committed_late, proven_late, waiting = (f.child(org, dob=dt.date(2002, 1, 1)) for _ in range(4))
    for k in (inside, committed_late, proven_late, waiting):
        f.outcome(k, index, "youth_caution")
    f.outcome(inside, dt.date(2018, 6, 1), "fine", committed_on=dt.date(2019, 2, 1))  # last day
    f.outcome(committed_late, dt.date(2019, 3, 1), "fine", committed_on=dt.date(2019, 2, 2))
    f.outcome(proven_late, dt.date(2019, 8, 2), "fine", committed_on=dt.date(2018, 12, 1))
    f.outcome(waiting, dt.date(2019, 8, 1), "fine", committed_on=dt.date(2018, 12, 1))
    binary = proven_reoffending(scope(org, cohort), cohort)[0]
    assert (binary.numerator, binary.denominator) == (2, 4)


def test_reoffence_proven_only_by_cr_does_not_count(org):
    cohort = calendar_quarter(2018, 1)
    k = f.child(org, dob=dt.date(2002, 1, 1))
    f.outcome(k, dt.date(2018, 2, 1), "youth_caution")
    f.outcome(k, dt.date(2018, 6, 1), "community_resolution", committed_on=dt.date(2018, 5, 1))
    assert proven_reoffending(scope(org, cohort), cohort)[0].numerator == 0


def test_reoffending_provisional_until_18_months_after_cohort_end(org):
    cohort = calendar_quarter(2024, 1)
    binary = proven_reoffending(scope(org, cohort), cohort)[0]
    assert binary.flags.provisional
    assert any("Provisional" in n for n in binary.notes)


def test_latest_mature_cohort():
    assert latest_mature_quarter_cohort(dt.date(2025, 6, 30)).label == "Oct-Dec 2023"
    assert latest_mature_quarter_cohort(dt.date(2025, 6, 29)).label == "Jul-Sep 2023"


def test_custody_worked_example_per_1000(org):
    year = calendar_year(2024)
    f.population(org, 2024, 34_783)
    for _ in range(4):
        k = f.child(org)
        f.outcome(k, dt.date(2024, 4, 1), "custody")
        f.outcome(k, dt.date(2024, 9, 1), "custody")
    result = use_of_custody(scope(org, year), year)
    assert result.numerator == 8
    assert round(result.value, 2) == 0.23


def test_as_known_on_ignores_later_records_and_later_voids(org):
    year = calendar_year(2024)
    published = timezone.make_aware(dt.datetime(2025, 1, 15, 12, 0))
    later = timezone.make_aware(dt.datetime(2025, 3, 1, 12, 0))
    kept = f.outcome(f.child(org), dt.date(2024, 5, 1))
    for _ in range(2):  # arrive later
        f.outcome(f.child(org, recorded_at=later), dt.date(2024, 6, 1), recorded_at=later)
    kept.__class__.objects.filter(pk=kept.pk).update(voided_at=later)  # voided later
    as_known = first_time_entrants(scope(org, year, known_on=published), year)
    now = first_time_entrants(scope(org, year), year)
    assert as_known.numerator == 1  # the published figure, reproduced
    assert now.numerator == 2  # today: the voided one gone, the late ones counted


def test_fte_conversion_lancashire_8_of_83(org):
    prog = f.programme(org)
    period = parse_period("2023-24")
    kids = [f.child(org) for _ in range(83)]
    for k in kids:
        f.episode(k, prog, dt.date(2023, 7, 1), dt.date(2023, 10, 1))
    for k in kids[:8]:
        f.outcome(k, dt.date(2024, 3, 1), "youth_caution")
    result = fte_conversion(scope(org, period), period)
    assert (result.numerator, result.denominator) == (8, 83)
    assert round(result.value * 100, 1) == 9.6


def test_as_known_on_uses_the_completeness_date_known_then(org):
    """A mature cohort is provisional as known on a day before police data covered it,
    even though the source is complete today (the dated history of 'complete to')."""
    cohort = calendar_quarter(2022, 1)  # final 18 months after 31 Mar 2022
    as_at = dt.date(2025, 6, 30)
    source = DataSource.objects.create(organisation=org, name="Police", kind="crime_outcomes")
    record_complete_to(by=None, source=source, complete_to=dt.date(2023, 6, 30))
    record_complete_to(by=None, source=source, complete_to=dt.date(2025, 5, 31))
    early, late = SourceCompleteness.objects.order_by("pk")
    then = timezone.make_aware(dt.datetime(2024, 1, 10, 12, 0))
    SourceCompleteness.objects.filter(pk=early.pk).update(recorded_at=then - dt.timedelta(days=30))
    SourceCompleteness.objects.filter(pk=late.pk).update(recorded_at=then + dt.timedelta(days=300))
    now = proven_reoffending(scope(org, cohort, as_at=as_at), cohort)[0]
    as_known = proven_reoffending(scope(org, cohort, as_at=as_at, known_on=then), cohort)[0]
    assert not now.flags.provisional
    assert as_known.flags.provisional
    assert any("not yet complete" in n for n in as_known.notes)
