"""The `divert kpis` command: table, JSON (the stable interface) and CSV."""

import csv
import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from divert.kpis.tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    org = f.organisation(slug="cli-org")
    prog = f.programme(org)
    for completed in (True, True, False):
        f.episode(f.child(org, dob=dt.date(2010, 1, 1)), prog, dt.date(2025, 3, 1), dt.date(2025, 5, 1),
                  order_type="outcome_22", completed=completed)
    return org


def run(*args) -> str:
    out = io.StringIO()
    call_command("kpis", *args, stdout=out)
    return out.getvalue()


def test_json_has_version_and_every_measure(org):
    data = json.loads(run("--org", "cli-org", "--period", "2025-26Q1", "--as-at", "2025-07-31",
                          "--format", "json", "--no-changes"))
    assert data["version"] == 1 and data["as_at"] == "2025-07-31"
    ooc = next(m for m in data["measures"] if m["key"] == "kpi6.ooc_completion")
    assert (ooc["numerator"], ooc["denominator"]) == (2, 3)
    assert ooc["interval"]["method"] == "Wilson score"


def test_suppressed_json_hides_small_counts(org):
    data = json.loads(run("--org", "cli-org", "--period", "2025-26Q1",
                          "--format", "json", "--no-changes", "--suppress"))
    ooc = next(m for m in data["measures"] if m["key"] == "kpi6.ooc_completion")
    assert ooc["numerator"] is None and ooc["value"] is None and ooc["shown"] == "≤5 of ≤5"
    assert "2" not in ooc["shown"]


def test_as_known_on_reproduces_an_earlier_figure(org):
    data = json.loads(run("--org", "cli-org", "--period", "2025-26Q1", "--as-at", "2025-07-31",
                          "--as-known-on", "2019-12-31", "--format", "json", "--no-changes"))
    ooc = next(m for m in data["measures"] if m["key"] == "kpi6.ooc_completion")
    assert ooc["denominator"] == 0  # nothing had been recorded by then
    assert data["known_on"].startswith("2019-12-31T23:59:59")


def test_csv_and_table(org):
    rows = list(csv.DictReader(io.StringIO(run("--org", "cli-org", "--period", "2025-26Q1", "--as-at",
                                               "2025-07-31", "--format", "csv", "--no-changes"))))
    headline = next(r for r in rows if r["measure"] == "kpi6.ooc_completion" and not r["breakdown"])
    assert (headline["numerator"], headline["denominator"]) == ("2", "3")
    table = run("--org", "cli-org", "--period", "2025-26Q1", "--as-at", "2025-07-31", "--no-changes")
    assert "KPI 6 Out-of-court disposals successfully completed" in table and "2 of 3" in table


def test_bad_period_and_unknown_org_fail_loudly(org):
    with pytest.raises(CommandError, match="period"):
        run("--org", "cli-org", "--period", "2025Q9")
    with pytest.raises(CommandError, match="nowhere"):
        run("--org", "nowhere", "--period", "2025-26Q1")


@pytest.mark.parametrize("name", ["Jan-Mar 2023", "jan-mar  2023", "Apr 2022-Mar 2023"])
def test_cohort_picks_a_reoffending_cohort_by_name(org, name):
    kid = f.child(org)
    f.outcome(kid, dt.date(2023, 2, 1), "youth_caution")  # in the Jan-Mar 2023 cohort
    f.outcome(kid, dt.date(2023, 9, 1), "youth_caution", committed_on=dt.date(2023, 6, 1))  # a reoffence
    data = json.loads(run("--org", "cli-org", "--period", "2025-26Q1", "--as-at", "2025-07-31",
                          "--cohort", name, "--format", "json", "--no-changes"))
    measures = {m["key"]: m for m in data["measures"]}
    quarter = measures["reoffending.3_month_cohort.binary"]
    year = measures["reoffending.12_month_cohort.binary"]
    assert (quarter["period"], quarter["numerator"], quarter["denominator"]) == ("Jan-Mar 2023", 1, 1)
    assert (year["period"], year["numerator"], year["denominator"]) == ("Apr 2022-Mar 2023", 1, 1)
    default = json.loads(run("--org", "cli-org", "--period", "2025-26Q1", "--as-at", "2025-07-31",
                             "--format", "json", "--no-changes"))
    latest = next(m for m in default["measures"] if m["key"] == "reoffending.3_month_cohort.binary")
    assert latest["period"] == "Oct-Dec 2023"  # without --cohort: the latest mature one


