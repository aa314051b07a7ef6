"""SQL injection strings typed into search boxes and query strings are harmless.

No server error, no rows beyond what the search rules give for that text (worked out with
the ORM, which never builds SQL from strings), and every table still there afterwards.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection

from divert.core.access import PUBLIC, SIGNED_IN, declared_access
from divert.people.models import Child
from tests.security.conftest import PARAM, bearer, page_routes

INJECTIONS = [
    "' OR '1'='1",
    "' OR 1=1 --",
    '" OR ""="',
    "'; DROP TABLE people_child; --",
    "1; DROP TABLE accounts_user",
    "') UNION SELECT username, password, 1, 1 FROM accounts_user --",
    "%' OR 1=1 --",
    "%",
    "_",
    "\\",
    "' AND (SELECT COUNT(*) FROM accounts_user) > 0 --",
    "'; SELECT pg_sleep(3); --",
    "Alfie' --",
    "\x00",
]


def _child_links(html: str) -> set[int]:
    return {int(pk) for pk in re.findall(r'href="/children/(\d+)/"', html)}


def _tables() -> set[str]:
    return set(connection.introspection.table_names())


@pytest.mark.parametrize("persona", ["worker_a", "service_manager", "performance_officer"])
def test_injection_in_the_child_search_is_harmless(client, personas, persona):
    user = personas.all_users()[persona]
    client.force_login(user)
    tables, children = _tables(), Child.objects.count()
    for text in INJECTIONS:
        response = client.get("/children/", {"q": text})
        assert response.status_code == 200, text
        expected = set(Child.objects.visible_to(user).search(text).values_list("pk", flat=True))
        assert _child_links(response.content.decode()) <= expected, text
    # Wildcards are matched literally: nobody's name starts with '%' or '_'.
    assert not Child.objects.visible_to(user).search("%").exists()
    assert not Child.objects.visible_to(user).search("_").exists()
    assert _tables() == tables and Child.objects.count() == children


def test_injection_in_the_find_a_child_form_is_harmless(client, personas):
    client.force_login(personas.worker_a)
    tables, children = _tables(), Child.objects.count()
    for text in INJECTIONS:
        for field in ("name", "identifier"):
            response = client.get("/children/find/", {field: text})
            assert response.status_code == 200, (field, text)
            assert not _child_links(response.content.decode()) - {personas.child_a.pk}, (field, text)
    assert _tables() == tables and Child.objects.count() == children


def test_injection_in_query_strings_of_reports_is_harmless(client, personas):
    tables = _tables()
    for user, url, params in [
        (personas.service_manager, "/kpis/", ["period", "as_at"]),
        (personas.service_manager, "/evaluation/tracker/", ["as_at", "programme"]),
        (personas.service_manager, "/evaluation/tracker/children/", ["anchor", "months", "group", "tier", "cell"]),
        (personas.worker_a, "/follow-up/", ["group", "page"]),
        (personas.worker_a, "/children/", ["page", "mine"]),
    ]:
        client.force_login(user)
        for text in INJECTIONS[:6]:  # each report page computes its figures: a few strings suffice
            response = client.get(url, {p: text for p in params})
            assert response.status_code < 500, (url, text)
    assert _tables() == tables


def test_injection_in_api_query_strings_is_harmless(client, personas):
    headers = bearer(personas.worker_a)
    tables = _tables()
    for text in INJECTIONS:
        response = client.get("/api/children/", {"search": text, "ordering": text, "limit": text, "offset": text},
                              **headers)
        assert response.status_code == 200, text
        assert {row["id"] for row in response.json()["results"]} == {personas.child_a.pk}, text
        assert client.get(f"/api/children/{text}/", **headers).status_code == 404
    assert _tables() == tables


# Query parameters the pages read.
PARAMS = ["q", "name", "identifier", "first_name", "last_name", "period", "as_at", "programme", "group", "page",
          "anchor", "months", "tier", "cell", "mine", "next", "year"]


@pytest.mark.parametrize("persona", ["worker_a", "service_manager", "performance_officer", "administrator"])
def test_a_nul_byte_in_a_query_string_is_not_a_server_error(client, personas, persona):
    """PostgreSQL refuses text with NUL bytes: a query string carrying one must not reach it raw."""
    user = personas.all_users()[persona]
    client.force_login(user)
    client.raise_request_exception = False  # collect every 500, not only the first
    problems = []
    for route, callback in page_routes():
        roles = declared_access(callback) or ()
        allowed = PUBLIC in roles or SIGNED_IN in roles or user.has_any_role(roles)
        if PARAM.search(route) or not allowed or route == "sign-out/":
            continue
        for param in PARAMS:
            response = client.get("/" + route, {param: "a\x00b"})
            if response.status_code >= 500:
                problems.append(f"/{route}?{param}=a%00b: {response.status_code}")
    assert problems == []
