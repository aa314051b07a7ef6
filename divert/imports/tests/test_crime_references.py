"""Third reading of the police-data work: each test shows one bug found on review."""

from __future__ import annotations

import datetime as dt

import pytest

from divert.imports.models import MatchReview
from divert.imports.tests.files import custody_row, outcome_row, to_csv

TODAY = dt.date(2025, 6, 30)


@pytest.mark.django_db
def test_a_reviewed_row_with_a_crime_reference_and_no_outcome_yet_is_not_queued_again(personas, run_import):
    """A row with a crime reference but no outcome yet is stored only as an offence keyed by
    the crime reference. Once a reviewer attached it, importing the same file again must
    change nothing; the row must not go back to the review queue."""
    from divert.imports.actions import resolve_match_review
    from divert.offending.models import Offence

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
def test_a_crime_reference_corrected_on_one_of_two_outcomes_gives_that_outcome_its_own_offence(
    personas, run_import
):
    """Two outcomes of one offence (same child, crime reference CR/1). The police then correct
    one row to crime CR/2. The other row still says CR/1, so the stored offence must not be
    re-keyed away from it; and importing the corrected file again must change nothing."""
    from divert.offending.models import Offence, Outcome

    person = {"police_id": "P-77"}
    first = [outcome_row("A", offence_reference="CR/1", **person),
             outcome_row("B", offence_reference="CR/1", disposal="youth_caution", outcome_date="12/02/2025",
                         **person)]
    run_import(to_csv(first))
    assert Offence.objects.count() == 1
    corrected = [outcome_row("A", offence_reference="CR/2", **person),
                 outcome_row("B", offence_reference="CR/1", disposal="youth_caution", outcome_date="12/02/2025",
                             **person)]
    run_import(to_csv(corrected))
    a = Outcome.objects.get(source_reference="A")
    b = Outcome.objects.get(source_reference="B")
    assert b.offence.source_reference == "CR/1"
    assert a.offence.source_reference == "CR/2"
    assert a.offence_id != b.offence_id  # fails: one offence, re-keyed back and forth
    again, _ = run_import(to_csv(corrected))
    assert again.rows_updated == 0


@pytest.mark.django_db
def test_two_outcomes_given_the_same_crime_reference_later_leave_no_empty_offence(personas, run_import):
    """Two rows for one child first sent without a crime reference (an offence each), then
    with the same crime reference: they are outcomes of one offence. The second row's old
    offence must not stay behind with no outcome, counted as a separate offence."""
    from divert.offending.models import Offence, Outcome

    person = {"police_id": "P-78"}
    run_import(to_csv([outcome_row("A", **person),
                       outcome_row("B", disposal="youth_caution", outcome_date="12/02/2025", **person)]))
    assert Offence.objects.count() == 2
    run_import(to_csv([outcome_row("A", offence_reference="CR/9", **person),
                       outcome_row("B", offence_reference="CR/9", disposal="youth_caution",
                                   outcome_date="12/02/2025", **person)]))
    assert Outcome.objects.values("offence_id").distinct().count() == 1
    # Offence "B" is left with no outcome: voided (kept, as every mistake is), not counted.
    assert Offence.objects.current().count() == 1
    assert Offence.objects.count() == 2


@pytest.mark.django_db
def test_a_recent_release_waiting_for_review_still_opens_its_referral_when_attached(
    personas, custody_source, run_import
):
    """The release was a day old when the file was imported (recent: it should open a
    'following arrest' referral), but the row waited in the review queue. Attaching it a
    week later must not drop the referral because the decision, not the import, is late."""
    from divert.imports.actions import resolve_match_review, set_source_options
    from divert.referrals.models import Referral

    set_source_options(by=personas.performance_officer, source=custody_source,
                       custody_release_programme=personas.programme)
    run, _ = run_import(to_csv([custody_row()]), into=custody_source, today=dt.date(2025, 4, 5),
                        complete_to=dt.date(2025, 4, 4))
    assert run.rows_queued == 1
    resolve_match_review(by=personas.performance_officer, review=MatchReview.objects.get(), decision="matched",
                         child=personas.child_a, today=dt.date(2025, 4, 12))
    assert Referral.objects.filter(child=personas.child_a, source="custody_rui").count() == 1  # fails: none


def _queries_to_refresh(run_import, count: int, offset: int) -> int:
    """Queue `count` rows for review, then import them again one row further down the file."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

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


@pytest.mark.django_db
def test_merging_two_records_of_one_child_who_each_hold_an_offence_for_the_same_crime(personas, run_import):
    """Offences are now unique per (source, crime reference, child). When the police sent one
    crime's rows under two records of the same child (a police-only record and the service's),
    merging the duplicate must still work, not fail on the offence constraint."""
    from divert.offending.models import Offence
    from divert.people.actions import merge_children

    run_import(to_csv([outcome_row("A", offence_reference="CR/2025/5", first_name="Jon", last_name="Smyth",
                                   date_of_birth="01/01/2012")]))
    run_import(to_csv([outcome_row("B", offence_reference="CR/2025/5", local_id="N-0001",
                                   disposal="youth_caution", outcome_date="12/02/2025")]))
    duplicate = Offence.objects.get(source_reference="CR/2025/5", child__first_name="Jon").child
    keep = Offence.objects.exclude(child=duplicate).get(source_reference="CR/2025/5").child
    merge_children(by=personas.service_manager, keep=keep, duplicate=duplicate,
                   reason="Same child")  # fails: IntegrityError on offence_source_reference_unique
    assert Offence.objects.filter(child=keep).count() >= 1
    # One offence for the crime on the merged record, holding both outcomes; the copy is voided.
    offences = Offence.objects.current().filter(child=keep)
    assert [o.outcomes.count() for o in offences] == [2]
    assert Offence.objects.filter(voided_at__isnull=False, void_reason__contains="CR/2025/5").count() == 1


@pytest.mark.django_db
def test_a_discarded_row_that_was_later_written_is_updated_when_sent_as_first_seen(personas, run_import):
    """A row discarded by a reviewer, then corrected by the police (and written), then sent
    again as it first was: it has a record now, so it updates that record."""
    from divert.imports.actions import resolve_match_review
    from divert.offending.models import Outcome

    first = outcome_row("A", first_name="Alfy", last_name="Testchild", date_of_birth="14/03/2010")
    run_import(to_csv([first]))
    resolve_match_review(by=personas.performance_officer, review=MatchReview.objects.get(), decision="discarded",
                         today=TODAY)
    run_import(to_csv([{**first, "local_id": "N-0001", "outcome_date": "12/02/2025"}]))
    assert Outcome.objects.get(source_reference="A").outcome_date == dt.date(2025, 2, 12)
    again, _ = run_import(to_csv([first]))
    assert again.rows_updated == 1
    assert Outcome.objects.get(source_reference="A").outcome_date == dt.date(2025, 2, 10)
