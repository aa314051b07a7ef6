"""The pathway, step by step, through the named actions."""

import datetime as dt

import pytest

from divert.audit.models import AuditEvent
from divert.casework import actions as cw
from divert.casework.models import FollowUpCheckpoint, Instrument
from divert.core.errors import DomainError
from divert.people.actions import create_child
from divert.people.models import Child
from divert.privacy.actions import merge_children
from divert.referrals import actions as ref
from divert.referrals.codes import Stage

D = dt.date


@pytest.fixture
def referral(personas, today):
    return ref.create_referral(
        by=personas.worker_a, child=personas.child_a, programme=personas.programme,
        source="police_cr", received_on=D(2025, 3, 3), today=today, reason="Criminal damage at the park",
    )


def _offer(personas, today, referral, tier_number=2):
    tier = personas.programme.tiers.get(number=tier_number)
    ref.screen_referral(by=personas.worker_a, referral=referral, decision="support", tier=tier,
                        decided_on=D(2025, 3, 5), today=today, concerns=["school_absence", "offending"])
    return ref.offer_support(by=personas.worker_a, referral=referral, offered_on=D(2025, 3, 6), today=today)


def test_full_pathway_to_successful_closure(personas, today, referral):
    offer = _offer(personas, today, referral)
    # child_a is 14 on the offer date: a parent must answer too.
    with pytest.raises(DomainError, match="parent or carer"):
        ref.record_consent(by=personas.worker_a, offer=offer, child_decision="accepted",
                           decided_on=D(2025, 3, 7), today=today)
    ref.record_consent(by=personas.worker_a, offer=offer, child_decision="accepted",
                       parent_decision="accepted", decided_on=D(2025, 3, 7), today=today)
    referral.refresh_from_db()
    assert referral.stage == Stage.ACCEPTED
    episode = referral.episode
    assert (episode.order_type, episode.tier.number, episode.worker) == (
        "community_resolution", 2, personas.worker_a)
    cw.record_assessment(by=personas.worker_a, episode=episode, assessed_on=D(2025, 3, 10), today=today,
                         needs={"education": 2}, child_view="I want to get back into school")
    plan = cw.agree_plan(by=personas.worker_a, episode=episode, agreed_on=D(2025, 3, 12), today=today,
                         goals="Go to school every day; stay away from the park at night")
    assert plan.planned_sessions == 10
    assert plan.target_end_date == D(2025, 6, 4)
    for week in range(3):
        cw.record_session(by=personas.worker_a, episode=episode, date=D(2025, 3, 14) + dt.timedelta(weeks=week),
                          today=today, type="one_to_one", attendance="attended", topics=["consequences"])
    cw.close_episode(by=personas.worker_a, episode=episode, end_date=D(2025, 6, 2), today=today,
                     reason="completed", successfully_completed=True)
    offer_points = FollowUpCheckpoint.objects.filter(referral=referral, anchor="offer").order_by("months")
    assert [(c.months, c.due_on, c.group) for c in offer_points] == [
        (3, D(2025, 6, 6), "participant"), (6, D(2025, 9, 6), "participant"),
        (9, D(2025, 12, 6), "participant"), (12, D(2026, 3, 6), "participant"),
    ]
    closure_points = FollowUpCheckpoint.objects.filter(referral=referral, anchor="closure")
    assert sorted(c.due_on for c in closure_points)[0] == D(2025, 9, 2)
    verbs = list(AuditEvent.objects.filter(child_id=personas.child_a.pk).values_list("verb", flat=True))
    for verb in ["created_referral", "screened_referral", "offered_support", "recorded_consent",
                 "opened_episode", "recorded_assessment", "agreed_plan", "recorded_session", "closed_episode"]:
        assert verb in verbs


