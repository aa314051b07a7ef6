"""The board pack as files: a print page (HTML), a PDF (WeasyPrint) and a workbook (XlsxWriter).

Every file is made from the pack's plain data alone (`divert.reports.pack.build_pack`, with
narratives added by `divert.reports.publication`), and the same data gives the same bytes:
no clock is read here. The PDF's and the workbook's dates are the pack's own moment (when
it was computed or, for a published pack, the moment it was published), so a published
pack regenerated later is byte for byte the file that was published.

Nothing is fetched from the network while making a PDF: the charts are inline SVG and the
only URLs allowed are data: and Divert's own static files.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from django.template.loader import render_to_string

from divert.core.exports import safe_text, workbook
from divert.core.pdf import html_to_pdf
from divert.reports.charts import chart_svg

SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")
PERCENT_UNITS = ("proportion", "stage_rate")


def moment(pack: dict) -> dt.datetime:
    """The pack's own moment (for the files' dates): when it was computed or published."""
    return dt.datetime.fromisoformat(pack["computed_at"])


# ---- HTML and PDF -------------------------------------------------------------------------


def _with_svg(pack: dict) -> dict:
    """The pack with each chart's SVG drawn (a copy; the pack itself stays plain data)."""
    sections = []
    for section in pack["sections"]:
        charts = [{**c, "svg": chart_svg(c)} for c in section.get("charts", [])]
        sections.append({**section, "charts": charts})
    return {**pack, "sections": sections, "facts": facts_line(pack)}


def render_html(pack: dict) -> str:
    """The pack as one self-contained page for printing (every value escaped by the template)."""
    stamp = moment(pack).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return render_to_string("reports/pack_print.html", {"pack": _with_svg(pack), "stamp": stamp})


def render_pdf(pack: dict) -> bytes:
    """The pack as a PDF: vector charts, dates fixed to the pack's moment (see `render_html`)."""
    return html_to_pdf(render_html(pack))


# ---- XLSX ----------------------------------------------------------------------------------


def sheet_names(pack: dict) -> list[str]:
    """The workbook's sheets in order: Summary, one per section, Definitions."""
    names = ["Summary"]
    for section in pack["sections"]:
        name = SHEET_NAME_BAD.sub(" ", section["title"])[:31].strip()
        while name in names:
            name = name[:28] + f" {len(names)}"
        names.append(name)
    return [*names, "Definitions"]


def number_format(unit: str) -> str:
    """The spreadsheet number format for a measure's unit."""
    if unit in PERCENT_UNITS:
        return "0.0%"
    if unit in ("count", "per_100000"):
        return "0"
    return "0.00"


MEASURE_COLUMNS = (
    "Measure", "Period", "Value", "Shown as", "Numerator", "Denominator", "Numerator and denominator",
    "Interval lower", "Interval upper", "RAG", "Previous quarter", "Previous value", "Same quarter last year",
    "Last year value", "Comparators", "Notes",
)


class _Sheet:
    """One worksheet being written row by row, with the workbook's formats."""

    def __init__(self, book, formats: dict, name: str) -> None:
        self.sheet = book.add_worksheet(name)
        self.formats = formats
        self.row = 0

    def text(self, col: int, value: Any, fmt: str | None = None) -> None:
        """A cell of text, guarded against formulas."""
        if value in (None, ""):
            return
        self.sheet.write_string(self.row, col, safe_text(str(value)), self.formats.get(fmt) if fmt else None)

    def number(self, col: int, value: Any, unit: str = "count") -> None:
        """A number as a number, formatted by unit (nothing for a figure not shown)."""
        if isinstance(value, int | float) and not isinstance(value, bool):
            # A whole count is a count whatever the table's unit (the tracker's "not yet counted").
            fmt = "0" if isinstance(value, int) else number_format(unit)
            self.sheet.write_number(self.row, col, value, self.formats[fmt])

    def line(self, *texts: Any, fmt: str | None = None) -> None:
        """A row of text cells, then move down."""
        for col, value in enumerate(texts):
            self.text(col, value, fmt)
        self.row += 1

    def skip(self) -> None:
        """A blank row."""
        self.row += 1


