"""Recording a child who matches a record outside the worker's scope reveals nothing: the
answer cannot be told apart from a refusal for another reason, and the attempt waits for a
manager who can see the record to decide (audited with ids only)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection

from divert.accounts import actions as acc
from divert.accounts.actions import issue_token
from divert.accounts.models import Role
from divert.audit.actions import void_record
from divert.audit.models import AuditEvent
from divert.core.errors import DomainError
from divert.people import actions
from divert.people.models import Child, DuplicateAttempt

D = dt.date
TODAY = D(2025, 6, 30)
ENTERED = {"first_name": "Zed", "last_name": "Zedson", "sex": "male", "ethnicity": "WBRI", "local_id": "Z-1"}
DOB = D(2011, 2, 2)


def _web(client, user) -> tuple[int, str]:
    client.force_login(user)
    response = client.post("/children/new/", {**ENTERED, "date_of_birth_0": str(DOB.day),
                                              "date_of_birth_1": str(DOB.month), "date_of_birth_2": str(DOB.year)})
    # The page differs only in its CSRF and one-time form tokens, which change with every answer.
    body = re.sub(r'name="(csrfmiddlewaretoken|form_token)" value="[^"]+"', "", response.content.decode())
    return response.status_code, body


def _api(client, user) -> tuple[int, dict]:
    _, secret = issue_token(user=user, name="check")
    response = client.post("/api/children/", {**ENTERED, "date_of_birth": DOB.isoformat()},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")
    return response.status_code, response.json()


def _child(personas, *, team, first="Zed", last="Zedson", dob=DOB, local_id=""):
    return actions.create_child(by=None, organisation=personas.north, today=TODAY, team=team, first_name=first,
                                last_name=last, date_of_birth=dob, local_id=local_id)


def test_a_match_outside_scope_cannot_be_told_from_a_refusal_for_another_reason(client, personas):
    w = personas.worker_a
    before = Child.objects.count()
    # 1. The child entered is another team's.
    other_teams = _child(personas, team=personas.team_b)
    answers = [(_web(client, w), _api(client, w))]
    void_record(by=personas.service_manager, record=other_teams, reason="Test: gone")
    # 2. The child entered is on the worker's team but restricted from them.
    restricted = _child(personas, team=personas.team_a)
    actions.restrict_record(by=personas.team_manager, child=restricted, user=w, reason="Knows the family")
    answers.append((_web(client, w), _api(client, w)))
    void_record(by=personas.team_manager, record=restricted, reason="Test: gone")
    # 3. Nobody has this name and date of birth; the refusal is for the local ID, which another
    #    team's (different) child holds.
    _child(personas, team=personas.team_b, first="Yan", last="Other", dob=D(2012, 5, 5), local_id="z-1")
    answers.append((_web(client, w), _api(client, w)))

    (web, api), *others = answers
    assert web[0] == 200 and api[0] == 400
    assert actions.NEUTRAL_REFUSAL in web[1]
    assert api[1] == {"non_field_errors": [actions.NEUTRAL_REFUSAL]}
    for other_web, other_api in others:
        assert other_web == web
        assert other_api == api
    assert Child.objects.count() == before + 3  # the three set up here; nothing recorded by the worker


def test_the_attempt_goes_to_the_manager_who_can_see_the_record(client, personas):
    w = personas.worker_a
    restricted = _child(personas, team=personas.team_a)
    actions.restrict_record(by=personas.team_manager, child=restricted, user=w, reason="Knows the family")
    _web(client, w)
    attempt = DuplicateAttempt.objects.get()
    # The team's manager can see the record, so it is theirs to decide.
    assert (attempt.team, attempt.for_service_manager, attempt.matched) == (personas.team_a, False, restricted)
    assert attempt.entered["first_name"] == "Zed"
    assert list(DuplicateAttempt.objects.for_manager(personas.team_manager)) == [attempt]
    assert list(DuplicateAttempt.objects.for_manager(personas.service_manager)) == [attempt]
    assert not DuplicateAttempt.objects.for_manager(w).exists()


def test_a_match_outside_the_team_managers_scope_goes_to_the_service_manager(client, personas):
    other_teams = _child(personas, team=personas.team_b)
    _api(client, personas.worker_a)
    attempt = DuplicateAttempt.objects.get()
    assert attempt.matched == other_teams and attempt.for_service_manager
    assert not DuplicateAttempt.objects.for_manager(personas.team_manager).exists()
    assert list(DuplicateAttempt.objects.for_manager(personas.service_manager)) == [attempt]


def test_the_attempt_is_audited_with_ids_only_and_its_details_encrypted(client, personas):
    _child(personas, team=personas.team_b)
    _web(client, personas.worker_a)
    event = AuditEvent.objects.get(verb="held_new_child")
    attempt = DuplicateAttempt.objects.get()
    assert event.object_id == attempt.pk and event.actor == personas.worker_a
    assert set(event.details) == {"reason", "team", "for_service_manager"}
    assert "Zed" not in str(event.details) and "Z-1" not in str(event.details)

    with connection.cursor() as cursor:
        cursor.execute("SELECT details FROM people_duplicateattempt")
        (stored,) = cursor.fetchone()
    assert stored.startswith("enc1:") and "Zed" not in stored


def test_the_held_list_and_decision_pages(client, personas):
    w = personas.worker_a
    restricted = _child(personas, team=personas.team_a)
    actions.restrict_record(by=personas.team_manager, child=restricted, user=w, reason="Knows the family")
    _web(client, w)
    attempt = DuplicateAttempt.objects.get()
    assert client.get("/children/held/").status_code == 403  # a case worker
    client.force_login(personas.team_manager)
    assert "1 new child to check" in client.get("/my-work/").content.decode()
    page = client.get("/children/held/").content.decode()
    assert f"/children/held/{attempt.pk}/" in page
    page = client.get(f"/children/held/{attempt.pk}/").content.decode()
    assert "Zed Zedson" in page
    assert AuditEvent.objects.filter(verb="viewed_duplicate_attempt", object_id=attempt.pk).exists()
    response = client.post(f"/children/held/{attempt.pk}/", {"resolution": "left", "note": "Told them"})
    assert response.status_code == 302
    attempt.refresh_from_db()
    assert attempt.resolution == "left" and attempt.resolved_by == personas.team_manager
    assert attempt.child == restricted
    event = AuditEvent.objects.get(verb="resolved_duplicate_attempt")
    assert event.details == {"resolution": "left", "matched": restricted.pk, "child": restricted.pk}
    assert "Zed" not in client.get("/children/held/").content.decode()


def test_a_team_manager_cannot_open_an_attempt_outside_their_scope(client, personas):
    _child(personas, team=personas.team_b)
    _web(client, personas.worker_a)
    attempt = DuplicateAttempt.objects.get()
    client.force_login(personas.team_manager)
    assert client.get(f"/children/held/{attempt.pk}/").status_code == 404
    with pytest.raises(DomainError, match="Only a manager who can see"):
        actions.resolve_duplicate_attempt(by=personas.team_manager, attempt=attempt, resolution="left")


def test_same_child_allocates_the_record_to_the_worker(client, personas):
    other_teams = _child(personas, team=personas.team_b)
    _web(client, personas.worker_a)
    attempt = DuplicateAttempt.objects.get()
    actions.resolve_duplicate_attempt(by=personas.service_manager, attempt=attempt, resolution="allocated")
    other_teams.refresh_from_db()
    assert (other_teams.team, other_teams.worker) == (personas.team_a, personas.worker_a)
    with pytest.raises(DomainError, match="already been decided"):
        actions.resolve_duplicate_attempt(by=personas.service_manager, attempt=attempt, resolution="left")


def test_a_different_child_is_recorded_as_new_without_the_other_records_local_id(client, personas):
    holder = _child(personas, team=personas.team_b, first="Yan", last="Other", dob=D(2012, 5, 5), local_id="Z-1")
    _web(client, personas.worker_a)
    attempt = DuplicateAttempt.objects.get()
    assert attempt.reason == "local_id" and attempt.matched == holder
    attempt = actions.resolve_duplicate_attempt(by=personas.service_manager, attempt=attempt,
                                                resolution="recorded_new", today=TODAY)
    new = attempt.child
    assert (new.first_name, new.date_of_birth, new.team, new.local_id) == ("Zed", DOB, personas.team_a, "")
    assert Child.objects.visible_to(personas.worker_a).filter(pk=new.pk).exists()


def test_a_service_manager_restricted_from_the_record_does_not_see_the_attempt(client, personas):
    other_teams = _child(personas, team=personas.team_b)
    second = acc.create_user(by=None, username="sm2", password="x" * 20, roles=[Role.SERVICE_MANAGER],
                             organisation=personas.north)
    actions.restrict_record(by=second, child=other_teams, user=personas.service_manager, reason="Conflict")
    _web(client, personas.worker_a)
    assert not DuplicateAttempt.objects.for_manager(personas.service_manager).exists()
    assert DuplicateAttempt.objects.for_manager(second).count() == 1
