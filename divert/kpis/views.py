"""The KPI page: every measure with its definition, numbers, interval and RAG.

Service managers and performance officers see the figures as computed; board members
and commissioners see only suppressed aggregates (commissioners: the programmes they fund).
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from divert.accounts.models import Programme, Role
from divert.accounts.requests import SignedInRequest, organisation_of
from divert.audit.actions import record_event
from divert.core.access import allow
from divert.core.dates import parse_date
from divert.core.exports import csv_bytes, xlsx_bytes
from divert.core.pages import form_page
from divert.kpis import actions, tables
from divert.kpis.catalogue import measure_catalogue, measure_info
from divert.kpis.engine import end_of_day
from divert.kpis.formatting import (
    format_flags,
    format_fraction,
    format_interval,
    format_value,
    fraction_label,
)
from divert.kpis.forms import ComparatorFigureForm, RagThresholdForm, is_percentage
from divert.kpis.models import RagThreshold
from divert.kpis.periods import (
    PUBLISHED_KINDS,
    Period,
    financial_quarter_containing,
    is_published,
    latest_published_quarter,
    parse_period,
    publication_day,
)
from divert.kpis.publication import POLICY_TEXT
from divert.kpis.store import ReportTooSlow, served_report
from divert.reference import actions as reference_actions
from divert.reference.models import ComparatorFigure

UNSUPPRESSED_ROLES = (Role.SERVICE_MANAGER, Role.PERFORMANCE_OFFICER)
MANAGERS = (Role.SERVICE_MANAGER, Role.PERFORMANCE_OFFICER)
RAG_CLASS = {"green": "govuk-tag--green", "amber": "govuk-tag--yellow", "red": "govuk-tag--red"}


def _row(item, unit: str) -> dict:
    return {
        "label": item.label,
        "value": format_value(item.value, unit) if unit != "count" or item.value is not None else "",
        "fraction": format_fraction(item),
        "interval": format_interval(item, unit),
        "flags": format_flags(item),
        "details": item.details if hasattr(item, "details") else {},
    }


def _measure(m) -> dict:
    return {
        **_row(m, m.unit),
        "key": m.key,
        "anchor": tables.anchor(m),
        "fraction_label": fraction_label(m),
        "definition": m.definition,
        "period": m.period,
        "notes": m.notes,
        "rag": m.rag,
        "rag_class": RAG_CLASS.get(m.rag or "", ""),
        "changes": [(k.replace("_", " "), tables.change_text(v, m.unit)) for k, v in m.changes.items()],
        "comparators": [(k.replace("_", " "), format_value(v["value"], m.unit)) for k, v in m.comparators.items()],
        "breakdowns": [
            (name.replace("_", " "), [_row(c, "stage_rate" if tables.is_table_only(m) else m.unit) for c in cells])
            for name, cells in m.breakdowns.items() if cells
        ],
        "disproportionality": tables.is_table_only(m),
    }


def _threshold(organisations: list, programmes: list) -> int:
    """The suppression threshold the report applies (the highest of its organisations')."""
    orgs = organisations or [p.organisation for p in programmes]
    return max((o.suppression_threshold for o in orgs), default=5)


def _any_period(request: SignedInRequest, today: dt.date) -> tuple[Period, dt.date, str | None]:
    """Any period and "as at" date (people with child-level access)."""
    error = None
    default = financial_quarter_containing(today).previous()
    try:
        period = parse_period(request.GET.get("period") or default.cli)
    except ValueError as exc:
        error, period = str(exc), default
    try:
        as_at = parse_date(request.GET["as_at"], label="'as at' date") if request.GET.get("as_at") else today
    except ValueError as exc:
        error, as_at = str(exc), today
    return period, as_at, error


def _published_period(request: SignedInRequest, today: dt.date) -> tuple[Period, dt.date, str | None]:
    """A published period only (restricted audiences): a financial quarter or year or a
    calendar year whose publication day has come, as at that day; any 'as at' date asked for
    is ignored, so no two views of a period can be differenced."""
    default = latest_published_quarter(today)
    error = None
    try:
        period = parse_period(request.GET.get("period") or default.cli)
    except ValueError as exc:
        error, period = str(exc), default
    if error is None and not is_published(period, today):
        if period.kind in PUBLISHED_KINDS:
            error = f"The figures for {period.label} are published on {publication_day(period):%-d %B %Y}."
        else:
            error = ("Published figures are for a financial quarter (like 2025-26Q1), a financial year "
                     "(like 2025-26) or a calendar year (like 2024).")
        period = default
    return period, publication_day(period), error


def _audience(user) -> tuple[list, list]:
    """The organisations (or, for a commissioner, the funded programmes) the user's report covers."""
    if user.organisation_id and user.has_any_role(
        (Role.SERVICE_MANAGER, Role.PERFORMANCE_OFFICER, Role.BOARD_MEMBER)
    ):
        return [user.organisation], []
    if user.commissioner_id:
        return [], list(Programme.objects.filter(funded_by=user.commissioner_id).select_related("organisation"))
    return [], []


EXPORTS = {
    "csv": ("text/csv; charset=utf-8", csv_bytes),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
             lambda rows: xlsx_bytes(rows, sheet="Measures")),
}


