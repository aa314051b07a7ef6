"""Restricted records and restriction of processing: scope and the actions' rules."""

import pytest
from django.utils import timezone

from divert.core.errors import DomainError
from divert.people import actions
from divert.people.models import Child


def test_restricted_record_is_out_of_scope_for_that_user_only(personas):
    p = personas
    actions.allocate_child(by=p.team_manager, child=p.child_a, team=p.team_a, worker=None,
                           reason="Conflict of interest")
    actions.restrict_record(by=p.team_manager, child=p.child_a, user=p.worker_a, reason="Knows the family")
    assert not Child.objects.visible_to(p.worker_a).filter(pk=p.child_a.pk).exists()
    assert Child.objects.visible_to(p.team_manager).filter(pk=p.child_a.pk).exists()
    assert Child.objects.visible_to(p.service_manager).filter(pk=p.child_a.pk).exists()


def test_lifting_a_restriction_restores_access(personas):
    p = personas
    actions.allocate_child(by=p.team_manager, child=p.child_a, team=p.team_a, worker=None,
                           reason="Conflict of interest")
    r = actions.restrict_record(by=p.team_manager, child=p.child_a, user=p.worker_a, reason="Neighbour")
    actions.lift_restriction(by=p.service_manager, restriction=r, reason="Moved away")
    assert Child.objects.visible_to(p.worker_a).filter(pk=p.child_a.pk).exists()
    r.refresh_from_db()
    assert r.lifted_by == p.service_manager and r.reason == "Neighbour"


def test_allocated_worker_cannot_be_restricted_until_reallocated(personas):
    p = personas
    with pytest.raises(DomainError, match="allocated to that worker"):
        actions.restrict_record(by=p.team_manager, child=p.child_a, user=p.worker_a, reason="x")


def test_manager_cannot_restrict_from_themselves(personas):
    with pytest.raises(DomainError, match="yourself"):
        actions.restrict_record(by=personas.team_manager, child=personas.child_a,
                                user=personas.team_manager, reason="x")


def test_only_a_manager_of_the_organisation_can_restrict(personas):
    p = personas
    with pytest.raises(DomainError, match="manager"):
        actions.restrict_record(by=p.worker_b, child=p.child_a, user=p.worker_a, reason="x")
    with pytest.raises(DomainError):
        actions.restrict_record(by=p.team_manager, child=p.other_org_child, user=p.other_org_worker,
                                reason="x")
    # Team A's manager cannot restrict team B's child: it is outside their scope.
    with pytest.raises(DomainError, match="can see this child"):
        actions.restrict_record(by=p.team_manager, child=p.child_b, user=p.worker_a, reason="x")


def test_processing_restriction_excludes_child_from_processing_allowed(personas):
    p = personas
    actions.restrict_processing(by=p.service_manager, child=p.child_a, reason="Accuracy contested")
    assert not Child.objects.processing_allowed().filter(pk=p.child_a.pk).exists()
    assert Child.objects.processing_allowed().filter(pk=p.child_b.pk).exists()
    assert Child.objects.visible_to(p.worker_a).filter(pk=p.child_a.pk).exists()
    with pytest.raises(DomainError, match="restricted"):
        actions.check_processing_allowed(p.child_a)
    actions.lift_processing_restriction(by=p.team_manager, child=p.child_a, reason="Checked: accurate")
    assert Child.objects.processing_allowed().filter(pk=p.child_a.pk).exists()
    actions.check_processing_allowed(p.child_a)


def test_details_as_known_on_a_past_moment(personas):
    p = personas
    before = timezone.now()
    actions.update_child_details(by=p.team_manager, child=p.child_a, school="First School", reason="a")
    middle = timezone.now()
    actions.update_child_details(by=p.team_manager, child=p.child_a, school="Second School",
                                 last_name="Newname", reason="b")
    p.child_a.refresh_from_db()
    assert p.child_a.details_known_on(before)["school"] == ""
    assert p.child_a.details_known_on(middle)["school"] == "First School"
    assert p.child_a.details_known_on(middle)["last_name"] == "Testchild"
    assert p.child_a.details_known_on(timezone.now())["last_name"] == "Newname"
