"""Follow-up checkpoints complete themselves once police data covers their window."""

from __future__ import annotations

import datetime as dt

import pytest

from divert.audit.models import AuditEvent
from divert.casework.actions import close_episode
from divert.casework.models import FollowUpCheckpoint
from divert.core.dates import follow_up_window
from divert.imports.actions import get_or_create_source
from divert.imports.followup import (
    OffenceFacts,
    complete_checkpoints,
    evaluate_checkpoint,
    source_coverage,
)
from divert.imports.formats import LONDON
from divert.imports.tests.files import outcome_row, to_csv
from divert.offending.actions import record_complete_to
from divert.offending.models import SourceCompleteness

D = dt.date
ANCHOR = D(2025, 1, 10)  # 3-month window [10 Jan, 10 Apr); waiting period to 9 Oct 2025
COMPLETE = D(2025, 10, 9)


def evaluate(offences=(), arrests=(), outcomes_to=COMPLETE, arrests_to=COMPLETE, months=3, anchor=ANCHOR):
    return evaluate_checkpoint(anchor_date=anchor, months=months, outcomes_complete_to=outcomes_to,
                               arrests_complete_to=arrests_to, offences=offences, arrest_dates=arrests)


def offence(committed, *outcomes):
    return OffenceFacts(committed, tuple(outcomes))


def test_windows_are_half_open_and_clamp_to_the_month_end():
    window = follow_up_window(ANCHOR, 3)
    assert (window.start, window.end, window.deadline) == (D(2025, 1, 10), D(2025, 4, 10), D(2025, 10, 10))
    assert (window.last_day, window.last_proving_day) == (D(2025, 4, 9), D(2025, 10, 9))
    clamped = follow_up_window(D(2024, 8, 31), 6)
    assert (clamped.end, clamped.last_day, clamped.deadline) == (D(2025, 2, 28), D(2025, 2, 27), D(2025, 8, 28))


def test_an_offence_in_the_window_proven_by_caution_is_a_proven_reoffence():
    result = evaluate([offence(D(2025, 2, 1), (D(2025, 3, 1), "pre_court"))])
    assert (result.proven_reoffence, result.further_outcome, result.further_arrest) == (True, True, False)
    assert result.complete


def test_a_community_resolution_is_a_further_outcome_but_not_a_proven_reoffence():
    result = evaluate([offence(D(2025, 2, 1), (D(2025, 2, 5), "diversion"))])
    assert (result.proven_reoffence, result.further_outcome) == (False, True)


def test_an_offence_outside_the_window_does_not_count():
    before = offence(D(2025, 1, 9), (D(2025, 2, 1), "pre_court"))
    on_the_end = offence(D(2025, 4, 10), (D(2025, 5, 1), "first_tier"))
    result = evaluate([before, on_the_end])
    assert (result.proven_reoffence, result.further_outcome) == (False, False)


def test_the_first_day_of_the_window_counts():
    assert evaluate([offence(ANCHOR, (D(2025, 2, 1), "custody"))]).proven_reoffence is True


def test_an_outcome_within_the_waiting_period_counts_and_one_after_it_does_not():
    last_day = evaluate([offence(D(2025, 3, 1), (D(2025, 10, 9), "pre_court"))])
    too_late = evaluate([offence(D(2025, 3, 1), (D(2025, 10, 10), "pre_court"))], outcomes_to=D(2025, 12, 31))
    assert last_day.proven_reoffence is True
    assert (too_late.proven_reoffence, too_late.further_outcome) == (False, False)


def test_an_offence_with_no_outcome_yet_is_not_a_reoffence():
    assert evaluate([offence(D(2025, 3, 1))]).further_outcome is False


def test_until_outcome_data_covers_the_waiting_period_tiers_a_and_b_are_unknown():
    result = evaluate([], outcomes_to=D(2025, 10, 8), arrests_to=D(2025, 10, 8))
    assert (result.proven_reoffence, result.further_outcome) == (None, None)
    assert result.further_arrest is False  # arrest data only needs to reach the window's end
    assert not result.complete


def test_arrests_count_when_dated_in_the_window_and_data_reaches_its_end():
    assert evaluate(arrests=[D(2025, 4, 9)], arrests_to=D(2025, 4, 9)).further_arrest is True
    assert evaluate(arrests=[D(2025, 4, 10)]).further_arrest is False
    assert evaluate(arrests=[D(2025, 4, 9)], arrests_to=D(2025, 4, 8)).further_arrest is None
    assert evaluate(arrests=[D(2025, 4, 9)], arrests_to=None).further_arrest is None


# ---- through an import ------------------------------------------------------------------


@pytest.mark.django_db
def test_an_import_completes_the_checkpoints_its_data_covers(personas, open_work, run_import, source):
    # child_a was offered support on 5 March 2025: the 3-month window is [5 Mar, 5 Jun 2025).
    rows = [outcome_row("A", local_id="N-0001", committed_on="01/04/2025", disposal="community_resolution",
                        outcome_date="10/04/2025"),
            outcome_row("B", local_id="N-0001", committed_on="20/05/2025", disposal="youth_caution",
                        outcome_date="01/11/2025")]
    run, _ = run_import(to_csv(rows), complete_to=D(2025, 12, 4), today=D(2026, 1, 1))
    checkpoints = {c.months: c for c in FollowUpCheckpoint.objects.filter(referral=open_work["referral"],
                                                                          anchor="offer")}
    three = checkpoints[3]
    assert three.status == "complete" and three.completed_on == D(2026, 1, 1)
    assert (three.proven_reoffence, three.further_outcome, three.further_arrest) == (True, True, None)
    assert checkpoints[6].status == "awaiting_data" and checkpoints[6].proven_reoffence is None
    assert checkpoints[12].status == "due"  # not due until 5 March 2026
    assert run.batch.counts["checkpoints_completed"] == 1
    assert list(AuditEvent.objects.filter(batch=run.batch).values_list("verb", flat=True)) == [
        "imported_police_file"
    ]