def test_no_session_before_consent_and_none_after_closure(personas, today, referral):
    offer = _offer(personas, today, referral)
    ref.record_consent(by=personas.worker_a, offer=offer, child_decision="accepted",
                       parent_decision="accepted", decided_on=D(2025, 3, 7), today=today)
    episode = referral.episode
    with pytest.raises(DomainError, match="before support started"):
        cw.record_session(by=personas.worker_a, episode=episode, date=D(2025, 3, 6), today=today,
                          type="one_to_one", attendance="attended")
    with pytest.raises(DomainError, match="future"):
        cw.record_session(by=personas.worker_a, episode=episode, date=today + dt.timedelta(days=1),
                          today=today, type="one_to_one", attendance="attended")
    with pytest.raises(DomainError, match="Say whether the child successfully completed"):
        cw.close_episode(by=personas.worker_a, episode=episode, end_date=D(2025, 4, 1), today=today,
                         reason="disengaged", successfully_completed=None)
    cw.close_episode(by=personas.worker_a, episode=episode, end_date=D(2025, 4, 1), today=today,
                     reason="disengaged", successfully_completed=False)
    with pytest.raises(DomainError, match="Reopen it first"):
        cw.record_session(by=personas.worker_a, episode=episode, date=D(2025, 4, 2), today=today,
                          type="one_to_one", attendance="attended")
    cw.reopen_episode(by=personas.team_manager, episode=episode, reason="Closed by mistake")
    cw.record_session(by=personas.worker_a, episode=episode, date=D(2025, 4, 2), today=today,
                      type="one_to_one", attendance="attended")


def test_screened_out_referral_cannot_be_offered(personas, today, referral):
    ref.screen_referral(by=personas.worker_a, referral=referral, decision="screened_out",
                        agency="social_care", decided_on=D(2025, 3, 5), today=today)
    referral.refresh_from_db()
    assert referral.stage == Stage.SCREENED_OUT
    with pytest.raises(DomainError, match="Screened out"):
        ref.offer_support(by=personas.worker_a, referral=referral, offered_on=D(2025, 3, 6), today=today)


def test_screening_out_needs_an_agency_and_support_needs_a_tier(personas, today, referral):
    with pytest.raises(DomainError, match="which agency"):
        ref.screen_referral(by=personas.worker_a, referral=referral, decision="screened_out",
                            decided_on=D(2025, 3, 5), today=today)
    with pytest.raises(DomainError, match="tier"):
        ref.screen_referral(by=personas.worker_a, referral=referral, decision="support",
                            decided_on=D(2025, 3, 5), today=today)


def test_declined_child_is_followed_as_comparison(personas, today, referral):
    offer = _offer(personas, today, referral)
    with pytest.raises(DomainError, match="reason"):
        ref.record_consent(by=personas.worker_a, offer=offer, child_decision="declined",
                           parent_decision="declined", decided_on=D(2025, 3, 7), today=today)
    ref.record_consent(by=personas.worker_a, offer=offer, child_decision="declined",
                       parent_decision="declined", decided_on=D(2025, 3, 7), today=today,
                       reason="Does not want to miss football")
    referral.refresh_from_db()
    assert referral.stage == Stage.DECLINED
    assert not hasattr(referral, "episode")
    groups = set(FollowUpCheckpoint.objects.filter(referral=referral).values_list("group", flat=True))
    assert groups == {"comparison"}
    offer.refresh_from_db()
    assert offer.lawful_basis


def test_parent_declining_means_declined(personas, today, referral):
    offer = _offer(personas, today, referral)
    ref.record_consent(by=personas.worker_a, offer=offer, child_decision="accepted",
                       parent_decision="declined", decided_on=D(2025, 3, 7), today=today)
    offer.refresh_from_db()
    assert offer.child_decision == "declined"
    assert referral.checkpoints.first().group == "comparison"


def test_withdrawal_keeps_the_child_a_participant(personas, today, referral):
    offer = _offer(personas, today, referral)
    ref.record_consent(by=personas.worker_a, offer=offer, child_decision="accepted",
                       parent_decision="accepted", decided_on=D(2025, 3, 7), today=today)
    episode = ref.withdraw_consent(by=personas.worker_a, episode=referral.episode,
                                  withdrawn_on=D(2025, 4, 1), today=today, reason="Moved school")
    assert (episode.closure_reason, episode.successfully_completed) == ("declined", False)
    assert set(referral.checkpoints.values_list("group", flat=True)) == {"participant"}


