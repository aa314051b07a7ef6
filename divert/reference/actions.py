"""Named, audited writes for reference data: population, board meetings, comparator figures."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from divert.audit.actions import record_event
from divert.core.errors import DomainError
from divert.reference.models import BoardMeeting, ComparatorFigure, Population


def _check_sectors(sectors) -> None:
    unknown = set(sectors) - set(BoardMeeting.SECTORS)
    if unknown:
        raise DomainError(f"Unknown sector(s): {', '.join(sorted(unknown))}. Use {', '.join(BoardMeeting.SECTORS)}.")


def _check_meeting_date(organisation, date: dt.date, *, other_than=None) -> None:
    same_day = BoardMeeting.objects.filter(organisation=organisation, date=date)
    if other_than is not None:
        same_day = same_day.exclude(pk=other_than.pk)
    if same_day.exists():
        raise DomainError(f"A board meeting on {date:%d/%m/%Y} is already recorded.", field="date")


@transaction.atomic
def record_board_meeting(*, by, organisation, date: dt.date, sectors: list[str]) -> BoardMeeting:
    """Record a management board meeting and which sectors sent a senior partner (KPI 8)."""
    _check_sectors(sectors)
    _check_meeting_date(organisation, date)
    meeting = BoardMeeting.objects.create(
        organisation=organisation, date=date, **{s: s in sectors for s in BoardMeeting.SECTORS}
    )
    record_event(by=by, verb="recorded_board_meeting", obj=meeting, organisation=organisation,
                 details={"sectors": sorted(sectors)})
    return meeting


@transaction.atomic
def change_board_meeting(*, by, meeting: BoardMeeting, date: dt.date, sectors: list[str]) -> BoardMeeting:
    """Correct a board meeting's date or the sectors that sent a senior partner."""
    _check_sectors(sectors)
    _check_meeting_date(meeting.organisation_id, date, other_than=meeting)
    before = {"date": meeting.date.isoformat(), "sectors": [s for s in BoardMeeting.SECTORS if getattr(meeting, s)]}
    meeting.date = date
    for s in BoardMeeting.SECTORS:
        setattr(meeting, s, s in sectors)
    meeting.save()
    record_event(by=by, verb="changed_board_meeting", obj=meeting, organisation=meeting.organisation_id,
                 details={"before": before, "sectors": sorted(sectors), "date": date.isoformat()})
    return meeting


@transaction.atomic
def set_comparator_figure(
    *, by, organisation, measure_key: str, period_label: str, comparator: str, value: float, source: str = ""
) -> ComparatorFigure:
    """Enter or correct a published comparator figure (YOT family, region, England)."""
    if comparator not in ComparatorFigure.Comparator.values:
        raise DomainError(f"Comparator must be one of {', '.join(ComparatorFigure.Comparator.values)}.")
    figure, created = ComparatorFigure.objects.update_or_create(
        organisation=organisation, measure_key=measure_key, period_label=period_label, comparator=comparator,
        defaults={"value": value, "source": source},
    )
    record_event(by=by, verb="created_comparator_figure" if created else "changed_comparator_figure",
                 obj=figure, organisation=organisation,
                 details={"measure_key": measure_key, "period_label": period_label, "comparator": comparator})
    return figure


@transaction.atomic
def change_comparator_figure(
    *, by, figure: ComparatorFigure, measure_key: str, period_label: str, comparator: str, value: float,
    source: str = "",
) -> ComparatorFigure:
    """Correct an entered comparator figure (its measure, period, comparator, value or source)."""
    if comparator not in ComparatorFigure.Comparator.values:
        raise DomainError(f"Comparator must be one of {', '.join(ComparatorFigure.Comparator.values)}.")
    clash = ComparatorFigure.objects.filter(
        organisation_id=figure.organisation_id, measure_key=measure_key, period_label=period_label,
        comparator=comparator,
    ).exclude(pk=figure.pk)
    if clash.exists():
        raise DomainError("A figure for this measure, period and comparator is already entered: change that one.",
                          field="period_label")
    figure.measure_key, figure.period_label, figure.comparator = measure_key, period_label, comparator
    figure.value, figure.source = value, source
    figure.save()
    record_event(by=by, verb="changed_comparator_figure", obj=figure, organisation=figure.organisation_id,
                 details={"measure_key": measure_key, "period_label": period_label, "comparator": comparator})
    return figure


def _check_population_cell(row: dict) -> None:
    if not 10 <= int(row["age"]) <= 17:
        raise DomainError(f"Population ages must be 10-17, not {row['age']}.", field="age")
    if int(row["count"]) < 0:
        raise DomainError("The number of children cannot be negative.", field="count")


@transaction.atomic
def load_population(*, by, organisation, rows: list[dict], source: str = "", verb: str = "loaded_population") -> int:
    """Load (or replace) 10-17 population cells: dicts of year, area_code, age, sex,
    ethnic_group, count and optionally their own source (else `source`). Returns how many
    cells were written."""
    written = 0
    for row in rows:  # reference cells (a few hundred), not children
        row_source = row.get("source") or source
        if not row_source:
            raise DomainError("Say where the population figures come from (e.g. ONS mid-year estimate 2024).")
        _check_population_cell(row)
        Population.objects.update_or_create(
            organisation=organisation, year=row["year"], area_code=row["area_code"], age=row["age"],
            sex=row["sex"], ethnic_group=row["ethnic_group"],
            defaults={"count": row["count"], "source": row_source},
        )
        written += 1
    record_event(by=by, verb=verb, organisation=organisation,
                 details={"cells": written, "years": sorted({int(r["year"]) for r in rows})})
    return written


@transaction.atomic
def set_population_cell(*, by, organisation, cell: Population | None = None, year: int, area_code: str, age: int,
                        sex: str, ethnic_group: str, count: int, source: str) -> Population:
    """Add one population cell, or correct an existing one (`cell`)."""
    if not source:
        raise DomainError("Say where the figure comes from (e.g. ONS mid-year estimate 2024).", field="source")
    values = dict(year=year, area_code=area_code, age=age, sex=sex, ethnic_group=ethnic_group)
    _check_population_cell({**values, "count": count})
    same = Population.objects.filter(organisation=organisation, **values)
    if cell is not None:
        same = same.exclude(pk=cell.pk)
    if same.exists():
        raise DomainError("There is already a figure for this year, area, age, sex and ethnic group: change that one.",
                          field="year")
    created = cell is None
    if created:
        cell = Population(organisation=organisation)
    for name, value in {**values, "count": count, "source": source}.items():
        setattr(cell, name, value)
    cell.save()
    record_event(by=by, verb="added_population_cell" if created else "changed_population_cell", obj=cell,
                 organisation=organisation, details={"year": year, "age": age})
    return cell
