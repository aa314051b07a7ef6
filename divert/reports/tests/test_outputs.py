"""The pack as PDF and workbook: made in the background, deterministic, frozen once published."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.utils import timezone

from divert.core.pdf import LocalOnlyFetcher
from divert.kpis.engine import compute_report
from divert.reports import actions
from divert.reports.models import PackFile
from divert.reports.outputs import render_xlsx, sheet_names
from divert.reports.publication import digest, working_pack
from divert.reports.tests.helpers import IMMEDIATE_TASKS, NOW, Q1, some_work


@pytest.fixture
def immediate(settings):
    settings.TASKS = IMMEDIATE_TASKS


def kpi6(report):
    got = next(m for m in report.measures if m.key == "kpi6.ooc_completion")
    return got.numerator, got.denominator


def publish(personas, django_capture_on_commit_callbacks, formats=("pdf", "xlsx")):
    narrative = actions.write_narrative(by=personas.service_manager, organisation=personas.north, period=Q1,
                                        section="kpis", text="=HYPERLINK(\"http://x\")\nWe are acting.", now=NOW)
    actions.approve_narrative(by=personas.service_manager, narrative=narrative, now=NOW)
    with django_capture_on_commit_callbacks(execute=True):
        return actions.publish_pack(by=personas.performance_officer, organisation=personas.north, period=Q1,
                                    now=NOW, formats=formats)


def test_a_published_pack_is_regenerated_byte_for_byte_whatever_is_recorded_since(
        personas, immediate, django_capture_on_commit_callbacks):
    some_work(personas)
    publication = publish(personas, django_capture_on_commit_callbacks)
    files = {f.format: f for f in PackFile.objects.filter(publication=publication)}
    assert {f.status for f in files.values()} == {PackFile.Status.READY}
    publication.refresh_from_db()
    assert publication.pdf_sha256 == digest(bytes(files["pdf"].content)) != ""
    assert publication.xlsx_sha256 == digest(bytes(files["xlsx"].content)) != ""

    # More work recorded after publishing (two more episodes ending in the quarter) changes
    # the figures as recorded now, not the published pack.
    some_work(personas, completed=(False, False), recorded_at=timezone.now())
    assert kpi6(compute_report(organisations=[personas.north], period=Q1, as_at=Q1.end, with_changes=False)) == (2, 5)

    with django_capture_on_commit_callbacks(execute=True):
        again = actions.request_pack_files(by=personas.board_member, organisation=personas.north, period=Q1,
                                           formats=["pdf", "xlsx"], publication=publication, now=timezone.now())
    for file in again:
        file.refresh_from_db()
        assert file.status == PackFile.Status.READY and file.sha256 == publication.sha256_of(file.format)


def test_the_workbook_has_a_sheet_per_section_numbers_as_numbers_and_no_formulas(personas):
    some_work(personas)
    actions.write_narrative(by=personas.service_manager, organisation=personas.north, period=Q1, section="kpis",
                            text="=1+1 is not a formula here", now=NOW)
    pack = working_pack(organisation=personas.north, period=Q1.cli, suppressed=False, now=NOW)
    book = openpyxl.load_workbook(io.BytesIO(render_xlsx(pack)))
    assert book.sheetnames == sheet_names(pack)
    assert book.sheetnames[0] == "Summary" and book.sheetnames[-1] == "Definitions"
    assert len(book.sheetnames) == len(pack["sections"]) + 2
    kpis = book[book.sheetnames[1 + [s["key"] for s in pack["sections"]].index("kpis")]]
    rows = list(kpis.iter_rows())
    kpi6 = next(r for r in rows if r[0].value and str(r[0].value).startswith(
        next(m["label"] for m in pack["summary"]["rows"] if m["key"] == "kpi6.ooc_completion")))
    assert kpi6[2].value == pytest.approx(2 / 3) and kpi6[2].number_format == "0.0%"
    assert (kpi6[4].value, kpi6[5].value) == (2, 3)
    texts = [c.value for r in rows for c in r if isinstance(c.value, str)]
    assert "'=1+1 is not a formula here" in texts
    assert not any(c.data_type == "f" for ws in book.worksheets for r in ws.iter_rows() for c in r)


def test_the_pdf_fetches_nothing_remote():
    fetcher = LocalOnlyFetcher()
    for url in ("http://example.com/a.png", "https://example.com/font.woff", "file:///etc/passwd"):
        with pytest.raises(Exception, match="fetch nothing remote"):
            fetcher.fetch(url)
