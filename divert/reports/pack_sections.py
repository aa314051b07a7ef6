"""The board pack's data-quality and management-oversight sections.

Their counts come from `divert.reports.quality.data_quality_summary` and
`divert.oversight.summary.audit_summary`; here they become results (so that, for a
restricted audience, they go through the same publication policy as every other figure of
the pack) and, once published, the section's tables. Both are about one whole
organisation: a programme's pack says where to find them.
"""

from __future__ import annotations

import datetime as dt

from divert.kpis.periods import Period
from divert.kpis.results import Result, count_cell, rate_result
from divert.oversight.models import AuditStatus
from divert.oversight.summary import audit_summary
from divert.reports.quality import data_quality_summary

QUALITY_INTRO = ("How complete and timely the records behind these figures are, and how far the police data "
                 "reaches.")
OVERSIGHT_INTRO = "The cases chosen for audit in the quarter, how the audits went, and the themes they found."
WHOLE_SERVICE = "Shown in the pack for the whole service."


def cell(text: str, value=None) -> dict:
    """A table cell: its text, and its number (or None) for the workbook."""
    return {"text": text, "value": value}


def placeholder_section(key: str, title: str, text: str) -> dict:
    """A section with nothing to show (yet, or for this pack)."""
    return {"key": key, "title": title, "intro": text, "available": False, "measures": [], "tables": [],
            "charts": [], "notes": [], "tracker": [], "table_rows": []}


def quality_results(organisation, quarter: Period, known_on: dt.datetime | None) -> tuple[list[Result], dict]:
    """Each data-quality check as a rate (records missing ÷ records expected) and each police
    source's waiting rows and reviews as counts; with the summary itself (dates, headings)."""
    summary = data_quality_summary(organisation, quarter, known_on=known_on)
    results = []
    for check in summary["checks"]:
        notes = ()
        if check.get("median_days") is not None:
            notes = (f"Median days from the event to its record: {check['median_days']:g} days.",)
        results.append(rate_result(
            f"data_quality.{check['key']}", check["title"], f"{check['why']} Counted over {check['of']}.",
            check["missing"], check["denominator"], quarter.label, notes=notes, higher_is_better=False,
        ))
    for n, source in enumerate(summary["police_sources"]):
        results.append(Result(
            key=f"data_quality.police.{n}", label=f"{source['name']}: rows waiting for a decision",
            definition="Police rows not yet matched to a child, and the match reviews not yet decided.",
            unit="count", value=float(source["waiting_rows"]), numerator=source["waiting_rows"], denominator=None,
            period=quarter.label, breakdowns={"waiting": (
                count_cell("reviews", "Reviews not yet decided", source["waiting_reviews"]),
            )},
        ))
    return results, summary


def quality_section(rows: list[dict], summary: dict | None) -> dict:
    """The data-quality section from its published rows."""
    if summary is None:
        return placeholder_section("data_quality", "Data quality", f"{QUALITY_INTRO} {WHOLE_SERVICE}")
    by_key = {r["key"]: r for r in rows}
    tables = []
    for section, heading in summary["sections"].items():
        body = []
        for check in summary["checks"]:
            if check["section"] != section:
                continue
            row = by_key[f"data_quality.{check['key']}"]
            body.append([cell(check["title"]), cell(row["fraction_text"] or "–"),
                         cell(row["value_text"] if row["value"] is not None else "–", row["value"])])
        tables.append({"key": f"data_quality.{section}", "caption": heading,
                       "columns": [{"key": "check", "label": "Check", "numeric": False},
                                   {"key": "missing", "label": "Missing or late, of those expected", "numeric": True},
                                   {"key": "percent", "label": "Share missing or late", "numeric": True}],
                       "rows": body})
    police = []
    for n, source in enumerate(summary["police_sources"]):
        row = by_key[f"data_quality.police.{n}"]
        reviews = next((c for b in row["breakdowns"] for c in b["rows"]), None)
        police.append([cell(source["name"]), cell(source["complete_to"] or "No data yet"),
                       cell(row["fraction_text"] or "–", row["numerator"]),
                       cell(reviews["fraction_text"] if reviews else "–", reviews["numerator"] if reviews else None)])
    tables.append({"key": "data_quality.police", "caption": "Police data: how far it reaches and what is waiting",
                   "columns": [{"key": "source", "label": "Source", "numeric": False},
                               {"key": "complete_to", "label": "Complete to", "numeric": False},
                               {"key": "rows", "label": "Rows waiting", "numeric": True},
                               {"key": "reviews", "label": "Reviews not yet decided", "numeric": True}],
                   "rows": police})
    notes = [r["notes"][0] for r in rows if r["notes"] and r["value"] is not None]
    return {"key": "data_quality", "title": "Data quality", "intro": QUALITY_INTRO, "available": True,
            "measures": [], "tables": tables, "charts": [], "notes": notes, "tracker": [], "table_rows": rows}


