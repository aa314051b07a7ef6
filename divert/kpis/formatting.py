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


def shown_number(value: float, unit: str) -> tuple[float, str]:
    """A value as the page shows it, as a number and its unit in words: percentages for
    proportions (one decimal), rates per 100,000 whole, counts as they are, two decimals
    for the rest. The page's text and the spreadsheet exports both come from here."""
    if unit == "proportion":
        return round(value * 100, 1), "%"
    if unit == "count":
        return value, ""
    if unit == "stage_rate":  # children at a stage ÷ at the preceding one (disproportionality)
        return (round(value * 1000, 1), " per 1,000") if 0 < value < 0.01 else (round(value * 100, 1), "%")
    if unit == "per_100000":
        return round(value), UNIT_SUFFIX[unit]
    return round(value, 2), UNIT_SUFFIX.get(unit, "")


def format_value(value: float | None, unit: str) -> str:
    """A value as shown: percentages for proportions, two decimals for rates and means."""
    if value is None:
        return "–"
    number, suffix = shown_number(value, unit)
    if unit == "count":
        return f"{number:g}"
    if unit in ("proportion", "stage_rate"):
        return f"{number:.1f}{suffix}"
    if unit == "per_100000":
        return f"{number:.0f}{suffix}"
    return f"{number:.2f}{suffix}"


def interval_numbers(item: Result | Cell, unit: str) -> tuple[float, float, str] | None:
    """The 95% interval's bounds on the same scale as the value is shown (a rate per 1,000
    children has its interval per 1,000 too), and the unit; None if there is none."""
    if item.interval is None:
        return None
    lo, hi = item.interval.lower, item.interval.upper
    if unit == "stage_rate":
        per_1000 = item.value is not None and 0 < item.value < 0.01
        factor, suffix = (1000, " per 1,000") if per_1000 else (100, "%")
        return round(lo * factor, 1), round(hi * factor, 1), suffix
    if unit == "proportion":
        return round(lo * 100, 1), round(hi * 100, 1), "%"
    if unit == "per_100000":
        return round(lo), round(hi), ""
    return round(lo, 2), round(hi, 2), ""


def format_interval(item: Result | Cell, unit: str) -> str:
    """The 95% interval as shown, or blank."""
    got = interval_numbers(item, unit)
    if got is None:
        return ""
    lo, hi, suffix = got
    if suffix:
        return f"{lo:.1f}{suffix.strip() if suffix == '%' else ''}–{hi:.1f}{suffix}"
    if unit == "per_100000":
        return f"{lo:.0f}–{hi:.0f}"
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
