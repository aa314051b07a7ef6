"""Assessments and plans are edited by adding versions: nothing is overwritten, every version
stays readable, and the page, the API and the actions make the same version."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from divert.accounts.actions import issue_token
from divert.audit.models import AuditEvent
from divert.casework import actions as cw
from divert.casework.models import Assessment, Plan
from divert.casework.versions import answers, changes

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)
NEEDS = ["education", "family", "emotional", "substances", "peers", "offending"]


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(NOW, tick=False):
        yield


def _date(prefix, day):
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def _assessment_form(child_view="I get bored after school", education="2", risk="low"):
    return {**_date("assessed_on", dt.date(2025, 3, 12)), "child_view": child_view, "strengths": "Loves boxing",
            "exploitation_risk": risk, **{f"need_{d}": "0" for d in NEEDS}, "need_education": education}


def test_editing_an_assessment_opens_it_filled_in_and_saves_a_new_version(client, personas, open_work):
    episode = open_work["episode"]
    client.force_login(personas.worker_a)
    url = f"/episodes/{episode.pk}/assessment/"
    assert client.post(url, _assessment_form()).status_code == 302

    page = client.get(url).content.decode()
    assert "I get bored after school" in page
    assert "Version 1, recorded by Worker A on 30 June 2025." in page  # no space before the full stop
    assert 'value="low" checked' in page
    assert client.post(url, _assessment_form(child_view="I want to go back to school", education="3")).status_code == 302

    first, second = Assessment.objects.filter(episode=episode).order_by("version")
    assert (first.version, first.is_superseded, first.child_view) == (1, True, "I get bored after school")
    assert (second.version, second.supersedes_id, second.is_superseded) == (2, first.pk, False)
    assert Assessment.objects.current().in_force().get(episode=episode) == second
    assert "Version 2, changed by Worker A on 30 June 2025." in client.get(url).content.decode()
    events = AuditEvent.objects.filter(verb="recorded_assessment", object_id__in=[first.pk, second.pk])
    assert sorted(e.details["version"] for e in events) == [1, 2]
    assert {e.details["supersedes"] for e in events} == {None, first.pk}


def test_versions_list_and_what_changed_show_the_answers_in_words(client, personas, open_work, today):
    episode = open_work["episode"]
    first = cw.record_assessment(by=personas.worker_a, episode=episode, assessed_on=dt.date(2025, 3, 12), today=today,
                                 needs={"education": 2}, child_view="I get bored", exploitation_risk="low")
    second = cw.record_assessment(by=personas.worker_a, episode=episode, assessed_on=dt.date(2025, 3, 12),
                                  today=today, needs={"education": 3}, child_view="I want school",
                                  exploitation_risk="low")
    assert [(c.label, c.before, c.after) for c in changes(first, second)] == [
        ("Need: Education and school", "Medium", "High"),
        ("The child's view, in their own words", "I get bored", "I want school"),
    ]
    client.force_login(personas.worker_a)
    listing = client.get(f"/episodes/{episode.pk}/assessment/versions/").content.decode()
    assert f"/assessments/{first.pk}/" in listing and f"/assessments/{second.pk}/" in listing
    page = client.get(f"/assessments/{second.pk}/").content.decode()
    assert "What changed" in page and "I get bored" in page and "I want school" in page
    old = client.get(f"/assessments/{first.pk}/").content.decode()
    assert "This is the first version" in old and "Replaced on 30 June 2025" in old
    # Someone who may not see the child sees neither.
    client.force_login(personas.worker_b)
    assert client.get(f"/assessments/{first.pk}/").status_code == 404
    assert client.get(f"/episodes/{episode.pk}/assessment/versions/").status_code == 404


def test_versions_list_takes_the_same_queries_however_many_versions(client, personas, open_work, today):
    episode = open_work["episode"]
    client.force_login(personas.worker_a)
    url = f"/episodes/{episode.pk}/plan/versions/"

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    cw.agree_plan(by=personas.worker_a, episode=episode, agreed_on=dt.date(2025, 3, 12), today=today, goals="One")
    one = queries()
    for n in range(4):
        cw.agree_plan(by=personas.worker_a, episode=episode, agreed_on=dt.date(2025, 3, 12), today=today,
                      goals=f"Goal {n}")
    assert queries() == one
    assert Plan.objects.filter(episode=episode).count() == 5


def test_child_record_queries_do_not_grow_with_versions(client, personas, open_work, today):
    episode = open_work["episode"]
    client.force_login(personas.worker_a)
    url = f"/children/{personas.child_a.pk}/"

    def edit():
        cw.record_assessment(by=personas.worker_a, episode=episode, assessed_on=dt.date(2025, 3, 12), today=today,
                             exploitation_risk="none")
        cw.agree_plan(by=personas.worker_a, episode=episode, agreed_on=dt.date(2025, 3, 12), today=today, goals="G")

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    edit()
    once = queries()
    for _ in range(4):
        edit()
    assert queries() == once


def test_api_and_form_make_the_same_version(client, personas, open_work):
    episode = open_work["episode"]
    client.force_login(personas.worker_a)
    assert client.post(f"/episodes/{episode.pk}/assessment/", _assessment_form()).status_code == 302
    assert client.post(f"/episodes/{episode.pk}/plan/", {**_date("agreed_on", dt.date(2025, 3, 12)),
                                                          "goals": "Join the boxing club"}).status_code == 302
    token = {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user=personas.worker_a, name='t')[1]}"}
    response = client.post(f"/api/episodes/{episode.pk}/assessment/", {
        "assessed_on": "2025-03-12", "child_view": "I get bored after school", "strengths": "Loves boxing",
        "exploitation_risk": "low", "needs": {d: (2 if d == "education" else 0) for d in NEEDS},
    }, content_type="application/json", **token)
    assert response.status_code == 201, response.content
    assert (response.json()["version"], response.json()["superseded_at"]) == (2, None)
    response = client.post(f"/api/episodes/{episode.pk}/plan/", {"agreed_on": "2025-03-12",
                                                                 "goals": "Join the boxing club"},
                           content_type="application/json", **token)
    assert response.status_code == 201, response.content

    for model in (Assessment, Plan):
        web, api = model.objects.filter(episode=episode).order_by("version")
        assert (web.version, api.version, api.supersedes_id) == (1, 2, web.pk)
        assert answers(web) == answers(api) and changes(web, api) == []
        assert web.is_superseded and not api.is_superseded
    assert AuditEvent.objects.filter(verb__in=["recorded_assessment", "agreed_plan"]).count() == 4
    listed = client.get("/api/assessments/", **token).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert sorted(r["version"] for r in rows) == [1, 2]


def test_figures_read_the_version_in_force_as_it_was_known(personas, open_work, today):
    episode = open_work["episode"]
    with time_machine.travel(dt.datetime(2025, 3, 12, 9, 0, tzinfo=dt.UTC), tick=False):
        first = cw.agree_plan(by=personas.worker_a, episode=episode, agreed_on=dt.date(2025, 3, 12), today=today,
                              goals="Eight sessions", planned_sessions=8)
    with time_machine.travel(dt.datetime(2025, 4, 1, 9, 0, tzinfo=dt.UTC), tick=False):
        second = cw.agree_plan(by=personas.worker_a, episode=episode, agreed_on=dt.date(2025, 3, 10), today=today,
                               goals="Twelve sessions", planned_sessions=12)
    plans = Plan.objects.current().filter(episode=episode)
    assert list(plans.in_force()) == [second]
    assert list(plans.known_on(dt.datetime(2025, 3, 20, tzinfo=dt.UTC)).in_force(
        dt.datetime(2025, 3, 20, tzinfo=dt.UTC))) == [first]
    # A review goes on the version in force, whatever its date.
    review = cw.review_plan(by=personas.worker_a, episode=episode, reviewed_on=dt.date(2025, 4, 2), today=today)
    assert review.plan == second
