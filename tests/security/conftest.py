"""Fixtures for the attack tests: two organisations with a full pathway each, and helpers.

`world` builds, through the project's own actions, one child in each organisation with
every kind of record a URL can name: referral, screening, offer, episode, assessment, plan
and review, session, onward referral, follow-up checkpoints, closure, plus an import run,
a match review and a rejected-rows file. South's child has names and ids that appear
nowhere else, so a page that leaks them can be caught by a plain text search.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
import time_machine
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.html import escape

from divert.accounts import actions as acc
from divert.accounts.actions import issue_token
from divert.accounts.models import Role
from divert.casework import actions as cw
from divert.casework.models import FollowUpCheckpoint
from divert.core.errors import DomainError
from divert.imports.actions import get_or_create_source, import_police_file
from divert.imports.models import ImportErrorFile, MatchReview
from divert.imports.tests.files import outcome_row, to_csv
from divert.offending.models import OffenceType
from divert.oversight import actions as ov
from divert.oversight.quarters import quarter_containing
from divert.people.actions import create_child, restrict_record
from divert.people.models import DuplicateAttempt
from divert.reference.models import BoardMeeting, ComparatorFigure, Population
from divert.referrals import actions as ref
from divert.reports.models import PackFile

TODAY = dt.date(2025, 6, 30)
NOW = dt.datetime(2025, 6, 30, 12, 0)

# South's child: words that must never reach a north user.
SOUTH_FIRST, SOUTH_LAST = "Zebedee", "Quillfeather"
SOUTH_LOCAL_ID, SOUTH_POLICE_ID = "SOUTH-7781", "PNC-SOUTHX-99"
# North's child, for the other direction.
NORTH_FIRST, NORTH_LAST = "Ottoline", "Marchbanks"
NORTH_LOCAL_ID, NORTH_POLICE_ID = "NORTH-5532", "PNC-NORTHX-11"

NEVER_USED_ID = 987654321
# URL parameters that are not ids: filled with the same value for "theirs" and "never used".
REFERENCE_YEAR = 2024
NOT_IDS = {"year": REFERENCE_YEAR, "record_type": "session", "file_format": "json", "section": "summary"}


@dataclass
class Side:
    """One organisation's objects: ids by URL parameter kind, and the words that identify its child."""

    organisation: object
    worker: object
    officer: object
    child: object
    ids: dict[str, int] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()


@dataclass
class World:
    """Both organisations."""

    personas: object
    north: Side
    south: Side


@pytest.fixture(autouse=True)
def frozen_today():
    """Pages compute 'today': fix it to the personas' day."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def import_dir(tmp_path, settings):
    """Keep uploads and rejected-row files in a temporary folder."""
    settings.DIVERT_IMPORT_DIR = str(tmp_path / "imports")
    return tmp_path / "imports"


def _date(prefix: str, day: dt.date) -> dict:
    """A GOV.UK date input's three fields."""
    return {f"{prefix}_0": day.day, f"{prefix}_1": day.month, f"{prefix}_2": day.year}


def full_pathway(*, by, organisation, team, programme, first, last, local_id, police_id, text="") -> dict:
    """A child taken through the whole pathway by `by`; returns ids by URL parameter kind.

    `text` (if given) is written into every free-text field along the way.
    """
    child = create_child(
        by=by, organisation=organisation, today=TODAY, team=team, worker=by, first_name=first,
        last_name=last, date_of_birth=dt.date(2010, 3, 14), sex="female", ethnicity="WBRI",
        local_id=local_id, police_id=police_id, school=text, gender=text[:60], preferred_name=text[:100],
    )
    referral = ref.create_referral(by=by, child=child, programme=programme, source="police_cr",
                                   received_on=dt.date(2025, 3, 3), today=TODAY, reason=text)
    ref.screen_referral(by=by, referral=referral, decision="support", tier=programme.tiers.get(number=1),
                        decided_on=dt.date(2025, 3, 4), today=TODAY, notes=text, concerns=["school_absence"])
    offer = ref.offer_support(by=by, referral=referral, offered_on=dt.date(2025, 3, 5), today=TODAY)
    ref.record_consent(by=by, offer=offer, child_decision="accepted", parent_decision="accepted",
                       decided_on=dt.date(2025, 3, 6), today=TODAY)
    referral.refresh_from_db()
    episode = referral.episode
    assessment = cw.record_assessment(by=by, episode=episode, assessed_on=dt.date(2025, 3, 7), today=TODAY,
                                      strengths=text, child_view=text, summary=text)
    plan = cw.agree_plan(by=by, episode=episode, agreed_on=dt.date(2025, 3, 8), today=TODAY,
                         goals=text or "Join the boxing club")
    cw.review_plan(by=by, plan=plan, reviewed_on=dt.date(2025, 3, 20), today=TODAY, notes=text)
    session = cw.record_session(by=by, episode=episode, date=dt.date(2025, 3, 10), today=TODAY,
                                type="one_to_one", attendance="attended", notes=text, place="school")
    onward = cw.make_onward_referral(by=by, episode=episode, service="camhs", referred_on=dt.date(2025, 3, 11),
                                     today=TODAY)
    contact = cw.record_contact(
        by=by, child=child, contacted_at=dt.datetime(2025, 3, 12, 10, 30, tzinfo=dt.UTC),
        now=dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC), type="phone", with_whom="parent_carer",
        summary=text or "Spoke with mum about the boxing club", others_present=text[:100],
    )
    checkpoint = FollowUpCheckpoint.objects.filter(referral=referral).order_by("id").first()
    return {
        "child_id": child.pk, "referral_id": referral.pk, "episode_id": episode.pk, "session_id": session.pk,
        "assessment_id": assessment.pk, "plan_id": plan.pk, "onward_id": onward.pk,
        "checkpoint_id": checkpoint.pk, "contact_id": contact.pk, "child": child,
        **_oversight(child=child, episode=episode, worker=by, text=text),
    }