@pytest.mark.parametrize(
    ("dob", "area", "expected"),
    [
        (D(2016, 1, 1), "", "aged 10 to 17"),
        (D(2005, 1, 1), "", "aged 10 to 17"),
        (D(2010, 1, 1), "E99", "area"),
    ],
)
def test_ineligible_referral_says_why(personas, today, dob, area, expected):
    programme = personas.programme
    programme.area_codes = ["E01"]
    programme.save()
    personas.child_a.date_of_birth, personas.child_a.area_code = dob, area or "E01"
    personas.child_a.save()
    referral = ref.create_referral(by=personas.worker_a, child=personas.child_a, programme=programme,
                                   source="school", received_on=D(2025, 3, 3), today=today)
    assert referral.stage == Stage.INELIGIBLE
    assert expected in referral.ineligible_reason
    with pytest.raises(DomainError, match="Not eligible"):
        ref.screen_referral(by=personas.worker_a, referral=referral, decision="opt_in",
                            decided_on=D(2025, 3, 5), today=today)


def test_second_referral_while_open_is_ineligible_and_once_only_applies(personas, today, referral):
    second = ref.create_referral(by=personas.worker_a, child=personas.child_a, programme=personas.programme,
                                 source="school", received_on=D(2025, 3, 4), today=today)
    assert "already has an open referral" in second.ineligible_reason


def test_referral_dates_are_checked(personas, today):
    with pytest.raises(DomainError, match="future"):
        ref.create_referral(by=personas.worker_a, child=personas.child_a, programme=personas.programme,
                            source="school", received_on=today + dt.timedelta(days=1), today=today)
    with pytest.raises(DomainError, match="date of birth"):
        ref.create_referral(by=personas.worker_a, child=personas.child_a, programme=personas.programme,
                            source="school", received_on=D(2009, 1, 1), today=today)


def test_scores_are_checked_against_the_instrument(personas, today, referral):
    offer = _offer(personas, today, referral)
    ref.record_consent(by=personas.worker_a, offer=offer, child_decision="accepted",
                       parent_decision="accepted", decided_on=D(2025, 3, 7), today=today)
    instrument = Instrument.objects.create(code="self", name="Self-ratings", items=[
        {"code": "confidence", "label": "Confidence"}, {"code": "anger", "label": "Managing anger"}])
    with pytest.raises(DomainError, match="between 1 and 10"):
        cw.record_scores(by=personas.worker_a, episode=referral.episode, instrument=instrument,
                         timepoint="start", taken_on=D(2025, 3, 10), today=today, scores={"confidence": 11})
    rows = cw.record_scores(by=personas.worker_a, episode=referral.episode, instrument=instrument,
                            timepoint="start", taken_on=D(2025, 3, 10), today=today,
                            scores={"confidence": 4, "anger": 6})
    assert len(rows) == 2


def test_merge_keeps_both_histories(personas, today, referral):
    duplicate = create_child(by=personas.worker_a, organisation=personas.north, today=today,
                             team=personas.team_a, confirmed_not_duplicate=True, first_name="Alfie", last_name="Testchild",
                             date_of_birth=D(2010, 3, 14))
    dup_referral = ref.create_referral(by=personas.worker_a, child=duplicate, programme=personas.programme,
                                       source="school", received_on=D(2024, 1, 3), today=today)
    merge_children(by=personas.team_manager, keep=personas.child_a, duplicate=duplicate,
                   reason="Same child, entered twice")
    dup_referral.refresh_from_db()
    assert dup_referral.child == personas.child_a
    duplicate.refresh_from_db()
    assert duplicate.merged_into == personas.child_a
    assert not Child.objects.visible_to(personas.worker_a).filter(pk=duplicate.pk).exists()
    assert personas.child_a.referrals.count() == 2
