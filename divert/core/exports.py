"""Spreadsheet exports that cannot run formulas: one guard for every CSV and XLSX Divert writes.

A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return (or the full-width
forms of the first four, which some spreadsheet programs also accept) is read as a
formula when the file is opened, so a name or note typed as `=HYPERLINK(...)` could run
in a manager's spreadsheet. Such text is written with a leading apostrophe, which
spreadsheets show as plain text. Numbers stay numbers, and text that is only a number
(`-3`, `+44`) is left alone because a spreadsheet reads it as that number anyway.

The case-level bundle is not a spreadsheet export: it round-trips values exactly and
does not use this module.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

import xlsxwriter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?")


def safe_text(text: str) -> str:
    """Text that a spreadsheet will show as text, never run as a formula."""
    if text.startswith(FORMULA_STARTS) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def safe_cell(value: Any) -> Any:
    """A value ready for a spreadsheet cell: numbers as numbers, dates as ISO text, text guarded."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | decimal.Decimal):
        return value
    if isinstance(value, dt.date):  # datetimes too
        return value.isoformat()
    return safe_text(str(value))


class SafeWriter:
    """A `csv.writer` whose every cell goes through `safe_cell`."""

    def __init__(self, handle, **options) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, row: Iterable[Any]) -> None:
        """Write one guarded row."""
        self._writer.writerow([safe_cell(v) for v in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write guarded rows."""
        for row in rows:
            self.writerow(row)


def safe_writer(handle, **options) -> SafeWriter:
    """A CSV writer for spreadsheets: like `csv.writer(handle, **options)`, with every cell guarded."""
    return SafeWriter(handle, **options)


def csv_bytes(rows: Iterable[Sequence[Any]]) -> bytes:
    """Guarded CSV as UTF-8 with a byte order mark (so Excel reads accents correctly)."""
    buffer = io.StringIO(newline="")
    safe_writer(buffer).writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


# XlsxWriter turns text that looks like a formula, URL or number into one unless told not to.
WORKBOOK_OPTIONS = {
    "in_memory": True,
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def workbook(target):
    """An XlsxWriter workbook (to a path or a BytesIO) that writes text only as text."""
    return xlsxwriter.Workbook(target, WORKBOOK_OPTIONS)


def xlsx_bytes(rows: Iterable[Sequence[Any]], *, sheet: str = "Data") -> bytes:
    """A one-sheet workbook of guarded rows; the first row is bold headings."""
    buffer = io.BytesIO()
    book = workbook(buffer)
    worksheet = book.add_worksheet(sheet[:31])
    bold = book.add_format({"bold": True})
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            value = safe_cell(value)
            if isinstance(value, str):
                worksheet.write_string(r, c, value, bold if r == 0 else None)
            else:
                worksheet.write_number(r, c, float(value))
    book.close()
    return buffer.getvalue()
