"""Reference data actions: board meetings, comparator figures, population; each audited."""

import datetime as dt

import pytest

from divert.audit.models import AuditEvent
from divert.core.errors import DomainError
from divert.reference.actions import load_population, record_board_meeting, set_comparator_figure
from divert.reference.models import Population


def test_board_meeting_recorded_once_with_its_sectors(personas):
    org, by = personas.north, personas.service_manager
    meeting = record_board_meeting(by=by, organisation=org, date=dt.date(2025, 5, 1), sectors=["police", "health"])
    assert (meeting.police, meeting.health, meeting.education) == (True, True, False)
    assert AuditEvent.objects.filter(verb="recorded_board_meeting", object_id=meeting.pk).exists()
    with pytest.raises(DomainError):
        record_board_meeting(by=by, organisation=org, date=dt.date(2025, 5, 1), sectors=[])
    with pytest.raises(DomainError):
        record_board_meeting(by=by, organisation=org, date=dt.date(2025, 6, 1), sectors=["fire"])


def test_comparator_figure_entered_then_corrected(personas):
    org, by = personas.north, personas.performance_officer
    kwargs = dict(by=by, organisation=org, measure_key="fte.year_ending_december", period_label="2024",
                  comparator="england")
    set_comparator_figure(**kwargs, value=150.0)
    figure = set_comparator_figure(**kwargs, value=148.0, source="YJB youth justice statistics 2024")
    assert figure.value == 148.0
    assert AuditEvent.objects.filter(verb="changed_comparator_figure").count() == 1
    with pytest.raises(DomainError):
        set_comparator_figure(**{**kwargs, "comparator": "mars"}, value=1.0)


def test_population_loaded_with_its_source(personas):
    rows = [{"year": 2024, "area_code": "E06000016", "age": a, "sex": "male", "ethnic_group": "white", "count": 100}
            for a in range(10, 18)]
    assert load_population(by=personas.administrator, organisation=personas.north, rows=rows,
                           source="ONS mid-year estimate 2024") == 8
    assert Population.objects.filter(organisation=personas.north).count() == 8
    with pytest.raises(DomainError):
        load_population(by=personas.administrator, organisation=personas.north, rows=rows, source="")
