"""The quarterly board pack: every figure a management board reads, as plain data.

    pack = build_pack(organisations=[org], programmes=(), quarter=parse_period("2025-26Q1"),
                      as_known_on=None, suppress=True)

`build_pack` returns a JSON-serialisable dict (the web page, the PDF and the workbook all
read it; nothing in it needs Django to render). Its shape is stable: keys are added, never
renamed (`version` says which shape).

Top level:

- ``version`` (int), ``title`` ("Board pack: <names>, <quarter>"), ``organisation`` (names
  joined), ``organisations`` and ``programmes`` (lists of names; programmes empty for a
  whole organisation), ``quarter`` ({label, cli, start, end}), ``as_at`` (ISO date: the
  figures count what happened up to this day), ``as_known_on`` (ISO moment: as recorded
  by then; None means "as recorded when computed"), ``computed_at`` (ISO moment),
  ``measures_computed_at`` (when the quarter's stored report was computed), ``updating``
  (True when newer records mean that report is being recomputed: the pack is then not
  final and should not be kept),
  ``suppressed`` (bool), ``threshold`` (the suppression threshold, or None),
  ``policy_text`` (what the suppression policy guarantees, or ""), ``quarters`` (the eight
  quarters of the trend, oldest first, as labels).
- ``summary``: {caption, columns: [{key, label}], rows: [measure row]}: one row per
  headline measure.
- ``sections``: a list of {key, title, intro, measures: [measure row], tables: [table],
  charts: [chart], notes: [str]}, in order: ``fte``, ``reoffending``, ``custody``,
  ``kpis``, ``prevention`` (with the reoffending tracker's summary as a table, its
  caveats in notes and its rows, as measure rows, in ``tracker``; every other section has
  an empty ``tracker``), ``disproportionality``, ``oversight`` (the quarter's case
  audits: tables of cases by status, grades by domain, themes) and ``data_quality``
  (completeness, checkpoints and timeliness checks, police data coverage), both for a
  whole organisation's pack only (``available`` False in a programme's pack). Every section has ``available`` (bool).
  Every section also has ``table_rows``: the measure rows behind its tables (the
  tracker's, the data-quality checks', the case audits' counts), published like the rest.
- ``data_quality``: the same dict as the ``data_quality`` section (kept at the top level
  for readers that want it alone).
- ``definitions``: [{key, label, unit, definition, source, caveats: [str]}], one per
  measure in the pack, in catalogue order.

A **measure row**: key, label, unit, period (the measure's own period or cohort, e.g. "12
months to June 2025" or "Jan-Mar 2024"), value (number or None), value_text,
numerator/denominator (numbers or None), fraction_text ("19 of 70", "≤5 of 30"),
interval ({lower, upper} or None), interval_text, rag ("green"/"amber"/"red"/None),
flags ({volatile, provisional, suppressed}), flags_text, higher_is_better, previous and
last_year (a comparison or None: {quarter, period, value, value_text, change_in_points,
relative_change, direction, text}), comparators ([{key, name, value, value_text, period,
source}]), trend ([{quarter, period, value, value_text, fraction_text}], oldest first, one
point per distinct period), breakdowns ([{key, title, rows: [{key, label, value,
value_text, fraction_text, interval_text, flags_text}]}]), notes ([str]).

A **table**: {key, caption, columns: [{key, label, numeric}], rows: [[{text, value}]]}
(value a number or None, for the workbook). A **chart**: {key, kind ("trend" or
"stages"), title, unit, alt (the text alternative), table (the table behind it),
series: [{name, points: [{x, y}]}]} (y None where a figure is not shown). The SVG is
drawn from the chart by `divert.reports.charts.chart_svg` (pure: the page and the PDF
use the same function).

**Suppression.** With ``suppress`` every figure in the pack (the quarter's measures with
their breakdowns and notes, the eight quarters of the trend, and the tracker's summary)
goes through one call of the publication policy, `divert.kpis.publication.publish`, as
one set of linked tables; comparisons and changes are worked out afterwards from
published figures only, and a RAG rating is shown only beside a published value. Every
period is as at and as known on its own publication day (`as_known_on` is then ignored),
so two packs of one quarter show the same figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from divert.evaluation.tracker import (
    SAMPLE_SIZE,
    TIERS,
    WEAK_COMPARISON,
    GroupFigure,
    Tracker,
    tracker,
)
from divert.kpis.catalogue import measure_catalogue
from divert.kpis.engine import _changes as change_from  # the engine's own comparison rule
from divert.kpis.engine import end_of_day, published
from divert.kpis.engine import measures as compute_measures
from divert.kpis.formatting import format_flags, format_fraction, format_interval, format_value
from divert.kpis.measures.common import Scope
from divert.kpis.periods import Period, publication_day
from divert.kpis.publication import POLICY_TEXT
from divert.kpis.results import Cell, Result, count_cell, rate_cell
from divert.kpis.stats import wilson
from divert.kpis.store import served_report
from divert.reference.models import ComparatorFigure
from divert.reports.pack_sections import (
    cell,
    oversight_results,
    oversight_section,
    quality_results,
    quality_section,
)

PACK_VERSION = 1
TREND_QUARTERS = 8

SUMMARY_KEYS = (
    "fte.rolling_12_months",
    "reoffending.3_month_cohort.binary",
    "reoffending.12_month_cohort.binary",
    "custody.rolling_12_months",
    "kpi1.accommodation",
    "kpi2.ete",
    "kpi3.send_plan",
    "kpi4.offered_of_need",
    "kpi5.offered_of_need",
    "kpi6.ooc_completion",
    "kpi7.wider_services",
    "kpi8.board_attendance",
    "kpi9.serious_violence_rate",
    "kpi10.rj_engaged",
    "prevention.referrals",
    "prevention.engagement",
    "prevention.completion",
)

# (key, title, measure key prefixes, intro)
SECTIONS = (
    ("fte", "First time entrants", ("fte.",),
     "Children who received their first caution or conviction, per 100,000 children aged 10 to 17."),
    ("reoffending", "Reoffending", ("reoffending.",),
     "Proven reoffending by the cohort of children cautioned, convicted or released from custody in a "
     "quarter (or a year), followed for 12 months and 6 months more for the offences to be proven."),
    ("custody", "Custody", ("custody.",),
     "Custodial sentences per 1,000 children aged 10 to 17."),
    ("kpis", "The ten key performance indicators", ("kpi",),
     "The Youth Justice Board's key performance indicators for children whose intervention ended in the quarter."),
    ("prevention", "Prevention and diversion", ("prevention.", "follow_up.", "tracker."),
     "Referrals, screening, engagement and completion, and what happened after the offer of support."),
    ("disproportionality", "Disproportionality", ("disproportionality.",),
     "Each group's share of children at each stage, against its share at the stage before."),
)

SOURCES = (
    ("fte.", "Offences and outcomes from the police extracts recorded in Divert; population from the "
             "10-17 population reference data (ONS mid-year estimates)."),
    ("reoffending.", "Offences and outcomes from the police extracts recorded in Divert."),
    ("custody.", "Outcomes from the police and court data recorded in Divert; population from the 10-17 "
                 "population reference data."),
    ("kpi8.", "Board meetings recorded as reference data."),
    ("kpi9.", "Offences from the police extracts recorded in Divert; population from the 10-17 population "
              "reference data."),
    ("kpi10.", "Victim records in Divert."),
    ("kpi", "Episodes, assessments, plans and needs recorded in Divert."),
    ("prevention.", "Referrals, screening decisions, offers, sessions and episodes recorded in Divert."),
    ("follow_up.", "Offers recorded in Divert and the police extracts (offences, outcomes and arrests)."),
    ("tracker.", "Offers recorded in Divert and the police extracts (offences, outcomes and arrests)."),
    ("disproportionality.", "Children's records in Divert and the 10-17 population reference data."),
    ("data_quality.", "Children's records, support, sessions and contacts in Divert, and the police extracts."),
    ("oversight.", "Case audits recorded in Divert."),
)

TRACKER_WINDOWS = (6, 12)  # the summary a board reads: half a year and a year after the offer
TRACKER_TIERS = {"a": "proven_reoffence", "b": "further_outcome", "c": "further_arrest"}
COMPARATOR_NAMES = dict(ComparatorFigure.Comparator.choices)


@dataclass(frozen=True)
class _Figures:
    """What the pack is computed from: the quarter's measures and each earlier quarter's
    headlines (already published when suppressed)."""

    current: list[Result]
    earlier: list[tuple[Period, list[Result]]]  # oldest first, the quarter itself excluded
    quality: dict | None = None  # the data-quality summary (a whole organisation's pack only)
    oversight: dict | None = None  # the case audits' summary (likewise)
    updating: bool = False  # the quarter's stored report is out of date and being recomputed
    measures_computed_at: dt.datetime | None = None


def _quarters(quarter: Period) -> list[Period]:
    """The trend's quarters, oldest first, ending with `quarter`."""
    out = [quarter]
    for _ in range(TREND_QUARTERS - 1):
        out.append(out[-1].previous())
    return out[::-1]


