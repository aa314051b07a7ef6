"""docs/security.md's roles matrix says what the code declares, route by route."""

from __future__ import annotations

import re
from pathlib import Path

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


def test_every_audited_verb_is_named_in_docs_security():
    """docs/security.md lists what is audited: a new `record_event` verb must be added there."""
    root = Path(roles_matrix.DOC).parents[1] / "divert"
    verbs = set()
    for path in root.rglob("*.py"):
        if "tests" in path.parts:
            continue
        text = path.read_text()
        verbs |= set(re.findall(r'verb="([a-z_]+)"', text))
        verbs |= set(re.findall(r'_record\("([a-z_]+)"', text))
    doc = Path(roles_matrix.DOC).read_text()
    assert len(verbs) > 50
    assert sorted(v for v in verbs if f"`{v}`" not in doc) == []