@pytest.mark.parametrize("name", ["Feb-Apr 2023", "2023Q1", "Apr 2022-Jun 2023"])
def test_an_unreadable_cohort_name_says_what_to_write(org, name):
    with pytest.raises(CommandError, match="Jan-Mar 2023"):
        run("--org", "cli-org", "--period", "2025-26Q1", "--cohort", name)


def test_cohort_moves_back_with_the_comparison_periods(org):
    f.outcome(f.child(org), dt.date(2023, 2, 1), "youth_caution")  # Jan-Mar 2023: no reoffence
    earlier = f.child(org)
    f.outcome(earlier, dt.date(2022, 11, 1), "youth_caution")  # Oct-Dec 2022, the quarter before
    f.outcome(earlier, dt.date(2023, 3, 1), "youth_caution", committed_on=dt.date(2023, 1, 10))
    data = json.loads(run("--org", "cli-org", "--period", "2025-26Q1", "--as-at", "2025-07-31",
                          "--cohort", "Jan-Mar 2023", "--format", "json"))
    quarter = next(m for m in data["measures"] if m["key"] == "reoffending.3_month_cohort.binary")
    assert (quarter["period"], quarter["value"]) == ("Jan-Mar 2023", 0)
    assert quarter["changes"]["previous"]["value"] == 1  # the previous period's figure is Oct-Dec 2022's


@pytest.mark.parametrize("extra", [["--period", "2025-04-01..2025-06-30"],
                                   ["--period", "2025-26Q1", "--as-at", "2025-06-01"]])
def test_suppressed_reports_are_only_for_published_periods(org, extra):
    with pytest.raises(CommandError):
        run("--org", "cli-org", *extra, "--format", "json", "--no-changes", "--suppress")


def test_a_comparison_does_not_quote_an_earlier_figure_its_own_report_hides(org):
    prog = org.programmes.first()
    for completed in (True, True, False):  # the previous quarter: 2 of 3, hidden as "≤5 of ≤5"
        f.episode(f.child(org, dob=dt.date(2010, 1, 1)), prog, dt.date(2024, 12, 1), dt.date(2025, 2, 1),
                  order_type="outcome_22", completed=completed)
    for _ in range(9):
        f.episode(f.child(org, dob=dt.date(2010, 1, 1)), prog, dt.date(2025, 3, 1), dt.date(2025, 5, 1),
                  order_type="outcome_22", completed=True)
    data = json.loads(run("--org", "cli-org", "--period", "2025-26Q1", "--format", "json", "--suppress"))
    ooc = next(m for m in data["measures"] if m["key"] == "kpi6.ooc_completion")
    assert ooc["shown"] == "11 of 12" and "previous" not in ooc["changes"]
    full = json.loads(run("--org", "cli-org", "--period", "2025-26Q1", "--as-at", "2025-07-31", "--format", "json"))
    assert "previous" in next(m for m in full["measures"] if m["key"] == "kpi6.ooc_completion")["changes"]


def test_a_year_ending_december_figure_is_not_compared_with_itself(org):
    f.population(org, 2024, 30_000)
    f.population(org, 2023, 30_000)
    for day in (dt.date(2024, 5, 1), dt.date(2023, 5, 1)):
        for _ in range(8):
            f.outcome(f.child(org), day, "youth_caution")
    data = json.loads(run("--org", "cli-org", "--period", "2025-26Q1", "--as-at", "2025-07-31", "--format", "json"))
    yearly = next(m for m in data["measures"] if m["key"] == "fte.year_ending_december")
    assert yearly["period"] == "2024"
    assert "previous" not in yearly["changes"]  # the quarter before shows the same year, 2024
    assert yearly["changes"]["last_year"]["period"] == "2023"