def _moment(quarter: Period, *, suppress: bool, as_known_on: dt.datetime | None,
            now: dt.datetime) -> tuple[dt.date, dt.datetime | None]:
    """The quarter's "as at" day and "as known on" moment: its publication day for a
    restricted audience; otherwise as recorded by `as_known_on` (or now), no later than the
    publication day."""
    day = publication_day(quarter)
    if suppress:
        return day, end_of_day(day)
    limit = timezone.localtime(as_known_on or now).date()
    return min(day, limit), as_known_on


def _tracker_results(organisations, programmes, as_at, known_on, period_label: str) -> tuple[list[Result], int]:
    """The tracker's summary as results the publication policy can read: for each window
    and tier (from the offer), both groups together with each group as a breakdown; and the
    children not yet counted, by group. Also how many organisations' trackers were read."""
    totals: dict[tuple[int, str, str], list[GroupFigure]] = {}
    for org in organisations:
        mine = [p for p in programmes if p.organisation_id == org.pk] if programmes else None
        got: Tracker = tracker(organisation=org, programmes=mine, as_at=as_at, known_on=known_on)
        offer = next(a for a in got.anchors if a.anchor == "offer")
        for w in offer.windows:
            if w.months not in TRACKER_WINDOWS:
                continue
            for t in w.tiers:
                totals.setdefault((w.months, t.tier, "participant"), []).append(t.participants)
                totals.setdefault((w.months, t.tier, "comparison"), []).append(t.comparison)
    results = []
    for months in TRACKER_WINDOWS:
        for tier, name in TRACKER_TIERS.items():
            part = _add(totals.get((months, tier, "participant"), []))
            comp = _add(totals.get((months, tier, "comparison"), []))
            n, d = part[1] + comp[1], part[0] + comp[0]
            results.append(Result(
                key=f"tracker.{months}_months.{name}",
                label=f"Tracker, {months} months from the offer: {TIERS[tier][0].lower()}{TIERS[tier][1:]}",
                definition=(f"Children offered support whose {months}-month window from the offer has ended and "
                            "whose police data covers it, by group (intention to treat): those with "
                            f"{TIERS[tier][0].lower()}{TIERS[tier][1:]} in the window. Both groups together, "
                            "then each group."),
                unit="proportion", value=n / d if d else None, numerator=n, denominator=d,
                period=period_label, interval=wilson(n, d), higher_is_better=False,
                breakdowns={"group": (
                    rate_cell("participant", "Participants (accepted the offer)", part[1], part[0]),
                    rate_cell("comparison", "Comparison (declined or did not respond)", comp[1], comp[0]),
                )},
            ))
        part = _add(totals.get((months, "a", "participant"), []))
        comp = _add(totals.get((months, "a", "comparison"), []))
        results.append(Result(
            key=f"tracker.{months}_months.not_yet_counted",
            label=f"Tracker, {months} months from the offer: children not yet counted",
            definition=("Children whose window has not ended, or whose police data does not yet cover it "
                        "(and the 6 months after it): not counted in the rates."),
            unit="count", value=float(part[2] + comp[2]), numerator=part[2] + comp[2], denominator=None,
            period=period_label, breakdowns={"group": (
                count_cell("participant", "Participants (accepted the offer)", part[2]),
                count_cell("comparison", "Comparison (declined or did not respond)", comp[2]),
            )},
        ))
    return results, len(organisations)


