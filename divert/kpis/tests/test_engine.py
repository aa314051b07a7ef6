"""The whole report: every measure present, JSON, RAG, changes, suppression, and the
invariants (hypothesis): rates in [0, 1], numerator never above denominator, a child
outside the period changes nothing, "as known on" figures do not move when later
records arrive."""

import datetime as dt
import json

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from divert.kpis.engine import compute_report
from divert.kpis.measures.common import Scope
from divert.kpis.measures.local import prevention_measures
from divert.kpis.measures.yjb import yjb_kpis
from divert.kpis.periods import parse_period
from divert.kpis.tests import factories as f
from divert.people.models import Accommodation, ETEStatus, SENDStatus
from divert.reference.models import ComparatorFigure
from divert.referrals.models import Offer, Referral, Screening

pytestmark = pytest.mark.django_db
Q1 = parse_period("2025-26Q1")
AS_AT = dt.date(2025, 7, 31)
LATER = timezone.make_aware(dt.datetime(2025, 8, 1, 9, 0))

ORDER_TYPES = ["community_resolution", "outcome_22", "youth_caution", "youth_conditional_caution",
               "referral_order", "yro", "custody", "prevention"]
child_specs = st.fixed_dictionaries({
    "dob_year": st.integers(2006, 2014),
    "sex": st.sampled_from(["male", "female", "not_known"]),
    "ethnicity": st.sampled_from(["WBRI", "BAFR", "AIND", "MWBC", "OOTH", "NOBT"]),
    "start": st.integers(0, 500),  # days after 2024-06-01
    "length": st.integers(0, 200),
    "order_type": st.sampled_from(ORDER_TYPES),
    "completed": st.booleans(),
    "accommodation": st.sampled_from(["suitable", "unsuitable", "unknown", None]),
    "ete": st.sampled_from(["suitable", "unsuitable", "unknown", None]),
    "send": st.booleans(),
    "outcome_day": st.one_of(st.none(), st.integers(0, 500)),
    "outcome": st.sampled_from(["community_resolution", "youth_caution", "fine", "custody"]),
    "decision": st.sampled_from(["accepted", "declined", "no_response", "pending", None]),
})


def build(org, prog, spec, recorded_at=f.RECORDED):
    """One child with an episode, statuses, an outcome and a referral, from a spec."""
    base = dt.date(2024, 6, 1)
    kid = f.child(org, dob=dt.date(spec["dob_year"], 3, 15), sex=spec["sex"], ethnicity=spec["ethnicity"],
                  recorded_at=recorded_at)
    start = base + dt.timedelta(days=spec["start"])
    end = start + dt.timedelta(days=spec["length"])
    f.episode(kid, prog, start, end, order_type=spec["order_type"], completed=spec["completed"],
              recorded_at=recorded_at)
    if spec["accommodation"]:
        f.status(Accommodation, kid, base, type="parents", suitability=spec["accommodation"], recorded_at=recorded_at)
    if spec["ete"]:
        f.status(ETEStatus, kid, base, provision="mainstream", suitability=spec["ete"], hours_offered=20,
                 hours_attended=10, recorded_at=recorded_at)
    if spec["send"]:
        f.status(SENDStatus, kid, base, need="semh", plan="ehcp", recorded_at=recorded_at)
    if spec["outcome_day"] is not None:
        f.outcome(kid, base + dt.timedelta(days=spec["outcome_day"]), spec["outcome"], recorded_at=recorded_at,
                  yjb_category="robbery", seriousness=5)
    ref = Referral.objects.create(child=kid, programme=prog, source="police_cr", received_on=start,
                                  recorded_at=recorded_at)
    if spec["decision"]:
        Screening.objects.create(referral=ref, decision="opt_in", decided_on=start, recorded_at=recorded_at)
        Offer.objects.create(referral=ref, offered_on=start, child_decision=spec["decision"], recorded_at=recorded_at)
    return kid


def period_figures(org, known_on=None):
    scope = Scope((org,), Q1, AS_AT, known_on)
    return [r.as_dict() for r in [*yjb_kpis(scope), *prevention_measures(scope)]]


@pytest.fixture
def org():
    return f.organisation(rag_thresholds={"kpi6.ooc_completion": {"green": 0.98, "red": 0.9}})


@pytest.fixture
def prog(org):
    return f.programme(org)


@settings(max_examples=6, deadline=None)
@given(st.lists(child_specs, min_size=1, max_size=6))
def test_rates_within_0_1_and_numerator_not_above_denominator(specs):
    with transaction.atomic():
        org = f.organisation(slug="prop-org")
        prog = f.programme(org)
        for spec in specs:
            build(org, prog, spec)
        report = compute_report(organisations=[org], period=Q1, as_at=AS_AT, with_changes=False)
        for m in report.measures:
            cells = [m, *(c for cs in m.breakdowns.values() for c in cs)]
            for c in cells:
                if m.unit == "proportion" and c.value is not None:
                    # A difference between two rates (participants − comparison) lies in [-1, 1].
                    low = -1 if getattr(c, "key", None) == "difference" else 0
                    assert low <= c.value <= 1, m.key
                if m.unit == "proportion" and c.numerator is not None and c.denominator is not None:
                    assert c.numerator <= c.denominator, m.key
        transaction.set_rollback(True)


