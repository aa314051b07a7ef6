"""Oversight and case audits through the pages: a manager records oversight and audits a case,
the child record and timeline show them, the worker sees the actions on My work; scope holds."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from divert.accounts.actions import create_user
from divert.accounts.models import Role
from divert.oversight import actions as ov
from divert.oversight.models import AuditAction, AuditStatus, CaseAudit, Oversight
from divert.oversight.quarters import Quarter

TODAY = dt.date(2025, 6, 30)
Q2 = Quarter(dt.date(2025, 4, 1))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(dt.datetime(2025, 6, 30, 12, 0), tick=False):
        yield


@pytest.fixture
def manager_b(personas):
    """A team manager of team B (child_b's team), not of team A."""
    return create_user(by=None, username="manager_b", password=None, roles=[Role.TEAM_MANAGER],
                       organisation=personas.north, teams=[personas.team_b])


def _date(prefix: str, day: dt.date) -> dict:
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def _form(client, url: str) -> tuple[str, str]:
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    return re.search(r'name="form_token" value="([^"]+)"', html).group(1), html


def _record_url(personas) -> str:
    return f"/children/{personas.child_a.pk}/"


def test_manager_records_oversight_shown_on_the_record_and_timeline(client, personas, open_work):
    client.force_login(personas.team_manager)
    url = f"/oversight/children/{personas.child_a.pk}/new/"
    token, html = _form(client, url)
    assert "Which support it is about (optional)" in html
    data = {**_date("decided_on", TODAY), "decision": "Step down to light touch support.",
            "reasons": "Attending school every day since May.", "episode": str(open_work["episode"].pk),
            "form_token": token}
    first = client.post(url, data)
    second = client.post(url, data)  # a double click
    oversight = Oversight.objects.get()
    assert first.url == f"{_record_url(personas)}#oversight-{oversight.pk}"
    assert second.status_code == 302
    assert oversight.episode == open_work["episode"]
    client.force_login(personas.worker_a)
    record = client.get(_record_url(personas)).content.decode()
    assert "Step down to light touch support." in record
    assert "Attending school every day since May." in record
    assert f'href="#oversight-{oversight.pk}"' in record  # the timeline links to it
    assert "Record management oversight" not in record  # workers do not record oversight


def test_oversight_form_errors_are_in_the_summary(client, personas):
    client.force_login(personas.team_manager)
    url = f"/oversight/children/{personas.child_a.pk}/new/"
    token, _ = _form(client, url)
    page = client.post(url, {"form_token": token}).content.decode()
    assert "There is a problem" in page
    for message in ("Enter the date of the decision", "Write what was decided", "Write why it was decided"):
        assert message in page
    assert not Oversight.objects.exists()


@pytest.mark.parametrize("who, status", [("worker_a", 403), ("performance_officer", 403), ("board_member", 403),
                                         ("other_org_worker", 403)])
def test_only_managers_reach_the_oversight_pages(client, personas, who, status):
    client.force_login(getattr(personas, who))
    for url in (f"/oversight/children/{personas.child_a.pk}/new/", f"/oversight/children/{personas.child_a.pk}/choose/",
                "/oversight/audits/", "/oversight/audits/choose/", "/oversight/template/"):
        assert client.get(url).status_code == status, url


def test_another_teams_manager_gets_not_found(client, personas, open_work, manager_b):
    audit = ov.choose_case(by=personas.team_manager, child=personas.child_a, quarter=Q2)
    ov.complete_case_audit(by=personas.team_manager, audit=audit, grades=_grades(audit), today=TODAY, actions=[
        {"worker": personas.worker_a, "due_on": TODAY, "text": "Review the plan."}])
    action = AuditAction.objects.get()
    client.force_login(manager_b)
    for url in (f"/oversight/children/{personas.child_a.pk}/new/", f"/oversight/children/{personas.child_a.pk}/choose/",
                f"/oversight/audits/{audit.pk}/", f"/oversight/audits/{audit.pk}/record/",
                f"/oversight/actions/{action.pk}/done/"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/oversight/audits/{audit.pk}/start/").status_code == 404
    listed = client.get(f"/oversight/audits/?quarter={Q2.slug}").content.decode()
    assert personas.child_a.full_name not in listed
    client.force_login(personas.worker_b)
    assert client.get(f"/oversight/actions/{action.pk}/done/").status_code == 404


def _grades(audit) -> dict[int, str]:
    return {d.pk: "good" for d in audit.template.domains.all()}


def test_a_manager_audits_a_case_and_the_worker_sees_the_action(client, personas, open_work):
    tm = personas.team_manager
    client.force_login(tm)
    token, _ = _form(client, f"/oversight/children/{personas.child_a.pk}/choose/")
    chosen = client.post(f"/oversight/children/{personas.child_a.pk}/choose/", {"form_token": token})
    audit = CaseAudit.objects.get()
    assert chosen.url == f"/oversight/audits/{audit.pk}/"
    assert audit.chosen_because == "by_hand" and audit.quarter == Q2
    listed = client.get("/oversight/audits/").content.decode()
    assert "To audit" in listed and personas.child_a.full_name in listed
    assert "Start the audit" in client.get(chosen.url).content.decode()
    started = client.post(f"/oversight/audits/{audit.pk}/start/")
    assert started.url == f"/oversight/audits/{audit.pk}/record/"
    assert "In progress" in client.get("/oversight/audits/").content.decode()

    url = started.url
    token, html = _form(client, url)
    assert " checked" not in html  # no grade chosen before the manager chooses
    assert "Assessment quality" in html and "Child&#x27;s voice" in html
    domains = list(audit.template.domains.all())
    shown_again = client.post(url, {"form_token": token, f"grade_{domains[0].pk}": "good"}).content.decode()
    assert "There is a problem" in shown_again
    assert f"Select a grade for {domains[1].name.lower()}" in shown_again
    due = TODAY + dt.timedelta(days=14)
    data = {"form_token": token, **{f"grade_{d.pk}": "requires_improvement" for d in domains},
            f"grade_{domains[0].pk}": "good", "strengths": "Warm, steady relationship with the child.",
            "themes": "Child's voice missing\nPlan not reviewed", "action_1_text": "Add the child's own words to the plan.",
            "action_1_worker": str(personas.worker_a.pk), **_date("action_1_due_on", due)}
    done = client.post(url, data)
    audit.refresh_from_db()
    assert audit.status == AuditStatus.DONE
    assert done.url == f"{_record_url(personas)}#case-audit-{audit.pk}"
    assert client.post(url, data).status_code == 302  # sent again: nothing more
    assert AuditAction.objects.count() == 1
    record = client.get(_record_url(personas)).content.decode()
    assert "Requires improvement" in record and "Plan not reviewed" in record
    assert f'href="#case-audit-{audit.pk}"' in record

    client.force_login(personas.worker_a)
    work = client.get("/my-work/").content.decode()
    assert "Add the child&#x27;s own words to the plan." in work
    assert due.strftime("%-d %b %Y") in work
    assert "Overdue" not in work.split("Case audits", 1)[1].split("Follow-up checks", 1)[0]
    action = AuditAction.objects.get()
    token, _ = _form(client, f"/oversight/actions/{action.pk}/done/")
    assert client.post(f"/oversight/actions/{action.pk}/done/", {"form_token": token}).url == "/my-work/"
    action.refresh_from_db()
    assert action.done_on == TODAY and action.done_by == personas.worker_a
    assert "Add the child&#x27;s own words" not in client.get("/my-work/").content.decode().split("Follow-up", 1)[0]


def test_overdue_actions_are_flagged_on_my_work(client, personas, open_work):
    tm = personas.team_manager
    audit = ov.choose_case(by=tm, child=personas.child_a, quarter=Q2)
    with time_machine.travel(dt.datetime(2025, 6, 1, 12, 0), tick=False):
        ov.complete_case_audit(by=tm, audit=audit, grades=_grades(audit), today=dt.date(2025, 6, 1), actions=[
            {"worker": personas.worker_a, "due_on": dt.date(2025, 6, 15), "text": "Review the plan."}])
    client.force_login(personas.worker_a)
    work = client.get("/my-work/").content.decode()
    section = work.split("Actions from case audits", 1)[1].split("</table>", 1)[0]
    assert "15 Jun 2025" in section and "Overdue" in section


def test_choosing_cases_by_rule_from_the_page(client, personas, open_work):
    client.force_login(personas.service_manager)
    url = f"/oversight/audits/choose/?quarter={Q2.slug}"
    token, html = _form(client, url)
    assert "April to June 2025" in html
    response = client.post(url, {"form_token": token, "per_worker": "1"}, follow=True)
    assert "1 case chosen for audit." in response.content.decode()
    assert CaseAudit.objects.get().chosen_because == "random"
    token, _ = _form(client, url)
    assert "Enter how many children" in client.post(url, {"form_token": token}).content.decode()


def test_service_manager_defines_the_template(client, personas):
    client.force_login(personas.service_manager)
    token, html = _form(client, "/oversight/template/")
    assert "In use: the default" in html and "Management oversight" in html
    client.post("/oversight/template/", {"form_token": token, "name": "North case audit",
                                         "domains": "Assessment\nPlanning\nExit planning"})
    html = client.get("/oversight/template/").content.decode()
    assert "In use: North case audit" in html and "Exit planning" in html
    client.force_login(personas.team_manager)
    assert client.get("/oversight/template/").status_code == 403


def test_the_record_query_count_does_not_grow_with_audits(client, personas, open_work):
    tm = personas.team_manager

    def count() -> int:
        client.force_login(personas.worker_a)
        with CaptureQueriesContext(connection) as queries:
            client.get(_record_url(personas))
        return len(queries)

    quarter = Q2.previous()
    audit = ov.choose_case(by=tm, child=personas.child_a, quarter=quarter)
    ov.complete_case_audit(by=tm, audit=audit, grades=_grades(audit), today=TODAY, themes=["One"],
                           actions=[{"worker": personas.worker_a, "due_on": TODAY, "text": "x"}])
    ov.record_oversight(by=tm, child=personas.child_a, decided_on=TODAY, decision="a", reasons="b", today=TODAY)
    one = count()
    for _ in range(3):
        quarter = quarter.previous()
        audit = ov.choose_case(by=tm, child=personas.child_a, quarter=quarter)
        ov.complete_case_audit(by=tm, audit=audit, grades=_grades(audit), today=TODAY, themes=["One", "Two"],
                               actions=[{"worker": personas.worker_a, "due_on": TODAY, "text": "x"}] * 2)
        ov.record_oversight(by=tm, child=personas.child_a, decided_on=TODAY, decision="a", reasons="b",
                            today=TODAY)
    assert count() == one
