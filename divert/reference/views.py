"""Pages for service managers and performance officers: the reference data the measures
use (10-17 population, offence reference, board meetings). The measure settings that name
a measure (comparator figures, RAG thresholds) are kpis' pages, beside these.

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
from divert.core.submissions import (
    ALREADY_RECORDED,
    already_recorded,
    earlier_submission,
    form_token,
    save_once,
)
from divert.offending import actions as offending_actions
from divert.offending.models import OffenceType
from divert.reference import actions
from divert.reference.forms import (
    SECTOR_LABELS,
    BoardMeetingForm,
    OffenceTypeForm,
    OffenceTypeImportForm,
    PopulationCellForm,
    PopulationImportForm,
)
from divert.reference.importing import check_offence_type_file, check_population_file
from divert.reference.models import BoardMeeting, Population

MANAGERS = (Role.SERVICE_MANAGER, Role.PERFORMANCE_OFFICER)
PROBLEMS_SHOWN = 200


def _org(request: HttpRequest):
    return request.user.organisation


def _mine(request: HttpRequest, model):
    """The model's records for the user's organisation (none for users without one)."""
    return model.objects.filter(organisation_id=request.user.organisation_id)


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
    if request.method == "POST" and (earlier := earlier_submission(request)) is not None:
        return already_recorded(request, earlier)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        checked = check(upload.name, upload.read())
        if checked.is_valid:
            rows = checked.rows
            counts: list[int] = []

            def save() -> int:
                counts.append(load(rows))
                return counts[-1]

            try:
                first, url = save_once(request, save, lambda _written: reverse(back))
            except DomainError as error:
                form.add_domain_error(error)
            else:
                if first:
                    written = counts[-1]
                    messages.success(request, f"{written} {noun}{'s' if written != 1 else ''} imported")
                else:
                    messages.info(request, ALREADY_RECORDED)
                return redirect(url)
        else:
            form.add_error("file", "The file has problems: nothing was imported. Correct them and upload it again")
    return render(request, "reference/import.html", {
        "form": form, "form_token": form_token(request), "heading": heading, "intro": intro, "columns": columns, "back_url": reverse(back),
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