@pytest.mark.django_db
def test_checkpoints_wait_for_every_outcome_source(personas, open_work, run_import, source):
    get_or_create_source(by=None, organisation=personas.north, name="Community Resolutions",
                         kind="community_resolutions")  # never imported: not complete to any date
    run_import(to_csv([outcome_row("A", local_id="N-0001")]), complete_to=D(2025, 12, 4), today=D(2026, 1, 1))
    three = FollowUpCheckpoint.objects.get(referral=open_work["referral"], anchor="offer", months=3)
    assert three.status == "awaiting_data"


@pytest.mark.django_db
def test_offer_and_closure_anchors_are_judged_on_their_own_windows(personas, open_work, run_import):
    close_episode(by=personas.worker_a, episode=open_work["episode"], end_date=D(2025, 4, 1), today=D(2025, 6, 30),
                  reason="completed", successfully_completed=True)
    # Committed after the offer (5 March) but before closure (1 April): counts from the offer only.
    run_import(to_csv([outcome_row("A", local_id="N-0001", committed_on="20/03/2025", disposal="youth_caution",
                                   outcome_date="15/04/2025")]), complete_to=D(2025, 12, 31), today=D(2026, 1, 5))
    offer = FollowUpCheckpoint.objects.get(referral=open_work["referral"], anchor="offer", months=3)
    closure = FollowUpCheckpoint.objects.get(referral=open_work["referral"], anchor="closure", months=3)
    assert (offer.status, offer.proven_reoffence) == ("complete", True)
    assert (closure.status, closure.proven_reoffence, closure.further_outcome) == ("complete", False, False)


def test_arrest_tier_is_stored_before_outcome_data_covers_the_window(personas, open_work):
    """Tier c is final when arrest data covers the window, even while tiers a and b wait."""
    outcomes = get_or_create_source(by=None, organisation=personas.north, name="Outcomes")
    custody = get_or_create_source(by=None, organisation=personas.north, name="Custody", kind="custody_releases")
    outcomes.complete_to = dt.date(2025, 6, 30)   # 3-month window from 5 Mar 2025 ends 5 Jun; +6 months not covered
    outcomes.save()
    custody.complete_to = dt.date(2025, 6, 30)
    custody.save()
    complete_checkpoints(by=None, organisation=personas.north, today=dt.date(2025, 6, 30))
    checkpoint = open_work["referral"].checkpoints.get(anchor="offer", months=3)
    assert checkpoint.further_arrest is False
    assert checkpoint.proven_reoffence is None
    assert checkpoint.status == "awaiting_data"


def test_complete_to_keeps_a_dated_history_so_as_known_on_reproduces_an_earlier_date(
    personas, source, custody_source, run_import
):
    record_complete_to(by=None, source=custody_source, complete_to=D(2025, 6, 30))
    run_import(to_csv([outcome_row("CO-1")]), complete_to=D(2025, 3, 31))
    run_import(to_csv([outcome_row("CO-2")]), complete_to=D(2025, 5, 31))
    run_import(to_csv([outcome_row("CO-3")]), complete_to=D(2025, 4, 30))  # never moves backwards
    history = SourceCompleteness.objects.filter(source=source).order_by("id")
    assert [h.complete_to for h in history] == [D(2025, 3, 31), D(2025, 5, 31)]
    assert all(h.batch_id for h in history)
    first, second = history
    moment = dt.datetime(2025, 4, 2, 9, tzinfo=LONDON)
    SourceCompleteness.objects.filter(pk=first.pk).update(recorded_at=moment)
    SourceCompleteness.objects.filter(pk=second.pk).update(recorded_at=moment + dt.timedelta(days=60))
    SourceCompleteness.objects.filter(source=custody_source).update(recorded_at=moment - dt.timedelta(days=1))

    assert source_coverage(personas.north) == (D(2025, 5, 31), D(2025, 6, 30))
    assert source_coverage(personas.north, known_on=moment) == (D(2025, 3, 31), D(2025, 6, 30))
    assert source_coverage(personas.north, known_on=moment + dt.timedelta(days=61)) == (
        D(2025, 5, 31), D(2025, 6, 30))
    # Before any date was recorded the source was not complete to anything.
    assert source_coverage(personas.north, known_on=moment - dt.timedelta(hours=1)) == (None, D(2025, 6, 30))
    assert AuditEvent.objects.filter(verb="set_complete_to").count() == 1  # outside a batch


def test_a_source_without_history_is_complete_to_its_date_but_not_beyond_the_day_known_on(personas, source):
    type(source).objects.filter(pk=source.pk).update(complete_to=D(2025, 5, 31))
    assert source_coverage(personas.north, known_on=dt.datetime(2025, 4, 2, 9, tzinfo=LONDON))[0] == D(2025, 4, 2)
    assert source_coverage(personas.north, known_on=dt.datetime(2025, 7, 1, 9, tzinfo=LONDON))[0] == D(2025, 5, 31)
