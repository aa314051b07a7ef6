"""Local prevention measures."""

import datetime as dt

import pytest

from divert.casework.models import Instrument, MeasureScore, OnwardReferral, Plan, Session
from divert.kpis.measures.common import Scope
from divert.kpis.measures.follow_up import follow_up
from divert.kpis.measures.local import prevention_measures
from divert.kpis.periods import parse_period
from divert.kpis.tests import factories as f
from divert.offending.models import Arrest, DataSource
from divert.referrals.models import Offer, Referral, Screening

pytestmark = pytest.mark.django_db
Q1 = parse_period("2025-26Q1")
AS_AT = dt.date(2025, 7, 31)


@pytest.fixture
def org():
    return f.organisation()


@pytest.fixture
def prog(org):
    return f.programme(org, screening_days=5)


def measures(org):
    return {r.key: r for r in prevention_measures(Scope((org,), Q1, AS_AT))}


def referral(org, prog, received, source="police_cr", **kw):
    return Referral.objects.create(child=f.child(org, dob=dt.date(2010, 1, 1)), programme=prog, source=source,
                                   received_on=received, recorded_at=f.RECORDED, **kw)


def test_referrals_by_source_in_the_period(org, prog):
    referral(org, prog, dt.date(2025, 4, 1))
    referral(org, prog, dt.date(2025, 6, 30), source="school")
    referral(org, prog, dt.date(2025, 3, 31))
    r = measures(org)["prevention.referrals"]
    assert r.numerator == 2
    assert {c.key: c.numerator for c in r.breakdowns["source"]} == {"police_cr": 1, "school": 1}


def test_screening_timeliness_in_working_days(org, prog):
    friday = dt.date(2025, 4, 4)
    on_time = referral(org, prog, friday)
    late = referral(org, prog, friday)
    Screening.objects.create(referral=on_time, decision="opt_in", decided_on=dt.date(2025, 4, 11),
                             recorded_at=f.RECORDED)  # 5 working days after a Friday
    Screening.objects.create(referral=late, decision="screened_out", agency="camhs",
                             decided_on=dt.date(2025, 4, 14), recorded_at=f.RECORDED)
    m = measures(org)
    assert (m["prevention.screening_on_time"].numerator, m["prevention.screening_on_time"].denominator) == (1, 2)
    assert {c.key for c in m["prevention.screening"].breakdowns["agency"]} == {"camhs"}


def test_engagement_counts_withdrawn_as_accepted_and_leaves_pending_out(org, prog):
    for decision, withdrawn in (("accepted", None), ("accepted", dt.date(2025, 5, 1)), ("declined", None),
                                ("no_response", None), ("pending", None)):
        Offer.objects.create(referral=referral(org, prog, dt.date(2025, 4, 1)), offered_on=dt.date(2025, 4, 2),
                             child_decision=decision, withdrawn_on=withdrawn, recorded_at=f.RECORDED)
    r = measures(org)["prevention.engagement"]
    assert (r.numerator, r.denominator) == (2, 4)


def test_sessions_attendance_completion_and_onward(org, prog):
    kid = f.child(org, dob=dt.date(2010, 1, 1))
    ep = f.episode(kid, prog, dt.date(2025, 3, 1), dt.date(2025, 6, 1))
    Plan.objects.create(episode=ep, agreed_on=dt.date(2025, 3, 2), goals="g", planned_sessions=4,
                        target_end_date=dt.date(2025, 6, 1), recorded_at=f.RECORDED)
    for day, attendance in ((5, "attended"), (12, "attended"), (19, "dna"), (26, "cancelled_worker")):
        Session.objects.create(episode=ep, date=dt.date(2025, 4, day), type="one_to_one", attendance=attendance,
                               recorded_at=f.RECORDED)
    f.episode(f.child(org), prog, dt.date(2025, 3, 1), dt.date(2025, 6, 1), completed=False)
    OnwardReferral.objects.create(episode=ep, service="camhs", referred_on=dt.date(2025, 5, 1), recorded_at=f.RECORDED)
    m = measures(org)
    assert (m["prevention.sessions_delivered"].numerator, m["prevention.sessions_delivered"].denominator) == (2, 4)
    assert (m["prevention.attendance"].numerator, m["prevention.attendance"].denominator) == (2, 3)
    assert (m["prevention.completion"].numerator, m["prevention.completion"].denominator) == (1, 2)
    assert m["prevention.onward_referrals"].numerator == 1


