"""Every refusal of the creating and updating endpoints is the action's, so the web form and
the API give the same answer (same field, same words) and write nothing.

Each case is driven twice: through the page (the form's errors) and through the API (the
400's body), counting the rows of what would have been written before and after.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest

from divert.accounts.actions import issue_token
from divert.audit.actions import start_batch
from divert.casework.models import Episode, Session
from divert.people import actions as people
from divert.people.models import Child, DuplicateAttempt
from divert.referrals import actions as ref
from divert.referrals.models import Referral, Screening

XSS = "<script>alert(1)</script>"
D = dt.date


def _date(name: str, day: dt.date) -> dict[str, str]:
    return {f"{name}_0": str(day.day), f"{name}_1": str(day.month), f"{name}_2": str(day.year)}


@dataclass
class Endpoint:
    """One write, as the page and the API take it."""

    web_url: str
    web_data: dict
    api_url: str
    api_data: dict
    rows: object  # a queryset whose count must not change
    web_dates: dict = field(default_factory=dict)


def _web_errors(client, endpoint: Endpoint, overrides: dict) -> dict[str, list[str]]:
    data = {**endpoint.web_data, **overrides}
    for name, day in endpoint.web_dates.items():
        data.update(_date(name, day))
    response = client.post(endpoint.web_url, data)
    assert response.status_code == 200, "the page must show the form again, not move on"
    errors = response.context["form"].errors
    return {("non_field_errors" if k == "__all__" else k): list(v) for k, v in errors.items()}


def _api_errors(client, secret: str, endpoint: Endpoint, overrides: dict) -> dict[str, list[str]]:
    response = client.post(endpoint.api_url, {**endpoint.api_data, **overrides}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 400, response.content
    return {k: v for k, v in response.json().items() if k != "duplicates"}


def assert_same_refusal(client, user, endpoint: Endpoint, *, web: dict, api: dict | None = None,
                        field_name: str, message: str) -> None:
    """Refused with `message` on `field_name` by the page and by the API; nothing written."""
    _, secret = issue_token(user=user, name="rules")
    before = endpoint.rows.count()
    client.force_login(user)
    web_errors = _web_errors(client, endpoint, web)
    api_errors = _api_errors(client, secret, endpoint, web if api is None else api)
    assert web_errors == {field_name: [message]}
    assert api_errors == {field_name: [message]}
    assert endpoint.rows.count() == before


# ---- The endpoints ----------------------------------------------------------------------

CHILD = {"first_name": "Rowan", "last_name": "Rules", "sex": "female", "ethnicity": "WBRI"}


def new_child() -> Endpoint:
    return Endpoint("/children/new/", dict(CHILD), "/api/children/", {**CHILD, "date_of_birth": "2011-04-05"},
                    Child.objects.all(), web_dates={"date_of_birth": D(2011, 4, 5)})


@pytest.fixture
def teamless_child(personas):
    """A child allocated to worker_a but to no team (so the referral's queue must be chosen)."""
    return people.create_child(by=None, organisation=personas.north, today=D(2025, 6, 30), worker=personas.worker_a,
                               first_name="Quinn", last_name="Queue", date_of_birth=D(2011, 1, 1))


def new_referral(child, programme) -> Endpoint:
    common = {"programme": str(programme.pk), "source": "school", "reason": ""}
    return Endpoint(f"/children/{child.pk}/referrals/new/", common, "/api/referrals/",
                    {**common, "child": child.pk, "programme": programme.pk, "received_on": "2025-06-02"},
                    Referral.objects.all(), web_dates={"received_on": D(2025, 6, 2)})


@pytest.fixture
def received(personas, teamless_child):
    """A referral waiting for screening."""
    return ref.create_referral(by=personas.worker_a, child=teamless_child, programme=personas.programme,
                               source="school", received_on=D(2025, 6, 1), today=D(2025, 6, 30))


def screening(referral) -> Endpoint:
    common = {"decision": "support", "tier": "2"}
    return Endpoint(f"/referrals/{referral.pk}/screen/", common, f"/api/referrals/{referral.pk}/screen/",
                    {"decision": "support", "tier": 2, "decided_on": "2025-06-03"},
                    Screening.objects.all(), web_dates={"decided_on": D(2025, 6, 3)})


@pytest.fixture
def offered(personas, received):
    """An offer waiting for an answer, from a child young enough that a parent must answer too."""
    personas.programme.parent_consent_under = 18
    personas.programme.save(update_fields=["parent_consent_under"])
    ref.screen_referral(by=personas.worker_a, referral=received, decision="support", decided_on=D(2025, 6, 3),
                        today=D(2025, 6, 30), tier=personas.programme.tiers.get(number=2))
    ref.offer_support(by=personas.worker_a, referral=received, offered_on=D(2025, 6, 4), today=D(2025, 6, 30))
    return Referral.objects.get(pk=received.pk)


def consent(referral) -> Endpoint:
    common = {"child_decision": "accepted", "parent_decision": "accepted", "reason": ""}
    return Endpoint(f"/referrals/{referral.pk}/consent/", common, f"/api/referrals/{referral.pk}/consent/",
                    {**common, "decided_on": "2025-06-05"}, Episode.objects.all(),
                    web_dates={"decided_on": D(2025, 6, 5)})


def session(episode) -> Endpoint:
    common = {"type": "one_to_one", "attendance": "attended", "place": "home", "topics": ["weapons"]}
    return Endpoint(f"/episodes/{episode.pk}/sessions/new/", common, f"/api/episodes/{episode.pk}/sessions/",
                    {**common, "date": "2025-03-12"}, Session.objects.all(), web_dates={"date": D(2025, 3, 12)})


def close(episode) -> Endpoint:
    return Endpoint(f"/episodes/{episode.pk}/close/", {"reason": "completed", "successfully_completed": "yes"},
                    f"/api/episodes/{episode.pk}/close/",
                    {"reason": "completed", "successfully_completed": True, "end_date": "2025-03-20"},
                    Episode.objects.filter(end_date__isnull=False), web_dates={"end_date": D(2025, 3, 20)})


# ---- Choice fields: a value outside the list ---------------------------------------------

@pytest.mark.parametrize("name,value,message", [
    ("sex", "robot", "Choose the child's sex from the list."),
    ("sex", XSS, "Choose the child's sex from the list."),
    ("ethnicity", "ZZZZ", "Choose the child's ethnicity from the list."),
])
def test_new_child_choices(client, personas, name, value, message):
    assert_same_refusal(client, personas.worker_a, new_child(), web={name: value}, field_name=name, message=message)


@pytest.mark.parametrize("name,web,api,message", [
    ("source", "gossip", "gossip", "Choose where the referral came from."),
    ("programme", "999999", 999999, "Choose a programme from the list."),
    ("exclusion", "Not one of them", "Not one of them", "That exclusion is not one of this programme's."),
])
def test_new_referral_choices(client, personas, teamless_child, name, web, api, message):
    personas.programme.exclusions = ["Already open to the YOT"]
    personas.programme.save(update_fields=["exclusions"])
    endpoint = new_referral(teamless_child, personas.programme)
    assert_same_refusal(client, personas.worker_a, endpoint, web={name: web}, api={name: api},
                        field_name=name, message=message)


@pytest.mark.parametrize("name,web,api,message", [
    ("decision", "shrug", "shrug", "Choose the screening decision from the list."),
    ("concerns", ["not-a-concern"], ["not-a-concern"], "Choose the concerns from the list."),
    ("agency", XSS, XSS, "Choose the agency from the list."),
    ("tier", "99", 99, "Choose a level of support from this programme's tiers."),
])
def test_screening_choices(client, personas, received, name, web, api, message):
    assert_same_refusal(client, personas.worker_a, screening(received), web={name: web}, api={name: api},
                        field_name=name, message=message)


@pytest.mark.parametrize("name,value,message", [
    ("child_decision", "maybe", "Choose accepted, declined or no response."),
    ("parent_decision", "maybe", "This child is young enough that a parent or carer must also answer."),
])
def test_consent_choices(client, personas, offered, name, value, message):
    assert_same_refusal(client, personas.worker_a, consent(offered), web={name: value}, field_name=name,
                        message=message)


@pytest.mark.parametrize("name,value,message", [
    ("type", "seance", "Choose the type of session."),
    ("attendance", "sort of", "Say whether the child attended."),
    ("place", "not-a-place", "Choose where the session took place from the list."),
    ("place", XSS, "Choose where the session took place from the list."),
    ("topics", ["astrology"], "Unknown session topic."),
])
def test_session_choices(client, personas, open_work, name, value, message):
    assert_same_refusal(client, personas.worker_a, session(open_work["episode"]), web={name: value},
                        field_name=name, message=message)


def test_closure_reason_choice(client, personas, open_work):
    assert_same_refusal(client, personas.worker_a, close(open_work["episode"]), web={"reason": "bored"},
                        field_name="reason", message="Choose the reason support ended.")


# ---- Rules that used to live in one view only -----------------------------------------

def test_a_worker_in_no_team_cannot_record_a_child_anywhere(client, personas):
    personas.worker_a.teams.clear()
    assert_same_refusal(client, personas.worker_a, new_child(), web={}, field_name="non_field_errors",
                        message=people.NO_TEAM)


def test_a_child_restricted_from_the_worker_is_refused_in_neutral_words(client, personas):
    # On the worker's own team, but restricted from them.
    rosa = people.create_child(by=None, organisation=personas.north, today=D(2025, 6, 30), team=personas.team_a,
                               first_name="Rosa", last_name="Restricted", date_of_birth=D(2010, 3, 14))
    people.restrict_record(by=personas.team_manager, child=rosa, user=personas.worker_a, reason="Knows the family")
    endpoint = new_child()
    same = {"first_name": "Rosa", "last_name": "Restricted", "sex": "male"}
    endpoint.web_dates = {"date_of_birth": D(2010, 3, 14)}
    assert_same_refusal(client, personas.worker_a, endpoint, web=same, api={**same, "date_of_birth": "2010-03-14"},
                        field_name="non_field_errors", message=people.NEUTRAL_REFUSAL)


def test_another_teams_child_is_refused_in_neutral_words(client, personas):
    endpoint = new_child()
    same = {"first_name": "Bella", "last_name": "Testchild", "sex": "male"}
    endpoint.web_dates = {"date_of_birth": D(2010, 3, 14)}
    assert_same_refusal(client, personas.worker_a, endpoint, web=same, api={**same, "date_of_birth": "2010-03-14"},
                        field_name="non_field_errors", message=people.NEUTRAL_REFUSAL)


def test_a_child_the_worker_can_see_asks_for_confirmation_on_both(client, personas):
    endpoint = new_child()
    same = {"first_name": "Alfie", "last_name": "Testchild", "sex": "male"}
    _, secret = issue_token(user=personas.worker_a, name="rules")
    before = Child.objects.count()
    response = client.post("/api/children/", {**endpoint.api_data, **same, "date_of_birth": "2010-03-14"},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 400
    assert response.json()["duplicates"] == [personas.child_a.pk]
    assert "confirm_not_duplicate" in response.json()
    client.force_login(personas.worker_a)
    page = client.post("/children/new/", {**endpoint.web_data, **same, **_date("date_of_birth", D(2010, 3, 14))})
    assert f"/children/{personas.child_a.pk}/referrals/new/" in page.content.decode()
    assert Child.objects.count() == before
    response = client.post("/api/children/", {**endpoint.api_data, **same, "date_of_birth": "2010-03-14",
                                              "confirm_not_duplicate": True},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 201
    assert Child.objects.get(pk=response.json()["id"]).team == personas.team_a


def test_a_referral_waits_in_the_same_queue_from_the_page_and_the_api(client, personas, teamless_child):
    # The child has no team: the referral goes to the recorder's team that works on the programme.
    endpoint = new_referral(teamless_child, personas.programme)
    client.force_login(personas.worker_a)
    response = client.post(endpoint.web_url, {**endpoint.web_data, **_date("received_on", D(2025, 6, 2))})
    assert response.status_code == 302
    _, secret = issue_token(user=personas.worker_a, name="rules")
    response = client.post(endpoint.api_url, {**endpoint.api_data, "source": "police_cr"},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 201
    teams = set(Referral.objects.filter(child=teamless_child).values_list("team", flat=True))
    assert teams == {personas.team_a.pk}


def test_the_api_checks_a_referrals_exclusion_like_the_page(client, personas, teamless_child):
    # It used to store any exclusion (the page alone checked it against the programme's list).
    personas.programme.exclusions = ["Already open to the YOT"]
    personas.programme.save(update_fields=["exclusions"])
    _, secret = issue_token(user=personas.worker_a, name="rules")
    endpoint = new_referral(teamless_child, personas.programme)
    response = client.post(endpoint.api_url, {**endpoint.api_data, "exclusion": "Already open to the YOT"},
                           content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 201
    assert response.json()["eligibility"] == "ineligible"


def test_imported_referrals_use_no_persons_team(personas, teamless_child):
    batch = start_batch(kind="police_import", organisation=personas.north, by=personas.team_manager)
    referral = ref.create_referral(by=personas.team_manager, child=teamless_child, programme=personas.programme,
                                   source="police_cr", received_on=D(2025, 6, 1), today=D(2025, 6, 30), batch=batch)
    assert referral.team is None and referral.batch == batch


def test_no_duplicate_attempt_is_kept_for_an_ordinary_refusal(client, personas):
    client.force_login(personas.worker_a)
    client.post("/children/new/", {**new_child().web_data, "sex": "robot", **_date("date_of_birth", D(2011, 4, 5))})
    assert not DuplicateAttempt.objects.exists()


# ---- Closure that means something (issue 12, point 9) -----------------------------------

def test_success_below_the_programme_needs_a_reason_on_both(client, personas, open_work):
    # One session, no plan: "successfully completed" without a reason is refused.
    personas.programme.completion_min_attended_percent = 75
    personas.programme.save(update_fields=["completion_min_attended_percent"])
    message = ("No plan was agreed with the child. To record it as successfully completed, give the reason; "
               "a team or service manager then confirms it.")
    assert_same_refusal(client, personas.worker_a, close(open_work["episode"]), web={},
                        field_name="completion_reason", message=message)


@pytest.mark.parametrize("attendance", ["dna", "cancelled_child", "cancelled_worker"])
def test_a_session_not_attended_has_no_topics_on_both(client, personas, open_work, attendance):
    assert_same_refusal(client, personas.worker_a, session(open_work["episode"]), web={"attendance": attendance},
                        field_name="topics",
                        message="A session the child did not attend, or that was cancelled, has no topics. "
                                "Clear the topics, or record that the child attended.")


def test_a_session_not_attended_has_no_length_on_both(client, personas, open_work):
    assert_same_refusal(client, personas.worker_a, session(open_work["episode"]),
                        web={"attendance": "dna", "topics": [], "duration_minutes": 45},
                        field_name="duration_minutes",
                        message="A session the child did not attend, or that was cancelled, has no length. "
                                "Clear the length, or record that the child attended.")
