"""Reading and checking extracts: every kind of malformed file, reported by row and column."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from django.test import override_settings

from divert.imports.parsing import FileRefused, read_table
from divert.imports.tests.files import custody_row, outcome_row, to_csv, to_xlsx
from divert.imports.validation import validate_file

TODAY = dt.date(2025, 6, 30)


def check(data: bytes, name="extract.csv", kind="crime_outcomes", mapping=None):
    return validate_file(name, data, source_kind=kind, today=TODAY, mapping=mapping)


def messages(result, level="error"):
    return [str(p) for p in result.problems if p.level == level]


def test_a_valid_csv_reads_every_row():
    result = check(to_csv([outcome_row("CO-1"), outcome_row("CO-2", first_name="Alex")]))
    assert result.is_valid
    assert [v.row for v in result.valid] == [2, 3]
    row = result.valid[0].data
    assert row.date_of_birth == dt.date(2011, 3, 14)
    assert row.sex == "male"
    assert row.disposal == "community_resolution"


def test_utf8_with_bom_is_read_and_the_first_heading_is_not_spoiled():
    data = b"\xef\xbb\xbf" + to_csv([outcome_row(first_name="Zoë")])
    table = read_table("x.csv", data)
    assert table.headings[0] == "source_reference"
    assert table.encoding == "UTF-8 with BOM"
    result = check(data)
    assert result.is_valid and result.valid[0].data.first_name == "Zoë"


def test_windows_1252_is_read_and_reported():
    result = check(to_csv([outcome_row(first_name="Zoë", last_name="O’Neill")], encoding="cp1252"))
    assert result.is_valid
    assert result.valid[0].data.last_name == "O’Neill"
    assert "The file was read as Windows-1252 text." in messages(result, "notice")


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_refused():
    data = to_csv([outcome_row()]) + b"CO-9,\x81\x8d,x\n"
    result = check(data)
    assert result.refused
    assert "text encoding" in messages(result)[0]


def test_blank_lines_are_skipped_but_counted_in_row_numbers_and_spaces_trimmed():
    data = to_csv([outcome_row("CO-1")]) + b"\n,,,\n" + to_csv(
        [outcome_row("  CO-2 ", first_name="  Alex ", date_of_birth=" 31/02/2010 ")]
    ).split(b"\n", 1)[1]
    result = check(data)
    assert messages(result) == ["Row 5, date_of_birth: '31/02/2010' is not a real date"]
    assert result.valid[0].row == 2


@pytest.mark.parametrize(("value", "message"), [
    ("31/02/2010", "'31/02/2010' is not a real date"),
    ("14/03/10", "'14/03/10' has a two-digit year: give the year in full (dd/mm/yyyy)"),
    ("March 2010", "'March 2010' is not a date: use dd/mm/yyyy or yyyy-mm-dd"),
    ("01/01/2030", "'01/01/2030' is in the future"),
    ("", "is blank: this column must have a value"),
])
def test_bad_dates_are_reported_by_row_and_column(value, message):
    result = check(to_csv([outcome_row(date_of_birth=value)]))
    assert messages(result) == [f"Row 2, date_of_birth: {message}"]


def test_iso_and_day_month_dates_are_both_accepted():
    result = check(to_csv([outcome_row(date_of_birth="2011-03-14", committed_on="2.2.2025")]))
    assert result.is_valid
    assert result.valid[0].data.committed_on == dt.date(2025, 2, 2)


def test_dates_out_of_order_are_reported():
    result = check(to_csv([outcome_row(committed_on="01/01/2009", outcome_date="01/12/2008")]))
    assert messages(result) == [
        "Row 2, committed_on: 01/01/2009 is before the date of birth",
        "Row 2, outcome_date: 01/12/2008 is before the offence was committed",
    ]


def test_missing_columns_refuse_the_file():
    data = to_csv([outcome_row()], headings=["source_reference", "first_name", "last_name"])
    result = check(data)
    assert result.refused
    assert messages(result) == [
        "Row 1: the column 'date_of_birth' is missing",
        "Row 1: the column 'committed_on' is missing",
    ]


@pytest.mark.parametrize(("column", "value", "message"), [
    ("disposal", "Fixed penalty", "'Fixed penalty' is not a disposal code Divert knows (see docs/data-format.md)"),
    ("ho_outcome_type", "14", "'14' is not a Home Office outcome type Divert knows (1-9, 21 or 22)"),
    ("ethnicity", "W1", "'W1' is not an ONS ethnicity code (for example WBRI, BCRB, NOBT)"),
    ("sex", "Q", "'Q' is not a sex code Divert knows: use male, female or not_known"),
    ("gravity_score", "7", "'7' is not a gravity score: use a whole number from 1 to 5"),
])
def test_unknown_codes_are_reported(column, value, message):
    result = check(to_csv([outcome_row(**{column: value})]))
    assert messages(result) == [f"Row 2, {column}: {message}"]


def test_codes_are_read_as_documented():
    result = check(to_csv([
        outcome_row("A", disposal="YCC"),
        outcome_row("B", disposal="", ho_outcome_type="22"),
        outcome_row("C", disposal="", outcome_date=""),
    ]))
    assert result.is_valid
    assert [v.data.disposal for v in result.valid] == ["youth_conditional_caution", "outcome_22", ""]


def test_a_blank_disposal_in_a_community_resolution_source_is_a_community_resolution():
    result = check(to_csv([outcome_row(disposal="")]), kind="community_resolutions")
    assert result.valid[0].data.disposal == "community_resolution"


def test_repeated_identical_rows_are_collapsed_and_reported():
    result = check(to_csv([outcome_row("CO-1"), outcome_row("CO-1"), outcome_row("CO-2")]))
    assert result.is_valid
    assert len(result.valid) == 2 and result.repeated == 1
    assert messages(result, "notice") == ["Row 3: repeats row 2 exactly; it is imported once"]


def test_a_reference_reused_with_different_details_is_an_error():
    result = check(to_csv([outcome_row("CO-1"), outcome_row("CO-1", first_name="Alex")]))
    assert messages(result) == ["Row 3, source_reference: 'CO-1' is also used by row 2 with different details"]
    assert [r.row for r in result.rejected] == [3]


def test_a_saved_mapping_and_common_aliases_rename_headings():
    rows = [{"Record ID": "R1", "Forename": "Jamie", "SURNAME ": "Example", "DOB": "14/03/2011",
             "Offence Date": "02/02/2025", "Outcome": "CR", "Outcome Date": "10/02/2025", "Notes": "x"}]
    result = check(to_csv(rows), mapping={"record id": "source_reference", "Outcome": "disposal"})
    assert result.is_valid, messages(result)
    assert result.valid[0].data.source_reference == "R1"
    assert "Columns Divert does not use were ignored: 'Notes'." in messages(result, "notice")


def test_a_semicolon_separated_file_is_read():
    data = to_csv([outcome_row()]).decode().replace(",", ";").encode()
    assert check(data).is_valid


def test_custody_rows_need_times_in_order():
    rows = [{"source_reference": "CU-1", "first_name": "Jamie", "last_name": "Example",
             "date_of_birth": "14/03/2011", "arrested_at": "03/04/2025 18:20",
             "released_at": "03/04/2025 17:00", "result": "Released under investigation"},
            {"source_reference": "CU-2", "first_name": "Jamie", "last_name": "Example",
             "date_of_birth": "14/03/2011", "arrested_at": "2025-04-03T25:00", "released_at": "", "result": "rui"}]
    result = check(to_csv(rows), kind="custody_releases")
    assert messages(result) == [
        "Row 2, released_at: is before arrested_at",
        "Row 3, arrested_at: '2025-04-03T25:00' is not a real time",
    ]


def test_xlsx_with_date_cells_and_numbers_is_read():
    headings = ["source_reference", "police_id", "first_name", "last_name", "date_of_birth", "committed_on",
                "disposal", "outcome_date", "gravity_score"]
    data = to_xlsx([headings, ["X1", 12345, " Jamie ", "Example", dt.datetime(2011, 3, 14), "02/02/2025",
                               "Youth caution", dt.date(2025, 3, 1), 2.0], [None] * 9,
                    ["X2", None, "Alex", "Sample", dt.datetime(2011, 2, 1), dt.datetime(2025, 1, 1), "nonsense",
                     None, None]])
    result = check(data, name="extract.xlsx")
    assert [v.data.police_id for v in result.valid] == ["12345"]
    assert result.valid[0].data.first_name == "Jamie"
    assert result.valid[0].data.date_of_birth == dt.date(2011, 3, 14)
    assert messages(result) == [
        "Row 4, disposal: 'nonsense' is not a disposal code Divert knows (see docs/data-format.md)"
    ]


@pytest.mark.parametrize(("name", "data", "message"), [
    ("x.xlsx", b"this is not a workbook", "The file is named .xlsx but is not an Excel workbook."),
    ("x.xls", b"\xd0\xcf\x11\xe0 old excel", "This is an old Excel (.xls) file: save it as .xlsx or CSV and upload that."),
    ("x.pdf", b"%PDF-1.4", "Upload a CSV (.csv) or Excel (.xlsx) file."),
    ("x.csv", b"PK\x03\x04zipped", "The file is named .csv but is an Excel workbook: name it .xlsx."),
    ("x.csv", b"", "The file is empty."),
])
def test_files_of_the_wrong_type_are_refused(name, data, message):
    with pytest.raises(FileRefused, match="^" + message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        read_table(name, data)


def test_a_zip_that_is_not_a_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a workbook")
    with pytest.raises(FileRefused, match="not a readable Excel workbook"):
        read_table("x.xlsx", buffer.getvalue())


def test_a_truncated_workbook_is_refused():
    data = to_xlsx([["source_reference"], ["A"]])
    with pytest.raises(FileRefused, match="not a readable Excel workbook"):
        read_table("x.xlsx", data[: len(data) // 2])


def test_a_file_over_the_size_limit_is_refused():
    with override_settings(DIVERT_IMPORT_MAX_BYTES=100), pytest.raises(FileRefused, match="largest accepted"):
        read_table("x.csv", to_csv([outcome_row()] * 5))


def test_a_workbook_with_xml_entities_is_refused_not_expanded():
    original = to_xlsx([["source_reference"], ["A"]])
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source, zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                bomb = b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
                content = bomb + content.split(b"?>", 1)[-1]
            target.writestr(item, content)
    with pytest.raises(FileRefused, match="The workbook contains XML Divert will not read."):
        read_table("x.xlsx", buffer.getvalue())


def test_a_file_checked_on_29_february_is_not_refused_row_by_row():
    """The '30 years ago' check on dates of birth works out today.replace(year=-30), which
    does not exist when today is 29 February: every row would be rejected on a leap day."""
    result = validate_file("extract.csv", to_csv([outcome_row("A")]), source_kind="crime_outcomes",
                           today=dt.date(2028, 2, 29))
    assert [str(p) for p in result.errors] == []  # fails: date_of_birth: day is out of range for month
    assert len(result.valid) == 1


def test_a_custody_row_dated_in_the_future_is_a_problem():
    """Offence and outcome dates in the future are refused; an arrest or release in the
    future (a typo in the year) must be too, or it is stored as a real arrest."""
    row = custody_row(arrested_at="03/04/2026 18:20", released_at="04/04/2026 02:10")
    result = validate_file("custody.csv", to_csv([row]), source_kind="custody_releases", today=TODAY)
    assert result.errors  # fails: accepted


def test_a_disposal_that_contradicts_the_home_office_outcome_type_is_a_problem():
    """Outcome type 8 is a Community Resolution: a row calling it a youth caution is wrong
    one way or the other, and the two would be counted differently."""
    rows = [outcome_row("A", ho_outcome_type="8", disposal="youth_caution"),
            outcome_row("B", ho_outcome_type="2", disposal="youth_conditional_caution"),
            outcome_row("C", ho_outcome_type="22", disposal="")]
    result = validate_file("extract.csv", to_csv(rows), source_kind="crime_outcomes", today=TODAY)
    assert [str(p) for p in result.errors] == [
        "Row 2, disposal: 'youth_caution' does not go with Home Office outcome type 8: "
        "expected community_resolution"
    ]
    assert [v.data.disposal for v in result.valid] == ["youth_conditional_caution", "outcome_22"]