def _comparison(sheet: _Sheet, col: int, got: dict | None, unit: str) -> None:
    if got:
        sheet.text(col, got["period"])
        sheet.number(col + 1, got["value"], unit)


def _measures(sheet: _Sheet, rows: list[dict]) -> None:
    """The measures as a table: one row each, numbers as numbers."""
    sheet.line(*MEASURE_COLUMNS, fmt="heading")
    for m in rows:
        unit = m["unit"]
        sheet.text(0, m["label"])
        sheet.text(1, m["period"])
        sheet.number(2, m["value"], unit)
        sheet.text(3, m["value_text"])
        sheet.number(4, m["numerator"])
        sheet.number(5, m["denominator"])
        sheet.text(6, m["fraction_text"])
        if m["interval"]:
            sheet.number(7, m["interval"]["lower"], unit)
            sheet.number(8, m["interval"]["upper"], unit)
        sheet.text(9, (m["rag"] or "").capitalize())
        _comparison(sheet, 10, m["previous"], unit)
        _comparison(sheet, 12, m["last_year"], unit)
        sheet.text(14, "; ".join(f"{c['name']}: {c['value_text']} ({c['source']})" if c["source"]
                                 else f"{c['name']}: {c['value_text']}" for c in m["comparators"]))
        sheet.text(15, " ".join([*m["notes"], m["flags_text"]]).strip())
        sheet.row += 1


def _table(sheet: _Sheet, table: dict, unit: str = "count") -> None:
    """A table of the pack (a chart's data, the tracker): numbers where the pack has them."""
    sheet.line(table["caption"], fmt="bold")
    sheet.line(*(c["label"] for c in table["columns"]), fmt="heading")
    for cells in table["rows"]:
        for col, cell in enumerate(cells):
            if isinstance(cell.get("value"), int | float) and not isinstance(cell.get("value"), bool):
                sheet.number(col, cell["value"], unit)
            else:
                sheet.text(col, cell["text"])
        sheet.row += 1
    sheet.skip()


def _breakdowns(sheet: _Sheet, m: dict) -> None:
    stage = m["key"].startswith("disproportionality.")
    unit = "stage_rate" if stage else m["unit"]
    for breakdown in m["breakdowns"]:
        sheet.line(f"{m['label']}: by {breakdown['title'].lower()}", fmt="bold")
        sheet.line("Group", "Value", "Shown as", "Numerator", "Denominator", "Numerator and denominator",
                   "Interval", "Notes", fmt="heading")
        for r in breakdown["rows"]:
            sheet.text(0, r["label"])
            sheet.number(1, r["value"], unit)
            sheet.text(2, r["value_text"])
            sheet.number(3, r["numerator"])
            sheet.number(4, r["denominator"])
            sheet.text(5, r["fraction_text"])
            sheet.text(6, r["interval_text"])
            sheet.text(7, " ".join(x for x in (r["note"], r["flags_text"]) if x))
            sheet.row += 1
        sheet.skip()


def _narrative(sheet: _Sheet, narrative: dict | None) -> None:
    if narrative and narrative.get("text"):
        sheet.line("What this shows, what we are doing" + _status_suffix(narrative), fmt="bold")
        for paragraph in narrative["text"].split("\n"):
            sheet.line(paragraph, fmt="wrap")
        sheet.skip()


def _status_suffix(narrative: dict) -> str:
    status = narrative.get("status", "published")
    return "" if status == "published" else f" ({status}, not published)"


def _heading(sheet: _Sheet, pack: dict, title: str) -> None:
    sheet.line(title, fmt="title")
    sheet.line(pack["title"])
    sheet.line(facts_line(pack))
    if pack.get("policy_text"):
        sheet.line(pack["policy_text"])
    sheet.skip()


