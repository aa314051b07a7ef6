"""A NUL character anywhere in an upload is refused by row and column, in every reader:
police extracts (CSV and XLSX, also after the first 64 KB), reference data and bundles."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest

from divert.imports.bundle import export_bundle, import_bundle
from divert.imports.parsing import FileRefused, read_csv, read_table
from divert.imports.tests.files import outcome_row, to_csv, to_xlsx
from divert.imports.tests.test_bundle import NOW, _write, new_org, north_records, read  # noqa: F401 - a fixture
from divert.imports.validation import validate_file
from divert.people.models import Child
from divert.reference.importing import check_population_file

TODAY = dt.date(2025, 6, 30)


def _police_csv_with_a_nul_far_down(rows: int = 2000) -> tuple[bytes, int]:
    data = [outcome_row(f"CO-{n}") for n in range(rows)]
    data[-1]["first_name"] = "Al\x00ex"
    text = to_csv(data)
    assert text.index(b"\x00") > 65536  # past the part the file-type check looks at
    return text, rows + 1


def test_a_nul_after_the_first_64_kb_of_a_police_csv_is_refused_by_row_and_column():
    data, last_row = _police_csv_with_a_nul_far_down()
    result = validate_file("extract.csv", data, source_kind="crime_outcomes", today=TODAY)
    assert result.refused and not result.may_import(valid_rows_only=True)
    [problem] = result.errors
    assert (problem.row, problem.column) == (last_row, "first_name")
    assert "NUL character" in str(problem) and str(problem).startswith(f"Row {last_row}, first_name:")


def test_a_nul_in_a_heading_is_refused_as_row_1():
    with pytest.raises(FileRefused) as refused:
        read_csv(b"source_reference,first\x00name\nCO-1,Alex\n")
    assert (refused.value.row, refused.value.column) == (1, "column 2")


def _with_escaped_nul(data: bytes, marker: str) -> bytes:
    """The workbook with `marker` turned into _x0000_, the escape by which XLSX text holds a NUL."""
    source, target = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            out.writestr(item, source.read(item).replace(marker.encode(), b"_x0000_"))
    return target.getvalue()


def test_an_escaped_nul_in_an_xlsx_cell_never_reaches_the_data():
    """XML cannot hold a NUL and openpyxl keeps the _x0000_ escape as text; the reader checks
    every XLSX cell as it checks CSV cells all the same."""
    rows = [["source_reference", "first_name"], ["CO-1", "Alex"], ["CO-2", "NULHERE"]]
    table = read_table("extract.xlsx", _with_escaped_nul(to_xlsx(rows), "NULHERE"))
    assert all("\x00" not in str(cell) for _, cells in table.rows for cell in cells)


def test_a_nul_in_a_population_file_is_refused_by_row_and_column():
    lines = ["year,area_code,age,sex,ethnic_group,count,source"]
    lines += [f"2024,E06000001,{10 + n % 8},male,white,{n},ONS" for n in range(3000)]
    lines.append("2024,E06000001,12,male,wh\x00ite,5,ONS")
    result = check_population_file("population.csv", "\n".join(lines).encode())
    problems = [p for p in result.problems if "NUL" in p.message]
    assert [(p.row, p.column) for p in problems] == [(3002, "ethnic_group")]


def test_a_nul_in_a_bundle_file_is_a_problem_by_row_and_column(north_records, tmp_path):  # noqa: F811
    export_bundle(organisation=north_records.north, directory=tmp_path, now=NOW)
    rows = read(tmp_path, "children.csv")
    rows[-1]["first_name"] = "Al\x00ex"
    _write(tmp_path / "children.csv", rows)
    copy = new_org()
    result = import_bundle(by=None, organisation=copy, directory=tmp_path)
    problems = [p for p in result.problems if "NUL" in p.message]
    assert [(p.file, p.row, p.column) for p in problems] == [("children.csv", len(rows) + 1, "first_name")]
    assert not result.written and not Child.objects.filter(organisation=copy).exists()
