"""Restricted records, restriction of processing and corrections, through the pages and API."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.urls import resolve

from divert.accounts.actions import issue_token
from divert.audit.models import AuditEvent
from divert.casework import actions as cw
from divert.casework.models import Session
from divert.core.access import declared_access
from divert.core.errors import DomainError
from divert.offending.actions import record_offence
from divert.people import actions
from divert.people.models import Child, DetailChange, RecordRestriction
from divert.privacy import actions as privacy_actions
from divert.referrals import actions as ref
from divert.web.tests.test_pathway_pages import ID_ROUTES


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2025, 6, 30, 12, 0), tick=False):
        yield


def _date(prefix, day):
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def _restrict_worker_a(p):
    """Take child_a off worker_a's caseload (the safe order), then restrict the record from them."""
    actions.allocate_child(by=p.team_manager, child=p.child_a, team=p.team_a, worker=None,
                           reason="Conflict of interest")
    return actions.restrict_record(by=p.team_manager, child=p.child_a, user=p.worker_a, reason="Knows the family")


def _url(route, ids):
    return "/" + re.sub(r"<(?:int|id):(\w+)>", lambda m: str(ids[m.group(1)]), route).replace("<slug:kind>", "session")


@pytest.fixture
def restricted(personas, open_work):
    p = personas
    restriction = _restrict_worker_a(p)
    ids = {"child_id": p.child_a.pk, "referral_id": open_work["referral"].pk,
           "episode_id": open_work["episode"].pk, "session_id": open_work["session"].pk,
           "record_id": open_work["session"].pk, "onward_id": open_work["onward"].pk}
    return {"restriction": restriction, "ids": ids, **open_work}


@pytest.mark.parametrize("route", ID_ROUTES)
def test_every_child_page_is_404_for_a_restricted_worker(client, personas, restricted, route):
    url = _url(route, restricted["ids"])
    client.force_login(personas.worker_a)
    # 403 only where a case worker's role is refused whatever the child (manager pages).
    role_refused = "case_worker" not in declared_access(resolve(url).func)
    assert client.get(url).status_code == (403 if role_refused else 404), url


@pytest.mark.parametrize("route", ID_ROUTES)
def test_every_child_page_still_opens_for_the_manager(client, personas, restricted, route):
    url = _url(route, restricted["ids"])
    if "<" in url:
        pytest.skip("the route takes more than record ids")
    client.force_login(personas.team_manager)
    assert client.get(url).status_code in (200, 302, 403), url
    if "case_worker" in declared_access(resolve(url).func):
        assert client.get(url).status_code in (200, 302), url


def test_restricted_worker_cannot_post_to_the_child(client, personas, restricted):
    client.force_login(personas.worker_a)
    before = Session.objects.count()
    response = client.post(f"/episodes/{restricted['episode'].pk}/sessions/new/", {
        **_date("date", dt.date(2025, 4, 1)), "type": "one_to_one", "attendance": "attended"})
    assert response.status_code == 404
    assert Session.objects.count() == before


def test_restricted_record_is_absent_from_lists_and_search(client, personas, restricted):
    client.force_login(personas.worker_a)
    pk = personas.child_a.pk
    link = f"/children/{pk}/"
    assert link not in client.get("/children/").content.decode()
    assert link not in client.get("/children/", {"q": "Alfie"}).content.decode()
    assert link not in client.get("/children/", {"q": "N-0001"}).content.decode()
    assert "Alfie" not in client.get("/my-work/").content.decode()
    assert "Alfie" not in client.get("/follow-up/").content.decode()
    page = client.get("/children/find/", {"name": "Alfie Testchild"}).content.decode()
    assert "0 possible matches" in page and link not in page
    page = client.get("/children/find/", {"identifier": "N-0001"}).content.decode()
    assert "0 possible matches" in page


