"""docs/security.md's roles matrix says what the code declares, route by route."""

from __future__ import annotations

from tests.security import roles_matrix


def test_the_documented_roles_matrix_matches_the_url_configuration():
    expected = roles_matrix.table()
    assert roles_matrix.documented() == expected, (
        "docs/security.md's roles matrix is out of date. Regenerate it with\n"
        "  DIVERT_ENV=test .venv/bin/python -m tests.security.roles_matrix --write\n"
        "and read the diff: it shows who gained or lost access to what."
    )


def test_every_route_is_in_the_matrix():
    routes = [route for route, _ in roles_matrix.rows()]
    assert "/children/<child_id>/" in routes and "/api/children/<id>/" in routes
    assert all(roles for _, roles in roles_matrix.rows())
