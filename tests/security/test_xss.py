"""XSS: script typed into any free-text field comes back as text, never as markup.

A child is recorded with the payload in every free-text field the pathway has (names,
identifiers, school, referral reason, screening notes, assessment words, plan goals and
review notes, session notes, closure exit plan, reopen, withdrawal, decline and void
reasons, restriction reasons, a correction's reason, a police file's names, reference
data sources). Then every page that can show them is fetched by every role that can, and
the raw payload must not appear. Query strings and form posts that echo what was sent
are tried too, and the API, the rejected-rows CSV and the subject access export are
checked for their own kind of escaping.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.utils import timezone

from divert.accounts import actions as acc
from divert.accounts.models import Role
from divert.audit.actions import void_record
from divert.casework import actions as cw
from divert.casework.models import Episode, Plan, Session
from divert.core.access import PUBLIC, SIGNED_IN, declared_access
from divert.imports.actions import get_or_create_source, import_police_file
from divert.imports.tests.files import outcome_row, to_csv
from divert.offending.models import OffenceType
from divert.people import actions as people
from divert.people.models import Child
from divert.privacy.sar import subject_access_data, subject_access_html
from divert.reference.models import ComparatorFigure, Population
from divert.referrals import actions as ref
from tests.security.conftest import (
    PARAM,
    TODAY,
    Side,
    _held_attempt,
    _imports,
    _pack_file,
    bearer,
    expand,
    full_pathway,
    page_routes,
)

PAYLOAD = """<script>alert(1)</script>"'><img src=x onerror=alert(1)>"""
SHORT_PAYLOAD = '"><svg onload=alert(1)>'  # fits 40-character identifiers
# What must never appear in HTML: the payload's tags, unescaped.
RAW = ["<script>alert(1)", "<img src=x onerror", "<svg onload"]
FORMULAS = ['=HYPERLINK("http://example.invalid","Click")', "+SUM(1,2)", "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)"]
READERS = ["worker_a", "team_manager", "service_manager", "performance_officer", "administrator",
           "board_member", "commissioner"]


def _body(response) -> bytes:
    """The body of any response, streamed or not."""
    return b"".join(response.streaming_content) if response.streaming else response.content


def _raw(body: bytes) -> list[str]:
    text = body.decode("utf-8", "replace")
    return [r for r in RAW if r in text]


