"""The review queue: rows the matcher is unsure of wait for a person, and once decided stay decided."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from divert.casework.models import FollowUpCheckpoint
from divert.core.errors import DomainError
from divert.imports.actions import resolve_match_review
from divert.imports.models import MatchReview
from divert.imports.tests.files import custody_row, outcome_row, to_csv
from divert.offending.actions import record_complete_to
from divert.offending.models import Arrest, Offence, Outcome
from divert.people.models import Child, DetailChange

TODAY = dt.date(2025, 6, 30)


@pytest.mark.django_db
def test_a_queued_custody_row_can_be_resolved_by_a_reviewer(personas, custody_source, run_import):
    """A custody row waiting for review is stored as JSON (aware datetimes with an offset);
    reading it back must not fail, or the reviewer can never attach it to anyone."""
    run, _ = run_import(to_csv([custody_row()]), into=custody_source)
    assert run.rows_queued == 1
    review = MatchReview.objects.get()
    resolve_match_review(by=personas.performance_officer, review=review, decision="matched",
                         child=personas.child_a, today=TODAY)
    arrest = Arrest.objects.get(source=custody_source)
    assert arrest.child_id == personas.child_a.pk
    assert arrest.arrested_at == dt.datetime(2025, 4, 3, 17, 20, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_a_reviewer_matching_a_row_records_its_police_id_and_cannot_pick_a_voided_child(personas, run_import):
    """Attaching a queued row to a child records the file's police ID on the child (as an
    automatic match does, with the history of changes), so the next file matches exactly;
    a child recorded in error cannot be chosen."""
    rows = [outcome_row("A", police_id="PNC-77", first_name="Alfy", last_name="Testchild",
                        date_of_birth="14/03/2010")]
    run_import(to_csv(rows))
    review = MatchReview.objects.get()
    voided = Child.objects.create(organisation=personas.north, first_name="Alfie", last_name="Testchild",
                                  date_of_birth=dt.date(2010, 3, 14), voided_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    with pytest.raises(DomainError):
        resolve_match_review(by=personas.performance_officer, review=review, decision="matched",
                             child=voided, today=TODAY)
    resolve_match_review(by=personas.performance_officer, review=review, decision="matched",
                         child=personas.child_a, today=TODAY)
    personas.child_a.refresh_from_db()
    assert personas.child_a.police_id == "PNC-77"
    assert DetailChange.objects.filter(child=personas.child_a, field="police_id").count() == 1
    again, _ = run_import(to_csv([outcome_row("B", police_id="PNC-77", first_name="Alfy",
                                              last_name="Testchild", date_of_birth="14/03/2010")]))
    assert (again.rows_created, again.rows_queued) == (1, 0)


@pytest.mark.django_db
def test_a_newer_version_of_a_row_waiting_for_review_takes_its_place(personas, run_import):
    """The police correct a row while it waits in the review queue: the reviewer's decision
    writes the corrected row, not the first version."""
    person = {"first_name": "Alfy", "last_name": "Testchild", "date_of_birth": "14/03/2010"}
    run_import(to_csv([outcome_row("A", outcome_date="10/02/2025", **person)]))
    again, _ = run_import(to_csv([outcome_row("A", outcome_date="12/02/2025", **person)]))
    assert again.rows_queued == 1 and MatchReview.objects.count() == 1
    resolve_match_review(by=personas.performance_officer, review=MatchReview.objects.get(), decision="matched",
                         child=personas.child_a, today=TODAY)
    assert Outcome.objects.get(source_reference="A").outcome_date == dt.date(2025, 2, 12)


@pytest.mark.django_db
def test_importing_the_same_file_again_does_not_requeue_a_discarded_row(personas, run_import):
    """A reviewer decided a row is 'not for this service'; importing the same file again
    must change nothing, not put the row back in the queue."""
    rows = [outcome_row("A", first_name="Alfy", last_name="Testchild", date_of_birth="14/03/2010")]
    run_import(to_csv(rows))
    resolve_match_review(by=personas.performance_officer, review=MatchReview.objects.get(), decision="discarded",
                         today=TODAY)
    again, _ = run_import(to_csv(rows))
    assert MatchReview.objects.pending().count() == 0  # fails: the discarded row is queued again
    assert again.rows_queued == 0


@pytest.mark.django_db
def test_a_discarded_row_that_was_later_written_is_updated_when_sent_as_first_seen(personas, run_import):
    """A row discarded by a reviewer, then corrected by the police (and written), then sent
    again as it first was: it has a record now, so it updates that record."""
    first = outcome_row("A", first_name="Alfy", last_name="Testchild", date_of_birth="14/03/2010")
    run_import(to_csv([first]))
    resolve_match_review(by=personas.performance_officer, review=MatchReview.objects.get(), decision="discarded",
                         today=TODAY)
    run_import(to_csv([{**first, "local_id": "N-0001", "outcome_date": "12/02/2025"}]))
    assert Outcome.objects.get(source_reference="A").outcome_date == dt.date(2025, 2, 12)
    again, _ = run_import(to_csv([first]))
    assert again.rows_updated == 1
    assert Outcome.objects.get(source_reference="A").outcome_date == dt.date(2025, 2, 10)


@pytest.mark.django_db
def test_a_reviewed_row_with_a_crime_reference_and_no_outcome_yet_is_not_queued_again(personas, run_import):
    """A row with a crime reference but no outcome yet is stored only as an offence keyed by
    the crime reference. Once a reviewer attached it, importing the same file again must
    change nothing; the row must not go back to the review queue."""
    rows = [outcome_row("A", offence_reference="CR/2025/7", first_name="Alfy", last_name="Testchild",
                        date_of_birth="14/03/2010", disposal="", outcome_date="")]
    run, _ = run_import(to_csv(rows))
    assert run.rows_queued == 1
    resolve_match_review(by=personas.performance_officer, review=MatchReview.objects.get(), decision="matched",
                         child=personas.child_a, today=TODAY)
    assert Offence.objects.get(source_reference="CR/2025/7").child_id == personas.child_a.pk
    again, _ = run_import(to_csv(rows))
    assert again.rows_queued == 0  # fails: queued again on every import
    assert MatchReview.objects.count() == 1


@pytest.mark.django_db
def test_a_checkpoint_completed_while_a_row_waited_for_review_is_corrected_once_it_is_attached(
    personas, open_work, source, custody_source, run_import
):
    """The review queue holds a youth caution for child_a while the import marks the source
    complete and completes child_a's checkpoint as 'no proven reoffence'. Once the reviewer
    attaches the row, the checkpoint must say what the data says."""
    record_complete_to(by=None, source=custody_source, complete_to=dt.date(2025, 12, 4))
    rows = [outcome_row("A", first_name="Alfy", last_name="Testchild", date_of_birth="14/03/2010",
                        committed_on="01/04/2025", disposal="youth_caution", outcome_date="10/04/2025")]
    run, _ = run_import(to_csv(rows), complete_to=dt.date(2025, 12, 4), today=dt.date(2026, 1, 1))
    assert run.rows_queued == 1
    three = FollowUpCheckpoint.objects.get(referral=open_work["referral"], anchor="offer", months=3)
    assert (three.status, three.proven_reoffence) == ("complete", False)
    resolve_match_review(by=personas.performance_officer, review=MatchReview.objects.get(), decision="matched",
                         child=personas.child_a, today=dt.date(2026, 1, 2))
    three.refresh_from_db()
    assert three.proven_reoffence is True  # fails: stays False for good


def _queries_to_refresh(run_import, count: int, offset: int) -> int:
    """Queue `count` rows for review, then import them again one row further down the file."""
    rows = [outcome_row(f"Q{offset + i}", police_id=f"PX-{offset + i}", first_name="Alfy", last_name="Testchild",
                        date_of_birth="14/03/2010") for i in range(count)]
    run, _ = run_import(to_csv(rows))
    assert run.rows_queued == count
    shifted = [outcome_row(f"NEW{offset}", police_id=f"PN-{offset}", first_name="Newby", last_name="Person",
                           date_of_birth="01/01/2012"), *rows]
    with CaptureQueriesContext(connection) as queries:
        run_import(to_csv(shifted))
    return len(queries)


@pytest.mark.django_db
def test_refreshing_waiting_reviews_takes_a_fixed_number_of_queries(personas, run_import):
    """A new extract in which waiting rows have moved down one line (a new row above them)
    refreshes every waiting review: that must not cost one UPDATE per review on a
    100,000-row file."""
    few = _queries_to_refresh(run_import, 2, 0)
    many = _queries_to_refresh(run_import, 22, 100)
    assert many - few < 5  # fails: one more query per review refreshed