def _export(request: SignedInRequest, result, fmt: str, organisations: list, programmes: list,
            period: Period) -> HttpResponse:
    """The report as shown, as a CSV or XLSX download (audited with counts, never figures)."""
    content_type, write = EXPORTS[fmt]
    rows = list(tables.export_rows(result))
    for organisation_id in sorted({o.pk for o in organisations} | {p.organisation_id for p in programmes}):
        record_event(by=request.user, verb="exported_kpis", organisation=organisation_id, details={
            "via": "page", "format": fmt, "period": period.cli, "as_at": result.as_at.isoformat(),
            "programmes": sorted(p.pk for p in programmes), "suppressed": result.suppressed,
            "measures": len(result.measures), "rows": len(rows) - 1,
        })
    response = HttpResponse(write(rows), content_type=content_type)
    name = f"measures-{period.cli}-as-at-{result.as_at.isoformat()}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@allow(Role.SERVICE_MANAGER, Role.PERFORMANCE_OFFICER, Role.BOARD_MEMBER, Role.COMMISSIONER)
def report(request: SignedInRequest) -> HttpResponse:
    """Every measure for the user's organisation (or funded programmes) and a period, with a
    summary table and sections to jump to; ?format=csv or xlsx downloads what is shown."""
    user = request.user
    today = timezone.localdate()
    suppress = not user.has_any_role(UNSUPPRESSED_ROLES)
    period, as_at, error = (_published_period if suppress else _any_period)(request, today)
    known_on = end_of_day(as_at) if suppress else None
    organisations, programmes = _audience(user)
    served, too_slow = None, False
    if organisations or programmes:
        try:
            served = served_report(organisations=organisations, programmes=programmes, period=period,
                                   as_at=as_at, known_on=known_on, suppress=suppress)
        except ReportTooSlow:
            too_slow = True
    fmt = request.GET.get("format", "")
    if fmt in EXPORTS and served is not None and error is None:
        return _export(request, served.report, fmt, organisations, programmes, period)
    query = {"period": period.cli, **({} if suppress else {"as_at": as_at.isoformat()})}
    return render(request, "kpis/report.html", {
        "period": period,
        "as_at": as_at,
        "error": error,
        "suppressed": suppress,
        "policy_text": POLICY_TEXT.format(threshold=_threshold(organisations, programmes)),
        "can_edit_reference": user.has_any_role(UNSUPPRESSED_ROLES),
        "served": served,
        "too_slow": too_slow,
        # Read from the stored report only when the page's cached copy of these figures is
        # missing (the template calls them inside {% cache %}, keyed by the stored report).
        "summary": lambda: tables.summary(served.report) if served else [],
        "sections": lambda: [(s, [_measure(m) for m in s.measures]) for s in tables.sections(served.report)]
        if served else [],
        "export_query": urlencode(query),
    })


# ---- Measure settings: comparator figures and RAG thresholds (under /kpis/reference/) ----


def _to_engine(measure_key: str, value: float | None) -> float | None:
    """Percentages as entered → proportions (0-1) as the engine computes them."""
    if value is None or not is_percentage(measure_key):
        return value
    return value / 100


def _to_page(measure_key: str, value: float | None) -> float | None:
    if value is None or not is_percentage(measure_key):
        return value
    return round(value * 100, 6)


