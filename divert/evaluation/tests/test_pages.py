"""The tracker page and its drill-down: who may use them and what they show."""

from __future__ import annotations

import datetime as dt
import json
import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from divert.audit.models import AuditEvent

D = dt.date
pytestmark = pytest.mark.django_db
URL = "/evaluation/tracker/"


def signed_in(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize("name", ["team_manager", "service_manager", "performance_officer"])
def test_managers_and_performance_officers_see_the_tracker(client, personas, north_data, name):
    north_data.complete_to(D(2026, 12, 31))
    north_data.child(offered_on=D(2025, 1, 6))
    response = signed_in(client, getattr(personas, name)).get(URL, {"as_at": "2026-12-31"})
    assert response.status_code == 200
    text = re.sub(r"<[^>]+>", "", response.content.decode())
    assert (
        "0 of 1" in text and "Wilson" in text and "self-selection" in text and "330 to 650" in text
    )


@pytest.mark.parametrize("name", ["worker_a", "board_member", "commissioner", "administrator"])
def test_other_roles_cannot_see_the_tracker(client, personas, name):
    assert signed_in(client, getattr(personas, name)).get(URL).status_code == 403
    assert signed_in(client, getattr(personas, name)).get(URL + "children/").status_code == 403


def test_a_bad_as_at_date_is_reported(client, personas):
    response = signed_in(client, personas.service_manager).get(URL, {"as_at": "31/12/2026"})
    assert "must look like 2025-07-31" in response.content.decode()


def test_drill_down_lists_only_the_children_the_user_may_see(client, personas, north_data):
    north_data.complete_to(D(2026, 12, 31))
    child = north_data.child(offered_on=D(2025, 1, 6))
    north_data.offence(child, D(2025, 2, 1), ("youth_caution", D(2025, 3, 1)))
    query = {
        "as_at": "2026-12-31",
        "anchor": "offer",
        "months": 3,
        "group": "participant",
        "tier": "a",
        "cell": "with_outcome",
    }
    before = AuditEvent.objects.filter(verb="listed_children").count()
    response = signed_in(client, personas.service_manager).get(URL + "children/", query)
    assert response.status_code == 200 and child.last_name in response.content.decode()
    assert AuditEvent.objects.filter(verb="listed_children").count() == before + 1
    # A team manager of team B would not see team A's child: the count stays, the name does not.
    from divert.accounts import actions as acc
    from divert.accounts.models import Role

    manager_b = acc.create_user(
        by=None,
        username="manager_b",
        password="x" * 20,
        roles=[Role.TEAM_MANAGER],
        organisation=personas.north,
        teams=[personas.team_b],
        first_name="B",
    )
    text = signed_in(client, manager_b).get(URL + "children/", query).content.decode()
    assert "1 child in this figure; 0 of them" in text and child.first_name not in text


def test_drill_down_refuses_an_unknown_cell(client, personas):
    response = signed_in(client, personas.service_manager).get(
        URL + "children/",
        {"months": 5, "anchor": "offer", "group": "participant", "tier": "a", "cell": "tracked"},
    )
    assert response.status_code == 404


def test_the_command_prints_a_table_and_json(personas, north_data):
    north_data.complete_to(D(2026, 12, 31))
    child = north_data.child(offered_on=D(2025, 1, 6))
    north_data.offence(child, D(2025, 2, 1), ("youth_caution", D(2025, 3, 1)))
    out = StringIO()
    call_command("tracker", "--org", "north", "--as-at", "2026-12-31", stdout=out)
    assert "1/1" in out.getvalue() and "self-selection" in out.getvalue()
    out = StringIO()
    call_command(
        "tracker", "--org", "north", "--as-at", "2026-12-31", "--format", "json", stdout=out
    )
    data = json.loads(out.getvalue())
    participants = data["anchors"][0]["windows"][0]["tiers"][0]["participants"]
    assert (participants["children_with_outcome"], participants["children_tracked"]) == (1, 1)
    with pytest.raises(CommandError):
        call_command("tracker", "--org", "nowhere")