@pytest.fixture
def xss(personas) -> Side:
    """A north child with the payload in every free-text field, through the named actions."""
    w, manager = personas.worker_a, personas.team_manager
    ids = full_pathway(by=w, organisation=personas.north, team=personas.team_a, programme=personas.programme,
                       first=PAYLOAD, last=PAYLOAD, local_id=SHORT_PAYLOAD, police_id=SHORT_PAYLOAD, text=PAYLOAD)
    child = ids.pop("child")
    episode = Episode.objects.get(pk=ids["episode_id"])
    cw.record_session(by=w, episode=episode, date=dt.date(2025, 3, 12), today=TODAY, type="one_to_one",
                      attendance="attended", notes=PAYLOAD)
    void_record(by=w, record=Session.objects.get(pk=ids["session_id"]), reason=PAYLOAD)
    cw.close_episode(by=w, episode=episode, end_date=dt.date(2025, 4, 1), today=TODAY, reason="completed",
                     successfully_completed=True, exit_plan=PAYLOAD)
    cw.reopen_episode(by=manager, episode=Episode.objects.get(pk=episode.pk), reason=PAYLOAD)
    ref.withdraw_consent(by=w, episode=Episode.objects.get(pk=episode.pk), withdrawn_on=dt.date(2025, 4, 2),
                        today=TODAY, reason=PAYLOAD)
    people.update_child_details(by=w, child=Child.objects.get(pk=child.pk), today=TODAY, reason=PAYLOAD,
                                school=PAYLOAD + " school")
    colleague = acc.create_user(by=None, username="xss_colleague", password=None, roles=[Role.CASE_WORKER],
                                organisation=personas.north, teams=[personas.team_a])
    people.restrict_record(by=manager, child=child, user=colleague, reason=PAYLOAD)
    # A second child declines the offer, giving the reason.
    other = people.create_child(by=w, organisation=personas.north, today=TODAY, team=personas.team_a, worker=w,
                                first_name=PAYLOAD, last_name="Decliner", date_of_birth=dt.date(2009, 1, 1))
    r = ref.create_referral(by=w, child=other, programme=personas.programme, source="school",
                            received_on=dt.date(2025, 3, 3), today=TODAY, reason=PAYLOAD)
    ref.screen_referral(by=w, referral=r, decision="support", tier=personas.programme.tiers.get(number=1),
                        decided_on=dt.date(2025, 3, 4), today=TODAY, notes=PAYLOAD)
    offer = ref.offer_support(by=w, referral=r, offered_on=dt.date(2025, 3, 5), today=TODAY)
    ref.record_consent(by=w, offer=offer, child_decision="declined", parent_decision="declined",
                       decided_on=dt.date(2025, 3, 6), today=TODAY, reason=PAYLOAD)
    people.restrict_processing(by=manager, child=other, reason=PAYLOAD)
    # A police file whose names are the payload: shown on the import and match review pages.
    ids.update(_imports(organisation=personas.north, officer=personas.performance_officer,
                        first=PAYLOAD, last=PAYLOAD))
    # Another team's worker tries to record the child: the details they typed (the payload) are
    # shown on the manager's decision page.
    ids.update(_held_attempt(personas.north, child))
    ids.update(_pack_file(personas.north))
    cell = Population.objects.create(organisation=personas.north, year=2024, area_code="E06000001", age=12,
                                     sex="female", ethnic_group="white", count=431, source=PAYLOAD)
    figure = ComparatorFigure.objects.create(organisation=personas.north, measure_key="kpi6.completion",
                                             period_label="2025-26 Q1", comparator="england", value=0.61,
                                             source=PAYLOAD)
    offence_type = OffenceType.objects.create(organisation=personas.north, code="XSS1", description=PAYLOAD,
                                              yjb_category="robbery", seriousness=3)
    ids.update({"cell_id": cell.pk, "figure_id": figure.pk, "meeting_id": 0, "user_id": colleague.pk,
                "restriction_id": 0, "offence_type_id": offence_type.pk})
    return Side(organisation=personas.north, worker=w, officer=personas.performance_officer, child=child,
                ids=ids, secrets=(PAYLOAD,))


def _allowed(user, callback) -> bool:
    roles = declared_access(callback) or ()
    return PUBLIC in roles or SIGNED_IN in roles or user.has_any_role(roles)


def test_the_payload_was_stored_as_typed(xss):
    assert Plan.objects.get(pk=xss.ids["plan_id"]).goals == PAYLOAD
    assert xss.child.first_name == PAYLOAD


@pytest.mark.parametrize("persona", READERS)
def test_stored_payloads_are_escaped_on_every_page(client, personas, xss, persona):
    user = personas.all_users()[persona]
    client.force_login(user)
    shown, problems = 0, []
    for route, callback in page_routes():
        if not _allowed(user, callback) or route == "sign-out/":
            continue
        for url in expand(route, xss.ids):
            response = client.get(url)
            if response.status_code != 200:
                continue
            if response.get("Content-Type", "").startswith("text/html"):
                shown += PAYLOAD.replace("<", "&lt;").replace(">", "&gt;")[:20] in response.content.decode(
                    "utf-8", "replace")
                if raw := _raw(response.content):
                    problems.append(f"{url} shows {raw}")
    assert problems == []
    if persona in {"worker_a", "team_manager", "service_manager", "performance_officer"}:
        assert shown >= 3, "the payload should have been shown (escaped) on the child's pages"


# Query parameters the pages read; each gets the payload in turn.
PARAMS = ["q", "name", "identifier", "first_name", "last_name", "period", "as_at", "programme", "group", "page",
          "anchor", "months", "tier", "cell", "mine", "next"]


@pytest.mark.parametrize("persona", ["worker_a", "service_manager", "performance_officer", "administrator"])
def test_query_strings_are_escaped_when_echoed(client, personas, persona):
    user = personas.all_users()[persona]
    client.force_login(user)
    problems = []
    for route, callback in page_routes():
        if PARAM.search(route) or not _allowed(user, callback) or route == "sign-out/":
            continue
        response = client.get("/" + route, {p: PAYLOAD for p in PARAMS})
        if raw := _raw(response.content):
            problems.append(f"/{route} echoes {raw}")
    assert problems == []


