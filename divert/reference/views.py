"""Pages for service managers and performance officers: the reference data the measures
use (10-17 population, comparator figures, board meetings) and the RAG thresholds.

Everything is the user's own organisation's: a record of another organisation is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Max, Min, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from divert.accounts.models import Role
from divert.core.access import allow
from divert.core.errors import DomainError
from divert.core.pages import form_page
from divert.kpis import actions as kpi_actions
from divert.kpis.catalogue import measure_catalogue, measure_info
from divert.kpis.formatting import format_value
from divert.offending import actions as offending_actions
from divert.offending.models import OffenceType
from divert.reference import actions
from divert.reference.forms import (
    SECTOR_LABELS,
    BoardMeetingForm,
    ComparatorFigureForm,
    OffenceTypeForm,
    OffenceTypeImportForm,
    PopulationCellForm,
    PopulationImportForm,
    RagThresholdForm,
    is_percentage,
)
from divert.reference.importing import check_offence_type_file, check_population_file
from divert.reference.models import BoardMeeting, ComparatorFigure, Population

MANAGERS = (Role.SERVICE_MANAGER, Role.PERFORMANCE_OFFICER)
PROBLEMS_SHOWN = 200


def _org(request: HttpRequest):
    return request.user.organisation


def _mine(request: HttpRequest, model):
    """The model's records for the user's organisation (none for users without one)."""
    return model.objects.filter(organisation_id=request.user.organisation_id)


def _to_engine(measure_key: str, value: float | None) -> float | None:
    """Percentages as entered → proportions (0-1) as the engine computes them."""
    if value is None or not is_percentage(measure_key):
        return value
    return value / 100


def _to_page(measure_key: str, value: float | None) -> float | None:
    if value is None or not is_percentage(measure_key):
        return value
    return round(value * 100, 6)


# ---- Population -------------------------------------------------------------------------


@allow(*MANAGERS)
def population(request: HttpRequest) -> HttpResponse:
    """Population figures by year: areas, sources, cells and children."""
    rows = _mine(request, Population)
    years = (
        rows.order_by("-year").values("year")
        .annotate(cells=Count("pk"), children=Sum("count"), areas=Count("area_code", distinct=True),
                  first_source=Min("source"), last_source=Max("source"))
    )
    return render(request, "reference/population.html", {"years": years})


@allow(*MANAGERS)
def population_year(request: HttpRequest, year: int) -> HttpResponse:
    """Every population figure of one year, each with a link to change it."""
    cells = _mine(request, Population).filter(year=year).order_by("area_code", "age", "sex", "ethnic_group")
    return render(request, "reference/population_year.html", {"year": year, "cells": cells})


def _cell_page(request: HttpRequest, cell: Population | None) -> HttpResponse:
    def save(data):
        return actions.set_population_cell(by=request.user, organisation=_org(request), cell=cell, **data)

    initial = {}
    if cell is not None:
        initial = {f: getattr(cell, f) for f in ("year", "area_code", "age", "sex", "ethnic_group", "count", "source")}
    return form_page(
        request, PopulationCellForm, heading="Change a population figure" if cell else "Add a population figure",
        save=save, success_url=lambda c: reverse("kpis:reference:population_year", args=[c.year]),
        success_message="Population figure saved", form_kwargs={"initial": initial},
        back_url=reverse("kpis:reference:population"), caption="Reference data",
    )


@allow(*MANAGERS)
def population_add(request: HttpRequest) -> HttpResponse:
    """Add one population figure."""
    return _cell_page(request, None)


@allow(*MANAGERS)
def population_edit(request: HttpRequest, cell_id: int) -> HttpResponse:
    """Correct one population figure."""
    return _cell_page(request, get_object_or_404(_mine(request, Population), pk=cell_id))


@allow(*MANAGERS)
def population_import(request: HttpRequest) -> HttpResponse:
    """Import a file of population figures: every row is checked; nothing is written unless all pass."""
    return _import_page(
        request, PopulationImportForm, check=check_population_file,
        load=lambda rows: actions.load_population(by=request.user, organisation=_org(request), rows=rows,
                                                  verb="imported_population"),
        heading="Import population figures", noun="population figure", back="kpis:reference:population",
        intro=("One row per year, area, age (10 to 17), sex and ethnic group, with the number of children and "
               "where the figure comes from. A figure already loaded for the same year, area, age, sex and "
               "ethnic group is replaced."),
        columns=("year", "area_code", "age", "sex (male, female, not_known)",
                 "ethnic_group (white, mixed, black, asian, other, not_known)", "count", "source"),
    )


def _import_page(request: HttpRequest, form_class, *, check, load, heading: str, noun: str, back: str,
                 intro: str, columns: tuple[str, ...]) -> HttpResponse:
    """A reference data file: every row checked, problems by row and column, nothing written
    unless every row is right."""
    form = form_class(request.POST or None, request.FILES or None)
    checked = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        checked = check(upload.name, upload.read())
        if checked.is_valid:
            try:
                written = load(checked.rows)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, f"{written} {noun}{'s' if written != 1 else ''} imported")
                return redirect(back)
        else:
            form.add_error("file", "The file has problems: nothing was imported. Correct them and upload it again")
    return render(request, "reference/import.html", {
        "form": form, "heading": heading, "intro": intro, "columns": columns, "back_url": reverse(back),
        "problems": [str(p) for p in checked.errors][:PROBLEMS_SHOWN] if checked else [],
        "more_problems": max(0, len(checked.errors) - PROBLEMS_SHOWN) if checked else 0,
    })


# ---- Offence reference ------------------------------------------------------------------


@allow(*MANAGERS)
def offence_types(request: HttpRequest) -> HttpResponse:
    """The offence reference in use: the organisation's own rows, then the shipped defaults
    it has not replaced."""
    own = list(_mine(request, OffenceType).order_by("code"))
    replaced = {row.code for row in own}
    defaults = [row for row in OffenceType.objects.filter(organisation__isnull=True).order_by("code")
                if row.code not in replaced]
    return render(request, "reference/offence_types.html", {"own": own, "defaults": defaults})


def _offence_type_page(request: HttpRequest, row: OffenceType | None, initial: dict) -> HttpResponse:
    def save(data):
        return offending_actions.set_offence_type(by=request.user, organisation=_org(request), **data)

    def make_form(*args, **kwargs):
        form = OffenceTypeForm(*args, **kwargs)
        if row is not None:  # the code identifies the row: change the rest
            form.fields["code"].disabled = True
        return form

    return form_page(
        request, make_form, heading="Change an offence" if row else "Add an offence",
        save=save, success_url=lambda _: reverse("kpis:reference:offence_types"),
        success_message="Offence saved", form_kwargs={"initial": initial},
        back_url=reverse("kpis:reference:offence_types"), caption="Reference data",
    )


@allow(*MANAGERS)
def offence_type_add(request: HttpRequest) -> HttpResponse:
    """Add the organisation's own row (or replace a shipped default: ?code=...)."""
    initial = {}
    code = request.GET.get("code", "")[:20]
    default = OffenceType.objects.filter(organisation__isnull=True, code=code).first() if code else None
    if default is not None:
        initial = {f: getattr(default, f) for f in ("code", "description", "yjb_category", "seriousness")}
    return _offence_type_page(request, None, initial)


