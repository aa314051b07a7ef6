"""A child's record over time: local IDs, status records, allocation and merging."""

import datetime as dt

import pytest

from divert.core.errors import DomainError
from divert.people.actions import allocate_child, create_child, record_status
from divert.people.models import Accommodation, Child
from divert.privacy.actions import merge_children

D = dt.date
TODAY = D(2025, 6, 30)


def test_duplicate_local_id_is_a_clear_error(personas):
    # N-0001 is child_a's, whom worker_a can see; a record they cannot see gets neutral words.
    with pytest.raises(DomainError, match="local ID"):
        create_child(by=personas.worker_a, organisation=personas.north, today=TODAY, team=personas.team_a,
                     first_name="New", last_name="Child", date_of_birth=D(2011, 1, 1), local_id="N-0001")


def test_status_records_never_overlap(personas):
    child = personas.child_a
    record_status(by=personas.worker_a, child=child, status="accommodation", start_date=D(2025, 6, 10),
                  today=TODAY, type="parents", suitability="suitable")
    with pytest.raises(DomainError, match="already recorded"):
        record_status(by=personas.worker_a, child=child, status="accommodation", start_date=D(2025, 6, 1),
                      today=TODAY, type="family", suitability="suitable")
    with pytest.raises(DomainError, match="already recorded"):
        record_status(by=personas.worker_a, child=child, status="accommodation", start_date=D(2025, 6, 10),
                      today=TODAY, type="parents", suitability="suitable")
    record_status(by=personas.worker_a, child=child, status="accommodation", start_date=D(2025, 6, 20),
                  today=TODAY, type="family", suitability="suitable")
    assert Accommodation.objects.current_on(D(2025, 6, 25)).filter(child=child).count() == 1
    assert Accommodation.objects.current_on(D(2025, 6, 15)).get(child=child).type == "parents"


def test_allocation_moves_open_support(personas, open_work):
    allocate_child(by=personas.team_manager, child=personas.child_a, team=personas.team_b, worker=personas.worker_b,
                   reason="Moved nearer Team B")
    open_work["episode"].refresh_from_db()
    assert (open_work["episode"].team, open_work["episode"].worker) == (personas.team_b, personas.worker_b)


def test_merge_repoints_earlier_merges(personas):
    first = create_child(by=None, organisation=personas.north, today=TODAY, team=personas.team_a,
                         first_name="A", last_name="One", date_of_birth=D(2011, 1, 1))
    second = create_child(by=None, organisation=personas.north, today=TODAY, team=personas.team_a,
                          first_name="A", last_name="One", date_of_birth=D(2011, 1, 1))
    merge_children(by=personas.team_manager, keep=second, duplicate=first, reason="same")
    merge_children(by=personas.team_manager, keep=personas.child_a, duplicate=second, reason="same")
    assert Child.objects.get(pk=first.pk).merged_into_id == personas.child_a.pk
