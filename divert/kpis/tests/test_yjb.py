"""The YJB's ten KPIs: scope, one row per child, and each KPI's rules."""

import datetime as dt

import pytest

from divert.kpis.measures.common import Scope
from divert.kpis.measures.yjb import kpi_rows, yjb_kpis
from divert.kpis.periods import parse_period
from divert.kpis.tests import factories as f
from divert.offending.models import OffenceType
from divert.people.models import (
    Accommodation,
    CareStatus,
    ETEStatus,
    MentalHealthNeed,
    SENDStatus,
    SubstanceMisuseNeed,
)
from divert.reference.models import BoardMeeting
from divert.victims.models import Victim

pytestmark = pytest.mark.django_db
Q1 = parse_period("2025-26Q1")
AS_AT = dt.date(2025, 7, 31)
START, END = dt.date(2025, 1, 10), dt.date(2025, 5, 15)


@pytest.fixture
def org():
    return f.organisation()


@pytest.fixture
def prog(org):
    return f.programme(org)


def kpis(org):
    return {r.key: r for r in yjb_kpis(Scope((org,), Q1, AS_AT))}


def ended(org, prog, order_type="community_resolution", end=END, **kw):
    kid = kw.pop("kid", None) or f.child(org, dob=dt.date(2010, 3, 1), **kw)
    f.episode(kid, prog, START, end, order_type=order_type)
    return kid


def test_scope_is_episodes_ending_in_the_quarter_aged_10_17_at_start(org, prog):
    ended(org, prog)
    ended(org, prog, end=dt.date(2025, 3, 31))  # previous quarter
    ended(org, prog, end=dt.date(2025, 7, 1))  # next quarter
    f.episode(f.child(org, dob=dt.date(2006, 1, 1)), prog, START, END)  # 19 at the start
    f.episode(f.child(org, dob=dt.date(2010, 3, 1)), prog, START, None, completed=None)  # open
    assert kpi_rows(Scope((org,), Q1, AS_AT)).count() == 1


def test_one_row_per_child_keeps_the_most_serious_programme(org, prog):
    kid = ended(org, prog, "community_resolution")
    f.episode(kid, prog, START, dt.date(2025, 4, 20), order_type="referral_order", completed=False)
    rows = list(kpi_rows(Scope((org,), Q1, AS_AT)))
    assert len(rows) == 1 and rows[0].order_type == "referral_order"
    by_type = {c.key: c for c in kpis(org)["kpi1.accommodation"].breakdowns["programme_type"]}
    assert set(by_type) == {"4"}


def test_kpi1_unknown_accommodation_makes_the_child_unsuitable(org, prog):
    good, unknown, none = ended(org, prog), ended(org, prog), ended(org, prog)
    f.status(Accommodation, good, dt.date(2024, 1, 1), type="parents", suitability="suitable")
    f.status(Accommodation, unknown, dt.date(2024, 1, 1), type="parents", suitability="suitable")
    f.status(Accommodation, unknown, dt.date(2025, 5, 1), type="family", suitability="unknown")
    del none
    r = kpis(org)["kpi1.accommodation"]
    assert (r.numerator, r.denominator) == (1, 3)


def test_kpi1_bed_and_breakfast_always_unsuitable(org, prog):
    kid = ended(org, prog)
    f.status(Accommodation, kid, dt.date(2025, 5, 1), type="bed_and_breakfast", suitability="unsuitable")
    r = kpis(org)
    assert r["kpi1.accommodation"].numerator == 0
    types = {c.key: c.numerator for c in r["kpi1.accommodation_type"].breakdowns["type"]}
    assert types == {"bed_and_breakfast": 1}


def test_kpi1_start_vs_end(org, prog):
    kid = ended(org, prog)
    f.status(Accommodation, kid, dt.date(2024, 1, 1), dt.date(2025, 3, 1), type="parents", suitability="unsuitable")
    f.status(Accommodation, kid, dt.date(2025, 3, 2), type="foster", suitability="suitable")
    r = kpis(org)
    assert r["kpi1.accommodation_start"].numerator == 0
    assert r["kpi1.accommodation"].numerator == 1