def _add(figures: list[GroupFigure]) -> tuple[int, int, int]:
    """(children tracked, children with the outcome, children not yet counted) over organisations."""
    return (sum(f.children_tracked for f in figures), sum(f.children_with_outcome for f in figures),
            sum(f.provisional for f in figures))


def _figures(organisations: tuple, programmes: tuple, quarters: list[Period], *, suppress: bool,
             as_known_on: dt.datetime | None, now: dt.datetime) -> tuple[_Figures, int | None]:
    """Every result the pack shows, computed once (and published together when suppressed)."""
    quarter = quarters[-1]
    as_at, known_on = _moment(quarter, suppress=suppress, as_known_on=as_known_on, now=now)
    # The quarter's own report from the store (computed ahead of need; shared with the
    # measures page's downloads), unsuppressed: the pack publishes it with everything else.
    served = served_report(organisations=organisations, programmes=programmes, period=quarter, as_at=as_at,
                           known_on=known_on, suppress=False)
    report = served.report
    tracked, _ = _tracker_results(organisations, programmes, as_at, known_on, f"as at {as_at:%-d %B %Y}")
    current = [*report.measures, *tracked]
    quality = oversight = None
    if len(organisations) == 1 and not programmes:
        quality_rows, quality = quality_results(organisations[0], quarter, known_on)
        oversight_rows, oversight = oversight_results(organisations[0], quarter)
        current += [*quality_rows, *oversight_rows]
    earlier = []
    for q in quarters[:-1]:
        q_as_at, q_known_on = _moment(q, suppress=suppress, as_known_on=as_known_on, now=now)
        scope = Scope(organisations, q, q_as_at, q_known_on, programmes, headline_only=True)
        earlier.append((q, compute_measures(scope, with_disproportionality=False)))
    threshold = None
    if suppress:
        threshold = max(o.suppression_threshold for o in organisations)
        everything = [*current, *(r for _, rs in earlier for r in rs)]
        shown = published(everything, threshold)
        current, rest = shown[:len(current)], shown[len(current):]
        split = []
        for q, rs in earlier:
            split.append((q, rest[:len(rs)]))
            rest = rest[len(rs):]
        earlier = split
    return _Figures(current, earlier, quality, oversight, served.updating, served.computed_at), threshold


