"""Tenancy: a user of one organisation can neither read nor infer another organisation's children.

Every URL in the URL configuration that takes an id, and every API operation in the OpenAPI
schema that takes one, is requested with the ids of the other organisation's records, by
every persona. The answer must be the one a never-used id gets, byte for byte (apart from
one-time tokens), with the same number of SQL queries (a deterministic stand-in for "no
timing difference"): 404, or 403 where the role itself may not use the page. Lists,
searches and counts must not contain the other organisation's child either. The same walk
is made by a curious insider: a worker in team B with team A's child in their own organisation.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator

from divert.core.access import PUBLIC, SIGNED_IN, declared_access
from divert.kpis.tests import factories as f
from tests.security.conftest import (
    NEVER_USED_ID,
    NOT_IDS,
    PARAM,
    SOUTH_FIRST,
    SOUTH_LAST,
    bearer,
    expand,
    normalise,
    page_routes,
    walk_urls,
)

NORTH_PERSONAS = ["worker_a", "worker_b", "team_manager", "service_manager", "performance_officer",
                  "board_member", "commissioner", "administrator"]
SOUTH_PERSONAS = ["other_org_worker", "south_officer"]
# The curious insider: a worker in team B trying team A's child in their own organisation.
INSIDER = "worker_b_in_north"
ALL_PERSONAS = NORTH_PERSONAS + SOUTH_PERSONAS + [INSIDER]

# API path segment -> the id kind it names.
API_KINDS = {
    "children": "child_id", "referrals": "referral_id", "episodes": "episode_id", "sessions": "session_id",
    "assessments": "assessment_id", "plans": "plan_id", "onward-referrals": "onward_id",
    "checkpoints": "checkpoint_id", "contacts": "contact_id",
}
# Link shapes that would name another organisation's record on a page.
LINKS = {"child_id": "/children/{}/", "referral_id": "/referrals/{}/", "episode_id": "/episodes/{}/",
         "onward_id": "/onward/{}/", "run_id": "/imports/{}/", "review_id": "/imports/reviews/{}/"}


def _sides(world, persona):
    """The persona's user, and the other organisation's side."""
    if persona == "south_officer":
        return world.south.officer, world.north
    if persona == INSIDER:
        return world.personas.worker_b, world.north
    user = world.personas.all_users()[persona]
    return user, (world.north if persona in SOUTH_PERSONAS else world.south)


def _role_allowed(user, callback) -> bool:
    roles = declared_access(callback) or ()
    return PUBLIC in roles or SIGNED_IN in roles or user.has_any_role(roles)


def _leaks(body: bytes, side) -> list[str]:
    """Names, ids or links of `side`'s records found in a response body."""
    text = body.decode("utf-8", "replace")
    found = [s for s in side.secrets if s in text]
    found += [LINKS[k].format(side.ids[k]) for k in LINKS if LINKS[k].format(side.ids[k]) in text]
    return found


def _compare(client, method, theirs_url, never_url, *, headers=None, data=None, **kwargs):
    """Request both URLs (after a warm-up) and return (their response, never-used response, query counts)."""
    send = getattr(client, method)
    options = {"data": data, **(headers or {})}
    if data is not None and method == "post" and kwargs.get("json"):
        options["content_type"] = "application/json"
    send(never_url, **options)  # warm-up: caches (content types, roles) filled once
    with CaptureQueriesContext(connection) as never_queries:
        never = send(never_url, **options)
    with CaptureQueriesContext(connection) as their_queries:
        theirs = send(theirs_url, **options)
    return theirs, never, (len(their_queries), len(never_queries), their_queries, never_queries)


def _differences(url, theirs, never, counts, never_url) -> list[str]:
    problems = []
    their_count, never_count, their_q, never_q = counts
    if theirs.status_code != never.status_code:
        problems.append(f"{url}: {theirs.status_code} but a never-used id gets {never.status_code}")
    elif normalise(theirs.content, url) != normalise(never.content, never_url):
        problems.append(f"{url}: the body differs from a never-used id's")
    if their_count != never_count:
        extra = {q["sql"] for q in their_q.captured_queries} ^ {q["sql"] for q in never_q.captured_queries}
        problems.append(f"{url}: {their_count} queries but a never-used id takes {never_count}: {sorted(extra)[:3]}")
    return problems


# Routes that name a record by id (a year or a file format alone names nothing of anyone's).
PAGE_ID_ROUTES = [(r, cb) for r, cb in page_routes() if set(n for _, n in PARAM.findall(r)) - set(NOT_IDS)]


