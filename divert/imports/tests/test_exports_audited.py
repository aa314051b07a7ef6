"""Exports and downloads from the imports app leave an audit event naming what left and how much."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.urls import reverse

from divert.accounts.actions import create_organisation
from divert.audit.models import AuditEvent
from divert.casework.models import Episode
from divert.imports.bundle import export_bundle, import_bundle
from divert.imports.models import ImportErrorFile
from divert.imports.tests.files import outcome_row, to_csv

pytestmark = pytest.mark.django_db


def test_rejected_rows_download_is_audited_with_its_row_count(client, personas, run_import):
    rows = [outcome_row(f"CO-{i}", local_id="N-0001", first_name="Alfie", last_name="Testchild",
                        date_of_birth="14/03/2010", offence_reference=f"CR/{i}") for i in (1, 2, 3)]
    rows[0]["disposal"] = "@SUM(1+1)*cmd|' /C calc'!A0"
    rows[0]["offence_description"] = "-2+3"
    run, _ = run_import(to_csv(rows), valid_rows_only=True)
    error_file = ImportErrorFile.objects.get(run=run)
    client.force_login(personas.performance_officer)
    response = client.get(reverse("imports:errors", args=[run.pk]))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "'@SUM(1+1)" in text and "'-2+3" in text
    event = AuditEvent.objects.get(verb="downloaded_import_errors")
    assert event.actor == personas.performance_officer
    assert event.details == {"kind": "rejected rows", "rows": error_file.rows}
    assert "Alfie" not in str(event.details)


def test_bundle_export_is_audited_with_rows_per_file_and_is_not_escaped(personas, tmp_path):
    personas.child_a.first_name = "=Formula"
    personas.child_a.save()
    counts = export_bundle(organisation=personas.north, directory=tmp_path, now=dt.datetime(2025, 7, 1, tzinfo=dt.UTC),
                           by=personas.performance_officer)
    event = AuditEvent.objects.get(verb="exported_bundle")
    assert event.organisation_id == personas.north.pk
    assert event.actor == personas.performance_officer
    assert event.details == {"kind": "case-level bundle", "rows": counts}
    # The bundle round-trips values exactly: no apostrophes added.
    children = Path(tmp_path / "children.csv").read_text(encoding="utf-8")
    assert ",=Formula," in children and "'=Formula" not in children


def test_a_bundle_with_a_narrative_longer_than_the_csv_field_limit_round_trips(personas, open_work, tmp_path):
    long_plan = "Long plan. " * 20_000  # 220,000 characters: over Python's default CSV field limit
    Episode.objects.filter(pk=open_work["episode"].pk).update(exit_plan=long_plan)
    export_bundle(organisation=personas.north, directory=tmp_path, now=dt.datetime(2025, 7, 1, tzinfo=dt.UTC))
    copy = create_organisation(by=None, name="Copy", slug="copy")
    result = import_bundle(by=None, organisation=copy, directory=tmp_path)
    assert result.ok and result.written, result.problems
    assert Episode.objects.get(child__organisation=copy).exit_plan == long_plan
