"""`divert pack`: the pack as a file from the command line, with clear errors; the schedule."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from divert.audit.models import AuditEvent
from divert.reports import actions
from divert.reports.models import PackFile
from divert.reports.tests.helpers import some_work


def run(*args) -> str:
    out = io.StringIO()
    call_command("pack", *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize(("args", "message"), [
    (["--org", "nowhere", "--period", "2025-26Q1", "--out", "x.pdf"], "No organisation with slug 'nowhere'. Valid slugs"),
    (["--org", "north", "--period", "2025-26", "--out", "x.pdf"], "A board pack is for a financial quarter"),
    (["--org", "north", "--period", "Q5", "--out", "x.pdf"], "2025-26Q1"),
    (["--org", "north", "--period", "2025-26Q1"], "Give --out"),
    (["--org", "north", "--period", "2025-26Q1", "--out", "x.pdf", "--published"], "has not been published"),
    (["--org", "north", "--period", "2025-26Q1", "--out", "x.pdf", "--programme", "nope"], "No programme 'nope'"),
    (["--org", "north", "--period", "2025-26Q1", "--out", "x.pdf", "--suppress", "--as-known-on", "2025-08-01"],
     "leave out --as-known-on"),
    (["--org", "north", "--period", "2025-26Q1", "--out", "x.pdf", "--as-known-on", "1 August"],
     "Expected a date like"),
])
def test_a_bad_organisation_or_period_is_refused_clearly(personas, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_the_pack_is_written_as_a_workbook_and_audited(personas, tmp_path):
    some_work(personas)
    out = tmp_path / "pack.xlsx"
    said = run("--org", "north", "--period", "2025-26Q1", "--format", "xlsx", "--out", str(out),
               "--as-known-on", "2025-08-01")
    assert said.startswith(f"Wrote {out}:") and "SHA-256" in said
    assert out.read_bytes()[:2] == b"PK"
    event = AuditEvent.objects.get(verb="exported_pack")
    assert event.details["format"] == "xlsx" and event.details["suppressed"] is False


def test_the_schedule_queues_each_quarter_once(personas):
    actions.set_pack_schedule(by=personas.service_manager, organisation=personas.north, formats=["pdf", "xlsx"])
    said = run("--scheduled", "--today", "2025-08-01")
    assert "north: queued pdf, xlsx for 2025-26 Q1" in said
    files = PackFile.objects.filter(period="2025-26Q1")
    assert sorted(files.values_list("format", flat=True)) == ["pdf", "xlsx"]
    assert all(f.requested_by is None and not f.suppressed for f in files)
    assert "0 file(s) queued" in run("--scheduled", "--today", "2025-08-02")


def test_json_is_the_packs_plain_data(personas, tmp_path):
    out = tmp_path / "pack.json"
    run("--org", "north", "--period", "2025-26Q1", "--format", "json", "--out", str(out), "--suppress")
    data = json.loads(out.read_text())
    assert data["suppressed"] is True and data["quarter"]["cli"] == "2025-26Q1"
    assert dt.date.fromisoformat(data["as_at"]) == dt.date(2025, 7, 31)
