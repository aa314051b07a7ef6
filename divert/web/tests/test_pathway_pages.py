"""The pathway through the pages, and scoping for every page that takes an id."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from divert.casework import actions as cw
from divert.casework.models import Episode, FollowUpCheckpoint, Session
from divert.people.actions import create_child
from divert.people.models import Accommodation, CareStatus, Child, ETEStatus
from divert.referrals import actions as ref
from divert.referrals.models import Referral

TODAY = dt.date(2025, 6, 30)


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2025, 6, 30, 12, 0), tick=False):
        yield


def _date(prefix, day):
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def test_police_referral_to_successful_closure_through_the_pages(client, personas):
    client.force_login(personas.worker_a)
    child = personas.child_a
    page = client.get("/children/find/", {"name": "Alfie Testchild"}).content.decode()
    assert f"/children/{child.pk}/referrals/new/" in page
    response = client.post(f"/children/{child.pk}/referrals/new/", {
        "programme": personas.programme.pk, "source": "police_cr", **_date("received_on", dt.date(2025, 4, 1)),
        "reason": "Criminal damage to a bus shelter", "offence_type": "", "gravity_score": "2",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    referral = Referral.objects.get(child=child)
    assert client.post(f"/referrals/{referral.pk}/screen/", {
        "concerns": ["school_absence"], "decision": "support", "tier": 1,
        **_date("decided_on", dt.date(2025, 4, 2)),
    }).status_code == 302
    assert client.post(f"/referrals/{referral.pk}/offer/", _date("offered_on", dt.date(2025, 4, 3))).status_code == 302
    assert client.post(f"/referrals/{referral.pk}/consent/", {
        "child_decision": "accepted", "parent_decision": "accepted", **_date("decided_on", dt.date(2025, 4, 4)),
    }).status_code == 302
    episode = Episode.objects.get(referral=referral)
    assert client.post(f"/episodes/{episode.pk}/assessment/", {
        **_date("assessed_on", dt.date(2025, 4, 7)), "child_view": "I get bored after school",
        "exploitation_risk": "low", "need_education": "2", "need_family": "0", "need_emotional": "1",
        "need_substances": "0", "need_peers": "2", "need_offending": "1", "rating_confidence": "4",
    }).status_code == 302
    assert client.post(f"/episodes/{episode.pk}/plan/", {
        **_date("agreed_on", dt.date(2025, 4, 8)), "goals": "Join the boxing club",
    }).status_code == 302
    for day in (10, 17, 24):
        assert client.post(f"/episodes/{episode.pk}/sessions/new/", {
            **_date("date", dt.date(2025, 4, day)), "type": "one_to_one", "attendance": "attended",
            "topics": ["consequences", "peers"], "place": "youth_centre",
        }).status_code == 302
    assert client.post(f"/episodes/{episode.pk}/close/", {
        **_date("end_date", dt.date(2025, 5, 1)), "reason": "completed", "successfully_completed": "yes",
        "rating_confidence": "7",
    }).status_code == 302
    episode.refresh_from_db()
    assert episode.successfully_completed is True
    assert Session.objects.filter(episode=episode).count() == 3
    record = client.get(f"/children/{child.pk}/").content.decode()
    assert "Follow-up checks" in record
    assert "3 Jul 2025" in record  # 3 months from the offer
    assert "1 Aug 2025" in record  # 3 months from closure
    assert FollowUpCheckpoint.objects.filter(referral=referral).count() == 8


def test_invalid_form_shows_error_summary_and_saves_nothing(client, personas, open_work):
    client.force_login(personas.worker_a)
    episode = open_work["episode"]
    before = Session.objects.count()
    response = client.post(f"/episodes/{episode.pk}/sessions/new/", {
        **_date("date", dt.date(2025, 3, 1)), "type": "one_to_one", "attendance": "attended",
    })
    page = response.content.decode()
    assert "There is a problem" in page
    assert "cannot be before support started" in page
    response = client.post(f"/episodes/{episode.pk}/sessions/new/", {"date_0": "31", "date_1": "2", "date_2": "2025"})
    page = response.content.decode()
    assert "must be a real date" in page
    assert "Select the type of session" in page
    assert Session.objects.count() == before


def test_future_date_of_birth_is_refused(client, personas):
    client.force_login(personas.worker_a)
    response = client.post("/children/new/", {
        "first_name": "New", "last_name": "Child", **_date("date_of_birth", dt.date(2026, 1, 1)),
        "sex": "female", "ethnicity": "NOBT",
    })
    assert "Date of birth must be in the past" in response.content.decode()


def test_duplicate_check_warns_before_a_second_record(client, personas):
    client.force_login(personas.worker_a)
    data = {"first_name": "Alfie", "last_name": "Testchild", **_date("date_of_birth", dt.date(2010, 3, 14)),
            "sex": "male", "ethnicity": "WBRI"}
    before = Child.objects.count()
    page = client.post("/children/new/", data).content.decode()
    assert "already recorded" in page
    assert Child.objects.count() == before
    response = client.post("/children/new/", {**data, "confirm_not_duplicate": "True"})
    assert response.status_code == 302
    assert Child.objects.count() == before + 1


def test_my_work_lists_what_is_due(client, personas, open_work):
    client.force_login(personas.worker_a)
    page = client.get("/my-work/").content.decode()
    assert "Assessment" in page
    assert "Plan" in page
    assert "Overdue" in page


def test_manager_reallocates_and_old_worker_loses_access(client, personas, open_work):
    client.force_login(personas.team_manager)
    response = client.post(f"/children/{personas.child_a.pk}/allocate/", {
        "team": personas.team_b.pk, "worker": personas.worker_b.pk, "reason": "Moved to Team B's area"})
    assert response.status_code == 302
    client.force_login(personas.worker_a)
    assert client.get(f"/children/{personas.child_a.pk}/").status_code == 404
    client.force_login(personas.worker_b)
    assert client.get(f"/children/{personas.child_a.pk}/").status_code == 200


def test_team_manager_sees_programme_queue_and_allocates(client, personas, today):
    # Recorded by the system (not a worker), so the child has no team and the referral waits
    # in the programme's queue.
    child = create_child(by=None, organisation=personas.north, today=today,
                         first_name="Queued", last_name="Child", date_of_birth=dt.date(2011, 5, 5))
    ref.create_referral(by=personas.worker_a, child=child, programme=personas.programme, source="school",
                        received_on=dt.date(2025, 6, 1), today=today)
    client.force_login(personas.team_manager)
    assert "Queued Child" in client.get("/queue/").content.decode()
    assert client.post(f"/children/{child.pk}/allocate/", {
        "team": personas.team_a.pk, "worker": personas.worker_a.pk}).status_code == 302
    client.force_login(personas.worker_a)
    assert client.get(f"/children/{child.pk}/").status_code == 200


def test_void_session_keeps_it_marked(client, personas, open_work):
    client.force_login(personas.worker_a)
    session = open_work["session"]
    assert client.post(f"/recorded-in-error/session/{session.pk}/", {"reason": "Wrong child"}).status_code == 302
    session.refresh_from_db()
    assert session.is_void and session.void_reason == "Wrong child"


def _id_routes():
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                route = prefix + str(p.pattern)
                if re.search(r"<id:(child_id|referral_id|episode_id|session_id|record_id|onward_id)>", route):
                    yield route
    return sorted(set(walk(get_resolver().url_patterns)))


ID_ROUTES = _id_routes()


def test_the_walk_covers_the_pathway_pages():
    assert len(ID_ROUTES) >= 12


@pytest.mark.parametrize("route", ID_ROUTES)
@pytest.mark.parametrize("persona", ["worker_b", "other_org_worker", "board_member", "commissioner",
                                     "administrator", "worker_a"])
def test_every_id_page_is_scoped(client, personas, open_work, route, persona):
    ids = {"child_id": personas.child_a.pk, "referral_id": open_work["referral"].pk,
           "episode_id": open_work["episode"].pk, "session_id": open_work["session"].pk}
    ids["record_id"] = open_work["session"].pk
    ids["onward_id"] = open_work["onward"].pk
    ids["assessment_id"] = cw.record_assessment(by=personas.worker_a, episode=open_work["episode"],
                                                assessed_on=dt.date(2025, 3, 12), today=TODAY).pk
    ids["plan_id"] = cw.agree_plan(by=personas.worker_a, episode=open_work["episode"],
                                   agreed_on=dt.date(2025, 3, 12), today=TODAY, goals="Go to school").pk
    url = "/" + re.sub(r"<(?:int|id):(\w+)>", lambda m: str(ids[m.group(1)]), route).replace("<slug:kind>", "session")
    client.force_login(personas.all_users()[persona])
    status = client.get(url).status_code
    if persona in {"worker_b", "other_org_worker"}:
        assert status in (404, 403), url  # 403 only where the role itself is not allowed
        if status == 403:
            assert any(s in route for s in ("allocate", "merge", "reopen", "confirm-completion", "/audit/", "oversight/",
                                            "decide")), url
    elif persona == "worker_a":
        assert status in (200, 403), url
    else:
        assert status == 403, url


@pytest.mark.parametrize("persona", ["worker_b", "other_org_worker"])
def test_posting_to_out_of_scope_ids_changes_nothing(client, personas, open_work, persona):
    client.force_login(personas.all_users()[persona])
    episode = open_work["episode"]
    before = Session.objects.count()
    response = client.post(f"/episodes/{episode.pk}/sessions/new/", {
        **_date("date", dt.date(2025, 4, 1)), "type": "one_to_one", "attendance": "attended"})
    assert response.status_code == 404
    assert Session.objects.count() == before


def test_assessment_records_statuses_as_dated_records(client, personas, open_work):
    client.force_login(personas.worker_a)
    episode = open_work["episode"]
    response = client.post(f"/episodes/{episode.pk}/assessment/", {
        **_date("assessed_on", dt.date(2025, 3, 12)), "exploitation_risk": "none",
        **{f"need_{d}": "0" for d in ["education", "family", "emotional", "substances", "peers", "offending"]},
        "accommodation_type": "parents", "accommodation_suitability": "suitable",
        "ete_provision": "mainstream", "ete_suitability": "unsuitable", "ete_hours_offered": "15",
        "ete_hours_attended": "9", "care": ["child_in_need"], "mental_health_need": "yes",
        "mental_health_offered": "yes",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    child = personas.child_a
    day = dt.date(2025, 3, 12)
    assert Accommodation.objects.current_on(day).get(child=child).suitability == "suitable"
    assert ETEStatus.objects.current_on(day).get(child=child).hours_attended == 9
    assert list(CareStatus.objects.current_on(day).filter(child=child).values_list("kind", flat=True)) == [
        "child_in_need"]
    # At closure the child is no longer a child in need and has moved to family.
    response = client.post(f"/episodes/{episode.pk}/close/", {
        **_date("end_date", dt.date(2025, 5, 1)), "reason": "completed", "successfully_completed": "yes",
        "accommodation_type": "family", "accommodation_suitability": "suitable",
    })
    assert response.status_code == 302, response.content.decode()[:3000]
    end = dt.date(2025, 5, 1)
    assert Accommodation.objects.current_on(end).get(child=child).type == "family"
    assert Accommodation.objects.current_on(day).get(child=child).type == "parents"
    assert not CareStatus.objects.current_on(end).filter(child=child).exists()


def test_plan_review_withdraw_and_onward_status_pages(client, personas, open_work):
    client.force_login(personas.worker_a)
    episode = open_work["episode"]
    page = client.post(f"/episodes/{episode.pk}/review/", _date("reviewed_on", dt.date(2025, 3, 20))).content.decode()
    assert "Agree a plan with the child before reviewing it" in page
    client.post(f"/episodes/{episode.pk}/plan/", {**_date("agreed_on", dt.date(2025, 3, 12)), "goals": "Boxing"})
    assert client.post(f"/episodes/{episode.pk}/review/",
                       _date("reviewed_on", dt.date(2025, 3, 20))).status_code == 302
    assert client.post(f"/onward/{open_work['onward'].pk}/", {
        "status": "attending", **_date("status_on", dt.date(2025, 4, 1))}).status_code == 302
    open_work["onward"].refresh_from_db()
    assert open_work["onward"].status == "attending"
    assert client.post(f"/episodes/{episode.pk}/withdraw/", {
        **_date("withdrawn_on", dt.date(2025, 4, 2)), "reason": "Moved school"}).status_code == 302
    episode.refresh_from_db()
    assert (episode.closure_reason, episode.successfully_completed) == ("declined", False)


def test_unknown_void_kind_is_404(client, personas, open_work):
    client.force_login(personas.worker_a)
    assert client.get(f"/recorded-in-error/child/{personas.child_a.pk}/").status_code == 404


def test_queue_flags_overdue_screening(client, personas, today):
    child = create_child(by=personas.worker_a, organisation=personas.north, today=today, team=personas.team_a,
                         first_name="Late", last_name="Screening", date_of_birth=dt.date(2011, 5, 5))
    ref.create_referral(by=personas.worker_a, child=child, programme=personas.programme, source="school",
                        received_on=dt.date(2025, 6, 2), today=today)
    client.force_login(personas.team_manager)
    page = client.get("/queue/").content.decode()
    assert "9 Jun 2025" in page  # five working days after 2 June
    assert "Overdue" in page


def test_programme_exclusion_makes_referral_ineligible(client, personas):
    personas.programme.exclusions = ["Already open to the statutory youth justice service"]
    personas.programme.save()
    client.force_login(personas.worker_a)
    response = client.post(f"/children/{personas.child_a.pk}/referrals/new/", {
        "programme": personas.programme.pk, "source": "school", **_date("received_on", dt.date(2025, 6, 1)),
        "exclusion": "Already open to the statutory youth justice service"})
    assert response.status_code == 302
    referral = Referral.objects.get(child=personas.child_a)
    assert referral.stage == "ineligible"
    assert "Excluded: Already open" in referral.ineligible_reason


def test_a_form_sent_twice_saves_once(client, personas, open_work):
    client.force_login(personas.worker_a)
    episode = open_work["episode"]
    page = client.get(f"/episodes/{episode.pk}/sessions/new/").content.decode()
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    data = {**_date("date", dt.date(2025, 4, 1)), "type": "one_to_one", "attendance": "attended",
            "form_token": token}
    before = Session.objects.count()
    assert client.post(f"/episodes/{episode.pk}/sessions/new/", data).status_code == 302
    assert client.post(f"/episodes/{episode.pk}/sessions/new/", data).status_code == 302
    assert Session.objects.count() == before + 1


def _child_at_stage(personas, i: int) -> None:
    """A child of worker_a's caseload: waiting for screening, offered support, or with open support."""
    w = personas.worker_a
    child = create_child(by=w, organisation=w.organisation, today=TODAY, confirmed_not_duplicate=True,
                         first_name=f"Case{i}", last_name="Caseload", worker=w, date_of_birth=dt.date(2011, 1, 1 + i),
                         sex="male", ethnicity="WBRI")
    r = ref.create_referral(by=w, child=child, programme=personas.programme, source="police_cr",
                            received_on=dt.date(2025, 6, 2), today=TODAY)
    if i % 3 == 0:
        return
    ref.screen_referral(by=w, referral=r, decision="support", tier=personas.programme.tiers.get(number=2),
                        decided_on=dt.date(2025, 6, 3), today=TODAY)
    offer = ref.offer_support(by=w, referral=r, offered_on=dt.date(2025, 6, 4), today=TODAY)
    if i % 3 == 1:
        return
    ref.record_consent(by=w, offer=offer, child_decision="accepted", parent_decision="accepted",
                       decided_on=dt.date(2025, 6, 5), today=TODAY)
    episode = Referral.objects.get(pk=r.pk).episode
    cw.agree_plan(by=w, episode=episode, agreed_on=dt.date(2025, 6, 6), today=TODAY, goals="School",
                  planned_sessions=6, target_end_date=dt.date(2025, 7, 1))
    cw.record_session(by=w, episode=episode, date=dt.date(2025, 6, 9), today=TODAY, type="one_to_one",
                      attendance="attended")


def test_my_work_queries_do_not_grow_with_the_caseload(client, personas, open_work, django_assert_num_queries):
    client.force_login(personas.worker_a)
    with CaptureQueriesContext(connection) as small:
        assert client.get("/my-work/").status_code == 200
    for i in range(9):
        _child_at_stage(personas, i)
    with django_assert_num_queries(len(small)):
        page = client.get("/my-work/").content.decode()
    assert page[page.index("My caseload"):].count("Caseload</a>") == 9  # each child, linked to their record
    assert "Record the child&#x27;s answer" in page and "Plan review" in page and "Screening" in page