def facts_line(pack: dict) -> str:
    """When the figures are from, in words (the same line on every page and sheet)."""
    as_at = dt.date.fromisoformat(pack["as_at"])
    text = f"Figures as at {as_at:%-d %B %Y}"
    if pack.get("as_known_on"):
        known = dt.datetime.fromisoformat(pack["as_known_on"])
        text += f", as recorded by {known:%-d %B %Y %H:%M}"
    published = pack.get("published")
    if published:
        text += f". Published {dt.datetime.fromisoformat(published['at']):%-d %B %Y}"
    return text + "."


def _formats(book) -> dict:
    return {
        "title": book.add_format({"bold": True, "font_size": 14}),
        "bold": book.add_format({"bold": True}),
        "heading": book.add_format({"bold": True, "bottom": 1, "text_wrap": True, "valign": "top"}),
        "wrap": book.add_format({"text_wrap": False}),
        "0.0%": book.add_format({"num_format": "0.0%"}),
        "0": book.add_format({"num_format": "0"}),
        "0.00": book.add_format({"num_format": "0.00"}),
    }


def render_xlsx(pack: dict) -> bytes:
    """The pack as a workbook: a summary sheet, one sheet per section and the definitions."""
    buffer = io.BytesIO()
    book = workbook(buffer)
    # A fixed creation date (the pack's moment) makes the same pack the same bytes.
    book.set_properties({"title": safe_text(pack["title"]), "author": "Divert",
                         "created": moment(pack).replace(tzinfo=None)})
    formats = _formats(book)
    names = sheet_names(pack)
    sheet = _Sheet(book, formats, names[0])
    _heading(sheet, pack, "Summary")
    _narrative(sheet, pack["summary"].get("narrative"))
    sheet.line(pack["summary"]["caption"], fmt="bold")
    _measures(sheet, pack["summary"]["rows"])
    sheet.skip()
    sheet.line("Trend", fmt="bold")
    sheet.line("Measure", *pack["quarters"], fmt="heading")
    for m in pack["summary"]["rows"]:
        by_quarter = {p["quarter"]: p for p in m["trend"]}
        sheet.text(0, m["label"])
        for col, q in enumerate(pack["quarters"], start=1):
            if q in by_quarter:
                sheet.number(col, by_quarter[q]["value"], m["unit"])
        sheet.row += 1
    sheet.sheet.set_column(0, 0, 48)
    sheet.sheet.set_column(1, 15, 14)
    for section, name in zip(pack["sections"], names[1:-1], strict=True):
        _section_sheet(_Sheet(book, formats, name), pack, section)
    _definitions(_Sheet(book, formats, names[-1]), pack)
    book.close()
    return buffer.getvalue()


def _section_sheet(sheet: _Sheet, pack: dict, section: dict) -> None:
    _heading(sheet, pack, section["title"])
    sheet.line(section["intro"])
    sheet.skip()
    _narrative(sheet, section.get("narrative"))
    if section["measures"]:
        _measures(sheet, section["measures"])
        sheet.skip()
    for table in section["tables"]:
        _table(sheet, table, "proportion")
    for chart in section["charts"]:
        _table(sheet, chart["table"], chart["unit"])
    for m in section["measures"]:
        _breakdowns(sheet, m)
    for note in section["notes"]:
        sheet.line(note)
    sheet.sheet.set_column(0, 0, 48)
    sheet.sheet.set_column(1, 15, 14)


def _definitions(sheet: _Sheet, pack: dict) -> None:
    _heading(sheet, pack, "Definitions")
    sheet.line("Measure", "Key", "Unit", "Definition", "Source", "Caveats", fmt="heading")
    for d in pack["definitions"]:
        sheet.line(d["label"], d["key"], d["unit"], d["definition"], d["source"], " ".join(d["caveats"]))
    sheet.sheet.set_column(0, 0, 40)
    sheet.sheet.set_column(3, 5, 60)


RENDERERS = {
    "pdf": render_pdf,
    "xlsx": render_xlsx,
    "html": lambda pack: render_html(pack).encode("utf-8"),
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}


def render(pack: dict, fmt: str) -> bytes:
    """The pack as a file in `fmt` (pdf, xlsx or html)."""
    return RENDERERS[fmt](pack)