def test_the_walk_covers_every_page_that_takes_an_id():
    names = {name for r, _ in PAGE_ID_ROUTES for _, name in PARAM.findall(r)}
    assert {"child_id", "referral_id", "episode_id", "onward_id", "record_id", "run_id", "review_id"} <= names
    assert len(PAGE_ID_ROUTES) >= 20


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_other_organisations_ids_get_the_never_used_answer_on_every_page(client, world, persona):
    user, theirs = _sides(world, persona)
    client.force_login(user)
    never_ids = {k: NEVER_USED_ID for k in theirs.ids}
    problems = []
    for route, callback in PAGE_ID_ROUTES:
        expected = {404, 405} if _role_allowed(user, callback) else {403}
        for url, never_url in zip(expand(route, theirs.ids), expand(route, never_ids), strict=True):
            for method in ("get", "post"):
                their, never, counts = _compare(client, method, url, never_url, data={})
                if their.status_code not in expected:
                    problems.append(f"{method.upper()} {url}: {their.status_code}, expected {sorted(expected)}")
                problems += [f"{method.upper()} {p}" for p in _differences(url, their, never, counts, never_url)]
                if leaked := _leaks(their.content, theirs):
                    problems.append(f"{method.upper()} {url} shows {leaked}")
    assert problems == []


def _api_operations():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, operations in schema["paths"].items():
        for method in operations:
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method


API_OPERATIONS = sorted(_api_operations())
API_ID_OPERATIONS = [(p, m) for p, m in API_OPERATIONS if "{id}" in p]
API_LIST_OPERATIONS = [(p, m) for p, m in API_OPERATIONS if "{" not in p and m == "get"]

# A plausible body for each write, so a scoping hole would show as a success, not a 400.
API_BODIES = {
    "screen": {"decision": "support", "decided_on": "2025-03-04", "tier": 1},
    "offer": {"offered_on": "2025-03-05"},
    "consent": {"child_decision": "accepted", "parent_decision": "accepted", "decided_on": "2025-03-06"},
    "sessions": {"date": "2025-04-01", "type": "one_to_one", "attendance": "attended"},
    "close": {"end_date": "2025-05-01", "reason": "completed", "successfully_completed": True},
}


def test_the_api_walk_covers_every_resource():
    kinds = {p.split("/")[2] for p, _ in API_ID_OPERATIONS}
    assert kinds == set(API_KINDS), "a new API resource: add it to API_KINDS"
    assert any(m == "post" for _, m in API_ID_OPERATIONS)


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_other_organisations_ids_get_the_never_used_answer_from_the_api(client, world, persona):
    user, theirs = _sides(world, persona)
    headers = bearer(user)
    problems = []
    for path, method in API_ID_OPERATIONS:
        kind = API_KINDS[path.split("/")[2]]
        url, never_url = path.replace("{id}", str(theirs.ids[kind])), path.replace("{id}", str(NEVER_USED_ID))
        body = API_BODIES.get(path.rstrip("/").rsplit("/", 1)[-1]) if method == "post" else None
        their, never, counts = _compare(client, method, url, never_url, headers=headers, data=body, json=True)
        if their.status_code not in (403, 404):
            problems.append(f"{method.upper()} {url}: {their.status_code}")
        problems += [f"{method.upper()} {p}" for p in _differences(url, their, never, counts, never_url)]
        if leaked := _leaks(their.content, theirs):
            problems.append(f"{method.upper()} {url} shows {leaked}")
    assert problems == []


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_api_lists_do_not_include_the_other_organisation(client, world, persona):
    user, theirs = _sides(world, persona)
    headers = bearer(user)
    problems = []
    for path, _ in API_LIST_OPERATIONS:
        kind = API_KINDS[path.split("/")[2]]
        response = client.get(path, {"limit": 100}, **headers)
        if response.status_code == 403:
            continue
        assert response.status_code == 200, path
        ids = {row["id"] for row in response.json()["results"]}
        if theirs.ids[kind] in ids:
            problems.append(f"{path} lists {kind} {theirs.ids[kind]}")
        if leaked := _leaks(response.content, theirs):
            problems.append(f"{path} shows {leaked}")
    assert problems == []


