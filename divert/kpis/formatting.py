"""How results are written for people: values with units, intervals, flags (shared by the
CLI, the web page and CSV)."""

from __future__ import annotations

from divert.kpis.results import Cell, Result

UNIT_SUFFIX = {
    "per_100000": " per 100,000",
    "per_10000": " per 10,000",
    "per_1000": " per 1,000",
    "per_child": "",
    "mean": "",
    "ratio": "",
    "count": "",
}


def format_value(value: float | None, unit: str) -> str:
    """A value as shown: percentages for proportions, two decimals for rates and means."""
    if value is None:
        return "–"
    if unit == "proportion":
        return f"{value * 100:.1f}%"
    if unit == "count":
        return f"{value:g}"
    if unit == "stage_rate":  # children at a stage ÷ at the preceding one (disproportionality)
        return f"{value * 1000:.1f} per 1,000" if value < 0.01 else f"{value * 100:.1f}%"
    if unit == "per_100000":
        return f"{value:.0f}{UNIT_SUFFIX[unit]}"
    return f"{value:.2f}{UNIT_SUFFIX.get(unit, '')}"


def format_interval(item: Result | Cell, unit: str) -> str:
    """The 95% interval as shown, or blank."""
    if item.interval is None:
        return ""
    lo, hi = item.interval.lower, item.interval.upper
    if unit == "proportion":
        return f"{lo * 100:.1f}%–{hi * 100:.1f}%"
    return f"{lo:.2f}–{hi:.2f}"


def format_fraction(item: Result | Cell) -> str:
    """'19 of 70', or the suppressed form ('≤5 of 30')."""
    if item.shown:
        return item.shown
    if item.numerator is None:
        return ""
    num = f"{item.numerator:g}" if isinstance(item.numerator, float) else str(item.numerator)
    if item.denominator is None:
        return num
    den = f"{item.denominator:g}" if isinstance(item.denominator, float) else str(item.denominator)
    return f"{num} of {den}"


def fraction_label(item: Result) -> str:
    """What the numerator and denominator of a measure are, in words."""
    if item.unit == "mean":
        return "Children scored at both, of those scored at the start"
    if item.unit == "count":
        return "Number"
    return "Numerator and denominator"


def format_flags(item: Result | Cell) -> str:
    """Flags in words."""
    words = []
    if item.flags.provisional:
        words.append("provisional")
    if item.flags.volatile:
        words.append("volatile (under 30)")
    if item.flags.suppressed:
        words.append("suppressed")
    return ", ".join(words)
