"""Audit events are written in the action's transaction and never carry personal data."""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from divert.audit.actions import void_record
from divert.audit.models import AuditEvent
from divert.core.errors import DomainError
from divert.people.actions import allocate_child, create_child, update_child_details
from divert.people.models import Child
from divert.referrals.models import Referral


def test_creating_a_child_writes_one_event_without_the_name(personas, today):
    last_id = AuditEvent.objects.latest("id").id
    child = create_child(
        by=personas.worker_a, organisation=personas.north, today=today, team=personas.team_a,
        first_name="Zainab", last_name="Okafor", date_of_birth=dt.date(2011, 1, 2),
    )
    events = list(AuditEvent.objects.filter(id__gt=last_id))
    # A person recording a child: the duplicate check, then the child.
    assert [e.verb for e in events] == ["checked_duplicates", "created_child"]
    assert events[1].child_id == child.pk
    assert not any("Zainab" in str(e.details) for e in events)


def test_a_failed_action_leaves_no_event_and_no_record(personas, today):
    before_events, before_children = AuditEvent.objects.count(), Child.objects.count()
    with pytest.raises(DomainError):
        create_child(
            by=personas.worker_a, organisation=personas.north, today=today,
            first_name="Future", last_name="Child", date_of_birth=today + dt.timedelta(days=1),
        )
    assert AuditEvent.objects.count() == before_events
    assert Child.objects.count() == before_children


def test_event_rolls_back_with_its_transaction(personas):
    before = AuditEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        update_child_details(by=personas.worker_a, child=personas.child_a, school="Hillside Academy")
        raise RuntimeError("crash half-way")
    assert AuditEvent.objects.count() == before
    personas.child_a.refresh_from_db()
    assert personas.child_a.school == ""


def test_update_names_fields_not_values(personas):
    update_child_details(by=personas.worker_a, child=personas.child_a, school="Hillside Academy")
    event = AuditEvent.objects.latest("id")
    assert event.details == {"fields": ["school"]}


def test_allocation_moves_scope(personas):
    allocate_child(by=personas.team_manager, child=personas.child_a, team=personas.team_b,
                   worker=personas.worker_b, reason="Moved nearer Team B")
    assert not Child.objects.visible_to(personas.worker_a).filter(pk=personas.child_a.pk).exists()
    assert Child.objects.visible_to(personas.worker_b).filter(pk=personas.child_a.pk).exists()
    assert AuditEvent.objects.latest("id").verb == "allocated_child"


def test_allocating_to_a_worker_outside_the_team_is_refused(personas):
    with pytest.raises(DomainError, match="worker in the team"):
        allocate_child(by=personas.team_manager, child=personas.child_a, team=personas.team_a,
                       worker=personas.worker_b)


def test_voided_record_is_kept_and_drops_out_of_known_on(personas):
    referral = Referral.objects.create(
        child=personas.child_a, programme=personas.programme, source="school",
        received_on=dt.date(2025, 6, 1),
        recorded_at=timezone.make_aware(dt.datetime(2025, 6, 1, 9)),
    )
    voided_at = timezone.make_aware(dt.datetime(2025, 6, 10, 9))
    with pytest.raises(DomainError, match="reason"):
        void_record(by=personas.worker_a, record=referral, reason=" ")
    void_record(by=personas.worker_a, record=referral, reason="Entered on the wrong child",
                now=voided_at)
    assert Referral.objects.filter(pk=referral.pk).exists()
    assert not Referral.objects.current().filter(pk=referral.pk).exists()
    before_void = timezone.make_aware(dt.datetime(2025, 6, 5))
    assert Referral.objects.known_on(before_void).filter(pk=referral.pk).exists()
    assert not Referral.objects.known_on(voided_at).filter(pk=referral.pk).exists()
    event = AuditEvent.objects.latest("id")
    assert (event.verb, event.child_id) == ("voided_record", personas.child_a.pk)


def test_voiding_a_session_is_on_the_childs_trail(personas, open_work):
    void_record(by=personas.worker_a, record=open_work["session"], reason="Wrong child")
    assert AuditEvent.objects.latest("id").child_id == personas.child_a.pk
