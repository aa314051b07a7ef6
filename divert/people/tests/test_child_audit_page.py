"""The 'who has seen or changed this child' page: managers only, scoped, and itself audited."""

import pytest

from divert.audit.models import AuditEvent


def _url(child):
    return f"/children/{child.pk}/audit/"


@pytest.mark.parametrize("persona", ["team_manager", "service_manager"])
def test_managers_see_who_has_seen_or_changed_the_child(client, personas, persona):
    client.force_login(personas.worker_a)
    client.get(f"/children/{personas.child_a.pk}/")
    client.force_login(personas.all_users()[persona])
    response = client.get(_url(personas.child_a))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Viewed child" in html and "Worker A" in html and "Created child" in html
    assert "<caption" in html


def test_viewing_the_trail_is_audited(client, personas):
    client.force_login(personas.team_manager)
    client.get(_url(personas.child_a))
    event = AuditEvent.objects.latest("id")
    assert (event.verb, event.child_id, event.actor_id) == (
        "viewed_audit_trail",
        personas.child_a.pk,
        personas.team_manager.pk,
    )


def test_newest_first_and_paginated(client, personas):
    client.force_login(personas.team_manager)
    for _ in range(55):
        client.get(_url(personas.child_a))
    response = client.get(_url(personas.child_a))
    page = response.context["page"]
    assert len(page.object_list) == 50 and page.paginator.num_pages == 2
    ids = [e.pk for e in page.object_list]
    assert ids == sorted(ids, reverse=True)
    assert client.get(_url(personas.child_a) + "?page=2").status_code == 200


@pytest.mark.parametrize(
    "persona",
    [
        "worker_a",
        "worker_b",
        "performance_officer",
        "board_member",
        "commissioner",
        "administrator",
        "other_org_worker",
    ],
)
def test_non_managers_are_refused(client, personas, persona):
    client.force_login(personas.all_users()[persona])
    assert client.get(_url(personas.child_a)).status_code == 403


@pytest.mark.parametrize(
    "persona, child",
    [
        ("team_manager", "child_b"),
        ("team_manager", "other_org_child"),
        ("service_manager", "other_org_child"),
        ("service_manager", "police_only_child"),
    ],
)
def test_children_outside_the_managers_scope_are_not_found(client, personas, persona, child):
    client.force_login(personas.all_users()[persona])
    before = AuditEvent.objects.filter(verb="viewed_audit_trail").count()
    assert client.get(_url(getattr(personas, child))).status_code == 404
    assert AuditEvent.objects.filter(verb="viewed_audit_trail").count() == before


def test_signed_out_users_are_sent_to_sign_in(client, personas):
    assert client.get(_url(personas.child_a)).status_code == 302