# Query strings for list pages that filter (so the filtered views are walked too).
LIST_QUERIES = {
    "children/": [{}, {"mine": "1"}, {"page": "2"}],
    "follow-up/": [{}, {"group": "participant"}, {"group": "comparison"}],
    "kpis/": [{}, {"period": "2024-25", "as_at": "2025-06-30"}],
    "evaluation/tracker/": [{}, {"as_at": "2027-06-30"}],
    "evaluation/tracker/children/": [{"anchor": "offer", "months": "3", "group": "participant", "tier": "all",
                                      "cell": "tracked", "as_at": "2027-06-30"}],
}


@pytest.mark.parametrize("persona", ALL_PERSONAS)
def test_no_list_page_shows_the_other_organisations_child(client, world, persona):
    user, theirs = _sides(world, persona)
    client.force_login(user)
    problems = []
    for route, _ in page_routes():
        if PARAM.search(route) or route in {"sign-out/"}:
            continue
        for query in LIST_QUERIES.get(route, [{}]):
            response = client.get("/" + route, query)
            if response.status_code == 200 and (leaked := _leaks(response.content, theirs)):
                problems.append(f"/{route}?{query} shows {leaked}")
    assert problems == []


@pytest.mark.parametrize("persona", ["worker_a", "team_manager", "service_manager", "performance_officer", INSIDER])
@pytest.mark.parametrize("field", ["name", "local_id", "police_id"])
def test_searching_for_the_other_organisations_child_is_like_searching_for_nobody(client, world, persona, field):
    user, theirs = _sides(world, persona)
    client.force_login(user)
    child = theirs.child
    query = {"name": f"{child.first_name} {child.last_name}", "local_id": child.local_id,
             "police_id": child.police_id}[field]
    nobody = {"name": "Nobody Atallhere", "local_id": "NONE-0000", "police_id": "PNC-NOBODY-00"}[field]
    searches = [("/children/", "q")]
    if user.has_any_role(["case_worker", "team_manager", "service_manager"]):
        searches.append(("/children/find/", "name" if field == "name" else "identifier"))
    for url, param in searches:
        found = client.get(url, {param: query})
        nothing = client.get(url, {param: nobody})
        assert found.status_code == nothing.status_code == 200
        assert not _leaks(normalise(found.content, query), theirs)
        assert normalise(found.content, query) == normalise(nothing.content, nobody), url


def test_the_walk_includes_every_parameterless_page():
    routes = {r for r, _ in walk_urls() if not PARAM.search(r)}
    assert {"children/", "my-work/", "queue/", "kpis/", "imports/"} <= routes


def test_commissioner_sees_only_suppressed_aggregates_of_funded_programmes(client, world):
    """South's programme is not funded by the commissioner: its children are not counted."""
    personas = world.personas
    south_programme = f.programme(personas.south, slug="south-big")
    for _ in range(12):  # enough that an unsuppressed count would show
        f.episode(f.child(personas.south, dob=dt.date(2010, 1, 1)), south_programme, dt.date(2025, 4, 1),
                  dt.date(2025, 5, 1), order_type="outcome_22", completed=True)
    for _ in range(7):
        f.episode(f.child(personas.north, dob=dt.date(2010, 1, 1)), personas.programme, dt.date(2025, 4, 1),
                  dt.date(2025, 5, 1), order_type="outcome_22", completed=True)
    url = "/kpis/?period=2025-26Q1&as_at=2025-07-31"
    # A commissioner sees only published figures: 2025-26 Q1's are published on 31 July 2025.
    with time_machine.travel(dt.datetime(2025, 8, 1, 12, 0), tick=False):
        client.force_login(personas.commissioner)
        page = client.get(url).content.decode()
    assert "Small numbers are suppressed" in page
    assert "7 of 7" in page  # north's funded programme, above the threshold
    assert "12 of 12" not in page and "19 of 19" not in page  # south's programme is not theirs
    assert SOUTH_FIRST not in page and SOUTH_LAST not in page
    # The service manager of north sees their own organisation unsuppressed, not south's.
    client.force_login(personas.service_manager)
    page = client.get(url).content.decode()
    assert "7 of 7" in page and "19 of 19" not in page



def test_the_same_walk_with_their_own_ids_finds_their_records(client, world):
    """A positive control: the ids and names the walk uses are the real ones."""
    client.force_login(world.personas.worker_a)
    found = []
    for route, _ in PAGE_ID_ROUTES:
        for url in expand(route, world.north.ids):
            if client.get(url).status_code == 200:
                found.append(url)
    assert len(found) >= 12, found
    page = client.get(f"/children/{world.north.child.pk}/").content.decode()
    assert _leaks(page.encode(), world.north)  # the child's own worker sees the name
