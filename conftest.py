"""Shared test fixtures: fixed personas covering the access matrix, and their children.

Personas (one organisation "north" with teams A and B, and a second organisation "south"):
worker_a (team A), worker_b (team B), team_manager (team A), service_manager,
performance_officer, board_member, commissioner (funds north's programme),
administrator, other_org_worker (south). Children: child_a (team A), child_b (team B),
police_only_child (north, known only from police data), other_org_child (south).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, settings

from divert.accounts import actions as acc
from divert.accounts.models import Role
from divert.casework import actions as cw
from divert.people.actions import create_child
from divert.referrals import actions as ref
from divert.referrals.models import Referral

settings.register_profile(
    "ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

TODAY = dt.date(2025, 6, 30)
PASSWORD = "correct horse battery staple"  # noqa: S105 - test personas only


@dataclass
class Personas:
    """The fixed cast of users, organisations and children."""

    north: object
    south: object
    programme: object
    team_a: object
    team_b: object
    worker_a: object
    worker_b: object
    team_manager: object
    service_manager: object
    performance_officer: object
    board_member: object
    commissioner: object
    administrator: object
    other_org_worker: object
    child_a: object
    child_b: object
    police_only_child: object
    other_org_child: object

    def all_users(self) -> dict[str, object]:
        """Every persona user by name."""
        names = [
            "worker_a", "worker_b", "team_manager", "service_manager", "performance_officer",
            "board_member", "commissioner", "administrator", "other_org_worker",
        ]
        return {n: getattr(self, n) for n in names}


def make_personas() -> Personas:
    """Build the personas through the project's own actions."""
    system = None
    # The personas' organisations waive MFA so password sign-in keeps working in tests.
    north = acc.create_organisation(by=system, name="Northbridge Youth Justice Service", slug="north",
                                    mfa_required=False)
    south = acc.create_organisation(by=system, name="Southmoor Youth Justice Service", slug="south",
                                    mfa_required=False)
    vru = acc.create_commissioner(by=system, name="Northbridge VRU", slug="north-vru")
    programme = acc.create_programme(
        by=system, organisation=north, name="Early Intervention", slug="early-intervention",
        tiers=[("Light touch", 3, 4), ("Standard", 10, 12)], funded_by=[vru],
        # Asks nothing of "successfully completed", so tests that close support are not about it;
        # divert/casework/tests/test_closure.py sets the requirements it tests.
        completion_min_attended_percent=0, completion_needs_review=False,
    )
    south_programme = acc.create_programme(by=system, organisation=south, name="Diversion", slug="diversion")
    team_a = acc.create_team(by=system, organisation=north, name="Team A", programmes=[programme])
    team_b = acc.create_team(by=system, organisation=north, name="Team B", programmes=[programme])
    team_south = acc.create_team(by=system, organisation=south, name="South team", programmes=[south_programme])

    def user(name, roles, org=north, teams=(), commissioner=None):
        return acc.create_user(
            by=system, username=name, password=PASSWORD, roles=roles, organisation=org,
            commissioner=commissioner, teams=teams, first_name=name.replace("_", " ").title(),
        )

    p = Personas(
        north=north, south=south, programme=programme, team_a=team_a, team_b=team_b,
        worker_a=user("worker_a", [Role.CASE_WORKER], teams=[team_a]),
        worker_b=user("worker_b", [Role.CASE_WORKER], teams=[team_b]),
        team_manager=user("team_manager", [Role.TEAM_MANAGER], teams=[team_a]),
        service_manager=user("service_manager", [Role.SERVICE_MANAGER]),
        performance_officer=user("performance_officer", [Role.PERFORMANCE_OFFICER]),
        board_member=user("board_member", [Role.BOARD_MEMBER]),
        commissioner=user("commissioner", [Role.COMMISSIONER], org=None, commissioner=vru),
        administrator=user("administrator", [Role.ADMINISTRATOR]),
        other_org_worker=user("other_org_worker", [Role.CASE_WORKER], org=south, teams=[team_south]),
        child_a=None, child_b=None, police_only_child=None, other_org_child=None,
    )

    def child(org, first, team=None, worker=None, police_only=False, local_id=""):
        return create_child(
            by=system, organisation=org, today=TODAY, team=team, worker=worker,
            police_only=police_only, first_name=first, last_name="Testchild",
            date_of_birth=dt.date(2010, 3, 14), sex="male", ethnicity="WBRI", local_id=local_id,
        )

    p.child_a = child(north, "Alfie", team_a, p.worker_a, local_id="N-0001")
    p.child_b = child(north, "Bella", team_b, p.worker_b, local_id="N-0002")
    p.police_only_child = child(north, "Pat", police_only=True, local_id="N-0003")
    p.other_org_child = child(south, "Sam", team_south, p.other_org_worker, local_id="S-0001")
    return p


@pytest.fixture
def personas(db) -> Personas:
    """The fixed personas and their children."""
    return make_personas()


@pytest.fixture
def today() -> dt.date:
    """The fixed 'today' used across tests."""
    return TODAY


@pytest.fixture
def open_work(personas):
    """child_a with a referral, screening, accepted offer, open episode and one session."""
    w = personas.worker_a
    r = ref.create_referral(by=w, child=personas.child_a, programme=personas.programme, source="police_cr",
                            received_on=dt.date(2025, 3, 3), today=TODAY)
    ref.screen_referral(by=w, referral=r, decision="support", tier=personas.programme.tiers.get(number=2),
                        decided_on=dt.date(2025, 3, 4), today=TODAY)
    offer = ref.offer_support(by=w, referral=r, offered_on=dt.date(2025, 3, 5), today=TODAY)
    ref.record_consent(by=w, offer=offer, child_decision="accepted", parent_decision="accepted",
                       decided_on=dt.date(2025, 3, 6), today=TODAY)
    episode = Referral.objects.get(pk=r.pk).episode
    session = cw.record_session(by=w, episode=episode, date=dt.date(2025, 3, 10), today=TODAY,
                                type="one_to_one", attendance="attended")
    onward = cw.make_onward_referral(by=w, episode=episode, service="camhs", referred_on=dt.date(2025, 3, 11),
                                     today=TODAY)
    return {"referral": r, "episode": episode, "session": session, "onward": onward}
