"""A report as tables for people: the sections of the measures page, its summary table and
the rows of its CSV and XLSX exports. Pure functions of a `Report`: the page and the
exports read the same (for restricted audiences, published) results, so a download holds
exactly what the page shows and never a figure the page hides."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from divert.kpis.formatting import (
    format_flags,
    format_fraction,
    format_value,
    interval_numbers,
    shown_number,
)
from divert.kpis.results import Cell, Report, Result

# The sections of the page, in order, by the first part of a measure's key.
SECTIONS = (
    ("fte", "First time entrants"),
    ("reoffending", "Proven reoffending"),
    ("custody", "Use of custody"),
    ("kpi", "YJB key performance indicators"),
    ("prevention", "Prevention and diversion"),
    ("follow_up", "Follow-up after the offer"),
    ("disproportionality", "Disproportionality"),
)
SECTION_NAMES = dict(SECTIONS)
COMPARATORS = (("yot_family", "YOT family"), ("region", "Region"), ("england", "England"))


def section_of(result: Result) -> str:
    """The section a measure is shown in ("kpi1.accommodation" → "kpi")."""
    head = result.key.split(".", 1)[0]
    return "kpi" if head.startswith("kpi") else head


def anchor(result: Result) -> str:
    """The id of a measure's part of the page (an address people can share)."""
    return "m-" + result.key.replace(".", "-")


def is_table_only(result: Result) -> bool:
    """A measure with no single value to rate or compare (disproportionality: groups and stages)."""
    return result.key.startswith("disproportionality.")


def change_text(ch: dict | None, unit: str, *, with_period: bool = True) -> str:
    """A comparison with an earlier figure in words ("2024-25Q4: 41.7%, +3.0 percentage points, better")."""
    if not ch:
        return ""
    parts = [f"{ch['period']}: {format_value(ch['value'], unit)}"] if with_period else []
    if ch.get("change_in_points") is not None:
        parts.append(f"{ch['change_in_points']:+.1f} percentage points")
    if ch.get("relative_change") is not None:
        parts.append(f"{ch['relative_change'] * 100:+.0f}% relative")
    if ch.get("direction"):
        parts.append(ch["direction"])
    return ", ".join(parts)


@dataclass(frozen=True)
class Section:
    """One section of the page: its id, name and measures."""

    key: str
    name: str
    measures: tuple[Result, ...]

    @property
    def anchor(self) -> str:
        """The id of the section's heading."""
        return f"section-{self.key}"


def sections(report: Report) -> list[Section]:
    """The report's measures grouped into the page's sections, in the page's order."""
    grouped: dict[str, list[Result]] = {}
    for m in report.measures:
        grouped.setdefault(section_of(m), []).append(m)
    known = [k for k, _ in SECTIONS]
    order = known + sorted(k for k in grouped if k not in SECTION_NAMES)
    return [Section(k, SECTION_NAMES.get(k, k.replace("_", " ").capitalize()), tuple(grouped[k]))
            for k in order if k in grouped]


def summary(report: Report) -> list[dict]:
    """The summary table: each measure with a single value, its value, RAG and change on the
    previous period (what the page shows about each, in one line)."""
    rows = []
    for m in report.measures:
        if is_table_only(m):
            continue
        previous = m.changes.get("previous")
        rows.append({
            "label": m.label, "anchor": anchor(m), "section": SECTION_NAMES.get(section_of(m), ""),
            "value": format_value(m.value, m.unit) if m.value is not None or m.unit != "count" else "–",
            "fraction": format_fraction(m), "rag": m.rag,
            "change": change_text(previous, m.unit, with_period=False) if previous else "",
            "change_period": previous["period"] if previous else "",
        })
    return rows


# Exports ------------------------------------------------------------------------------

HEADINGS = (
    "Section", "Measure", "Measure key", "Breakdown", "Group", "Period", "Value", "Unit", "Shown as",
    "Numerator", "Denominator", "95% interval lower", "95% interval upper", "Caution", "RAG",
    "Previous period", "Previous value", "Change on previous period",
    "Same period last year", "Last year's value", "Change on last year",
    *(name for _, name in COMPARATORS),
    "Share", "Share at the preceding stage", "Relative Rate Index", "Notes", "Definition",
)


def _number(value: float | None, unit: str) -> float | str:
    return "" if value is None else shown_number(value, unit)[0]


def _unit_words(item: Result | Cell, unit: str) -> str:
    if item.value is None:
        return ""
    suffix = shown_number(item.value, unit)[1].strip()
    return suffix or {"count": "count", "ratio": "ratio", "mean": "mean", "per_child": "per child"}.get(unit, "")


def _count(x: int | float | None) -> int | float | str:
    return "" if x is None else x


def _interval(item: Result | Cell, unit: str) -> tuple[float | str, float | str]:
    got = interval_numbers(item, unit)
    return ("", "") if got is None else (got[0], got[1])


def _comparison(m: Result, name: str) -> list:
    ch = m.changes.get(name)
    if not ch:
        return ["", "", ""]
    return [ch["period"], _number(ch["value"], m.unit), change_text(ch, m.unit, with_period=False)]


def _line(m: Result, breakdown: str, item: Result | Cell, unit: str) -> list:
    """One row: the measure's own line (breakdown "") or one group of a breakdown."""
    lower, upper = _interval(item, unit)
    own = not breakdown
    details = item.details if isinstance(item, Cell) else {}
    return [
        SECTION_NAMES.get(section_of(m), ""), m.label, m.key, breakdown.replace("_", " "),
        "" if own else item.label, m.period, _number(item.value, unit), _unit_words(item, unit),
        format_fraction(item), _count(item.numerator), _count(item.denominator), lower, upper,
        format_flags(item), (m.rag or "") if own else "",
        *(_comparison(m, "previous") if own else ["", "", ""]),
        *(_comparison(m, "last_year") if own else ["", "", ""]),
        *((_number(m.comparators[k]["value"], m.unit) if own and k in m.comparators else "") for k, _ in COMPARATORS),
        *(round(details[k], 3) if details.get(k) is not None else "" for k in ("share", "preceding_share")),
        round(details["rri"], 2) if details.get("rri") is not None else "",
        " ".join(m.notes) if own else details.get("note", ""),
        m.definition if own else "",
    ]


def export_rows(report: Report) -> Iterator[list]:
    """The rows of the CSV and XLSX exports: headings, then each measure's own line and each
    group of its breakdowns, with numbers as numbers (rounded as the page shows them)."""
    yield list(HEADINGS)
    for m in report.measures:
        cell_unit = "stage_rate" if is_table_only(m) else m.unit
        if not is_table_only(m):
            yield _line(m, "", m, m.unit)
        for name, cells in m.breakdowns.items():
            for c in cells:
                yield _line(m, name, c, cell_unit)
