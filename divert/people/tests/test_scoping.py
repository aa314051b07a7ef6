"""Who sees which children: the scoping rules in docs/architecture.md."""

import pytest

from divert.accounts.models import RoleGrant
from divert.audit.actions import void_record
from divert.people.models import Child

EXPECTED = {
    "worker_a": {"child_a"},
    "worker_b": {"child_b"},
    "team_manager": {"child_a"},
    "service_manager": {"child_a", "child_b"},
    "performance_officer": {"child_a", "child_b", "police_only_child"},
    "board_member": set(),
    "commissioner": set(),
    "administrator": set(),
    "other_org_worker": {"other_org_child"},
}


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_each_role_sees_exactly_its_scope(personas, persona):
    user = personas.all_users()[persona]
    names = {"child_a", "child_b", "police_only_child", "other_org_child"}
    by_id = {getattr(personas, n).pk: n for n in names}
    seen = {by_id[pk] for pk in Child.objects.visible_to(user).values_list("pk", flat=True)}
    assert seen == EXPECTED[persona]


def test_inactive_user_sees_nothing(personas):
    personas.service_manager.is_active = False
    assert not Child.objects.visible_to(personas.service_manager).exists()


def test_administrator_given_a_case_role_sees_that_scope(personas):
    admin = personas.administrator
    admin.teams.add(personas.team_b)
    RoleGrant.objects.create(user=admin, role="case_worker")
    admin.__dict__.pop("roles", None)  # drop the cached roles
    assert set(Child.objects.visible_to(admin)) == {personas.child_b}


def test_voided_child_is_out_of_every_scope(personas):
    void_record(by=personas.service_manager, record=personas.child_b, reason="Test record")
    assert not Child.objects.visible_to(personas.service_manager).filter(pk=personas.child_b.pk).exists()
