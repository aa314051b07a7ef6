"""The new-child page: a worker must be in a team, and the duplicate check reveals nothing."""

from divert.audit.models import AuditEvent
from divert.people.models import Child


def test_worker_without_a_team_cannot_create_an_orphan(client, personas):
    personas.worker_a.teams.clear()
    client.force_login(personas.worker_a)
    before = Child.objects.count()
    page = client.post("/children/new/", {
        "first_name": "Nobody", "last_name": "Sees", "date_of_birth_0": "1", "date_of_birth_1": "1",
        "date_of_birth_2": "2011", "sex": "male", "ethnicity": "WBRI"}).content.decode()
    assert "not in a team" in page
    assert Child.objects.count() == before


def test_duplicate_check_does_not_reveal_police_only_children(client, personas):
    client.force_login(personas.worker_a)
    page = client.post("/children/new/", {
        "first_name": "Pat", "last_name": "Testchild", "date_of_birth_0": "14", "date_of_birth_1": "3",
        "date_of_birth_2": "2010", "sex": "male", "ethnicity": "WBRI"})
    assert "already recorded" not in page.content.decode()
    assert AuditEvent.objects.filter(verb="checked_duplicates").exists()
