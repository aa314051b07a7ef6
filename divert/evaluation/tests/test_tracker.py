"""The tracker's rules, each with a few children and explicit dates.

A child offered support on 6 January 2025 has a 3-month window [6 Jan, 6 Apr 2025); tiers
a and b wait until 6 October 2025 for outcomes, so outcome data must be complete to
5 October 2025 for the 3-month figure to be final.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from divert.accounts.actions import create_programme
from divert.casework.models import FollowUpCheckpoint
from divert.evaluation.tracker import (
    SAMPLE_SIZE,
    SMALL_NUMBERS,
    WEAK_COMPARISON,
    cell_child_ids,
    tracker,
)
from divert.imports.followup import complete_checkpoints
from divert.imports.formats import LONDON
from divert.referrals import actions as ref
from divert.referrals.actions import withdraw_consent
from divert.referrals.models import Referral

D = dt.date
OFFER = D(2025, 1, 6)
AS_AT = D(2026, 12, 31)
pytestmark = pytest.mark.django_db


def figures(personas, *, anchor="offer", months=3, tier="a", as_at=AS_AT, **kwargs):
    """(participants, comparison, tier result) for one cell of the tracker."""
    result = tracker(organisation=personas.north, as_at=as_at, **kwargs)
    a = next(a for a in result.anchors if a.anchor == anchor)
    w = next(w for w in a.windows if w.months == months)
    t = next(t for t in w.tiers if t.tier == tier)
    return t.participants, t.comparison, t


def test_an_offence_in_the_window_proven_by_caution_counts_for_tiers_a_and_b(personas, north_data):
    north_data.complete_to(D(2026, 12, 31))
    child = north_data.child(offered_on=OFFER)
    north_data.child(offered_on=OFFER)
    north_data.offence(child, D(2025, 2, 1), ("youth_caution", D(2025, 3, 1)))
    for tier in "ab":
        p, _, _ = figures(personas, tier=tier)
        assert (p.children_tracked, p.children_with_outcome, p.outcomes) == (2, 1, 1)
        assert p.rate == 0.5 and p.interval.lower < 0.5 < p.interval.upper


def test_a_community_resolution_is_a_further_outcome_but_not_a_proven_reoffence(
    personas, north_data
):
    north_data.complete_to(D(2026, 12, 31))
    child = north_data.child(offered_on=OFFER)
    north_data.offence(child, D(2025, 2, 1), ("community_resolution", D(2025, 2, 2)))
    north_data.offence(child, D(2025, 2, 8), ("outcome_22", D(2025, 2, 20)))
    assert figures(personas, tier="a")[0].children_with_outcome == 0
    p = figures(personas, tier="b")[0]
    assert (p.children_with_outcome, p.outcomes) == (1, 2)


def test_the_window_is_half_open(personas, north_data):
    north_data.complete_to(D(2026, 12, 31))
    first_day, day_after = north_data.child(offered_on=OFFER), north_data.child(offered_on=OFFER)
    before = north_data.child(offered_on=OFFER)
    north_data.offence(first_day, OFFER, ("youth_caution", D(2025, 5, 1)))
    north_data.offence(
        day_after, D(2025, 4, 6), ("youth_caution", D(2025, 5, 1))
    )  # window ends 6 April
    north_data.offence(before, D(2025, 1, 5), ("youth_caution", D(2025, 2, 1)))
    ids = set(
        cell_child_ids(
            organisation=personas.north,
            as_at=AS_AT,
            anchor="offer",
            months=3,
            group="participant",
            tier="a",
            cell="with_outcome",
        ).values_list("child", flat=True)
    )
    assert ids == {first_day.pk}
    # The 6-month window includes 6 April.
    assert figures(personas, months=6)[0].children_with_outcome == 2


def test_an_outcome_within_the_waiting_period_counts_and_one_after_it_does_not(
    personas, north_data
):
    north_data.complete_to(D(2026, 12, 31))
    inside, after = north_data.child(offered_on=OFFER), north_data.child(offered_on=OFFER)
    north_data.offence(
        inside, D(2025, 4, 1), ("youth_caution", D(2025, 10, 5))
    )  # waiting period ends 6 Oct
    north_data.offence(after, D(2025, 4, 1), ("youth_caution", D(2025, 10, 6)))
    p = figures(personas)[0]
    assert (p.children_tracked, p.children_with_outcome) == (2, 1)


def test_until_the_data_covers_the_waiting_period_children_are_awaiting_data(personas, north_data):
    north_data.complete_to(D(2025, 10, 4), arrests=D(2025, 10, 4))
    child = north_data.child(offered_on=OFFER)
    north_data.offence(child, D(2025, 2, 1), ("youth_caution", D(2025, 3, 1)))
    p = figures(personas, tier="a")[0]
    # "No outcome yet" is not "no outcome": the child is not in the rate at all.
    assert (p.children_tracked, p.awaiting_data, p.provisional_with_outcome) == (0, 1, 1)
    assert p.rate is None and p.interval is None
    # Arrest data only needs to reach the window's end.
    assert figures(personas, tier="c")[0].children_tracked == 1
    north_data.complete_to(D(2025, 10, 5))
    p = figures(personas, tier="a")[0]
    assert (p.children_tracked, p.children_with_outcome, p.awaiting_data) == (1, 1, 0)


def test_data_is_never_complete_beyond_the_as_at_date(personas, north_data):
    north_data.complete_to(D(2026, 12, 31))
    north_data.child(offered_on=OFFER)
    p = figures(personas, as_at=D(2025, 10, 4))[0]
    assert (p.children_tracked, p.awaiting_data) == (0, 1)


def test_a_window_that_has_not_ended_is_not_yet_mature(personas, north_data):
    north_data.complete_to(D(2026, 12, 31))
    north_data.child(offered_on=D(2026, 11, 1))
    p = figures(personas, tier="c")[0]
    assert (p.children_tracked, p.not_yet_mature, p.awaiting_data) == (0, 1, 0)
    # Offered after the 'as at' date: not in the tracker at all.
    p = figures(personas, tier="c", as_at=D(2026, 10, 1))[0]
    assert (p.children_tracked, p.not_yet_mature) == (0, 0)


def test_an_arrest_dated_in_the_window_is_tier_c(personas, north_data):
    north_data.complete_to(D(2026, 12, 31))
    arrested, later = north_data.child(offered_on=OFFER), north_data.child(offered_on=OFFER)
    north_data.arrest(arrested, D(2025, 4, 5))
    north_data.arrest(later, D(2025, 4, 6))
    p = figures(personas, tier="c")[0]
    assert (p.children_tracked, p.children_with_outcome, p.outcomes) == (2, 1, 1)


def test_decliners_are_the_comparison_group_and_a_withdrawn_child_stays_a_participant(
    personas, north_data
):
    north_data.complete_to(D(2026, 12, 31))
    withdrawn = north_data.child(offered_on=OFFER)
    withdraw_consent(
        by=personas.worker_a,
        episode=Referral.objects.get(pk=withdrawn.referral.pk).episode,
        withdrawn_on=D(2025, 1, 20),
        today=D(2025, 1, 20),
        reason="Moved school",
    )
    north_data.offence(withdrawn, D(2025, 2, 1), ("youth_caution", D(2025, 3, 1)))
    declined = north_data.child(offered_on=OFFER, decision="declined")
    silent = north_data.child(offered_on=OFFER, decision="no_response")
    north_data.offence(declined, D(2025, 2, 1), ("youth_caution", D(2025, 3, 1)))
    north_data.offence(silent, D(2025, 2, 1), ("youth_caution", D(2025, 3, 1)))
    north_data.child(offered_on=OFFER, decision="declined")
    p, c, t = figures(personas)
    assert (p.children_tracked, p.children_with_outcome) == (1, 1)
    assert (c.children_tracked, c.children_with_outcome) == (3, 2)
    assert t.difference.value == pytest.approx(1 - 2 / 3)
    assert t.difference.interval.lower < t.difference.value < t.difference.interval.upper


def test_closure_anchors_completers_at_closure_and_decliners_at_a_pseudo_closure(
    personas, north_data
):
    north_data.complete_to(D(2026, 12, 31))
    completer = north_data.child(offered_on=OFFER)
    north_data.close(completer, D(2025, 3, 7))  # 60 days: the programme's median length
    north_data.offence(
        completer, D(2025, 2, 1), ("youth_caution", D(2025, 2, 20))
    )  # before closure
    decliner = north_data.child(offered_on=OFFER, decision="declined")
    # Inside the offer window but before the pseudo-closure (6 Jan + 60 days = 7 March).
    north_data.offence(decliner, D(2025, 3, 6), ("youth_caution", D(2025, 3, 20)))
    p, c, _ = figures(personas, anchor="offer")
    assert (p.children_with_outcome, c.children_with_outcome) == (1, 1)
    p, c, _ = figures(personas, anchor="closure")
    assert (
        p.children_tracked,
        p.children_with_outcome,
        c.children_tracked,
        c.children_with_outcome,
    ) == (1, 0, 1, 0)
    # An offence on the pseudo-closure date counts from the pseudo-closure.
    north_data.offence(decliner, D(2025, 3, 7), ("youth_caution", D(2025, 3, 20)))
    assert figures(personas, anchor="closure")[1].children_with_outcome == 1
    result = tracker(organisation=personas.north, as_at=AS_AT)
    assert result.anchors[1].pseudo_closure_days == {personas.programme.name: 60}


def test_a_child_who_did_not_complete_has_no_closure_view(personas, north_data):
    north_data.complete_to(D(2026, 12, 31))
    north_data.close(north_data.child(offered_on=OFFER), D(2025, 3, 7), completed=False)
    assert figures(personas, anchor="offer")[0].children_tracked == 1
    assert figures(personas, anchor="closure")[0].children_tracked == 0


def test_as_known_on_leaves_out_what_was_recorded_later(personas, north_data):
    north_data.complete_to(D(2026, 12, 31))
    child = north_data.child(offered_on=OFFER)
    moment = timezone.now()
    north_data.offence(
        child,
        D(2025, 2, 1),
        ("youth_caution", D(2025, 3, 1)),
        recorded_at=moment + dt.timedelta(hours=1),
    )
    assert (
        figures(personas, known_on=moment + dt.timedelta(minutes=1))[0].children_with_outcome == 0
    )
    assert figures(personas)[0].children_with_outcome == 1


def test_a_child_counts_once_per_group_from_their_first_offer(personas, north_data):
    north_data.complete_to(D(2026, 12, 31))
    child = north_data.child(offered_on=OFFER, decision="declined")
    later = ref.create_referral(
        by=personas.worker_a,
        child=child,
        programme=personas.programme,
        source="police_cr",
        received_on=D(2025, 6, 1),
        today=D(2025, 6, 2),
    )
    ref.screen_referral(
        by=personas.worker_a,
        referral=later,
        decision="support",
        tier=personas.programme.tiers.last(),
        decided_on=D(2025, 6, 1),
        today=D(2025, 6, 2),
    )
    offer = ref.offer_support(
        by=personas.worker_a, referral=later, offered_on=D(2025, 6, 2), today=D(2025, 6, 2)
    )
    ref.record_consent(
        by=personas.worker_a,
        offer=offer,
        child_decision="declined",
        parent_decision="declined",
        decided_on=D(2025, 6, 2),
        today=D(2025, 6, 2),
        reason="Still not interested",
    )
    north_data.offence(
        child, D(2025, 6, 10), ("youth_caution", D(2025, 7, 1))
    )  # only in the second window
    c = figures(personas)[1]
    assert (c.children_tracked, c.children_with_outcome) == (1, 0)


def test_other_organisations_children_are_not_counted(personas, north_data):
    north_data.complete_to(D(2026, 12, 31))
    north_data.child(offered_on=OFFER)
    assert (
        tracker(organisation=personas.south, as_at=AS_AT)
        .anchors[0]
        .windows[0]
        .tiers[0]
        .participants.children_tracked
        == 0
    )


def test_warnings_name_the_weak_comparison_small_numbers_and_sample_size(personas, north_data):
    north_data.complete_to(D(2026, 12, 31))
    north_data.child(offered_on=OFFER)
    result = tracker(organisation=personas.north, as_at=AS_AT)
    assert {WEAK_COMPARISON, SMALL_NUMBERS, SAMPLE_SIZE} <= set(result.warnings)
    assert result.anchors[0].windows[0].tiers[0].participants.volatile


def test_drill_down_cells_match_the_counts(personas, north_data):
    north_data.complete_to(D(2025, 12, 31))
    for offered_on in (OFFER, D(2025, 3, 3), D(2025, 9, 1), D(2026, 11, 1)):
        child = north_data.child(offered_on=offered_on)
        north_data.offence(
            child,
            offered_on + dt.timedelta(days=10),
            ("youth_caution", offered_on + dt.timedelta(days=40)),
        )
    result = tracker(organisation=personas.north, as_at=AS_AT)
    for w in result.anchors[0].windows:
        for t in w.tiers:
            for cell, value in [
                ("tracked", t.participants.children_tracked),
                ("with_outcome", t.participants.children_with_outcome),
                ("not_yet_mature", t.participants.not_yet_mature),
                ("awaiting_data", t.participants.awaiting_data),
                ("provisional_with_outcome", t.participants.provisional_with_outcome),
            ]:
                ids = cell_child_ids(
                    organisation=personas.north,
                    as_at=AS_AT,
                    anchor="offer",
                    months=w.months,
                    group="participant",
                    tier=t.tier,
                    cell=cell,
                )
                assert ids.count() == value, (w.months, t.tier, cell)


def test_the_tracker_agrees_with_the_completed_checkpoints(personas, north_data):
    north_data.complete_to(D(2025, 12, 31), arrests=D(2026, 3, 31))
    days = [D(2024, 11, 30), OFFER, D(2025, 1, 31), D(2025, 3, 31), D(2025, 5, 31), D(2025, 8, 29)]
    for i, offered_on in enumerate(days):
        child = north_data.child(
            offered_on=offered_on, decision="accepted" if i % 2 else "declined"
        )
        north_data.offence(
            child,
            offered_on + dt.timedelta(days=30 * i + 5),
            (
                "youth_caution" if i % 3 else "community_resolution",
                offered_on + dt.timedelta(days=200),
            ),
        )
        north_data.arrest(child, offered_on + dt.timedelta(days=60 * i))
    complete_checkpoints(by=None, organisation=personas.north, today=D(2027, 1, 1))
    result = tracker(organisation=personas.north, as_at=D(2030, 1, 1))
    stored = FollowUpCheckpoint.objects.filter(anchor="offer")
    for w in result.anchors[0].windows:
        for t in w.tiers:
            column = {"a": "proven_reoffence", "b": "further_outcome", "c": "further_arrest"}[
                t.tier
            ]
            for group, figure in (("participant", t.participants), ("comparison", t.comparison)):
                mine = stored.filter(months=w.months, group=group, **{f"{column}__isnull": False})
                if t.tier == "c":
                    # A checkpoint keeps tier c only once tiers a and b are known; the tracker
                    # counts it as soon as the arrest data covers the window.
                    assert figure.children_tracked >= mine.count()
                    continue
                assert figure.children_tracked == mine.count(), (w.months, t.tier)
                assert figure.children_with_outcome == mine.filter(**{column: True}).count(), (
                    w.months,
                    t.tier,
                )


def test_as_known_on_a_past_day_the_data_was_not_complete_beyond_that_day(personas, north_data):
    north_data.complete_to(D(2026, 12, 31))
    child = north_data.child(offered_on=OFFER)
    FollowUpCheckpoint.objects.filter(child=child).update(
        recorded_at=dt.datetime(2025, 1, 6, tzinfo=LONDON)
    )
    north_data.offence(
        child,
        D(2025, 2, 1),
        ("youth_caution", D(2025, 3, 1)),
        recorded_at=dt.datetime(2025, 3, 2, tzinfo=LONDON),
    )
    # The 3-month figure needs outcome data complete to 5 October 2025.
    p = figures(personas, known_on=dt.datetime(2025, 10, 4, 12, tzinfo=LONDON))[0]
    assert (p.children_tracked, p.awaiting_data, p.provisional_with_outcome) == (0, 1, 1)
    p = figures(personas, known_on=dt.datetime(2025, 10, 5, 12, tzinfo=LONDON))[0]
    assert (p.children_tracked, p.children_with_outcome) == (1, 1)


def test_a_programme_filter_counts_only_that_programmes_children(personas, north_data):
    north_data.complete_to(D(2026, 12, 31))
    north_data.child(offered_on=OFFER)
    other = create_programme(by=None, organisation=personas.north, name="Other", slug="other")
    assert figures(personas, programmes=[personas.programme])[0].children_tracked == 1
    assert figures(personas, programmes=[other])[0].children_tracked == 0


def test_screened_out_children_are_in_neither_group_and_counted_separately(personas, north_data):
    north_data.complete_to(D(2026, 12, 31))
    referral = ref.create_referral(
        by=personas.worker_a,
        child=personas.child_b,
        programme=personas.programme,
        source="police_cr",
        received_on=D(2025, 1, 2),
        today=D(2025, 1, 3),
    )
    ref.screen_referral(
        by=personas.worker_a,
        referral=referral,
        decision="screened_out",
        agency="camhs",
        decided_on=D(2025, 1, 3),
        today=D(2025, 1, 3),
    )
    result = tracker(organisation=personas.north, as_at=AS_AT)
    assert result.screened_out == 1
    tier = result.anchors[0].windows[0].tiers[0]
    assert tier.participants.children_tracked == tier.comparison.children_tracked == 0