def test_pre_post_paired_change_and_who_was_lost(org, prog):
    inst = Instrument.objects.create(code="self-rating", name="Self-ratings",
                                     items=[{"code": "confidence"}, {"code": "anger"}])
    pairs = [(3, 6), (4, 6), (5, 5), (2, 7)]
    for start, end in pairs:
        ep = f.episode(f.child(org), prog, dt.date(2025, 1, 1), dt.date(2025, 5, 1))
        for item in ("confidence", "anger"):
            MeasureScore.objects.create(episode=ep, instrument=inst, item=item, timepoint="start",
                                        taken_on=dt.date(2025, 1, 2), value=start, recorded_at=f.RECORDED)
            MeasureScore.objects.create(episode=ep, instrument=inst, item=item, timepoint="end",
                                        taken_on=dt.date(2025, 5, 1), value=end, recorded_at=f.RECORDED)
    lost = f.episode(f.child(org), prog, dt.date(2025, 1, 1), dt.date(2025, 5, 1))
    MeasureScore.objects.create(episode=lost, instrument=inst, item="confidence", timepoint="start",
                                taken_on=dt.date(2025, 1, 2), value=5, recorded_at=f.RECORDED)
    r = measures(org)["prevention.pre_post.self-rating"]
    assert r.value == pytest.approx(2.5)
    assert (r.numerator, r.denominator) == (4, 5)
    cells = {c.key: c.numerator for c in r.breakdowns["children"]}
    assert cells["lost"] == 1 and cells["n_end"] == 4
    assert r.interval.lower < 2.5 < r.interval.upper


def test_follow_up_from_the_offer_by_group_and_tier(org, prog):
    DataSource.objects.create(organisation=org, name="Police", kind="crime_outcomes", complete_to=dt.date(2026, 1, 31))
    offered = dt.date(2025, 1, 15)  # 3-month window [2025-01-15, 2025-04-15): its last day is in Q1
    kids = {}
    for name, decision in (("reoffends", "accepted"), ("cr_only", "accepted"), ("withdrew", "accepted"),
                           ("declined", "declined"), ("silent", "no_response")):
        ref = referral(org, prog, dt.date(2025, 1, 10))
        Offer.objects.create(referral=ref, offered_on=offered, child_decision=decision, recorded_at=f.RECORDED,
                             withdrawn_on=dt.date(2025, 2, 1) if name == "withdrew" else None)
        kids[name] = ref.child
    f.outcome(kids["reoffends"], dt.date(2025, 9, 1), "youth_caution", committed_on=dt.date(2025, 3, 1))
    f.outcome(kids["cr_only"], dt.date(2025, 3, 10), "community_resolution", committed_on=dt.date(2025, 3, 1))
    f.outcome(kids["declined"], dt.date(2025, 5, 1), "fine", committed_on=dt.date(2025, 4, 14))  # last day
    f.outcome(kids["silent"], dt.date(2025, 5, 1), "fine", committed_on=dt.date(2025, 4, 15))  # anchor + 3 months: after
    Arrest.objects.create(child=kids["withdrew"], arrested_at=f.RECORDED.replace(year=2025, month=2, day=20),
                          recorded_at=f.RECORDED)
    results = {r.key: r for r in follow_up(Scope((org,), Q1, dt.date(2026, 1, 31)))}
    proven = results["follow_up.3_months.proven_reoffence"]
    cells = {c.key: c for c in proven.breakdowns["group"]}
    assert (cells["participant"].numerator, cells["participant"].denominator) == (1, 3)
    assert (cells["comparison"].numerator, cells["comparison"].denominator) == (1, 2)
    assert cells["difference"].value == pytest.approx(1 / 3 - 1 / 2)
    assert not proven.flags.provisional
    outcome = results["follow_up.3_months.further_outcome"]
    assert outcome.numerator == 2  # the Community Resolution counts in tier (b)
    assert results["follow_up.3_months.further_arrest"].numerator == 1
    assert results["follow_up.6_months.proven_reoffence"].denominator == 0
