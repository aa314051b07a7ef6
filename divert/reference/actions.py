"""Named, audited writes for reference data: population, board meetings, comparator figures."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from divert.audit.actions import record_event
from divert.core.errors import DomainError
from divert.reference.models import BoardMeeting, ComparatorFigure, Population


@transaction.atomic
def record_board_meeting(*, by, organisation, date: dt.date, sectors: list[str]) -> BoardMeeting:
    """Record a management board meeting and which sectors sent a senior partner (KPI 8)."""
    unknown = set(sectors) - set(BoardMeeting.SECTORS)
    if unknown:
        raise DomainError(f"Unknown sector(s): {', '.join(sorted(unknown))}. Use {', '.join(BoardMeeting.SECTORS)}.")
    if BoardMeeting.objects.filter(organisation=organisation, date=date).exists():
        raise DomainError(f"A board meeting on {date:%d/%m/%Y} is already recorded.")
    meeting = BoardMeeting.objects.create(
        organisation=organisation, date=date, **{s: s in sectors for s in BoardMeeting.SECTORS}
    )
    record_event(by=by, verb="recorded_board_meeting", obj=meeting, organisation=organisation,
                 details={"sectors": sorted(sectors)})
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
def load_population(*, by, organisation, rows: list[dict], source: str) -> int:
    """Load (or replace) 10-17 population cells: dicts of year, area_code, age, sex,
    ethnic_group and count. Returns how many cells were written."""
    if not source:
        raise DomainError("Say where the population figures come from (e.g. ONS mid-year estimate 2024).")
    written = 0
    for row in rows:  # reference cells (a few hundred), not children
        if not 10 <= int(row["age"]) <= 17:
            raise DomainError(f"Population ages must be 10-17, not {row['age']}.")
        Population.objects.update_or_create(
            organisation=organisation, year=row["year"], area_code=row["area_code"], age=row["age"],
            sex=row["sex"], ethnic_group=row["ethnic_group"],
            defaults={"count": row["count"], "source": source},
        )
        written += 1
    record_event(by=by, verb="loaded_population", organisation=organisation,
                 details={"cells": written, "years": sorted({int(r["year"]) for r in rows})})
    return written
