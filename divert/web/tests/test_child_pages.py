"""Child-level pages are scoped, audited and deny roles without child access."""

import pytest

from conftest import PASSWORD
from divert.audit.models import AuditEvent
from divert.people.actions import create_child
from divert.people.tests.test_scoping import EXPECTED

CHILDREN = ["child_a", "child_b", "police_only_child", "other_org_child"]
NO_CHILD_ROLES = {"board_member", "commissioner", "administrator"}


@pytest.mark.parametrize("persona", sorted(EXPECTED))
@pytest.mark.parametrize("child_name", CHILDREN)
def test_child_record_is_visible_only_in_scope(client, personas, persona, child_name):
    client.force_login(personas.all_users()[persona])
    child = getattr(personas, child_name)
    response = client.get(f"/children/{child.pk}/")
    if child_name in EXPECTED[persona]:
        assert response.status_code == 200
        assert child.first_name in response.content.decode()
    elif persona in NO_CHILD_ROLES:
        assert response.status_code == 403
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("persona", sorted(EXPECTED))
def test_child_list_shows_only_children_in_scope(client, personas, persona):
    client.force_login(personas.all_users()[persona])
    response = client.get("/children/")
    if persona in NO_CHILD_ROLES:
        assert response.status_code == 403
        return
    page = response.content.decode()
    for name in CHILDREN:
        child = getattr(personas, name)
        assert (f"/children/{child.pk}/" in page) == (name in EXPECTED[persona]), name


def test_unknown_child_id_is_404_like_out_of_scope(client, personas):
    client.force_login(personas.worker_a)
    assert client.get("/children/999999/").status_code == 404


def test_viewing_a_child_is_audited(client, personas):
    client.force_login(personas.worker_a)
    client.get(f"/children/{personas.child_a.pk}/")
    event = AuditEvent.objects.filter(verb="viewed_child").latest("id")
    assert event.actor == personas.worker_a
    assert event.child_id == personas.child_a.pk
    assert event.organisation_id == personas.north.pk


def test_refused_view_writes_no_view_event(client, personas):
    client.force_login(personas.worker_b)
    client.get(f"/children/{personas.child_a.pk}/")
    assert not AuditEvent.objects.filter(verb="viewed_child", child_id=personas.child_a.pk).exists()


def test_caseload_lists_own_children(client, personas):
    client.force_login(personas.worker_a)
    page = client.get("/children/?mine=1").content.decode()
    assert personas.child_a.first_name in page


def test_search_finds_by_local_id_and_is_audited_without_the_text(client, personas):
    client.force_login(personas.service_manager)
    page = client.get("/children/?q=N-0002").content.decode()
    assert f"/children/{personas.child_b.pk}/" in page
    assert f"/children/{personas.child_a.pk}/" not in page
    event = AuditEvent.objects.filter(verb="searched_children").latest("id")
    assert "N-0002" not in str(event.details)


def test_sign_in_and_out(client, personas):
    response = client.post("/sign-in/", {"username": "worker_a", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/my-work/").status_code == 200
    assert client.post("/sign-out/").status_code == 302
    assert client.get("/my-work/").status_code == 302


def test_wrong_password_shows_error_summary(client, personas):
    response = client.post("/sign-in/", {"username": "worker_a", "password": "nope"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


def test_health_is_public(client, db):
    assert client.get("/health/").json() == {"status": "ok"}


@pytest.mark.parametrize("url", ["/my-work/", "/children/", "/follow-up/"])
def test_lists_of_children_are_audited_once_per_page(client, personas, url):
    client.force_login(personas.worker_a)
    before = AuditEvent.objects.filter(verb="listed_children").count()
    client.get(url)
    assert AuditEvent.objects.filter(verb="listed_children").count() == before + 1


def test_pages_of_children_keep_the_search(client, personas, today):
    for n in range(55):
        create_child(by=None, organisation=personas.north, today=today, team=personas.team_a,
                     first_name=f"Kid{n:02d}", last_name="Paged", date_of_birth=today.replace(year=2011))
    client.force_login(personas.worker_a)
    page = client.get("/children/", {"q": "Paged"}).content.decode()
    assert "Page 1 of 2" in page
    assert "?q=Paged&amp;page=2" in page


def test_long_search_is_harmless(client, personas):
    client.force_login(personas.service_manager)
    assert client.get("/children/", {"q": "word " * 1200}).status_code == 200