# Rows ------------------------------------------------------------------------------------


def _comparison(current: Result, earlier: Result | None, quarter: Period) -> dict | None:
    got = change_from(current, earlier, earlier.period if earlier else "")
    if not got:
        return None
    parts = [f"{got['period']}: {format_value(got['value'], current.unit)}"]
    if got.get("change_in_points") is not None:
        parts.append(f"{got['change_in_points']:+.1f} percentage points")
    elif got.get("relative_change") is not None:
        parts.append(f"{got['relative_change'] * 100:+.0f}%")
    if got.get("direction"):
        parts.append(got["direction"])
    return {
        "quarter": quarter.label,
        "period": got["period"],
        "value": got["value"],
        "value_text": format_value(got["value"], current.unit),
        "change_in_points": got["change_in_points"],
        "relative_change": got["relative_change"],
        "direction": got["direction"],
        "text": ", ".join(parts),
    }


def _interval(item: Result | Cell) -> dict | None:
    return {"lower": item.interval.lower, "upper": item.interval.upper} if item.interval else None


def _number(x):
    return x if isinstance(x, int | float) and not isinstance(x, bool) else None


def _cell_row(c: Cell, unit: str) -> dict:
    return {
        "key": c.key,
        "label": c.label,
        "value": c.value,
        "value_text": format_value(c.value, unit) if c.value is not None else "",
        "numerator": _number(c.numerator),
        "denominator": _number(c.denominator),
        "fraction_text": format_fraction(c),
        "interval_text": format_interval(c, unit),
        "flags_text": format_flags(c),
        "share": c.details.get("share"),
        "rri": c.details.get("rri"),
        "note": c.details.get("note", ""),
    }