@settings(max_examples=6, deadline=None)
@given(st.lists(child_specs, min_size=1, max_size=5), child_specs)
def test_a_child_outside_the_period_changes_nothing(specs, outsider):
    with transaction.atomic():
        org = f.organisation(slug="prop-org")
        prog = f.programme(org)
        for spec in specs:
            build(org, prog, spec)
        before = period_figures(org)
        # Everything about this child is dated before the quarter.
        outsider = {**outsider, "start": outsider["start"] % 200, "length": outsider["length"] % 100,
                    "outcome_day": None}
        build(org, prog, outsider)
        assert period_figures(org) == before
        transaction.set_rollback(True)


@settings(max_examples=6, deadline=None)
@given(st.lists(child_specs, min_size=1, max_size=5), st.lists(child_specs, min_size=1, max_size=3))
def test_figures_as_known_on_a_date_do_not_change_when_later_records_arrive(specs, later):
    with transaction.atomic():
        org = f.organisation(slug="prop-org")
        prog = f.programme(org)
        kids = [build(org, prog, spec) for spec in specs]
        known_on = timezone.make_aware(dt.datetime(2025, 7, 31, 23, 0))
        before = period_figures(org, known_on)
        for spec in later:
            build(org, prog, spec, recorded_at=LATER)
        # A mistake voided after the figure was published does not change it either.
        kids[0].episodes.update(voided_at=LATER)
        assert period_figures(org, known_on) == before
        transaction.set_rollback(True)


def test_full_report_has_every_measure_and_serialises(org, prog):
    for spec_start in (320, 330):
        build(org, prog, {"dob_year": 2010, "sex": "male", "ethnicity": "WBRI", "start": spec_start,
                          "length": 20, "order_type": "outcome_22", "completed": True,
                          "accommodation": "suitable", "ete": "suitable", "send": False,
                          "outcome_day": None, "outcome": "fine", "decision": "accepted"})
    ComparatorFigure.objects.create(organisation=org, measure_key="kpi6.ooc_completion", period_label="2025-26 Q1",
                                    comparator="england", value=0.8)
    report = compute_report(organisations=[org], period=Q1, as_at=AS_AT)
    keys = {m.key for m in report.measures}
    for expected in ("fte.rolling_12_months", "fte.year_ending_december", "fte.conversion",
                     "reoffending.3_month_cohort.binary", "reoffending.12_month_cohort.per_child",
                     "custody.rolling_12_months", "kpi1.accommodation", "kpi8.board_attendance",
                     "kpi9.serious_violence_rate", "kpi10.rj_engaged", "prevention.engagement",
                     "disproportionality.ethnic_group", "disproportionality.send"):
        assert expected in keys
    data = json.loads(json.dumps(report.as_dict()))
    assert data["version"] == 1 and data["period"]["label"] == "2025-26 Q1"
    ooc = report.get("kpi6.ooc_completion")
    assert (ooc.numerator, ooc.denominator, ooc.rag) == (2, 2, "green")
    assert ooc.comparators == {"england": {"value": 0.8, "source": ""}}
    assert report.get("prevention.completion").changes == {}  # nothing ended before


def test_direction_of_travel_against_previous_quarter(org, prog):
    common = {"dob_year": 2010, "sex": "male", "ethnicity": "WBRI", "order_type": "outcome_22",
              "accommodation": None, "ete": None, "send": False, "outcome_day": None, "outcome": "fine",
              "decision": None}
    build(org, prog, {**common, "start": 250, "length": 10, "completed": False})  # ends Q4 2024-25
    build(org, prog, {**common, "start": 320, "length": 10, "completed": True})  # ends Q1
    report = compute_report(organisations=[org], period=Q1, as_at=AS_AT)
    prev = report.get("kpi6.ooc_completion").changes["previous"]
    assert prev["period"] == "2024-25 Q4"
    assert prev["change_in_points"] == pytest.approx(100.0)
    assert prev["relative_change"] is None  # from zero: no relative change


def test_suppressed_report_for_board_members(org, prog):
    build(org, prog, {"dob_year": 2010, "sex": "male", "ethnicity": "WBRI", "start": 320, "length": 20,
                      "order_type": "outcome_22", "completed": True, "accommodation": "suitable", "ete": None,
                      "send": False, "outcome_day": None, "outcome": "fine", "decision": "accepted"})
    report = compute_report(organisations=[org], period=Q1, as_at=AS_AT, suppress=True, with_changes=False)
    ooc = report.get("kpi6.ooc_completion")
    assert ooc.numerator is None and ooc.value is None and ooc.shown == "≤5 of ≤5"
    assert report.as_dict()["suppressed"] is True