@allow(*MANAGERS)
def offence_type_edit(request: HttpRequest, offence_type_id: int) -> HttpResponse:
    """Change one of the organisation's own rows."""
    row = get_object_or_404(_mine(request, OffenceType), pk=offence_type_id)
    initial = {f: getattr(row, f) for f in ("code", "description", "yjb_category", "seriousness")}
    return _offence_type_page(request, row, initial)


@allow(*MANAGERS)
def offence_types_import(request: HttpRequest) -> HttpResponse:
    """Import the organisation's offence reference from a file; nothing is written unless all rows pass."""
    return _import_page(
        request, OffenceTypeImportForm, check=check_offence_type_file,
        load=lambda rows: offending_actions.load_offence_types(by=request.user, organisation=_org(request),
                                                               rows=rows),
        heading="Import the offence reference", noun="offence", back="kpis:reference:offence_types",
        intro=("One row per offence code. A code already in your reference is replaced; the shipped "
               "defaults are never changed, and your rows take precedence over them."),
        columns=("code", "description", "yjb_category (the category name or its code)",
                 "seriousness (1 to 8, or blank if not scored)"),
    )


# ---- Comparator figures -----------------------------------------------------------------


@allow(*MANAGERS)
def comparators(request: HttpRequest) -> HttpResponse:
    """Comparator figures entered, by measure and period."""
    names = {m.key: m for m in measure_catalogue()}
    figures = [
        {"figure": f, "measure": names[f.measure_key].label if f.measure_key in names else f.measure_key,
         "value": format_value(f.value, names[f.measure_key].unit) if f.measure_key in names else f"{f.value:g}"}
        for f in _mine(request, ComparatorFigure).order_by("measure_key", "period_label", "comparator")
    ]
    return render(request, "reference/comparators.html", {"figures": figures})


def _comparator_page(request: HttpRequest, figure: ComparatorFigure | None) -> HttpResponse:
    def save(data):
        data = {**data, "value": _to_engine(data["measure_key"], data["value"])}
        if figure is None:
            return actions.set_comparator_figure(by=request.user, organisation=_org(request), **data)
        return actions.change_comparator_figure(by=request.user, figure=figure, **data)

    initial = {}
    if figure is not None:
        initial = {"measure_key": figure.measure_key, "period_label": figure.period_label,
                   "comparator": figure.comparator, "value": _to_page(figure.measure_key, figure.value),
                   "source": figure.source}
    return form_page(
        request, ComparatorFigureForm, heading="Change a comparator figure" if figure else "Add a comparator figure",
        save=save, success_url=reverse("kpis:reference:comparators"), success_message="Comparator figure saved",
        form_kwargs={"initial": initial}, back_url=reverse("kpis:reference:comparators"), caption="Reference data",
    )