def _trend(key: str, current: Result, figures: _Figures, quarter: Period) -> list[dict]:
    """One point per distinct period (a year ending December repeats over four quarters)."""
    points: list[dict] = []
    series = [(q, {r.key: r for r in rs}.get(key)) for q, rs in figures.earlier] + [(quarter, current)]
    for q, r in series:
        if r is None or (points and points[-1]["period"] == r.period):
            continue
        points.append({"quarter": q.label, "period": r.period, "value": r.value,
                       "value_text": format_value(r.value, r.unit), "fraction_text": format_fraction(r)})
    return points


def _row(m: Result, figures: _Figures, quarters: list[Period]) -> dict:
    by_quarter = {q: {r.key: r for r in rs} for q, rs in figures.earlier}
    quarter = quarters[-1]
    previous_q, last_year_q = quarters[-2], quarters[-5]
    stage = m.key.startswith("disproportionality.")
    return {
        "key": m.key,
        "label": m.label,
        "unit": m.unit,
        "period": m.period,
        "value": m.value,
        "value_text": format_value(m.value, m.unit) if not stage else "",
        "numerator": _number(m.numerator),
        "denominator": _number(m.denominator),
        "fraction_text": format_fraction(m),
        "interval": _interval(m),
        "interval_text": format_interval(m, m.unit),
        "rag": m.rag if m.value is not None else None,
        "flags": m.flags.as_dict(),
        "flags_text": format_flags(m),
        "higher_is_better": m.higher_is_better,
        "previous": _comparison(m, by_quarter[previous_q].get(m.key), previous_q),
        "last_year": _comparison(m, by_quarter[last_year_q].get(m.key), last_year_q),
        "comparators": [
            {"key": k, "name": COMPARATOR_NAMES.get(k, k), "value": v["value"],
             "value_text": format_value(v["value"], m.unit), "period": m.period, "source": v.get("source", "")}
            for k, v in sorted(m.comparators.items(), key=lambda kv: list(COMPARATOR_NAMES).index(kv[0])
                               if kv[0] in COMPARATOR_NAMES else 99)
        ],
        "trend": _trend(m.key, m, figures, quarter) if not stage else [],
        "breakdowns": [
            {"key": name, "title": name.replace("_", " ").capitalize(),
             "rows": [_cell_row(c, "stage_rate" if stage else m.unit) for c in cells]}
            for name, cells in m.breakdowns.items() if cells
        ],
        "notes": list(m.notes),
    }


# Tables and charts -----------------------------------------------------------------------


def trend_chart(row: dict) -> dict | None:
    """A measure's trend over the quarters as a chart spec, or None with fewer than two points."""
    points = row["trend"]
    if len(points) < 2:
        return None
    shown = [p for p in points if p["value"] is not None]
    alt = f"{row['label']}: " + "; ".join(f"{p['period']} {p['value_text']}" for p in points) + "."
    if len(shown) < len(points):
        alt += " Figures not shown are suppressed or not available."
    return {
        "key": f"trend.{row['key']}",
        "kind": "trend",
        "title": f"{row['label']}: trend",
        "unit": row["unit"],
        "alt": alt,
        "table": {
            "key": f"trend.{row['key']}",
            "caption": f"{row['label']} by period",
            "columns": [{"key": "period", "label": "Period", "numeric": False},
                        {"key": "value", "label": "Value", "numeric": True},
                        {"key": "fraction", "label": "Numerator and denominator", "numeric": False}],
            "rows": [[cell(p["period"]), cell(p["value_text"], p["value"]), cell(p["fraction_text"])]
                     for p in points],
        },
        "series": [{"name": row["label"], "points": [{"x": p["period"], "y": p["value"]} for p in points]}],
    }


