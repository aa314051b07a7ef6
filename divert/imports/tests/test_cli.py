"""The `divert import` command: summary, problems, non-zero exit on errors."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from divert.casework.models import FollowUpCheckpoint
from divert.imports.models import ColumnMapping, ImportErrorFile, ImportRun
from divert.imports.tests.files import outcome_row, to_csv, to_xlsx
from divert.offending.models import DataSource, Outcome

pytestmark = pytest.mark.django_db


def run_cli(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *args, stdout=out, stderr=err)
    return out.getvalue()


def police(path, *extra):
    return ("police", str(path), "--org", "north", "--source", "Police crime outcomes",
            "--complete-to", "31/05/2025", "--today", "2025-06-30", *extra)


def test_a_valid_file_prints_the_summary(personas, tmp_path):
    path = tmp_path / "outcomes.csv"
    path.write_bytes(to_csv([outcome_row("A", local_id="N-0001"), outcome_row("B", local_id="N-0001")]))
    out = run_cli(*police(path, "--user", "performance_officer"))
    assert "Import 1 into 'Police crime outcomes' (complete to 31/05/2025): Imported" in out
    assert "  created                   2" in out and "  queued for review         0" in out
    run = ImportRun.objects.get()
    assert run.uploaded_by == personas.performance_officer
    assert DataSource.objects.get(name="Police crime outcomes").complete_to.isoformat() == "2025-05-31"


def test_errors_are_listed_and_exit_non_zero(personas, tmp_path):
    path = tmp_path / "outcomes.csv"
    path.write_bytes(to_csv([outcome_row("A", local_id="N-0001", date_of_birth="31/02/2010")]))
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was imported") as raised:
        call_command("import", *police(path), stdout=out, stderr=io.StringIO())
    assert raised.value.returncode == 1
    assert "  Row 2, date_of_birth: '31/02/2010' is not a real date" in out.getvalue()
    assert not Outcome.objects.exists()


def test_valid_rows_only_still_exits_non_zero_but_writes_the_valid_rows(personas, tmp_path):
    path = tmp_path / "outcomes.csv"
    path.write_bytes(to_csv([outcome_row("A", local_id="N-0001"), outcome_row("B", sex="Q")]))
    with pytest.raises(CommandError, match="1 rows were rejected") as raised:
        call_command("import", *police(path, "--valid-rows-only"), stdout=io.StringIO(), stderr=io.StringIO())
    assert Outcome.objects.count() == 1
    error_file = ImportErrorFile.objects.get()
    assert f"they are in {error_file.path} with their problems" in str(raised.value)
    assert Path(error_file.path).is_file()


def test_dry_run_keeps_nothing(personas, tmp_path):
    path = tmp_path / "outcomes.xlsx"
    headings = ["source_reference", "local_id", "first_name", "last_name", "date_of_birth", "committed_on"]
    path.write_bytes(to_xlsx([headings, ["A", "N-0001", "Alfie", "Testchild", "14/03/2010", "01/02/2025"]]))
    out = run_cli(*police(path, "--dry-run"))
    assert "Dry run: nothing was kept." in out and "  created                   1" in out
    assert not Outcome.objects.exists()


def test_a_saved_mapping_is_used_by_name(personas, tmp_path):
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps({"Record ID": "source_reference", "Their ID": "local_id"}))
    assert "Saved column mapping 'force-a'" in run_cli("mapping", "force-a", str(mapping), "--org", "north")
    assert ColumnMapping.objects.get().mapping["Record ID"] == "source_reference"
    row = outcome_row("A", local_id="N-0001")
    row["Record ID"], row["Their ID"] = row.pop("source_reference"), row.pop("local_id")
    path = tmp_path / "theirs.csv"
    path.write_bytes(to_csv([row]))
    assert "Imported" in run_cli(*police(path, "--mapping", "force-a"))
    with pytest.raises(CommandError, match="No column mapping called 'nope'"):
        run_cli(*police(path, "--mapping", "nope"))


def test_unknown_organisation_and_unreadable_files_are_clear_errors(personas, tmp_path):
    with pytest.raises(CommandError, match="No organisation with slug 'nowhere'. Valid slugs"):
        run_cli("police", "x.csv", "--org", "nowhere", "--source", "S", "--complete-to", "2025-05-31")
    with pytest.raises(CommandError, match="Cannot read"):
        run_cli(*police(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="cannot be in the future"):
        path = tmp_path / "a.csv"
        path.write_bytes(to_csv([outcome_row()]))
        run_cli("police", str(path), "--org", "north", "--source", "S", "--complete-to", "2025-07-01",
                "--today", "2025-06-30")


def test_cleanup_deletes_expired_error_files(personas, tmp_path):
    assert "Deleted 0 expired error files and 0 unconfirmed uploads; 0 stalled imports marked failed." in run_cli(
        "cleanup", "--today", "2025-06-30"
    )


def test_source_options_are_set_from_the_command_line(personas, source):
    out = run_cli("options", "--org", "north", "--source", "Police crime outcomes",
                  "--cr-programme", "early-intervention")
    assert "Community Resolutions refer to early-intervention; custody releases refer to nothing." in out
    source.import_options.refresh_from_db()
    assert source.import_options.community_resolution_programme == personas.programme
    with pytest.raises(CommandError, match="No programme 'nope'"):
        run_cli("options", "--org", "north", "--source", "Police crime outcomes", "--custody-programme", "nope")


def test_checkpoints_are_brought_up_to_date_without_an_import(personas, open_work):
    out = run_cli("checkpoints", "--org", "north", "--today", "2025-07-01")
    assert "north: 0 completed, 1 now awaiting data." in out  # the 3-month check fell due on 5 June
    assert FollowUpCheckpoint.objects.filter(status="awaiting_data").count() == 1
