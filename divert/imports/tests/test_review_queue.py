"""Second reading of the police-data work: each test shows one bug found on review."""

from __future__ import annotations

import datetime as dt

import pytest

from divert.imports.models import MatchReview
from divert.imports.tests.files import custody_row, outcome_row, to_csv

TODAY = dt.date(2025, 6, 30)


@pytest.mark.django_db
def test_a_queued_custody_row_can_be_resolved_by_a_reviewer(personas, custody_source, run_import):
    """A custody row waiting for review is stored as JSON (aware datetimes with an offset);
    reading it back must not fail, or the reviewer can never attach it to anyone."""
    from divert.imports.actions import resolve_match_review
    from divert.offending.models import Arrest

    run, _ = run_import(to_csv([custody_row()]), into=custody_source)
    assert run.rows_queued == 1
    review = MatchReview.objects.get()
    resolve_match_review(by=personas.performance_officer, review=review, decision="matched",
                         child=personas.child_a, today=TODAY)
    arrest = Arrest.objects.get(source=custody_source)
    assert arrest.child_id == personas.child_a.pk
    assert arrest.arrested_at == dt.datetime(2025, 4, 3, 17, 20, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_co_offenders_sharing_a_crime_reference_keep_their_own_outcomes(personas, run_import):
    """Two children charged with the same crime share its crime reference (offence_reference);
    each child's outcome must stay with that child, not be filed under the first child's offence."""
    from divert.offending.models import Outcome

    rows = [outcome_row("A", offence_reference="CR/2025/1", first_name="Jamie", last_name="Example",
                        date_of_birth="14/03/2011"),
            outcome_row("B", offence_reference="CR/2025/1", first_name="Casey", last_name="Different",
                        date_of_birth="02/09/2012", disposal="youth_caution")]
    run, _ = run_import(to_csv(rows))
    assert run.children_created == 2
    a = Outcome.objects.get(source_reference="A")
    b = Outcome.objects.get(source_reference="B")
    assert a.child.first_name == "Jamie"
    assert b.child.first_name == "Casey"  # fails: Casey's youth caution is recorded against Jamie
    assert b.offence.child_id == b.child_id


@pytest.mark.django_db
def test_a_checkpoint_completed_while_a_row_waited_for_review_is_corrected_once_it_is_attached(
    personas, open_work, source, custody_source, run_import
):
    """The review queue holds a youth caution for child_a while the import marks the source
    complete and completes child_a's checkpoint as 'no proven reoffence'. Once the reviewer
    attaches the row, the checkpoint must say what the data says."""
    from divert.casework.models import FollowUpCheckpoint
    from divert.imports.actions import resolve_match_review
    from divert.offending.actions import record_complete_to

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


@pytest.mark.django_db
def test_a_release_that_arrives_in_a_later_extract_opens_the_following_arrest_referral(
    personas, custody_source, run_import
):
    """A daily custody extract lists a child still in custody (no release yet); the next one
    has the release. That release must open the 'following arrest' referral like any other."""
    from divert.imports.actions import set_source_options
    from divert.referrals.models import Referral

    set_source_options(by=personas.performance_officer, source=custody_source,
                       custody_release_programme=personas.programme)
    still_held = custody_row(local_id="N-0002", first_name="Bella", released_at="", result="")
    run_import(to_csv([still_held]), into=custody_source, complete_to=dt.date(2025, 4, 3), today=dt.date(2025, 4, 3))
    released = custody_row(local_id="N-0002", first_name="Bella", released_at="04/04/2025 02:10", result="rui")
    run, _ = run_import(to_csv([released]), into=custody_source, complete_to=dt.date(2025, 4, 4),
                        today=dt.date(2025, 4, 5))
    assert run.rows_updated == 1
    assert Referral.objects.filter(source="custody_rui").count() == 1  # fails: no referral is opened


@pytest.mark.django_db
def test_a_crime_reference_filled_in_later_does_not_create_a_second_offence(personas, run_import):
    """Re-importing a row whose crime reference the police have since filled in updates the
    offence; it must not leave the child with two offences for one outcome."""
    from divert.offending.models import Offence

    run_import(to_csv([outcome_row("A", local_id="N-0001", offence_reference="")]))
    run, _ = run_import(to_csv([outcome_row("A", local_id="N-0001", offence_reference="CR/2025/9")]))
    assert Offence.objects.filter(child=personas.child_a).count() == 1  # fails: 2
    assert run.rows_created == 0


# ---- the case-level bundle ----------------------------------------------------------------

from divert.imports.tests.test_bundle import NOW, _write, new_org, north_records, read  # noqa: E402, F401


@pytest.mark.django_db
def test_a_manifest_that_is_not_a_json_object_is_a_problem_not_a_crash(north_records, tmp_path):  # noqa: F811
    from divert.imports.bundle import export_bundle, import_bundle

    export_bundle(organisation=north_records.north, directory=tmp_path, now=NOW)
    (tmp_path / "manifest.json").write_text("[]")
    result = import_bundle(by=None, organisation=new_org(), directory=tmp_path)  # fails: AttributeError
    assert not result.ok and not result.written


@pytest.mark.django_db
def test_a_bundle_outcome_whose_child_is_not_its_offences_child_is_refused(north_records, tmp_path):  # noqa: F811
    """The police import never files a child's outcome under another child's offence; a
    bundle checked 'like the police import' must not let one in either."""
    from divert.imports.bundle import export_bundle, import_bundle

    export_bundle(organisation=north_records.north, directory=tmp_path, now=NOW)
    offences = {o["id"]: o for o in read(tmp_path, "offences.csv")}
    outcomes = read(tmp_path, "outcomes.csv")
    children = [c["id"] for c in read(tmp_path, "children.csv")]
    first = outcomes[0]
    owner = offences[first["offence_id"]]["child_id"]
    first["child_id"] = next(c for c in children if c != owner)
    _write(tmp_path / "outcomes.csv", outcomes)
    result = import_bundle(by=None, organisation=new_org(), directory=tmp_path)
    assert not result.written  # fails: written, the outcome now belongs to a different child


@pytest.mark.django_db
def test_importing_the_same_file_again_does_not_requeue_a_discarded_row(personas, run_import):
    """A reviewer decided a row is 'not for this service'; importing the same file again
    must change nothing, not put the row back in the queue."""
    from divert.imports.actions import resolve_match_review

    rows = [outcome_row("A", first_name="Alfy", last_name="Testchild", date_of_birth="14/03/2010")]
    run_import(to_csv(rows))
    resolve_match_review(by=personas.performance_officer, review=MatchReview.objects.get(), decision="discarded",
                         today=TODAY)
    again, _ = run_import(to_csv(rows))
    assert MatchReview.objects.pending().count() == 0  # fails: the discarded row is queued again
    assert again.rows_queued == 0


def test_a_file_checked_on_29_february_is_not_refused_row_by_row():
    """The '30 years ago' check on dates of birth works out today.replace(year=-30), which
    does not exist when today is 29 February: every row would be rejected on a leap day."""
    from divert.imports.validation import validate_file

    result = validate_file("extract.csv", to_csv([outcome_row("A")]), source_kind="crime_outcomes",
                           today=dt.date(2028, 2, 29))
    assert [str(p) for p in result.errors] == []  # fails: date_of_birth: day is out of range for month
    assert len(result.valid) == 1


def test_a_custody_row_dated_in_the_future_is_a_problem():
    """Offence and outcome dates in the future are refused; an arrest or release in the
    future (a typo in the year) must be too, or it is stored as a real arrest."""
    from divert.imports.validation import validate_file

    row = custody_row(arrested_at="03/04/2026 18:20", released_at="04/04/2026 02:10")
    result = validate_file("custody.csv", to_csv([row]), source_kind="custody_releases", today=TODAY)
    assert result.errors  # fails: accepted


@pytest.mark.django_db
def test_rows_rejected_under_valid_rows_only_keep_the_source_from_being_complete(source, run_import):
    """Importing only the valid rows leaves data out: the source is not complete to the new
    date until the corrected rows arrive, or follow-up would read the gap as 'no outcome'."""
    from divert.offending.models import DataSource

    run_import(to_csv([outcome_row("A")]), complete_to=dt.date(2025, 4, 30))
    rows = [outcome_row("B"), outcome_row("C", date_of_birth="31/02/2011")]
    run, validation = run_import(to_csv(rows), complete_to=dt.date(2025, 5, 31), valid_rows_only=True)
    assert (run.status, run.rows_created, run.rows_rejected) == ("complete", 1, 1)
    assert DataSource.objects.get(pk=source.pk).complete_to == dt.date(2025, 4, 30)
    assert any("1 row was rejected" in str(p) and "stays complete to 30/04/2025" in str(p)
               for p in validation.problems)
    run_import(to_csv([outcome_row("C")]), complete_to=dt.date(2025, 5, 31))
    assert DataSource.objects.get(pk=source.pk).complete_to == dt.date(2025, 5, 31)


def test_a_disposal_that_contradicts_the_home_office_outcome_type_is_a_problem():
    """Outcome type 8 is a Community Resolution: a row calling it a youth caution is wrong
    one way or the other, and the two would be counted differently."""
    from divert.imports.validation import validate_file

    rows = [outcome_row("A", ho_outcome_type="8", disposal="youth_caution"),
            outcome_row("B", ho_outcome_type="2", disposal="youth_conditional_caution"),
            outcome_row("C", ho_outcome_type="22", disposal="")]
    result = validate_file("extract.csv", to_csv(rows), source_kind="crime_outcomes", today=TODAY)
    assert [str(p) for p in result.errors] == [
        "Row 2, disposal: 'youth_caution' does not go with Home Office outcome type 8: "
        "expected community_resolution"
    ]
    assert [v.data.disposal for v in result.valid] == ["youth_conditional_caution", "outcome_22"]


@pytest.mark.django_db
def test_a_reviewer_matching_a_row_records_its_police_id_and_cannot_pick_a_voided_child(personas, run_import):
    """Attaching a queued row to a child records the file's police ID on the child (as an
    automatic match does, with the history of changes), so the next file matches exactly;
    a child recorded in error cannot be chosen."""
    from divert.core.errors import DomainError
    from divert.imports.actions import resolve_match_review
    from divert.people.models import Child, DetailChange

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
    from divert.imports.actions import resolve_match_review
    from divert.offending.models import Outcome

    person = {"first_name": "Alfy", "last_name": "Testchild", "date_of_birth": "14/03/2010"}
    run_import(to_csv([outcome_row("A", outcome_date="10/02/2025", **person)]))
    again, _ = run_import(to_csv([outcome_row("A", outcome_date="12/02/2025", **person)]))
    assert again.rows_queued == 1 and MatchReview.objects.count() == 1
    resolve_match_review(by=personas.performance_officer, review=MatchReview.objects.get(), decision="matched",
                         child=personas.child_a, today=TODAY)
    assert Outcome.objects.get(source_reference="A").outcome_date == dt.date(2025, 2, 12)


@pytest.mark.django_db
def test_a_file_of_past_records_opens_no_referrals_for_them(personas, source, custody_source, run_import):
    """Loading years of history must not fill the allocation queue: Community Resolutions
    more than 28 days old and releases more than 7 days old open no referral, and the
    import says so."""
    from divert.imports.actions import set_source_options
    from divert.referrals.models import Referral

    set_source_options(by=personas.performance_officer, source=source,
                       community_resolution_programme=personas.programme)
    set_source_options(by=personas.performance_officer, source=custody_source,
                       custody_release_programme=personas.programme)
    old_cr, validation = run_import(to_csv([outcome_row("A", police_id="P-5")]))  # 10/02/2025, today 30/06/2025
    old_release, custody_validation = run_import(to_csv([custody_row(local_id="N-0002")]), into=custody_source)
    assert (old_cr.referrals_opened, old_release.referrals_opened, Referral.objects.count()) == (0, 0, 0)
    assert any("1 Community Resolution dated more than 28 days before the import opened no referral" in str(p)
               for p in validation.problems)
    assert any("1 release from custody dated more than 7 days" in str(p) for p in custody_validation.problems)