@allow(*MANAGERS)
def comparator_add(request: HttpRequest) -> HttpResponse:
    """Enter a published comparator figure (entering the same measure, period and comparator again corrects it)."""
    return _comparator_page(request, None)


@allow(*MANAGERS)
def comparator_edit(request: HttpRequest, figure_id: int) -> HttpResponse:
    """Correct a comparator figure."""
    return _comparator_page(request, get_object_or_404(_mine(request, ComparatorFigure), pk=figure_id))


# ---- Board meetings ---------------------------------------------------------------------


@allow(*MANAGERS)
def board_meetings(request: HttpRequest) -> HttpResponse:
    """Board meetings, latest first, with the sectors represented."""
    meetings = [
        {"meeting": m, "sectors": [SECTOR_LABELS[s] for s in BoardMeeting.SECTORS if getattr(m, s)]}
        for m in _mine(request, BoardMeeting).order_by("-date")
    ]
    return render(request, "reference/board_meetings.html", {"meetings": meetings})


def _meeting_page(request: HttpRequest, meeting: BoardMeeting | None) -> HttpResponse:
    def save(data):
        if meeting is None:
            return actions.record_board_meeting(by=request.user, organisation=_org(request), **data)
        return actions.change_board_meeting(by=request.user, meeting=meeting, **data)

    initial = {}
    if meeting is not None:
        initial = {"date": meeting.date, "sectors": [s for s in BoardMeeting.SECTORS if getattr(meeting, s)]}
    return form_page(
        request, BoardMeetingForm, heading="Change a board meeting" if meeting else "Record a board meeting",
        save=save, success_url=reverse("kpis:reference:board_meetings"), success_message="Board meeting saved",
        form_kwargs={"initial": initial}, back_url=reverse("kpis:reference:board_meetings"),
        caption="Reference data", intro="KPI 8 counts, for each meeting in the quarter, how many of the five "
        "sectors were represented by a senior partner.",
    )


@allow(*MANAGERS)
def board_meeting_add(request: HttpRequest) -> HttpResponse:
    """Record a management board meeting."""
    return _meeting_page(request, None)


@allow(*MANAGERS)
def board_meeting_edit(request: HttpRequest, meeting_id: int) -> HttpResponse:
    """Correct a board meeting."""
    return _meeting_page(request, get_object_or_404(_mine(request, BoardMeeting), pk=meeting_id))


# ---- RAG thresholds ---------------------------------------------------------------------


@allow(*MANAGERS)
def rag_thresholds(request: HttpRequest) -> HttpResponse:
    """Every measure with its thresholds, if set."""
    settings = _org(request).rag_thresholds or {}
    rows = []
    for m in measure_catalogue():
        t = settings.get(m.key)
        rows.append({
            "measure": m, "set": bool(t),
            "green": format_value(t.get("green"), m.unit) if t and t.get("green") is not None else "",
            "red": format_value(t.get("red"), m.unit) if t and t.get("red") is not None else "",
            "direction": ("Higher is better" if t.get("higher_is_better", True) else "Lower is better") if t else "",
        })
    return render(request, "reference/rag_thresholds.html", {"rows": rows})


@allow(*MANAGERS)
def rag_threshold_edit(request: HttpRequest) -> HttpResponse:
    """Set (or change) one measure's thresholds: ?measure=<key> chooses it."""
    organisation = _org(request)
    key = request.GET.get("measure", "")
    info = measure_info(key)
    initial: dict = {"measure_key": key} if info else {}
    current = (organisation.rag_thresholds or {}).get(key) if info else None
    if current:
        initial.update(green=_to_page(key, current.get("green")), red=_to_page(key, current.get("red")),
                       higher_is_better="higher" if current.get("higher_is_better", True) else "lower")
    elif info and info.higher_is_better is not None:
        initial["higher_is_better"] = "higher" if info.higher_is_better else "lower"

    def save(data):
        k = data["measure_key"]
        return kpi_actions.set_rag_threshold(
            by=request.user, organisation=organisation, measure_key=k, green=_to_engine(k, data["green"]),
            red=_to_engine(k, data["red"]), higher_is_better=data["higher_is_better"] == "higher",
        )

    return form_page(
        request, RagThresholdForm, heading="Set RAG thresholds", save=save,
        success_url=reverse("kpis:reference:rag_thresholds"), success_message="Thresholds saved",
        form_kwargs={"initial": initial}, back_url=reverse("kpis:reference:rag_thresholds"),
        caption="Measure settings",
        intro="Higher is better: green at or above the green bound, red below the red bound, amber between. "
              "Lower is better: green at or below the green bound, red above the red bound.",
    )