def _oversight(*, child, episode, worker, text) -> dict:
    """A service manager's oversight on the child and a done case audit with an action for the worker."""
    organisation = child.organisation
    manager = acc.create_user(by=None, username=f"{organisation.slug}_auditing_manager_{child.pk}", password=None,
                              roles=[Role.SERVICE_MANAGER], organisation=organisation)
    ov.record_oversight(by=manager, child=child, episode=episode, decided_on=TODAY, today=TODAY,
                        decision=text or "Keep support open", reasons=text or "Attending well")
    audit = ov.choose_case(by=manager, child=child, quarter=quarter_containing(TODAY))
    ov.complete_case_audit(by=manager, audit=audit, today=TODAY, strengths=text,
                           grades={d.pk: "good" for d in audit.template.domains.all()},
                           themes=[text[:80] or "Child's voice"],
                           actions=[{"worker": worker, "due_on": TODAY, "text": text or "Review the plan"}])
    return {"audit_id": audit.pk, "action_id": audit.actions.get().pk}


def _imports(*, organisation, officer, first, last) -> dict:
    """An import run with a queued match review and a rejected-rows file, in `organisation`."""
    source = get_or_create_source(by=None, organisation=organisation, name="Police crime outcomes")
    # A near-miss of the child's name: queued for a person to decide. A bad row: a rejected-rows file.
    rows = [outcome_row("R1", first_name=first[:-1] + "y", last_name=last, date_of_birth="14/03/2010"),
            outcome_row("R2", sex="Q")]
    run, _ = import_police_file(by=officer, organisation=organisation, source=source, file_name="extract.csv",
                             data=to_csv(rows), complete_to=dt.date(2025, 5, 31), today=TODAY,
                             valid_rows_only=True)
    review = MatchReview.objects.filter(run=run).first()
    assert review is not None, "the near-miss row should be queued for review"
    assert ImportErrorFile.objects.filter(run=run).exists(), "the bad row should give a rejected-rows file"
    return {"run_id": run.pk, "review_id": review.pk}


def _reference_data(organisation) -> dict:
    """The organisation's reference data for reporting (population, comparators, board meetings)."""
    cell = Population.objects.create(organisation=organisation, year=REFERENCE_YEAR, area_code="E06000001",
                                     age=12, sex="female", ethnic_group="white", count=431, source="ONS")
    figure = ComparatorFigure.objects.create(organisation=organisation, measure_key="kpi6.completion",
                                             period_label="2025-26 Q1", comparator="england", value=0.61)
    meeting = BoardMeeting.objects.create(organisation=organisation, date=dt.date(2025, 5, 14), police=True)
    offence_type = OffenceType.objects.create(organisation=organisation, code=f"REF-{organisation.slug[:10]}",
                                              description="Own wording", yjb_category="robbery", seriousness=4)
    return {"cell_id": cell.pk, "figure_id": figure.pk, "meeting_id": meeting.pk,
            "offence_type_id": offence_type.pk}


def _restriction(organisation, child) -> dict:
    """A record restriction on the child, made by a manager of the organisation (and the colleague
    it restricts, whose id stands for the organisation's users)."""
    slug = organisation.slug
    manager = acc.create_user(by=None, username=f"{slug}_restricting_manager", password=None,
                              roles=[Role.SERVICE_MANAGER], organisation=organisation)
    colleague = acc.create_user(by=None, username=f"{slug}_restricted_colleague", password=None,
                                roles=[Role.CASE_WORKER], organisation=organisation)
    restriction = restrict_record(by=manager, child=child, user=colleague, reason="Lives next door")
    return {"restriction_id": restriction.pk, "user_id": colleague.pk}


def _held_attempt(organisation, child) -> dict:
    """A new child held for a manager: a worker of another team tried to record the side's child."""
    slug = organisation.slug
    team = acc.create_team(by=None, organisation=organisation, name=f"{slug} other team")
    worker = acc.create_user(by=None, username=f"{slug}_other_team_worker", password=None,
                             roles=[Role.CASE_WORKER], organisation=organisation, teams=[team])
    with pytest.raises(DomainError):
        create_child(by=worker, organisation=organisation, today=TODAY, first_name=child.first_name,
                     last_name=child.last_name, date_of_birth=child.date_of_birth)
    return {"attempt_id": DuplicateAttempt.objects.get(organisation=organisation).pk}