def test_restricted_record_is_404_and_absent_in_the_api(client, personas, restricted):
    _, secret = issue_token(user=personas.worker_a, name="test")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    assert client.get(f"/api/children/{personas.child_a.pk}/", **auth).status_code == 404
    assert client.get(f"/api/referrals/{restricted['referral'].pk}/", **auth).status_code == 404
    assert client.get(f"/api/episodes/{restricted['episode'].pk}/", **auth).status_code == 404
    ids = {row["id"] for row in client.get("/api/children/", **auth).json()["results"]}
    assert personas.child_a.pk not in ids


def test_creating_a_true_duplicate_is_refused_in_neutral_words(client, personas, restricted):
    client.force_login(personas.worker_a)
    data = {"first_name": "Alfie", "last_name": "Testchild", **_date("date_of_birth", dt.date(2010, 3, 14)),
            "sex": "male", "ethnicity": "WBRI"}
    before = Child.objects.count()
    for attempt in (data, {**data, "confirm_not_duplicate": "True"}):
        page = client.post("/children/new/", attempt).content.decode()
        assert "Check with your manager" in page
        assert "already recorded" not in page and "not on your team" not in page
    assert Child.objects.count() == before
    # The same local ID: refused with the words used for any record the worker cannot see.
    page = client.post("/children/new/", {**data, "first_name": "Other", "local_id": "n-0001"}).content.decode()
    assert actions.NEUTRAL_REFUSAL in page
    assert Child.objects.count() == before


def test_other_teams_local_id_gets_the_same_neutral_words(client, personas):
    client.force_login(personas.worker_a)
    page = client.post("/children/new/", {
        "first_name": "New", "last_name": "Child", **_date("date_of_birth", dt.date(2011, 1, 1)),
        "sex": "female", "ethnicity": "NOBT", "local_id": "N-0002"}).content.decode()
    assert actions.NEUTRAL_REFUSAL in page