def stages_chart(row: dict) -> dict | None:
    """A disproportionality measure as a chart spec: each group's share of the children at
    each stage (shares over known values), or None when nothing is shown."""
    stages = [b for b in row["breakdowns"]]
    if not stages:
        return None
    groups: list[tuple[str, str]] = []
    for b in stages:
        for r in b["rows"]:
            if not r["note"] and (r["key"], r["label"]) not in groups:
                groups.append((r["key"], r["label"]))
    share = {(b["key"], r["key"]): r["share"] for b in stages for r in b["rows"]}
    text = {(b["key"], r["key"]): r["fraction_text"] for b in stages for r in b["rows"]}
    series = [{"name": label, "points": [{"x": b["title"], "y": share.get((b["key"], key))} for b in stages]}
              for key, label in groups]
    alt_parts = []
    for b in stages:
        shown = [f"{label} {share[(b['key'], key)] * 100:.0f}%" for key, label in groups
                 if share.get((b["key"], key)) is not None]
        alt_parts.append(f"{b['title']}: " + (", ".join(shown) if shown else "not shown"))
    return {
        "key": f"stages.{row['key']}",
        "kind": "stages",
        "title": f"{row['label']}: share of children at each stage",
        "unit": "proportion",
        "alt": f"{row['label']}, each group's share of the children at each stage. " + "; ".join(alt_parts) + ".",
        "table": {
            "key": f"stages.{row['key']}",
            "caption": f"{row['label']}: children at each stage (of those at the stage before) and share",
            "columns": [{"key": "stage", "label": "Stage", "numeric": False},
                        *({"key": key, "label": label, "numeric": False} for key, label in groups)],
            "rows": [[cell(b["title"]),
                      *(cell(text.get((b["key"], key), "")
                              + (f" ({share[(b['key'], key)] * 100:.1f}%)"
                                 if share.get((b["key"], key)) is not None else ""),
                              share.get((b["key"], key)))
                        for key, _ in groups)]
                     for b in stages],
        },
        "series": series,
    }


def _tracker_table(rows: list[dict]) -> dict:
    """The tracker's summary: per window and tier, each group's children with the outcome of
    those counted (and the rate), and the children not yet counted."""
    body = []
    for r in rows:
        _, window, name = r["key"].split(".")
        months = window.split("_")[0]
        groups = next((b["rows"] for b in r["breakdowns"] if b["key"] == "group"), [])
        outcome = r["label"].split(": ", 1)[1]
        body.append([
            cell(outcome[0].upper() + outcome[1:]), cell(f"{months} months"),
            *(cell(g["fraction_text"] + (f" ({g['value_text']})" if g["value"] is not None and name != "not_yet_counted"
                                          else ""), g["value"] if name != "not_yet_counted" else g["numerator"])
              for g in groups),
            cell(r["fraction_text"] + (f" ({r['value_text']})" if r["value"] is not None
                                        and name != "not_yet_counted" else ""),
                  r["value"] if name != "not_yet_counted" else r["numerator"]),
        ])
    return {
        "key": "tracker",
        "caption": "Reoffending tracker: participants against the comparison group, from the offer",
        "columns": [{"key": "outcome", "label": "Outcome", "numeric": False},
                    {"key": "window", "label": "Window", "numeric": False},
                    {"key": "participant", "label": "Participants", "numeric": True},
                    {"key": "comparison", "label": "Comparison group", "numeric": True},
                    {"key": "all", "label": "Both groups", "numeric": True}],
        "rows": body,
    }


def _section(key: str, title: str, prefixes: tuple, intro: str, rows: list[dict]) -> dict:
    mine = [r for r in rows if r["key"].startswith(prefixes)]
    charts = []
    tables = []
    notes: list[str] = []
    if key == "disproportionality":
        charts = [c for c in (stages_chart(r) for r in mine) if c]
    else:
        charts = [c for c in (trend_chart(r) for r in mine if r["key"] in SUMMARY_KEYS) if c]
    tracked: list[dict] = []
    if key == "prevention":
        tracked = [r for r in mine if r["key"].startswith("tracker.")]
        mine = [r for r in mine if not r["key"].startswith("tracker.")]
        if tracked:
            tables.append(_tracker_table(tracked))
            notes += [WEAK_COMPARISON, SAMPLE_SIZE,
                      "Children whose window has not ended, or whose police data does not yet cover it, are not "
                      "counted in the rates: no outcome yet is not no outcome."]
    return {"key": key, "title": title, "intro": intro, "available": True, "measures": mine, "tables": tables,
            "charts": charts, "notes": notes, "tracker": tracked, "table_rows": tracked}