def oversight_results(organisation, quarter: Period) -> tuple[list[Result], dict]:
    """The case audits as counts: chosen by status, grades given overall and by domain, themes."""
    summary = audit_summary(organisation, quarter)
    labels = summary["grade_labels"]
    results = [Result(
        key="oversight.audits", label="Cases chosen for audit", definition="Cases chosen for audit in the quarter, "
        "by where the audit is.", unit="count", value=float(summary["chosen"]), numerator=summary["chosen"],
        denominator=None, period=quarter.label,
        breakdowns={"status": tuple(count_cell(k, AuditStatus(k).label, summary["status"][k]) for k in AuditStatus.values)},
    ), Result(
        key="oversight.grades", label="Grades given", definition="Every domain grade given in the audits done.",
        unit="count", value=float(sum(summary["overall"].values())), numerator=sum(summary["overall"].values()),
        denominator=None, period=quarter.label,
        breakdowns={"grade": tuple(count_cell(k, labels[k], n) for k, n in summary["overall"].items())},
    )]
    for n, domain in enumerate(summary["domains"]):
        results.append(Result(
            key=f"oversight.domain.{n}", label=domain["name"], definition="Grades given for this domain.",
            unit="count", value=float(domain["graded"]), numerator=domain["graded"], denominator=None,
            period=quarter.label,
            breakdowns={"grade": tuple(count_cell(k, labels[k], c) for k, c in domain["grades"].items())},
        ))
    if summary["themes"]:
        results.append(Result(
            key="oversight.themes", label="Themes found", definition="Audits done that found each theme.",
            unit="count", value=None, numerator=None, denominator=None, period=quarter.label,
            breakdowns={"theme": tuple(count_cell(f"t{n}", t["theme"], t["count"])
                                       for n, t in enumerate(summary["themes"]))},
        ))
    return results, summary


def oversight_section(rows: list[dict], summary: dict | None) -> dict:
    """The management oversight section from its published rows."""
    if summary is None:
        return placeholder_section("oversight", "Management oversight", f"{OVERSIGHT_INTRO} {WHOLE_SERVICE}")
    by_key = {r["key"]: r for r in rows}
    labels = summary["grade_labels"]
    tables = []
    audits = by_key["oversight.audits"]
    tables.append({"key": "oversight.audits", "caption": "Cases chosen for audit, by where the audit is",
                   "columns": [{"key": "status", "label": "Status", "numeric": False},
                               {"key": "cases", "label": "Cases", "numeric": True}],
                   "rows": [*([cell(c["label"]), cell(c["fraction_text"] or "–", c["numerator"])]
                              for b in audits["breakdowns"] for c in b["rows"]),
                            [cell("All chosen"), cell(audits["fraction_text"] or "–", audits["numerator"])]]})
    graded = [by_key["oversight.grades"], *(r for r in rows if r["key"].startswith("oversight.domain."))]
    tables.append({"key": "oversight.grades", "caption": "Grades given, by domain",
                   "columns": [{"key": "domain", "label": "Domain", "numeric": False},
                               *({"key": k, "label": v, "numeric": True} for k, v in labels.items()),
                               {"key": "all", "label": "All grades", "numeric": True}],
                   "rows": [[cell("All domains" if r["key"] == "oversight.grades" else r["label"]),
                             *(cell(c["fraction_text"] or "–", c["numerator"]) for b in r["breakdowns"]
                               for c in b["rows"]),
                             cell(r["fraction_text"] or "–", r["numerator"])] for r in graded]})
    if "oversight.themes" in by_key:
        tables.append({"key": "oversight.themes", "caption": "Themes the audits found",
                       "columns": [{"key": "theme", "label": "Theme", "numeric": False},
                                   {"key": "audits", "label": "Audits", "numeric": True}],
                       "rows": [[cell(c["label"]), cell(c["fraction_text"] or "–", c["numerator"])]
                                for b in by_key["oversight.themes"]["breakdowns"] for c in b["rows"]]})
    return {"key": "oversight", "title": "Management oversight", "intro": OVERSIGHT_INTRO, "available": True,
            "measures": [], "tables": tables, "charts": [], "notes": [], "tracker": [], "table_rows": []}