@allow(*MANAGERS)
def comparators(request: SignedInRequest) -> HttpResponse:
    """Comparator figures entered, by measure and period."""
    names = {m.key: m for m in measure_catalogue()}
    figures = [
        {"figure": f, "measure": names[f.measure_key].label if f.measure_key in names else f.measure_key,
         "value": format_value(f.value, names[f.measure_key].unit) if f.measure_key in names else f"{f.value:g}"}
        for f in ComparatorFigure.objects.filter(organisation_id=organisation_of(request.user).pk)
        .order_by("measure_key", "period_label", "comparator")
    ]
    return render(request, "kpis/comparators.html", {"figures": figures})


def _comparator_page(request: SignedInRequest, figure: ComparatorFigure | None) -> HttpResponse:
    def save(data):
        data = {**data, "value": _to_engine(data["measure_key"], data["value"])}
        if figure is None:
            return reference_actions.set_comparator_figure(by=request.user, organisation=organisation_of(request.user), **data)
        return reference_actions.change_comparator_figure(by=request.user, figure=figure, **data)

    initial = {}
    if figure is not None:
        initial = {"measure_key": figure.measure_key, "period_label": figure.period_label,
                   "comparator": figure.comparator, "value": _to_page(figure.measure_key, figure.value),
                   "source": figure.source}
    return form_page(
        request, ComparatorFigureForm, heading="Change a comparator figure" if figure else "Add a comparator figure",
        save=save, success_url=reverse("kpis:comparators"), success_message="Comparator figure saved",
        form_kwargs={"initial": initial}, back_url=reverse("kpis:comparators"), caption="Reference data",
    )


@allow(*MANAGERS)
def comparator_add(request: SignedInRequest) -> HttpResponse:
    """Enter a published comparator figure (entering the same measure, period and comparator again corrects it)."""
    return _comparator_page(request, None)


@allow(*MANAGERS)
def comparator_edit(request: SignedInRequest, figure_id: int) -> HttpResponse:
    """Correct a comparator figure."""
    return _comparator_page(request, get_object_or_404(ComparatorFigure.objects.filter(organisation_id=organisation_of(request.user).pk), pk=figure_id))


@allow(*MANAGERS)
def rag_thresholds(request: SignedInRequest) -> HttpResponse:
    """Every measure with its thresholds, if set."""
    organisation = organisation_of(request.user)
    settings = RagThreshold.objects.by_organisation([organisation.pk])[organisation.pk]
    rows = []
    for m in measure_catalogue():
        t = settings.get(m.key)
        rows.append({
            "measure": m, "set": bool(t),
            "green": format_value(t.get("green"), m.unit) if t and t.get("green") is not None else "",
            "red": format_value(t.get("red"), m.unit) if t and t.get("red") is not None else "",
            "direction": ("Higher is better" if t.get("higher_is_better", True) else "Lower is better") if t else "",
        })
    return render(request, "kpis/rag_thresholds.html", {"rows": rows})


@allow(*MANAGERS)
def rag_threshold_edit(request: SignedInRequest) -> HttpResponse:
    """Set (or change) one measure's thresholds: ?measure=<key> chooses it."""
    organisation = organisation_of(request.user)
    key = request.GET.get("measure", "")
    info = measure_info(key)
    initial: dict = {"measure_key": key} if info else {}
    current = RagThreshold.objects.by_organisation([organisation.pk])[organisation.pk].get(key) if info else None
    if current:
        initial.update(green=_to_page(key, current.get("green")), red=_to_page(key, current.get("red")),
                       higher_is_better="higher" if current.get("higher_is_better", True) else "lower")
    elif info and info.higher_is_better is not None:
        initial["higher_is_better"] = "higher" if info.higher_is_better else "lower"

    def save(data):
        k = data["measure_key"]
        return actions.set_rag_threshold(
            by=request.user, organisation=organisation, measure_key=k, green=_to_engine(k, data["green"]),
            red=_to_engine(k, data["red"]), higher_is_better=data["higher_is_better"] == "higher",
        )

    return form_page(
        request, RagThresholdForm, heading="Set RAG thresholds", save=save,
        success_url=reverse("kpis:rag_thresholds"), success_message="Thresholds saved",
        form_kwargs={"initial": initial}, back_url=reverse("kpis:rag_thresholds"),
        caption="Measure settings",
        intro="Higher is better: green at or above the green bound, red below the red bound, amber between. "
              "Lower is better: green at or below the green bound, red above the red bound.",
    )