def _source(key: str) -> str:
    return next((text for prefix, text in SOURCES if key.startswith(prefix)), "Records in Divert.")


def _definitions(current: list[Result]) -> list[dict]:
    """Every measure in the pack with its definition, source and caveats, in catalogue order."""
    order = {m.key: i for i, m in enumerate(measure_catalogue())}
    out = []
    for m in sorted(current, key=lambda r: (order.get(r.key, len(order)), r.key)):
        caveats = list(m.notes)
        if m.flags.provisional:
            caveats.append("Provisional: the data does not yet cover the whole period.")
        if m.flags.volatile:
            caveats.append("Volatile: fewer than 30 children, so one child moves the rate a long way.")
        out.append({"key": m.key, "label": m.label, "unit": m.unit, "definition": m.definition,
                    "source": _source(m.key), "caveats": caveats})
    return out


SUMMARY_COLUMNS = (
    ("measure", "Measure"), ("value", "Value"), ("fraction", "Numerator and denominator"),
    ("interval", "95% interval"), ("rag", "RAG"), ("previous", "Previous quarter"),
    ("last_year", "Same quarter last year"), ("comparators", "Comparators"), ("trend", "Trend (8 quarters)"),
)


def build_pack(*, organisations=(), programmes=(), quarter: Period, as_known_on: dt.datetime | None = None,
               suppress: bool, now: dt.datetime | None = None) -> dict:
    """The board pack for the organisations (or the programmes) and a financial quarter,
    as plain data (see the module docstring)."""
    programmes = tuple(programmes)
    organisations = tuple(organisations) or tuple(sorted({p.organisation for p in programmes}, key=lambda o: o.pk))
    if not organisations:
        raise ValueError("A board pack needs at least one organisation or programme")
    if quarter.kind != "financial_quarter":
        raise ValueError("A board pack is for a financial quarter, like 2025-26Q1")
    now = now or timezone.now()
    quarters = _quarters(quarter)
    as_at, known_on = _moment(quarter, suppress=suppress, as_known_on=as_known_on, now=now)
    figures, threshold = _figures(organisations, programmes, quarters, suppress=suppress,
                                  as_known_on=as_known_on, now=now)
    rows = [_row(m, figures, quarters) for m in figures.current]
    by_key = {r["key"]: r for r in rows}
    sections = [_section(key, title, prefixes, intro, rows) for key, title, prefixes, intro in SECTIONS]
    sections.append(oversight_section([r for r in rows if r["key"].startswith("oversight.")], figures.oversight))
    quality = quality_section([r for r in rows if r["key"].startswith("data_quality.")], figures.quality)
    sections.append(quality)
    names = [o.name for o in organisations]
    label = ", ".join(names) + (" (" + ", ".join(p.name for p in programmes) + ")" if programmes else "")
    return {
        "version": PACK_VERSION,
        "title": f"Board pack: {label}, {quarter.label}",
        "organisation": label,
        "organisations": names,
        "programmes": [p.name for p in programmes],
        "quarter": {**quarter.as_dict(), "cli": quarter.cli},
        "quarters": [q.label for q in quarters],
        "as_at": as_at.isoformat(),
        "as_known_on": known_on.isoformat() if known_on else None,
        "computed_at": now.isoformat(),
        "measures_computed_at": figures.measures_computed_at.isoformat() if figures.measures_computed_at else None,
        "updating": figures.updating,
        "suppressed": suppress,
        "threshold": threshold,
        "policy_text": POLICY_TEXT.format(threshold=threshold) if suppress else "",
        "summary": {
            "caption": f"Summary of the headline measures, {quarter.label}",
            "columns": [{"key": k, "label": v} for k, v in SUMMARY_COLUMNS],
            "rows": [by_key[k] for k in SUMMARY_KEYS if k in by_key],
        },
        "sections": sections,
        "data_quality": quality,
        "definitions": _definitions(figures.current),
    }
