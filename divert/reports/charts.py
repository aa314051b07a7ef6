"""The board pack's charts as SVG, drawn from a chart spec (`divert.reports.pack`).

`chart_svg(chart)` is pure: the same spec gives the same bytes (fixed hash salt per
chart, no date in the metadata, text kept as text in the page's own font, nothing fetched),
so a regenerated pack is byte-identical. The web page inlines it; the PDF embeds the same
SVG (vector).
"""

from __future__ import annotations

import io
import re

import matplotlib
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

# GOV.UK colours that keep their contrast on white, with a marker each so that no series
# is told apart by colour alone.
COLOURS = ("#1d70b8", "#d4351c", "#00703c", "#4c2c92", "#b58840", "#28a197", "#912b88", "#505a5f")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
INK = "#0b0c0c"
STYLE = {
    "svg.fonttype": "none",  # text as text: no glyphs embedded, no font fetched
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.edgecolor": INK,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "text.color": INK,
}


def _percent(unit: str) -> bool:
    return unit in {"proportion", "stage_rate"}


def _formatter(unit: str) -> FuncFormatter:
    if _percent(unit):
        return FuncFormatter(lambda y, _: f"{y * 100:.0f}%")
    return FuncFormatter(lambda y, _: f"{y:g}")


def _trend(fig: Figure, chart: dict) -> None:
    ax = fig.add_subplot()
    for n, series in enumerate(chart["series"]):
        xs = [p["x"] for p in series["points"]]
        ys = [p["y"] if p["y"] is not None else float("nan") for p in series["points"]]
        ax.plot(range(len(xs)), ys, color=COLOURS[n % len(COLOURS)], marker=MARKERS[n % len(MARKERS)],
                linewidth=2, label=series["name"])
        ax.set_xticks(range(len(xs)), labels=[_wrap(x) for x in xs], fontsize=7)
    ax.yaxis.set_major_formatter(_formatter(chart["unit"]))
    ax.set_ylim(bottom=0)
    ax.grid(axis="y", color="#b1b4b6", linewidth=0.5)
    ax.spines[["top", "right"]].set_visible(False)


def _stages(fig: Figure, chart: dict) -> None:
    ax = fig.add_subplot()
    series = chart["series"]
    stages = [p["x"] for p in series[0]["points"]] if series else []
    width = 0.8 / max(len(series), 1)
    for n, s in enumerate(series):
        xs = [i - 0.4 + width * (n + 0.5) for i in range(len(stages))]
        ys = [p["y"] if p["y"] is not None else 0 for p in s["points"]]
        bars = ax.bar(xs, ys, width=width, color=COLOURS[n % len(COLOURS)], label=s["name"])
        for bar, p in zip(bars, s["points"], strict=True):
            if p["y"] is None:
                bar.set_visible(False)
    ax.set_xticks(range(len(stages)), labels=[_wrap(x) for x in stages], fontsize=7)
    ax.yaxis.set_major_formatter(_formatter("proportion"))
    ax.set_ylim(0, 1)
    ax.grid(axis="y", color="#b1b4b6", linewidth=0.5)
    ax.spines[["top", "right"]].set_visible(False)
    if series:
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def _wrap(text: str, width: int = 14) -> str:
    """Tick labels on two lines rather than overlapping."""
    words, lines, line = str(text).split(), [], ""
    for w in words:
        if line and len(line) + 1 + len(w) > width:
            lines.append(line)
            line = w
        else:
            line = f"{line} {w}".strip()
    lines.append(line)
    return "\n".join(lines)


_DRAW = {"trend": _trend, "stages": _stages}


_PRESENTATION = {"fill", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin", "stroke-opacity",
                 "fill-opacity", "opacity", "font-size", "text-anchor", "clip-path"}
_FONT = "arial, sans-serif"


def _attributes(match: re.Match) -> str:
    """A style attribute as presentation attributes: the page's Content-Security-Policy
    allows no inline style, and presentation attributes are not style."""
    out = []
    for part in match[1].split(";"):
        name, _, value = part.partition(":")
        name, value = name.strip(), value.strip()
        if name == "font-family":
            out.append(f'font-family="{_FONT}"')
        elif name in _PRESENTATION:
            out.append(f'{name}="{value}"')
    return " ".join(out)


def _tag(match: re.Match) -> str:
    tag = re.sub(r'style="([^"]*)"', _attributes, match[0])
    tag = re.sub(r' transform="rotate\(-0 [^)]*\)"', "", tag)
    # Coordinates to a tenth of a point: a smaller page, the same picture.
    tag = re.sub(r"(\d+\.\d)\d+", r"\1", tag)
    return re.sub(r"\s*\n\s*", " ", tag)


def chart_svg(chart: dict, *, responsive: bool = False) -> str:
    """The chart as an SVG element (no XML declaration, no inline style), labelled with its
    text alternative; `responsive` fits it to the page's width (else sized in points, for
    the PDF)."""
    with matplotlib.rc_context({**STYLE, "svg.hashsalt": chart["key"]}):
        fig = Figure(figsize=(7.5 if chart["kind"] == "stages" else 6.5, 3.0), layout="constrained")
        _DRAW[chart["kind"]](fig, chart)
        out = io.StringIO()
        fig.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    svg = out.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    svg = re.sub(r"<style[^>]*>.*?</style>\s*", "", svg, flags=re.DOTALL)
    svg = re.sub(r"<[^>]+>", _tag, svg)
    # Only the ids something points at are kept; indentation between tags goes.
    used = set(re.findall(r"url\(#([^)]+)\)", svg)) | set(re.findall(r'xlink:href="#([^"]+)"', svg))
    svg = re.sub(r' id="([^"]+)"', lambda m: m[0] if m[1] in used else "", svg)
    svg = re.sub(r">\s+<", "><", svg)
    svg = re.sub(r"<g>(<g>)*</g>|<defs></defs>", "", svg)
    # ids must be unique on a page that inlines several charts
    prefix = re.sub(r"[^a-z0-9]+", "-", chart["key"].lower())
    svg = re.sub(r'id="([^"]+)"', lambda m: f'id="{prefix}-{m[1]}"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", lambda m: f"url(#{prefix}-{m[1]})", svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', lambda m: f'xlink:href="#{prefix}-{m[1]}"', svg)
    if responsive:
        svg = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"', r'<svg \1width="100%"', svg, count=1)
    alt = chart["alt"].replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
    return svg.replace("<svg ", f'<svg role="img" aria-label="{alt}" focusable="false" ', 1)
