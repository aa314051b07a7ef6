"""Importing police extracts: all or nothing, valid rows only, idempotent, one transaction, one batch."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from divert.audit.models import AuditEvent, Batch
from divert.core.errors import DomainError
from divert.imports.actions import delete_expired_error_files, start_run, tidy_imports
from divert.imports.models import ImportErrorFile, ImportRun
from divert.imports.tests.files import outcome_row, to_csv
from divert.imports.writing import COPY_FROM
from divert.offending.models import Arrest, DataSource, Offence, OffenceType, Outcome
from divert.people.models import Child

pytestmark = pytest.mark.django_db


def rows_for_child_a(n=2):
    return [outcome_row(f"CO-{i}", local_id="N-0001", first_name="Alfie", last_name="Testchild",
                        date_of_birth="14/03/2010", offence_reference=f"CR/{i}") for i in range(1, n + 1)]


def test_a_valid_file_is_written_with_one_batch_and_one_audit_event(personas, source, run_import):
    run, validation = run_import(to_csv(rows_for_child_a(3)))
    assert run.status == ImportRun.Status.COMPLETE
    assert (run.rows_read, run.rows_created, run.rows_updated, run.rows_unchanged) == (3, 3, 0, 0)
    outcomes = Outcome.objects.filter(source=source)
    assert outcomes.count() == 3
    assert {o.child_id for o in outcomes} == {personas.child_a.pk}
    assert {o.batch_id for o in outcomes} == {run.batch_id}
    assert set(Offence.objects.filter(source=source).values_list("batch_id", flat=True)) == {run.batch_id}
    assert AuditEvent.objects.filter(batch=run.batch, verb="imported_police_file").count() == 1
    assert run.batch.counts["created"] == 3
    source.refresh_from_db()
    assert source.complete_to == dt.date(2025, 5, 31)
    assert run.complete_to == dt.date(2025, 5, 31) and len(run.sha256) == 64


def test_by_default_nothing_is_written_when_any_row_is_invalid(source, run_import):
    rows = rows_for_child_a(3)
    rows[1]["date_of_birth"] = "31/02/2010"
    run, validation = run_import(to_csv(rows))
    assert run.status == ImportRun.Status.REFUSED
    assert [str(p) for p in validation.errors] == ["Row 3, date_of_birth: '31/02/2010' is not a real date"]
    assert run.problems[0] == [3, "date_of_birth", "'31/02/2010' is not a real date", "error"]
    assert not Outcome.objects.exists() and not Batch.objects.exists()
    source.refresh_from_db()
    assert source.complete_to is None


def test_valid_rows_only_writes_the_rest_and_keeps_an_error_file(personas, run_import, import_dir):
    rows = rows_for_child_a(3)
    rows[2]["disposal"] = "=HYPERLINK(1)"
    run, validation = run_import(to_csv(rows), valid_rows_only=True)
    assert run.status == ImportRun.Status.COMPLETE
    assert (run.rows_created, run.rows_rejected) == (2, 1)
    error_file = ImportErrorFile.objects.get(run=run)
    assert error_file.expires_on == dt.date(2025, 7, 14)
    text = Path(error_file.path).read_text(encoding="utf-8-sig")
    assert Path(error_file.path).is_relative_to(import_dir)
    assert text.splitlines()[0].startswith("row,source_reference,")
    assert "'=HYPERLINK(1)" in text and "is not a disposal code" in text
    assert error_file.may_download(personas.performance_officer)
    assert not error_file.may_download(personas.service_manager)
    assert not error_file.may_download(personas.other_org_worker)


def test_a_refused_file_stays_refused_even_with_valid_rows_only(run_import):
    run, _ = run_import(to_csv([{"source_reference": "A"}]), valid_rows_only=True)
    assert run.status == ImportRun.Status.REFUSED
    assert not Outcome.objects.exists()


def test_expired_error_files_are_deleted(run_import):
    rows = rows_for_child_a(2)
    rows[1]["sex"] = "Q"
    run, _ = run_import(to_csv(rows), valid_rows_only=True)
    path = Path(run.error_file.path)
    assert delete_expired_error_files(today=dt.date(2025, 7, 13)) == 0
    assert delete_expired_error_files(today=dt.date(2025, 7, 14)) == 1
    assert not path.exists()
    run.error_file.refresh_from_db()
    assert run.error_file.deleted_at is not None
    assert not run.error_file.may_download(run.uploaded_by)


def test_importing_the_same_file_again_changes_nothing(personas, source, run_import):
    rows = rows_for_child_a(2) + [outcome_row("CO-9", first_name="Newby", last_name="Person",
                                              date_of_birth="01/01/2012")]
    data = to_csv(rows)
    first, _ = run_import(data)
    counts = (Child.objects.count(), Offence.objects.count(), Outcome.objects.count())
    second, _ = run_import(data)
    assert (second.rows_created, second.rows_updated, second.rows_unchanged) == (0, 0, 3)
    assert (Child.objects.count(), Offence.objects.count(), Outcome.objects.count()) == counts
    assert first.children_created == 1 and second.children_created == 0


def test_a_changed_row_updates_its_record(source, run_import):
    run_import(to_csv(rows_for_child_a(2)))
    rows = rows_for_child_a(2)
    rows[0]["disposal"] = "youth_caution"
    rows[0]["outcome_date"] = "01/03/2025"
    run, _ = run_import(to_csv(rows))
    assert (run.rows_updated, run.rows_unchanged) == (1, 1)
    outcome = Outcome.objects.get(source=source, source_reference="CO-1")
    assert outcome.disposal == "youth_caution" and outcome.disposal_group == "pre_court"


def test_rows_sharing_an_offence_reference_are_one_offence(source, run_import):
    rows = rows_for_child_a(2)
    rows[1]["offence_reference"] = rows[0]["offence_reference"]
    run_import(to_csv(rows))
    assert Offence.objects.filter(source=source).count() == 1
    assert Outcome.objects.filter(source=source).count() == 2


def test_a_row_without_a_disposal_records_the_offence_only(source, run_import):
    run, _ = run_import(to_csv([outcome_row(local_id="N-0001", disposal="", outcome_date="")]))
    assert run.rows_created == 1
    assert Offence.objects.count() == 1 and not Outcome.objects.exists()


def test_offence_codes_are_looked_up_in_the_reference(personas, run_import):
    OffenceType.objects.create(code="105/1", description="Common assault", yjb_category="violence_against_the_person",
                               seriousness=3)
    run_import(to_csv([outcome_row("A", local_id="N-0001", offence_code="105/1", offence_description=""),
                       outcome_row("B", local_id="N-0001", offence_code="999/9")]))
    scored, unscored = Offence.objects.order_by("source_reference")
    assert (scored.seriousness, scored.yjb_category, scored.description) == (3, "violence_against_the_person",
                                                                              "Common assault")
    assert unscored.seriousness is None and unscored.offence_code == "999/9"


def test_stopping_part_way_through_writing_leaves_nothing(personas, run_import):
    class Killed(BaseException):
        pass

    def progress(stage, done, total):
        if stage == "Writing records" and done and total and done < total:
            raise Killed

    rows = rows_for_child_a(4) + [outcome_row("CO-9", first_name="Newby", date_of_birth="01/01/2012")]
    with pytest.raises(Killed):
        run_import(to_csv(rows), progress=progress)
    assert not Offence.objects.exists() and not Outcome.objects.exists()
    assert not Child.objects.filter(first_name="Newby").exists()
    assert not Batch.objects.exists()
    assert ImportRun.objects.get().status == ImportRun.Status.RUNNING


def test_a_dry_run_reports_counts_and_keeps_nothing(source, run_import):
    run, _ = run_import(to_csv(rows_for_child_a(2)), dry_run=True)
    assert run.status == ImportRun.Status.DRY_RUN and run.rows_created == 2
    assert not Outcome.objects.exists() and run.batch is None
    source.refresh_from_db()
    assert source.complete_to is None


def test_complete_to_cannot_be_in_the_future_or_move_back(source, run_import):
    with pytest.raises(DomainError, match="cannot be in the future"):
        run_import(to_csv(rows_for_child_a(1)), complete_to=dt.date(2025, 7, 1))
    run_import(to_csv(rows_for_child_a(1)), complete_to=dt.date(2025, 5, 31))
    run, validation = run_import(to_csv(rows_for_child_a(1)), complete_to=dt.date(2025, 4, 30))
    source.refresh_from_db()
    assert source.complete_to == dt.date(2025, 5, 31) and run.complete_to == dt.date(2025, 4, 30)
    assert "'Police crime outcomes' was already complete to 31/05/2025; that date stands." in [
        str(p) for p in validation.problems
    ]


def test_another_organisations_source_cannot_be_used(personas, run_import):
    theirs = DataSource.objects.create(organisation=personas.south, name="South police", kind="crime_outcomes")
    with pytest.raises(DomainError, match="another organisation"):
        run_import(to_csv(rows_for_child_a(1)), into=theirs)


def test_custody_releases_are_imported_as_arrests(personas, custody_source, run_import):
    rows = [{"source_reference": "CU-1", "local_id": "N-0002", "first_name": "Bella", "last_name": "Testchild",
             "date_of_birth": "14/03/2010", "arrested_at": "03/04/2025 18:20", "released_at": "04/04/2025 02:10",
             "result": "nfa"}]
    run, validation = run_import(to_csv(rows), into=custody_source)
    assert run.status == ImportRun.Status.COMPLETE, [str(p) for p in validation.problems]
    arrest = Arrest.objects.get()
    assert arrest.child_id == personas.child_b.pk and arrest.result == "nfa"
    assert arrest.arrested_at == dt.datetime(2025, 4, 3, 17, 20, tzinfo=dt.UTC)  # 18:20 BST
    again, _ = run_import(to_csv(rows), into=custody_source)
    assert again.rows_unchanged == 1 and Arrest.objects.count() == 1


def test_a_large_file_is_written_in_bulk_and_reimported_unchanged(personas, source, run_import):
    """Over 500 new records per table take the COPY path on PostgreSQL (bulk_create elsewhere)."""
    syllables = ["ba", "ke", "lo", "mi", "nu", "ra", "se", "ti", "vo", "wy"]
    letters = "abcdefghijklmnopqrstuvwxyz"
    rows = []
    for i in range(600):
        # Distinct people: a date of birth each, and initials that repeat only every 260.
        first = letters[i % 26] + "".join(syllables[(i // 10**k) % 10] for k in range(2))
        last = syllables[(i // 26) % 10] + "".join(syllables[(i * 7 // 10**k) % 10] for k in range(3))
        born = dt.date(2010, 1, 1) + dt.timedelta(days=i)
        rows.append(outcome_row(f"BULK-{i}", police_id=f"P{i}", first_name=first.title(), last_name=last.title(),
                                date_of_birth=born.isoformat(),
                                disposal="youth_caution" if i % 2 else "community_resolution"))
    run, validation = run_import(to_csv(rows))
    assert validation.is_valid
    assert (run.rows_created, run.children_created, run.rows_queued) == (600, 600, 0)
    outcome = Outcome.objects.select_related("offence", "child").get(source=source, source_reference="BULK-7")
    assert outcome.disposal_group == "pre_court" and outcome.batch_id == run.batch_id
    assert outcome.offence.child_id == outcome.child_id and outcome.child.police_id == "P7"
    assert outcome.child.police_only and outcome.recorded_at is not None
    assert Child.objects.filter(batch=run.batch).count() == 600
    new = Child.objects.create(organisation=personas.north, first_name="After", last_name="Copy",
                               date_of_birth=dt.date(2011, 1, 1))
    assert new.pk > max(Child.objects.exclude(pk=new.pk).values_list("pk", flat=True))  # the sequence moved on
    again, _ = run_import(to_csv(rows))
    assert (again.rows_unchanged, again.rows_created, again.children_created) == (600, 0, 0)


def test_tidying_deletes_unconfirmed_uploads_and_marks_stalled_imports(personas, source, import_dir):
    now = dt.datetime(2025, 6, 30, 12, tzinfo=dt.UTC)
    stored = import_dir / "upload.csv"
    stored.parent.mkdir(parents=True, exist_ok=True)
    stored.write_bytes(b"x")
    waiting = start_run(by=None, organisation=personas.north, source=source, file_name="a.csv", data=b"x",
                        complete_to=dt.date(2025, 5, 31), today=dt.date(2025, 6, 30), status="previewed")
    ImportRun.objects.filter(pk=waiting.pk).update(stored_path=str(stored), started_at=now - dt.timedelta(days=15))
    stalled = start_run(by=None, organisation=personas.north, source=source, file_name="b.csv", data=b"x",
                        complete_to=dt.date(2025, 5, 31), today=dt.date(2025, 6, 30))
    ImportRun.objects.filter(pk=stalled.pk).update(started_at=now - dt.timedelta(hours=7))
    assert tidy_imports(today=now.date(), now=now) == {"error_files": 0, "uploads": 1, "stalled": 1}
    waiting.refresh_from_db()
    stalled.refresh_from_db()
    assert not stored.exists() and waiting.status == "expired" and not waiting.stored_path
    assert stalled.status == "failed" and stalled.stage == "Stopped part-way: nothing was written"


def test_a_large_file_is_written_in_bulk_and_importing_it_again_changes_nothing(personas, source, run_import):
    """Enough rows for the bulk path (COPY on PostgreSQL) for children, offences and outcomes."""
    OffenceType.objects.create(organisation=personas.north, code="BULK1", description="Bulk theft",
                               yjb_category="theft_and_handling", seriousness=2)
    people = COPY_FROM + 10
    syllables = ["ba", "ke", "lo", "mi", "nu", "ra", "se", "ti", "vo", "wy", "da", "fe", "go", "hi", "ju"]

    def person(n):  # distinct names and dates of birth, so every person is clearly new
        name = "".join(syllables[(n // 15 ** k) % 15] for k in range(4))
        born = dt.date(2008, 1, 1) + dt.timedelta(days=n * 7)
        return {"police_id": f"PNC{n:05d}", "first_name": name[::-1].title(), "last_name": name.title(),
                "date_of_birth": f"{born:%d/%m/%Y}"}

    rows = [outcome_row(f"CO-{i}", **person(i // 2), offence_reference=f"CR/{i // 2}", offence_code="bulk1")
            for i in range(2 * people)]
    first, _ = run_import(to_csv(rows))
    assert first.status == ImportRun.Status.COMPLETE, first.problems[:3]
    assert (first.rows_created, first.children_created) == (2 * people, people)
    assert Offence.objects.filter(source=source).count() == people
    assert Outcome.objects.filter(source=source).count() == 2 * people
    offence = Offence.objects.filter(source=source).first()
    assert offence.offence_type.code == "BULK1" and offence.seriousness == 2 and offence.batch_id == first.batch_id
    assert Child.objects.filter(police_only=True, batch=first.batch).count() == people
    counts = (Child.objects.count(), Offence.objects.count(), Outcome.objects.count())
    second, _ = run_import(to_csv(rows))
    assert (second.rows_created, second.rows_updated, second.rows_unchanged) == (0, 0, 2 * people)
    assert (Child.objects.count(), Offence.objects.count(), Outcome.objects.count()) == counts


@pytest.mark.django_db
def test_rows_rejected_under_valid_rows_only_keep_the_source_from_being_complete(source, run_import):
    """Importing only the valid rows leaves data out: the source is not complete to the new
    date until the corrected rows arrive, or follow-up would read the gap as 'no outcome'."""
    run_import(to_csv([outcome_row("A")]), complete_to=dt.date(2025, 4, 30))
    rows = [outcome_row("B"), outcome_row("C", date_of_birth="31/02/2011")]
    run, validation = run_import(to_csv(rows), complete_to=dt.date(2025, 5, 31), valid_rows_only=True)
    assert (run.status, run.rows_created, run.rows_rejected) == ("complete", 1, 1)
    assert DataSource.objects.get(pk=source.pk).complete_to == dt.date(2025, 4, 30)
    assert any("1 row was rejected" in str(p) and "stays complete to 30/04/2025" in str(p)
               for p in validation.problems)
    run_import(to_csv([outcome_row("C")]), complete_to=dt.date(2025, 5, 31))
    assert DataSource.objects.get(pk=source.pk).complete_to == dt.date(2025, 5, 31)