def test_signed_out_pages_escape_query_strings(client, db):
    for url in ["/sign-in/", "/health/"]:
        assert not _raw(client.get(url, {p: PAYLOAD for p in PARAMS}).content)


def _field_names(html: str) -> set[str]:
    names = set(re.findall(r'name="([^"]+)"', html)) - {"csrfmiddlewaretoken", "form_token"}
    return {n for n in names if not n.startswith(("csrf", "viewport"))}


@pytest.mark.parametrize("persona", ["worker_a", "team_manager", "performance_officer", "administrator"])
def test_forms_sent_back_with_errors_escape_what_was_typed(client, personas, xss, persona):
    """Every form, posted with the payload in every field, re-shows it escaped (or saves it and redirects)."""
    user = personas.all_users()[persona]
    client.force_login(user)
    posted, problems = 0, []
    for route, callback in page_routes():
        if not _allowed(user, callback) or route in {"sign-out/"}:
            continue
        for url in expand(route, xss.ids):
            page = client.get(url)
            if page.status_code != 200 or b"<form" not in _body(page):
                continue
            names = _field_names(page.content.decode())
            if not names:
                continue
            response = client.post(url, {n: PAYLOAD for n in names})
            posted += 1
            if raw := _raw(_body(response)):
                problems.append(f"POST {url} echoes {raw}")
    assert problems == []
    assert posted >= 3


def test_the_api_answers_json_that_browsers_will_not_sniff_as_html(client, personas, xss):
    headers = bearer(personas.worker_a)
    urls = [f"/api/children/{xss.child.pk}/", "/api/children/", "/api/referrals/", "/api/plans/",
            f"/api/plans/{xss.ids['plan_id']}/", "/api/sessions/", "/api/episodes/"]
    for url in urls:
        response = client.get(url, **headers)
        assert response.status_code == 200, url
        assert response["Content-Type"] == "application/json", url
        assert response["X-Content-Type-Options"] == "nosniff", url
    body = client.get(f"/api/children/{xss.child.pk}/", **headers).json()
    assert body["first_name"] == PAYLOAD  # stored and returned as data, for the client to escape


def test_the_rejected_rows_file_cannot_run_formulas(client, personas, settings):
    """Names typed as formulas in a police file come back in the rejected-rows CSV as text."""
    source = get_or_create_source(by=None, organisation=personas.north, name="Police crime outcomes")
    rows = [outcome_row(f"F{i}", first_name=f, last_name=f, sex="Q") for i, f in enumerate(FORMULAS)]
    rows.append(outcome_row("OK", local_id="N-0001"))
    run, _ = import_police_file(by=personas.performance_officer, organisation=personas.north, source=source,
                                file_name="f.csv", data=to_csv(rows), complete_to=dt.date(2025, 5, 31),
                                today=TODAY, valid_rows_only=True)
    client.force_login(personas.performance_officer)
    response = client.get(f"/imports/{run.pk}/rejected-rows.csv")
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    dangerous = [c for c in cells if c and c[0] in "=+-@" and not re.fullmatch(r"[+-]?[0-9]+(\.[0-9]+)?", c)]
    assert dangerous == []
    assert any(c == "'" + FORMULAS[0] for c in cells)


def test_the_subject_access_export_escapes_the_payload(client, personas, xss):
    """The PDF is printed from HTML: that HTML must carry the payload as text."""
    data = subject_access_data(xss.child, generated_by=personas.service_manager, generated_at=timezone.now())
    html = subject_access_html(data)
    assert not _raw(html.encode())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    client.force_login(personas.service_manager)
    page = client.get(f"/privacy/children/{xss.child.pk}/")
    assert page.status_code == 200 and not _raw(page.content)
    json_export = client.get(f"/privacy/children/{xss.child.pk}/subject-access.json")
    assert json_export["Content-Type"].startswith("application/json")
    pdf = client.get(f"/privacy/children/{xss.child.pk}/subject-access.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert _body(pdf).startswith(b"%PDF")
