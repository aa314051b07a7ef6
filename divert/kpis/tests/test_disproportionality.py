"""Disproportionality: shares against the preceding stage and the Relative Rate Index."""

import datetime as dt

import pytest

from divert.kpis.measures.common import Scope
from divert.kpis.measures.disproportionality import disproportionality
from divert.kpis.periods import parse_period
from divert.kpis.tests import factories as f
from divert.people.models import CareStatus
from divert.referrals.models import Referral

pytestmark = pytest.mark.django_db
Q1 = parse_period("2025-26Q1")
AS_AT = dt.date(2025, 7, 31)


def refer(org, prog, **kw):
    kid = f.child(org, dob=dt.date(2010, 1, 1), **kw)
    Referral.objects.create(child=kid, programme=prog, source="police_cr", received_on=dt.date(2025, 4, 10),
                            recorded_at=f.RECORDED)
    return kid


def by_key(results):
    return {r.key: r for r in results}


def test_rri_worked_example_40_of_1000_vs_200_of_20000():
    org = f.organisation()
    prog = f.programme(org)
    f.population(org, 2025, 1_000, ethnic_group="black")
    f.population(org, 2025, 20_000, ethnic_group="white")
    for _ in range(40):
        refer(org, prog, ethnicity="BAFR")
    for _ in range(200):
        refer(org, prog, ethnicity="WBRI")
    refer(org, prog, ethnicity="NOBT")  # unknown: shown, not in shares
    result = by_key(disproportionality(Scope((org,), Q1, AS_AT)))["disproportionality.ethnic_group"]
    cells = {c.key: c for c in result.breakdowns["referred"]}
    black = cells["black"]
    assert (black.numerator, black.denominator) == (40, 1_000)
    assert black.details["rri"] == pytest.approx(4.0)
    assert black.details["rri_interval"].lower > 1
    assert cells["white"].details["rri"] == 1.0
    assert black.details["share"] == pytest.approx(40 / 240)
    assert black.details["preceding_share"] == pytest.approx(1_000 / 21_000)
    assert black.details["gap_points"] == pytest.approx((40 / 240 - 1_000 / 21_000) * 100)
    assert "share" not in cells["not_known"].details


def test_children_counted_once_and_looked_after_against_not():
    org = f.organisation()
    prog = f.programme(org)
    twice = refer(org, prog)
    Referral.objects.create(child=twice, programme=prog, source="school", received_on=dt.date(2025, 5, 1),
                            recorded_at=f.RECORDED)
    looked_after = refer(org, prog)
    f.status(CareStatus, looked_after, dt.date(2024, 1, 1), kind="looked_after")
    results = by_key(disproportionality(Scope((org,), Q1, AS_AT)))
    sex = {c.key: c.numerator for c in results["disproportionality.sex"].breakdowns["referred"]}
    assert sex["male"] == 2
    lac = {c.key: c.numerator for c in results["disproportionality.looked_after"].breakdowns["referred"]}
    assert lac == {"looked_after": 1, "not_looked_after": 1}
