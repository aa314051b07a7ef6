"""The pathway through the API: same actions, same scoping, same audit as the pages."""

import datetime as dt

import pytest
import time_machine

from divert.accounts.actions import issue_token
from divert.audit.models import AuditEvent

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def frozen():
    with time_machine.travel(dt.datetime(2025, 6, 30, 12, 0), tick=False):
        yield


def _auth(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user=user, name='t')[1]}"}


def test_pathway_via_api(client, personas):
    h = _auth(personas.worker_a)
    r = client.post("/api/referrals/", {"child": personas.child_a.pk, "programme": personas.programme.pk,
                                        "source": "police_o22", "received_on": "2025-05-01"},
                    content_type="application/json", **h)
    assert r.status_code == 201, r.content
    rid = r.json()["id"]
    assert client.post(f"/api/referrals/{rid}/screen/", {"decision": "support", "tier": 1, "decided_on": "2025-05-02"},
                       content_type="application/json", **h).status_code == 200
    assert client.post(f"/api/referrals/{rid}/offer/", {"offered_on": "2025-05-03"},
                       content_type="application/json", **h).status_code == 200
    r = client.post(f"/api/referrals/{rid}/consent/", {"child_decision": "accepted", "parent_decision": "accepted",
                                                        "decided_on": "2025-05-04"}, content_type="application/json", **h)
    assert r.json()["stage"] == "accepted"
    episode = client.get("/api/episodes/", **h).json()["results"][0]
    assert episode["order_type"] == "outcome_22"
    r = client.post(f"/api/episodes/{episode['id']}/sessions/", {"date": "2025-05-06", "type": "family",
                                                                  "attendance": "attended"},
                    content_type="application/json", **h)
    assert r.status_code == 201
    r = client.post(f"/api/episodes/{episode['id']}/close/", {"end_date": "2025-06-01", "reason": "completed",
                                                               "successfully_completed": True},
                    content_type="application/json", **h)
    assert r.json()["successfully_completed"] is True


def test_domain_error_is_a_400_with_the_workers_message(client, personas, open_work):
    h = _auth(personas.worker_a)
    r = client.post(f"/api/episodes/{open_work['episode'].pk}/sessions/",
                    {"date": "2025-01-01", "type": "family", "attendance": "attended"},
                    content_type="application/json", **h)
    assert r.status_code == 400
    assert "before support started" in str(r.json())


ENDPOINTS = ["/api/referrals/{referral}/", "/api/episodes/{episode}/", "/api/sessions/{session}/",
             "/api/onward-referrals/{onward}/", "/api/checkpoints/{checkpoint}/"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(("persona", "expected"), [
    ("worker_a", 200), ("team_manager", 200), ("service_manager", 200), ("performance_officer", 200),
    ("worker_b", 404), ("other_org_worker", 404), ("board_member", 403), ("commissioner", 403),
    ("administrator", 403),
])
def test_pathway_endpoints_are_scoped(client, personas, open_work, endpoint, persona, expected):
    url = endpoint.format(referral=open_work["referral"].pk, episode=open_work["episode"].pk,
                          session=open_work["session"].pk, onward=open_work["onward"].pk,
                          checkpoint=open_work["referral"].checkpoints.first().pk)
    assert client.get(url, **_auth(personas.all_users()[persona])).status_code == expected


@pytest.mark.parametrize("persona", ["worker_b", "other_org_worker"])
def test_lists_do_not_leak(client, personas, open_work, persona):
    h = _auth(personas.all_users()[persona])
    for url in ["/api/referrals/", "/api/episodes/", "/api/sessions/", "/api/assessments/", "/api/plans/",
                "/api/onward-referrals/", "/api/checkpoints/"]:
        assert client.get(url, **h).json()["count"] == 0


def test_out_of_scope_write_is_404_and_changes_nothing(client, personas, open_work):
    before = AuditEvent.objects.count()
    r = client.post(f"/api/episodes/{open_work['episode'].pk}/close/",
                    {"end_date": "2025-06-01", "reason": "completed", "successfully_completed": True},
                    content_type="application/json", **_auth(personas.worker_b))
    assert r.status_code == 404
    open_work["episode"].refresh_from_db()
    assert open_work["episode"].end_date is None
    assert AuditEvent.objects.count() == before


def test_performance_officer_cannot_write(client, personas, open_work):
    r = client.post(f"/api/episodes/{open_work['episode'].pk}/sessions/",
                    {"date": "2025-05-06", "type": "family", "attendance": "attended"},
                    content_type="application/json", **_auth(personas.performance_officer))
    assert r.status_code == 403