def _pack_file(organisation) -> dict:
    """A ready board pack file (a working copy) of `organisation`, as the task worker leaves it."""
    file = PackFile.objects.create(organisation=organisation, period="2025-26Q1", format="pdf", suppressed=False,
                                   status=PackFile.Status.READY, content=b"%PDF-1.7 test", size=13)
    return {"file_id": file.pk}


def build_side(*, organisation, worker, officer, team, programme, first, last, local_id, police_id,
               text="") -> Side:
    """One organisation's child with a full pathway and an import."""
    ids = full_pathway(by=worker, organisation=organisation, team=team, programme=programme, first=first,
                       last=last, local_id=local_id, police_id=police_id, text=text)
    child = ids.pop("child")
    ids.update(_imports(organisation=organisation, officer=officer, first=first, last=last))
    ids.update(_reference_data(organisation))
    ids.update(_restriction(organisation, child))
    ids.update(_held_attempt(organisation, child))
    ids.update(_pack_file(organisation))
    return Side(organisation=organisation, worker=worker, officer=officer, child=child, ids=ids,
                secrets=(first, last, local_id, police_id))


@pytest.fixture
def world(personas) -> World:
    """North and south, each with a child through the whole pathway and an import."""
    south_team = personas.other_org_worker.teams.get()
    south_programme = acc.create_programme(by=None, organisation=personas.south, name="Youth support",
                                           slug="youth-support", tiers=[("Standard", 10, 12)])
    south_team.programmes.add(south_programme)
    south_officer = acc.create_user(by=None, username="south_officer", password=None,
                                    roles=[Role.PERFORMANCE_OFFICER], organisation=personas.south)
    south = build_side(organisation=personas.south, worker=personas.other_org_worker, officer=south_officer,
                       team=south_team, programme=south_programme, first=SOUTH_FIRST, last=SOUTH_LAST,
                       local_id=SOUTH_LOCAL_ID, police_id=SOUTH_POLICE_ID)
    north = build_side(organisation=personas.north, worker=personas.worker_a,
                       officer=personas.performance_officer, team=personas.team_a, programme=personas.programme,
                       first=NORTH_FIRST, last=NORTH_LAST, local_id=NORTH_LOCAL_ID,
                       police_id=NORTH_POLICE_ID)
    return World(personas=personas, north=north, south=south)


# --- The URL configuration ---------------------------------------------------------------


def walk_urls(patterns=None, prefix=""):
    """Every (route, callback) in the URL configuration, with nested includes flattened."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(p, URLResolver):
            yield from walk_urls(p.url_patterns, prefix + str(p.pattern))
        elif isinstance(p, URLPattern):
            yield prefix + str(p.pattern), p.callback


PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
# Records that may be marked as recorded in error, by URL kind, and their id parameter.
VOID_KINDS = {"session": "session_id", "onward": "onward_id", "assessment": "assessment_id", "plan": "plan_id"}


def page_routes() -> list[tuple[str, object]]:
    """Routes that are pages (not the API), sorted."""
    return sorted({(r, cb) for r, cb in walk_urls() if not r.startswith("api/")}, key=lambda rc: rc[0])


def fill(route: str, ids: dict[str, int], kind: str | None = None) -> str:
    """The URL for `route` with its parameters taken from `ids`; a kind slug names a voidable record."""
    def value(match):
        converter, name = match.groups()
        if name == "kind":
            return kind
        if name in NOT_IDS:
            return str(NOT_IDS[name])
        if name == "record_id":
            return str(ids[VOID_KINDS[kind]])
        if name not in ids:
            raise KeyError(f"The attack tests do not know how to fill <{name}> in {route!r}: "
                           "add it to tests/security/conftest.py (world and fill).")
        return str(ids[name])
    return "/" + PARAM.sub(value, route)


def expand(route: str, ids: dict[str, int]) -> list[str]:
    """Every URL for a route: one per voidable kind where the route takes a kind."""
    if "<slug:kind>" in route:
        return [fill(route, ids, kind) for kind in VOID_KINDS]
    return [fill(route, ids)]


_TOKENS = [
    re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*(")'),
    re.compile(rb'(name="form_token" value=")[^"]*(")'),
    re.compile(rb'(nonce=")[^"]*(")'),
    re.compile(rb'(name="csrf-token" content=")[^"]*(")'),
]


def normalise(body: bytes, *replace: str) -> bytes:
    """A response body without its one-time values (CSRF tokens, form tokens, nonces), and with
    each string in `replace` (a search text echoed back, a URL) put as a fixed placeholder."""
    for pattern in _TOKENS:
        body = pattern.sub(rb"\1TOKEN\2", body)
    for text in replace:
        if text:
            for form in {text, _html(text), _url(text), _url(text).replace("%20", "+")}:
                body = body.replace(form.encode(), b"REPLACED")
    return body


def _html(text: str) -> str:
    return escape(text)


def _url(text: str) -> str:
    return quote(text)


def bearer(user) -> dict:
    """Headers for the API with a fresh token for `user`."""
    _, secret = issue_token(user=user, name="attack-tests")
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
