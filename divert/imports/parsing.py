"""Reading uploaded extracts (CSV or XLSX) into headings and numbered rows, safely.

Nothing here knows about columns or children: it returns the text of each cell (or the
date a spreadsheet cell holds) with the row number a spreadsheet would show.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from django.conf import settings

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # .xls (Excel 97-2003)


class FileRefused(Exception):
    """The file cannot be read at all; the message says why in plain English, and where
    (row as a spreadsheet numbers it, column heading) when one cell is the reason."""

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None):
        super().__init__(message)
        self.message = message
        self.row = row
        self.column = column

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        return f"Row {self.row}, {self.column}: {self.message}"


NUL_MESSAGE = "contains a NUL character, which is not text: the file is damaged or not a text export"


def check_no_nul(number: int, headings: list[str], cells: Sequence) -> None:
    """Refuse a row with a NUL character in any cell, naming the row and column: PostgreSQL
    cannot store one and no real extract holds one. Used by every reader of uploads."""
    for index, cell in enumerate(cells):
        if isinstance(cell, str) and "\x00" in cell:
            heading = headings[index] if index < len(headings) else ""
            column = heading if heading and "\x00" not in heading else f"column {index + 1}"
            raise FileRefused(f"The cell {NUL_MESSAGE}.", row=number, column=column)


@dataclass
class Table:
    """A file's headings and its data rows as (row number, cells)."""

    headings: list[str]
    rows: Iterator[tuple[int, list]]
    file_type: str
    encoding: str = ""
    notices: list[str] = field(default_factory=list)