def test_kpi2_ete_all_current_records_must_be_suitable_and_hours(org, prog):
    kid = ended(org, prog)
    f.status(ETEStatus, kid, dt.date(2024, 9, 1), provision="mainstream", suitability="suitable",
             hours_offered=25, hours_attended=20)
    other = ended(org, prog)
    f.status(ETEStatus, other, dt.date(2024, 9, 1), provision="alternative", suitability="suitable",
             hours_offered=10, hours_attended=5)
    f.status(ETEStatus, other, dt.date(2025, 2, 1), provision="none", suitability="unsuitable")
    r = kpis(org)
    assert (r["kpi2.ete"].numerator, r["kpi2.ete"].denominator) == (1, 2)
    assert r["kpi2.full_time"].numerator == 1
    assert (r["kpi2.hours"].numerator, r["kpi2.hours"].denominator) == (25, 35)
    assert r["kpi2.ete_school_age"].denominator == 2  # aged 15 in May 2025


def test_kpi3_send_plan_of_identified(org, prog):
    a, b = ended(org, prog), ended(org, prog)
    ended(org, prog)
    f.status(SENDStatus, a, dt.date(2020, 1, 1), need="semh", plan="ehcp")
    f.status(SENDStatus, b, dt.date(2020, 1, 1), need="cognition_learning", plan="sen_support")
    r = kpis(org)
    assert (r["kpi3.send_plan"].numerator, r["kpi3.send_plan"].denominator) == (1, 2)
    assert (r["kpi3.send_identified"].numerator, r["kpi3.send_identified"].denominator) == (2, 3)


def test_kpi4_shows_both_headlines_labelled(org, prog):
    a, b = ended(org, prog), ended(org, prog)
    ended(org, prog)
    ended(org, prog)
    f.status(MentalHealthNeed, a, dt.date(2025, 2, 1), offered_on=dt.date(2025, 2, 10),
             attending_from=dt.date(2025, 3, 1))
    f.status(MentalHealthNeed, b, dt.date(2025, 2, 1))
    r = kpis(org)
    code, guidance = r["kpi4.offered_of_need"], r["kpi4.need_of_all"]
    assert (code.numerator, code.denominator) == (1, 2) and "calculation code" in code.label
    assert (guidance.numerator, guidance.denominator) == (2, 4) and "guidance" in guidance.label
    assert r["kpi4.attending_of_offered"].numerator == 1


def test_kpi5_substance_levels(org, prog):
    a = ended(org, prog)
    f.status(SubstanceMisuseNeed, a, dt.date(2025, 2, 1), offered_on=dt.date(2025, 2, 2), level="specialist")
    r = kpis(org)
    assert r["kpi5.offered_of_need"].numerator == 1
    levels = {c.key: c.numerator for c in r["kpi5.level"].breakdowns["level"]}
    assert levels["specialist"] == 1 and levels["targeted"] == 0


def test_kpi6_completion_flag_not_dates(org, prog):
    kid = f.child(org, dob=dt.date(2010, 3, 1))
    f.episode(kid, prog, START, END, order_type="outcome_22", completed=True)
    kid2 = f.child(org, dob=dt.date(2010, 3, 1))
    f.episode(kid2, prog, START, END, order_type="youth_caution", completed=False)
    f.episode(f.child(org, dob=dt.date(2010, 3, 1)), prog, START, END, order_type="referral_order")
    r = kpis(org)
    assert (r["kpi6.ooc_completion"].numerator, r["kpi6.ooc_completion"].denominator) == (1, 2)
    per = r["kpi6.ooc_completion_per_programme"]
    assert {c.key for c in per.breakdowns["disposal"]} == {"outcome_22", "youth_caution"}


