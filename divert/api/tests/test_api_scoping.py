"""The API is scoped, permission-checked and audited exactly like the pages."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from divert.accounts.actions import deactivate_user, issue_token
from divert.accounts.models import ApiToken
from divert.audit.models import AuditEvent
from divert.people.tests.test_scoping import EXPECTED
from divert.web.tests.test_child_pages import CHILDREN, NO_CHILD_ROLES


def _auth(user):
    _, secret = issue_token(user=user, name="test")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


@pytest.mark.parametrize("persona", sorted(EXPECTED))
@pytest.mark.parametrize("child_name", CHILDREN)
def test_child_endpoint_is_scoped(client, personas, persona, child_name):
    user = personas.all_users()[persona]
    child = getattr(personas, child_name)
    response = client.get(f"/api/children/{child.pk}/", **_auth(user))
    if child_name in EXPECTED[persona]:
        assert response.status_code == 200
        assert response.json()["id"] == child.pk
    elif persona in NO_CHILD_ROLES:
        assert response.status_code == 403
    else:
        assert response.status_code == 404


@pytest.mark.parametrize("persona", sorted(set(EXPECTED) - NO_CHILD_ROLES))
def test_child_list_endpoint_is_scoped(client, personas, persona):
    user = personas.all_users()[persona]
    response = client.get("/api/children/", **_auth(user))
    ids = {row["id"] for row in response.json()["results"]}
    expected = {getattr(personas, n).pk for n in EXPECTED[persona]}
    assert ids == expected


def test_api_view_is_audited(client, personas):
    client.get(f"/api/children/{personas.child_a.pk}/", **_auth(personas.worker_a))
    event = AuditEvent.objects.filter(verb="viewed_child").latest("id")
    assert event.details == {"via": "api"}
    assert event.child_id == personas.child_a.pk


def test_no_token_is_refused(client, personas):
    assert client.get("/api/children/").status_code in (401, 403)


def test_tokens_are_stored_hashed(personas):
    token, secret = issue_token(user=personas.worker_a, name="laptop")
    stored = ApiToken.objects.get(pk=token.pk)
    assert secret not in (stored.key_hash, stored.prefix)
    assert stored.prefix == secret[: len(stored.prefix)]


def test_expired_token_is_refused(client, personas):
    token, secret = issue_token(user=personas.worker_a, name="old")
    ApiToken.objects.filter(pk=token.pk).update(
        created_at=timezone.now() - dt.timedelta(days=100),
        expires_at=timezone.now() - dt.timedelta(days=10),
    )
    response = client.get("/api/children/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 401


def test_deactivated_user_token_stops_working(client, personas):
    _, secret = issue_token(user=personas.worker_a, name="laptop")
    deactivate_user(by=personas.administrator, user=personas.worker_a)
    response = client.get("/api/children/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 401


def test_schema_is_served_to_signed_in_users(client, personas):
    response = client.get("/api/schema/", **_auth(personas.board_member))
    assert response.status_code == 200
    assert b"/api/children/" in response.content


def test_schema_is_refused_without_signing_in(client, personas):
    response = client.get("/api/schema/")
    assert response.status_code in (401, 403)
    assert b"/api/children/" not in response.content


def test_schema_is_refused_to_a_bad_token(client, personas):
    response = client.get("/api/schema/", HTTP_AUTHORIZATION="Bearer not-a-token")
    assert response.status_code == 401


def test_token_command_issues_a_working_token(client, personas):
    out = StringIO()
    call_command("token", "issue", "worker_a", "script", stdout=out)
    secret = out.getvalue().strip().splitlines()[-1]
    response = client.get("/api/children/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
    call_command("token", "revoke", str(ApiToken.objects.latest("id").pk), stdout=StringIO())
    assert client.get("/api/children/", HTTP_AUTHORIZATION=f"Bearer {secret}").status_code == 401
