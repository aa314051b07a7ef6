"""The pack checked as a reader would: the PDF drawn as images (poppler's pdftoppm) and the
workbook opened by LibreOffice (headless), every sheet present and its numbers those of the
pack's JSON. scripts/test.sh installs both when missing; outside CI a machine without them
skips this test, in CI (CI or REQUIRE_ALL set) it fails."""

from __future__ import annotations

import csv
import io
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from divert.reports.outputs import render_pdf, render_xlsx, sheet_names
from divert.reports.publication import working_pack
from divert.reports.tests.helpers import NOW, Q1, some_work

TOOLS = ("pdftoppm", "soffice")
# LibreOffice's CSV filter: comma, double quotes, UTF-8, from line 1, values not as shown
# (full precision), every sheet to its own file (-1).
CSV_FILTER = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def _tools_or_skip() -> dict[str, str]:
    """Each tool's full path; skip (outside CI) or fail (in CI) when one is missing."""
    found = {t: shutil.which(t) for t in TOOLS}
    missing = [t for t, path in found.items() if path is None]
    if missing:
        message = f"{', '.join(missing)} missing (apt-get install poppler-utils libreoffice-calc-nogui)"
        if os.environ.get("CI") or os.environ.get("REQUIRE_ALL"):
            pytest.fail(message)
        pytest.skip(message)
    return {t: str(path) for t, path in found.items()}


def _number(text: str) -> float | None:
    text = text.strip()
    if not text:
        return None
    if text.endswith("%"):
        return float(text[:-1]) / 100
    return float(text)


def _rows_by_label(path: Path) -> dict[str, list[str]]:
    """Each row by its first cell; the first such row (a measure's row comes before its tables)."""
    found: dict[str, list[str]] = {}
    with path.open(encoding="utf-8") as handle:
        for row in csv.reader(handle):
            if row and row[0]:
                found.setdefault(row[0], row)
    return found


def _check_measures(rows: dict[str, list[str]], measures: list[dict], where: str) -> int:
    """Each measure's value, numerator and denominator as LibreOffice reads them."""
    checked = 0
    for m in measures:
        row = rows.get(m["label"])
        assert row is not None, f"{m['label']} missing from {where}"
        for column, key in ((2, "value"), (4, "numerator"), (5, "denominator")):
            got = _number(row[column]) if column < len(row) else None
            if m[key] is None:
                assert got is None, f"{where}: {m['label']} {key} should be empty, is {got}"
            else:
                assert got == pytest.approx(m[key], rel=1e-9, abs=1e-12), f"{where}: {m['label']} {key}"
                checked += 1
    return checked


def test_the_pdf_draws_and_the_workbook_opens_with_the_packs_numbers(personas, tmp_path):
    tools = _tools_or_skip()
    some_work(personas)
    pack = working_pack(organisation=personas.north, period=Q1.cli, suppressed=False, now=NOW)

    pdf = tmp_path / "pack.pdf"
    pdf.write_bytes(render_pdf(pack))
    pages = len(PdfReader(io.BytesIO(pdf.read_bytes())).pages)
    drawn = subprocess.run(  # noqa: S603 - our own file, a fixed command
        [tools["pdftoppm"], "-r", "20", "-png", str(pdf), str(tmp_path / "page")],
        capture_output=True, text=True, timeout=300, check=False)
    assert drawn.returncode == 0 and not drawn.stderr.strip(), drawn.stderr
    images = sorted(tmp_path.glob("page*.png"))
    assert pages > 1 and len(images) == pages
    assert all(p.read_bytes().startswith(b"\x89PNG") for p in images)

    xlsx = tmp_path / "pack.xlsx"
    xlsx.write_bytes(render_xlsx(pack))
    out = tmp_path / "csv"
    opened = subprocess.run(  # noqa: S603 - our own file, a fixed command
        [tools["soffice"], "--headless", f"-env:UserInstallation={(tmp_path / 'profile').as_uri()}",
         "--convert-to", CSV_FILTER, "--outdir", str(out), str(xlsx)],
        capture_output=True, text=True, timeout=300, check=False)
    assert opened.returncode == 0, opened.stderr
    assert "Error" not in opened.stdout + opened.stderr
    sheets = {p.name.removeprefix("pack-").removesuffix(".csv"): p for p in out.glob("pack-*.csv")}
    assert sorted(sheets) == sorted(sheet_names(pack))

    checked = _check_measures(_rows_by_label(sheets["Summary"]), pack["summary"]["rows"], "Summary")
    for section, name in zip(pack["sections"], sheet_names(pack)[1:-1], strict=True):
        checked += _check_measures(_rows_by_label(sheets[name]), section["measures"], name)
    definitions = _rows_by_label(sheets["Definitions"])
    assert all(d["label"] in definitions for d in pack["definitions"])
    assert checked > 20
