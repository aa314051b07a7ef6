"""CSRF: a form sent without the CSRF token is refused with 403 on every page.

The walk posts to every route in the URL configuration, as a user whose role may use the
page and with ids of records that user can see, so that only the missing token stands
between the request and the action. Nothing may be saved.
"""

from __future__ import annotations

import pytest
from django.test import Client

from divert.audit.models import AuditEvent
from divert.core.access import PUBLIC, SIGNED_IN, declared_access
from tests.security.conftest import bearer, expand, page_routes, walk_urls

# Personas to try, in order, for a page: the first whose role the page allows posts to it.
PERSONA_ORDER = ["worker_a", "team_manager", "service_manager", "performance_officer", "board_member",
                 "commissioner", "administrator"]


def _user_for(world, callback):
    roles = declared_access(callback) or ()
    if PUBLIC in roles:
        return None
    users = world.personas.all_users()
    for name in PERSONA_ORDER:
        if SIGNED_IN in roles or users[name].has_any_role(roles):
            return users[name]
    raise AssertionError(f"No persona may use {callback}")


def test_no_view_is_exempt_from_csrf_checks():
    """Django's csrf_exempt is used nowhere in the pages (the API checks CSRF for cookie sign-in itself)."""
    exempt = [route for route, callback in walk_urls()
              if getattr(callback, "csrf_exempt", False) and not route.startswith("api/")]
    assert exempt == []


def test_every_page_refuses_a_post_without_a_csrf_token(world):
    checked, problems = 0, []
    before = AuditEvent.objects.count()
    for route, callback in page_routes():
        user = _user_for(world, callback)
        client = Client(enforce_csrf_checks=True)
        if user is not None:
            client.force_login(user)
        for url in expand(route, world.north.ids):
            response = client.post(url, {"reason": "No token", "name": "x"})
            checked += 1
            if response.status_code != 403 or b"CSRF" not in response.content:
                problems.append(f"POST {url} as {user}: {response.status_code}")
    assert problems == []
    assert checked >= 50
    # Signing in (force_login) writes no events; nothing else may have been recorded either.
    assert AuditEvent.objects.count() == before


def test_a_post_with_the_token_gets_through(client, world):
    """The control: the same kind of post with a token is not refused for CSRF."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.personas.worker_a)
    client.get("/children/new/")
    token = client.cookies["csrftoken"].value
    response = client.post("/children/new/", {"csrfmiddlewaretoken": token, "first_name": ""})
    assert response.status_code == 200  # the form with its errors, not a CSRF refusal


@pytest.mark.parametrize("path", ["/api/referrals/", f"/api/episodes/{1}/sessions/"])
def test_the_api_refuses_a_cookie_signed_in_post_without_a_token(world, path):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.personas.worker_a)
    response = client.post(path, {}, content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_the_api_with_a_bearer_token_needs_no_csrf_token(world):
    """Bearer tokens are not sent by browsers on their own, so they need no CSRF token."""
    client = Client(enforce_csrf_checks=True)
    response = client.post("/api/referrals/", {}, content_type="application/json", **bearer(world.personas.worker_a))
    assert response.status_code == 400  # the body is checked: it got past CSRF and the role check