def test_manager_restricts_and_lifts_through_the_pages(client, personas, open_work):
    p = personas
    actions.allocate_child(by=p.team_manager, child=p.child_a, team=p.team_a, worker=None,
                           reason="Conflict of interest")
    client.force_login(p.team_manager)
    url = f"/children/{p.child_a.pk}/restrict-access/"
    page = client.get(url).content.decode()
    assert "This record is not restricted from anyone" in page
    response = client.post(url, {"user": p.worker_a.pk, "reason": "Neighbour of the family"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "Neighbour of the family" in page
    restriction = RecordRestriction.objects.get(child=p.child_a)
    client.force_login(p.worker_a)
    assert client.get(f"/children/{p.child_a.pk}/").status_code == 404
    assert client.get(f"/record-restrictions/{restriction.pk}/lift/").status_code == 404
    client.force_login(p.service_manager)
    assert client.post(f"/record-restrictions/{restriction.pk}/lift/", {"reason": "Moved away"}).status_code == 302
    client.force_login(p.worker_a)
    assert client.get(f"/children/{p.child_a.pk}/").status_code == 200
    restriction.refresh_from_db()
    assert restriction.lifted_by == p.service_manager
    assert RecordRestriction.objects.filter(child=p.child_a).count() == 1  # kept, not deleted


def test_allocated_worker_is_refused_on_the_page(client, personas):
    client.force_login(personas.team_manager)
    page = client.post(f"/children/{personas.child_a.pk}/restrict-access/", {
        "user": personas.worker_a.pk, "reason": "Conflict"}).content.decode()
    assert "Allocate the child to someone else first" in page
    assert not RecordRestriction.objects.exists()


def test_a_restricted_worker_cannot_be_allocated_the_child(personas, restricted):
    with pytest.raises(DomainError, match="restricted from that worker"):
        actions.allocate_child(by=personas.team_manager, child=personas.child_a, team=personas.team_a,
                               worker=personas.worker_a)


def test_workers_cannot_use_the_managers_pages(client, personas):
    client.force_login(personas.worker_a)
    assert client.get(f"/children/{personas.child_a.pk}/restrict-access/").status_code == 403
    assert client.get(f"/children/{personas.child_a.pk}/restrict-processing/").status_code == 403
    client.force_login(personas.worker_b)
    assert client.get(f"/children/{personas.child_a.pk}/restrict-access/").status_code == 404


def test_merge_carries_restrictions_to_the_kept_record(personas, today):
    p = personas
    duplicate = actions.create_child(by=p.team_manager, organisation=p.north, today=today, team=p.team_a,
                                     confirmed_not_duplicate=True, first_name="Alfie", last_name="Testchild", date_of_birth=dt.date(2010, 3, 14))
    actions.restrict_record(by=p.team_manager, child=duplicate, user=p.worker_b, reason="Knows the family")
    actions.restrict_processing(by=p.team_manager, child=duplicate, reason="Accuracy contested")
    actions.restrict_processing(by=p.team_manager, child=p.child_a, reason="Accuracy contested")
    privacy_actions.merge_children(by=p.team_manager, keep=p.child_a, duplicate=duplicate, reason="Same child")
    assert p.child_a.record_restrictions.active().filter(user=p.worker_b).exists()
    assert p.child_a.processing_restrictions.active().count() == 1
    assert p.child_a.processing_restrictions.count() == 2


def test_merge_refused_when_the_kept_records_worker_is_restricted_on_the_duplicate(personas, today):
    p = personas
    duplicate = actions.create_child(by=p.team_manager, organisation=p.north, today=today, team=p.team_a,
                                     confirmed_not_duplicate=True, first_name="Alfie", last_name="Testchild", date_of_birth=dt.date(2010, 3, 14))
    actions.restrict_record(by=p.team_manager, child=duplicate, user=p.worker_a, reason="Knows the family")
    with pytest.raises(DomainError, match="Allocate the child to someone else first"):
        privacy_actions.merge_children(by=p.team_manager, keep=p.child_a, duplicate=duplicate, reason="Same child")


# ---- Restriction of processing ------------------------------------------------------------

def test_processing_restriction_banner_and_refused_writes(client, personas, open_work):
    p = personas
    client.force_login(p.team_manager)
    assert client.post(f"/children/{p.child_a.pk}/restrict-processing/",
                       {"reason": "The family contest the record"}).status_code == 302
    client.force_login(p.worker_a)
    page = client.get(f"/children/{p.child_a.pk}/").content.decode()
    assert "Processing restricted" in page
    assert "Record a session" not in page and "Record a referral" not in page
    before = Session.objects.count()
    page = client.post(f"/episodes/{open_work['episode'].pk}/sessions/new/", {
        **_date("date", dt.date(2025, 4, 1)), "type": "one_to_one", "attendance": "attended"}).content.decode()
    assert "Processing of this child&#x27;s data is restricted" in page
    assert Session.objects.count() == before
    _, secret = issue_token(user=p.worker_a, name="test")
    response = client.post(f"/api/episodes/{open_work['episode'].pk}/sessions/",
                           {"date": "2025-04-01", "type": "one_to_one", "attendance": "attended"},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 400
    assert Session.objects.count() == before
    client.force_login(p.team_manager)
    assert client.post(f"/children/{p.child_a.pk}/restrict-processing/",
                       {"reason": "Checked: the record is accurate"}).status_code == 302
    assert not Child.objects.processing_restricted().exists()


def test_every_pathway_action_is_refused_while_processing_is_restricted(personas, open_work, today):
    p, w = personas, personas.worker_a
    episode, referral = open_work["episode"], open_work["referral"]
    actions.restrict_processing(by=p.team_manager, child=p.child_a, reason="Request received")
    day = dt.date(2025, 4, 1)
    attempts = [
        lambda: ref.create_referral(by=w, child=p.child_a, programme=p.programme, source="school",
                                    received_on=day, today=today),
        lambda: ref.screen_referral(by=w, referral=referral, decision="support", decided_on=day, today=today),
        lambda: cw.record_session(by=w, episode=episode, date=day, today=today, type="one_to_one",
                                  attendance="attended"),
        lambda: cw.agree_plan(by=w, episode=episode, agreed_on=day, today=today, goals="x"),
        lambda: cw.record_assessment(by=w, episode=episode, assessed_on=day, today=today),
        lambda: cw.make_onward_referral(by=w, episode=episode, service="camhs", referred_on=day, today=today),
        lambda: cw.update_onward_referral(by=w, onward=open_work["onward"], status="attending", status_on=day,
                                          today=today),
        lambda: cw.close_episode(by=w, episode=episode, end_date=day, today=today, reason="completed",
                                 successfully_completed=True),
        lambda: ref.withdraw_consent(by=w, episode=episode, withdrawn_on=day, today=today, reason="x"),
        lambda: record_offence(by=w, child=p.child_a, committed_on=day, today=today),
        lambda: actions.record_status(by=w, child=p.child_a, status="accommodation", start_date=day,
                                      today=today, type="parents", suitability="suitable"),
    ]
    for attempt in attempts:
        with pytest.raises(DomainError, match="Processing of this child's data is restricted"):
            attempt()
    # Corrections (rectification) are still allowed: often the very reason for the restriction.
    actions.update_child_details(by=w, child=p.child_a, school="Hillside Academy", reason="School told us")


# ---- Rectification ---------------------------------------------------------------------

def test_correction_keeps_old_and_new_values_encrypted_with_reason(client, personas, today):
    p = personas
    client.force_login(p.worker_a)
    page = client.get(f"/children/{p.child_a.pk}/details/").content.decode()
    assert 'value="Alfie"' in page
    data = {"first_name": "Alfie", "last_name": "Testchild", **_date("date_of_birth", dt.date(2010, 4, 14)),
            "sex": "male", "ethnicity": "WBRI", "local_id": "N-0001"}
    page = client.post(f"/children/{p.child_a.pk}/details/", data).content.decode()
    assert "Give the reason for the correction" in page
    assert client.post(f"/children/{p.child_a.pk}/details/",
                       {**data, "reason": "Birth certificate seen"}).status_code == 302
    change = DetailChange.objects.get(child=p.child_a)
    assert (change.field, change.old_value, change.new_value) == ("date_of_birth", "2010-03-14", "2010-04-14")
    assert change.reason == "Birth certificate seen" and change.changed_by == p.worker_a
    with connection.cursor() as cursor:
        cursor.execute("SELECT old_value, reason FROM people_detailchange")
        raw = cursor.fetchone()
    assert "2010" not in raw[0] and "Birth" not in raw[1]
    # Managers see the history on the record; workers do not see previous values.
    assert "Changes to details" not in client.get(f"/children/{p.child_a.pk}/").content.decode()
    client.force_login(p.team_manager)
    page = client.get(f"/children/{p.child_a.pk}/").content.decode()
    assert "Changes to details" in page and "2010-03-14" in page and "Birth certificate seen" in page


def test_correction_of_a_coded_field_shows_labels(personas):
    p = personas
    actions.update_child_details(by=p.team_manager, child=p.child_a, ethnicity="WIRI", reason="Child said")
    change = DetailChange.objects.get(child=p.child_a)
    assert change.label == "Ethnicity"
    assert "White" in change.old_shown and change.old_value == "WBRI"



def test_allocation_page_does_not_offer_a_restricted_worker(client, personas, restricted):
    client.force_login(personas.team_manager)
    # The page offers the team's workers (child_a is in Team A), less the one restricted.
    page = client.get(f"/children/{personas.child_a.pk}/allocate/").content.decode()
    assert "Team Manager" in page
    assert "Worker A" not in page


@pytest.mark.parametrize("page", ["details", "restrict-access", "restrict-processing"])
def test_opening_a_data_protection_page_is_audited_as_a_look_at_the_child(client, personas, page):
    """These pages show the child's details (or the reasons for restrictions) without the record
    page: opening one is a look at the child, like the record page."""
    client.force_login(personas.team_manager)
    assert client.get(f"/children/{personas.child_a.pk}/{page}/").status_code == 200
    event = AuditEvent.objects.filter(verb="viewed_child", child_id=personas.child_a.pk).get()
    assert event.actor == personas.team_manager and event.details == {"page": page.replace("-", "_")}
