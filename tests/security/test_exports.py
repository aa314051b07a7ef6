"""Exports cannot be used to read or infer the other organisation's children.

The research extract of one organisation is the same file, byte for byte, whether or not
another organisation on the deployment has children; it names nobody; and no cell can run
as a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
import re

from tests.security.conftest import NORTH_FIRST, NORTH_LAST, SOUTH_FIRST, SOUTH_LAST, full_pathway

URL = "/evaluation/extract/download/?as_at=2025-06-30&format=csv"


def _more_children(side, personas, n: int, prefix: str) -> None:
    """`n` more children through the pathway in `side`'s organisation (enough for k-anonymity)."""
    team = side.worker.teams.first()
    programme = team.programmes.order_by("-id").first()
    for i in range(n):
        full_pathway(by=side.worker, organisation=side.organisation, team=team, programme=programme,
                     first=f"{prefix}{i}", last="Extract", local_id=f"{prefix}-{i}", police_id="")


def _download(client) -> bytes:
    response = client.get(URL)
    assert response.status_code == 200
    return response.content


def test_the_research_extract_ignores_the_other_organisation(client, world):
    personas = world.personas
    _more_children(world.north, personas, 6, "North")
    client.force_login(personas.performance_officer)
    before = _download(client)
    assert len(before.decode("utf-8-sig").splitlines()) > 5, "the extract should have rows to compare"
    # South gains as many children again; north's extract must not move.
    _more_children(world.south, personas, 6, "South")
    assert _download(client) == before


def test_the_research_extract_names_nobody_and_runs_no_formulas(client, world):
    _more_children(world.north, world.personas, 6, "North")
    client.force_login(world.personas.performance_officer)
    text = _download(client).decode("utf-8-sig")
    for word in (NORTH_FIRST, NORTH_LAST, SOUTH_FIRST, SOUTH_LAST, "Alfie", "Testchild", "North0", "Extract",
                 world.north.child.local_id, world.south.child.local_id):
        assert word not in text
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert [c for c in cells if c and c[0] in "=+-@" and not re.fullmatch(r"[+-]?[0-9]+(\.[0-9]+)?", c)] == []


def test_the_other_organisations_officer_gets_their_own_extract(client, world):
    _more_children(world.north, world.personas, 6, "North")
    client.force_login(world.south.officer)
    south = _download(client)
    client.force_login(world.personas.performance_officer)
    assert _download(client) != south
