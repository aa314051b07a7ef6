"""The retention page: rules (edit), dry run, run with confirmation, history of runs."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from divert.audit.models import AuditEvent
from divert.people.models import Child
from divert.privacy.actions import set_retention_rule
from divert.privacy.models import RecordType, RetentionRule, RetentionRun

pytestmark = pytest.mark.django_db

LATER = dt.datetime(2040, 1, 1, 12, tzinfo=dt.UTC)


@pytest.mark.parametrize("persona", ["administrator", "service_manager"])
def test_admins_and_service_managers_see_rules_dry_run_and_history(client, personas, pathway, persona):
    with time_machine.travel(LATER, tick=False):
        client.force_login(personas.all_users()[persona])
        response = client.get("/privacy/retention/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "6 years after closure or the 18th birthday, whichever is later" in html
    assert "Dry run" in html and "What the rules would do as at 1 January 2040" in html
    assert "Alfie" not in html and "Testchild" not in html  # the plan never names children
    assert f"{pathway['screened'].pk}" in html.split("Record numbers, to check before running")[1]
    assert not RetentionRun.objects.exists()


@pytest.mark.parametrize("persona", ["worker_a", "team_manager", "performance_officer", "board_member",
                                     "commissioner", "other_org_worker"])
def test_other_roles_cannot_use_the_retention_pages(client, personas, persona):
    client.force_login(personas.all_users()[persona])
    for url in ("/privacy/retention/", "/privacy/retention/run/", "/privacy/retention/rules/comparison/"):
        assert client.get(url).status_code == 403


def test_edit_a_rule(client, personas):
    client.force_login(personas.administrator)
    response = client.post("/privacy/retention/rules/comparison/",
                           {"anchor": "follow_up_ended", "years": "2", "action": "delete"})
    assert response.status_code == 302
    rule = RetentionRule.objects.get(organisation=personas.north, record_type="comparison")
    assert (rule.years, rule.action, rule.updated_by) == (2, "delete", personas.administrator)
    assert AuditEvent.objects.filter(verb="set_retention_rule").exists()
    bad = client.post("/privacy/retention/rules/comparison/", {"anchor": "follow_up_ended", "years": "-1",
                                                              "action": "delete"})
    assert bad.status_code == 200 and "1 or more" in bad.content.decode()
    assert client.get("/privacy/retention/rules/nonsense/").status_code == 404


def test_run_needs_confirmation_then_runs_and_is_listed(client, personas, pathway):
    set_retention_rule(by=personas.administrator, organisation=personas.north,
                       record_type=RecordType.SCREENED_OUT, anchor="last_contact", years=2, action="delete")
    with time_machine.travel(LATER, tick=False):
        client.force_login(personas.service_manager)
        page = client.get("/privacy/retention/run/")
        assert "cannot be undone" in page.content.decode()
        unconfirmed = client.post("/privacy/retention/run/", {})
        assert unconfirmed.status_code == 200 and not RetentionRun.objects.exists()
        done = client.post("/privacy/retention/run/", {"confirm": ["yes"]})
        assert done.status_code == 302
        run = RetentionRun.objects.get()
        assert run.run_by == personas.service_manager and run.as_at == dt.date(2040, 1, 1)
        assert not Child.objects.filter(pk=pathway["screened"].pk).exists()
        history = client.get("/privacy/retention/").content.decode()
    assert "Children screened out or not eligible (referrals only): deleted 1 child record" in history
    assert "Service Manager" in history