def max_bytes() -> int:
    """The largest file accepted (setting DIVERT_IMPORT_MAX_BYTES)."""
    return int(getattr(settings, "DIVERT_IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def file_type_of(file_name: str, data: bytes) -> str:
    """'csv' or 'xlsx', checked against both the name and the contents."""
    name = file_name.lower()
    if name.endswith(".xls") or data.startswith(OLE_MAGIC):
        raise FileRefused("This is an old Excel (.xls) file: save it as .xlsx or CSV and upload that.")
    if name.endswith(".xlsx"):
        if not data.startswith(XLSX_MAGIC):
            raise FileRefused("The file is named .xlsx but is not an Excel workbook.")
        return "xlsx"
    if name.endswith((".csv", ".txt")):
        if data.startswith(XLSX_MAGIC):
            raise FileRefused("The file is named .csv but is an Excel workbook: name it .xlsx.")
        if b"\x00" in data[:65536]:
            raise FileRefused("The file is named .csv but is not a text file.")
        return "csv"
    raise FileRefused("Upload a CSV (.csv) or Excel (.xlsx) file.")


def read_table(file_name: str, data: bytes) -> Table:
    """Open a CSV or XLSX extract; FileRefused if it is too big, the wrong type or unreadable."""
    if len(data) > max_bytes():
        raise FileRefused(
            f"The file is {len(data) / 1_048_576:.1f} MB; the largest accepted is "
            f"{max_bytes() / 1_048_576:.0f} MB. Split it into smaller files."
        )
    if not data.strip():
        raise FileRefused("The file is empty.")
    kind = file_type_of(file_name, data)
    return read_csv(data) if kind == "csv" else read_xlsx(data)


def decode(data: bytes) -> tuple[str, str]:
    """Text and the encoding used: UTF-8 (with or without BOM), else Windows-1252."""
    try:
        return data.decode("utf-8-sig"), "UTF-8" + (" with BOM" if data.startswith(b"\xef\xbb\xbf") else "")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        raise FileRefused(
            "The file's text encoding is not one Divert can read: save it as CSV UTF-8."
        ) from None


def read_csv(data: bytes) -> Table:
    """A CSV extract: decoded, separator found from the heading line, blank lines skipped."""
    text, encoding = decode(data)
    first_line = text.split("\n", 1)[0]
    delimiter = ","
    if "," not in first_line:
        if ";" in first_line:
            delimiter = ";"
        elif "\t" in first_line:
            delimiter = "\t"
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        headings = next(reader)
    except StopIteration:
        raise FileRefused("The file is empty.") from None
    except csv.Error as exc:
        raise FileRefused(f"The file is not valid CSV: {exc}.") from None
    notices = [] if encoding.startswith("UTF-8") else [f"The file was read as {encoding} text."]
    headings = [h.strip() for h in headings]
    check_no_nul(1, headings, headings)

    def rows() -> Iterator[tuple[int, list]]:
        number = 1
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                raise FileRefused(f"Row {number + 1}: the CSV is broken here ({exc}).") from None
            number += 1
            check_no_nul(number, headings, cells)
            if not any(c.strip() for c in cells):
                continue
            yield number, cells

    return Table(headings, rows(), "csv", encoding, notices)


def read_xlsx(data: bytes) -> Table:
    """The first worksheet of an XLSX workbook (read-only, cached values, defused XML)."""
    # Imported here: openpyxl is only needed for spreadsheets, not at every start-up.
    import openpyxl

    buffer = io.BytesIO(data)
    check_unpacked_sizes(buffer)
    try:
        workbook = openpyxl.load_workbook(buffer, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        values = sheet.iter_rows(values_only=True)
        headings_row = next(values, None)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds of error on damaged files
        raise _refusal(exc) from None
    if headings_row is None:
        workbook.close()
        raise FileRefused("The workbook's first sheet is empty.")
    headings = [str(h).strip() if h is not None else "" for h in headings_row]
    while headings and not headings[-1]:
        headings.pop()
    try:
        check_no_nul(1, headings, headings)
    except FileRefused:
        workbook.close()
        raise

    def rows() -> Iterator[tuple[int, list]]:
        number = 1
        try:
            for number, cells in enumerate(values, start=2):  # noqa: B007 - kept for the message
                if cells is None or all(c is None or (isinstance(c, str) and not c.strip()) for c in cells):
                    continue
                check_no_nul(number, headings, cells)
                yield number, ["" if c is None else c for c in cells]
        except FileRefused:
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged sheet fails in many ways
            refusal = _refusal(exc)
            if "XML" not in str(refusal):
                refusal = FileRefused(f"The workbook is damaged after row {number}: it cannot be read.")
            raise refusal from None
        finally:
            workbook.close()

    return Table(headings, rows(), "xlsx", "", [])


# A workbook is a zip archive of XML. Real extracts unpack to 5-20 times their size; a "zip
# bomb" unpacks to a thousand times (0.9 MB to 900 MB) and would fill the worker's memory
# however carefully it is parsed. The sizes each member declares are checked before anything
# is parsed (zipfile never unpacks a member past its declared size: it fails the CRC).
MAX_RATIO = 100
MAX_UNPACKED_TIMES_UPLOAD_LIMIT = 10
RATIO_CHECKED_FROM = 1024 * 1024


def check_unpacked_sizes(buffer: io.BytesIO) -> None:
    """Refuse a workbook that unpacks to too much, in total or for its compressed size."""
    try:
        with zipfile.ZipFile(buffer) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:
        raise FileRefused("The file is not a readable Excel workbook.") from None
    unpacked = sum(info.file_size for info in members)
    packed = sum(info.compress_size for info in members)
    expands_too_much = any(
        info.file_size > RATIO_CHECKED_FROM and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        for info in members
    )
    if expands_too_much or unpacked > MAX_UNPACKED_TIMES_UPLOAD_LIMIT * max_bytes():
        raise FileRefused(
            f"The workbook unpacks to {unpacked / 1_048_576:,.0f} MB from {packed / 1_048_576:,.1f} MB, "
            "far more than a spreadsheet of data does, so Divert will not open it. "
            "Save it as CSV and upload that, or check where the file came from."
        )
    buffer.seek(0)


def _refusal(exc: BaseException) -> FileRefused:
    """Why a workbook cannot be read: unsafe XML (entities, DTDs: defusedxml refused it,
    however openpyxl wrapped the error) or simply damaged."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, DefusedXmlException):
            return FileRefused("The workbook contains XML Divert will not read.")
        seen = seen.__cause__ or seen.__context__
    return FileRefused("The file is not a readable Excel workbook.")