def test_kpi7_wider_services_and_early_help(org, prog):
    a, b = ended(org, prog), ended(org, prog)
    ended(org, prog)
    f.status(CareStatus, a, dt.date(2025, 3, 1), kind="child_in_need")
    f.status(CareStatus, b, dt.date(2024, 1, 1), kind="early_help")
    r = kpis(org)
    assert (r["kpi7.wider_services"].numerator, r["kpi7.wider_services"].denominator) == (2, 3)
    assert r["kpi7.early_help_before"].numerator == 1
    assert r["kpi7.early_help_referred_during"].numerator == 0


def test_kpi8_board_attendance(org):
    BoardMeeting.objects.create(organisation=org, date=dt.date(2025, 4, 10), police=True, health=True,
                                education=True, social_care=True, probation=True)
    BoardMeeting.objects.create(organisation=org, date=dt.date(2025, 6, 10), police=True)
    BoardMeeting.objects.create(organisation=org, date=dt.date(2025, 7, 10), police=True)  # next quarter
    r = kpis(org)["kpi8.board_attendance"]
    assert (r.numerator, r.denominator) == (6, 10)
    police = next(c for c in r.breakdowns["sector"] if c.key == "police")
    assert (police.numerator, police.denominator) == (2, 2)


def test_kpi9_serious_violence_and_not_scored_shown(org):
    f.population(org, 2025, 20_000)
    kid = f.child(org, dob=dt.date(2009, 1, 1))
    f.outcome(kid, dt.date(2025, 5, 1), "youth_caution", yjb_category="robbery", seriousness=5)
    f.outcome(kid, dt.date(2025, 5, 2), "referral_order", yjb_category="violence_against_the_person")
    f.outcome(kid, dt.date(2025, 5, 3), "community_resolution", yjb_category="robbery", seriousness=6)
    typed = OffenceType.objects.create(code="X1", description="Drugs supply", yjb_category="drugs_offences",
                                       seriousness=6)
    other = f.child(org, dob=dt.date(2009, 1, 1))
    off = f.offence(other, dt.date(2025, 4, 2), offence_type=typed)
    f.outcome(other, dt.date(2025, 6, 1), "fine", offence_obj=off)
    f.outcome(other, dt.date(2025, 6, 2), "fine", yjb_category="theft_and_handling", seriousness=2)
    r = kpis(org)
    rate = r["kpi9.serious_violence_rate"]
    assert rate.numerator == 2  # the robbery caution and the drugs fine; CR excluded
    assert rate.value == pytest.approx(1.0)
    not_scored = {c.key: c.numerator for c in rate.breakdowns["not_scored"]}
    assert not_scored == {"not_scored": 1, "not_scored_sv": 1}
    assert (r["kpi9.share_of_offences"].numerator, r["kpi9.share_of_offences"].denominator) == (2, 4)
    assert (r["kpi9.share_of_children"].numerator, r["kpi9.share_of_children"].denominator) == (2, 2)


def test_kpi10_victims(org, prog):
    kid = f.child(org, dob=dt.date(2010, 3, 1))
    ep = f.episode(kid, prog, START, END)
    off = f.offence(kid, dt.date(2025, 1, 1))
    ep.offences.add(off)
    Victim.objects.create(offence=off, consented_to_contact=True, rj_offered=True, rj_engaged=True,
                          recorded_at=f.RECORDED)
    Victim.objects.create(offence=off, consented_to_contact=True, views_captured=True, recorded_at=f.RECORDED)
    Victim.objects.create(offence=off, consented_to_contact=False, recorded_at=f.RECORDED)
    r = kpis(org)["kpi10.rj_engaged"]
    assert (r.numerator, r.denominator) == (1, 2)


def test_breakdowns_by_ethnic_group_age_band_and_sex(org, prog):
    ended(org, prog, ethnicity="BCRB", sex="female")
    ended(org, prog, kid=f.child(org, dob=dt.date(2009, 1, 1)))
    r = kpis(org)["kpi1.accommodation"]
    assert {c.key for c in r.breakdowns["ethnic_group"]} == {"black", "white"}
    assert {c.key for c in r.breakdowns["age_band"]} == {"10-14", "15-17"}
    assert {c.key for c in r.breakdowns["sex"]} == {"female", "male"}
