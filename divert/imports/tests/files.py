"""Build CSV and XLSX extracts in memory for the import tests."""

from __future__ import annotations

import csv
import io

import openpyxl

OUTCOME_HEADINGS = [
    "source_reference", "police_id", "local_id", "first_name", "last_name", "date_of_birth", "sex",
    "ethnicity", "postcode", "offence_reference", "offence_code", "offence_description", "committed_on",
    "gravity_score", "ho_outcome_type", "disposal", "outcome_date", "custody_release_date",
]


def outcome_row(ref="CO-1", **values) -> dict:
    """A valid outcome row for a child not in the personas, with overrides."""
    row = {
        "source_reference": ref, "police_id": "", "local_id": "", "first_name": "Jamie",
        "last_name": "Example", "date_of_birth": "14/03/2011", "sex": "M", "ethnicity": "WBRI",
        "postcode": "", "offence_reference": "", "offence_code": "", "offence_description": "Theft",
        "committed_on": "02/02/2025", "gravity_score": "2", "ho_outcome_type": "",
        "disposal": "community_resolution", "outcome_date": "10/02/2025", "custody_release_date": "",
    }
    row.update(values)
    return row


def custody_row(ref="CU-1", **values) -> dict:
    """A valid custody release row for a child like the personas' child_a, with overrides."""
    row = {"source_reference": ref, "local_id": "", "first_name": "Alfy", "last_name": "Testchild",
           "date_of_birth": "14/03/2010", "arrested_at": "03/04/2025 18:20",
           "released_at": "04/04/2025 02:10", "result": "rui"}
    row.update(values)
    return row


def to_csv(rows: list[dict], headings=None, encoding="utf-8") -> bytes:
    """Rows as CSV bytes."""
    headings = headings or (list(rows[0].keys()) if rows else OUTCOME_HEADINGS)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=headings, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def to_xlsx(rows: list[list]) -> bytes:
    """Rows (the first is the headings) as an XLSX workbook."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
