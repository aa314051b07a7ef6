"""The data-quality page: the numbers of a known small world, each number's children (exactly
those, within the user's scope), refusals, the CSV and the board pack's summary."""

import csv
import datetime as dt
import io
import re

import pytest
import time_machine

from divert.casework import actions as cw
from divert.casework.models import Instrument
from divert.imports.models import ImportRun, MatchReview
from divert.kpis.periods import financial_quarter
from divert.offending.models import DataSource
from divert.people.actions import create_child, record_status
from divert.referrals import actions as ref
from divert.referrals.models import Referral
from divert.reports.quality import data_quality_summary

D = dt.date
Q1 = financial_quarter(2025, 1)  # April-June 2025
PAGE = "/reports/data-quality/?period=2025-26Q1"
LIST = "/reports/data-quality/children/"


def _at(day: dt.date):
    """Travel to noon on `day` (records made then are recorded then)."""
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 12, 0), tick=False)


def _support(personas, child, worker, *, offered_on, started_on):
    """A referral offered on `offered_on`, accepted on `started_on` (support opens then)."""
    with _at(started_on):
        r = ref.create_referral(by=worker, child=child, programme=personas.programme, source="school",
                                received_on=offered_on, today=started_on)
        ref.screen_referral(by=worker, referral=r, decision="support", tier=personas.programme.tiers.get(number=2),
                            decided_on=offered_on, today=started_on)
        offer = ref.offer_support(by=worker, referral=r, offered_on=offered_on, today=started_on)
        ref.record_consent(by=worker, offer=offer, child_decision="accepted", parent_decision="accepted",
                           decided_on=started_on, today=started_on)
    return Referral.objects.get(pk=r.pk).episode


def _child(personas, first, team, worker, **details):
    with _at(D(2025, 1, 1)):
        return create_child(by=None, organisation=personas.north, today=D(2025, 1, 1), team=team, worker=worker,
                            first_name=first, last_name="Quality", date_of_birth=D(2010, 3, 14), **details)


def _gappy(personas, first, team, worker):
    """A child with nothing the measures need: ethnicity, area, school, accommodation and ETE
    unknown; no assessment; a session recorded three weeks late; support closed in the period
    (recorded 19 days later) with start ratings but no end ratings."""
    child = _child(personas, first, team, worker, ethnicity="NOBT")
    episode = _support(personas, child, worker, offered_on=D(2025, 1, 2), started_on=D(2025, 4, 1))
    with _at(D(2025, 5, 1)):
        cw.record_session(by=worker, episode=episode, date=D(2025, 4, 10), today=D(2025, 5, 1),
                          type="one_to_one", attendance="attended")
        cw.record_scores(by=worker, episode=episode, instrument=Instrument.objects.get(code="self-ratings"),
                         timepoint="start", taken_on=D(2025, 4, 10), today=D(2025, 5, 1), scores={"confidence": 4})
    with _at(D(2025, 6, 20)):  # 19 days after the end of support
        cw.close_episode(by=worker, episode=episode, end_date=D(2025, 6, 1), today=D(2025, 6, 20),
                         reason="disengaged", successfully_completed=False)
    return child


@pytest.fixture
def world(personas):
    """Team A: Ann (everything recorded, on time) and Ben (gappy); team B: Cara (gappy)."""
    w = personas
    ann = _child(w, "Ann", w.team_a, w.worker_a, ethnicity="WBRI", area_code="E05000001", school="Hill School")
    with _at(D(2025, 1, 1)):
        record_status(by=w.worker_a, child=ann, status="accommodation", start_date=D(2025, 1, 1),
                      today=D(2025, 1, 1), type="parents", suitability="suitable")
        record_status(by=w.worker_a, child=ann, status="ete", start_date=D(2025, 1, 1), today=D(2025, 1, 1),
                      provision="mainstream", suitability="suitable")
    episode = _support(w, ann, w.worker_a, offered_on=D(2025, 1, 2), started_on=D(2025, 4, 1))
    with _at(D(2025, 4, 10)):
        cw.record_assessment(by=w.worker_a, episode=episode, assessed_on=D(2025, 4, 5), today=D(2025, 4, 10))
        cw.record_session(by=w.worker_a, episode=episode, date=D(2025, 4, 10), today=D(2025, 4, 10),
                          type="one_to_one", attendance="attended")
    return {"ann": ann, "ben": _gappy(w, "Ben", w.team_a, w.worker_a), "cara": _gappy(w, "Cara", w.team_b, w.worker_b)}


def _totals(page) -> dict:
    """{check: (children, of)} from the page's first table of each section."""
    return {item["check"].key: (item["cell"].missing, item["cell"].of)
            for s in page.context["sections"] for item in s["checks"]}


def _names(response) -> list[str]:
    return re.findall(r'href="/children/\d+/">([^<]+)</a>', response.content.decode())


EVERY_GAP = {"ethnicity", "area", "school", "accommodation_start", "accommodation_end", "ete_start", "ete_end",
             "assessment", "end_ratings", "follow_up", "late_sessions", "late_closures"}


@pytest.mark.parametrize("who, gappy, of", [("team_manager", 1, 2), ("service_manager", 2, 3),
                                             ("performance_officer", 2, 3)])
def test_numbers_match_the_world(client, personas, world, who, gappy, of):
    client.force_login(getattr(personas, who))
    with _at(D(2025, 7, 15)):
        totals = _totals(client.get(PAGE))
    assert totals == {
        "ethnicity": (gappy, of), "area": (gappy, of), "date_of_birth": (0, of), "school": (gappy, of),
        "accommodation_start": (gappy, of), "accommodation_end": (gappy, gappy), "ete_start": (gappy, of),
        "ete_end": (gappy, gappy), "assessment": (gappy, of), "end_ratings": (gappy, gappy),
        # Ann's and Ben's 3-month checks (from the offer on 2 January) fell due on 2 April; no police data.
        "follow_up": (of, of), "late_sessions": (gappy, of), "late_contacts": (0, 0), "late_closures": (gappy, gappy),
        "late_referrals": (0, 0),
    }


def test_each_number_opens_exactly_its_children(client, personas, world):
    client.force_login(personas.team_manager)
    with _at(D(2025, 7, 15)):
        page = client.get(PAGE)
        body = page.content.decode()
        for item in (i for s in page.context["sections"] for i in s["checks"]):
            if item["check"].key not in EVERY_GAP:
                continue
            assert item["url"].replace("&", "&amp;") in body
            listed = client.get(item["url"])
            assert listed.status_code == 200
            expected = ["Ann Quality", "Ben Quality"] if item["check"].key == "follow_up" else ["Ben Quality"]
            assert sorted(_names(listed)) == expected, item["check"].key
    assert f'href="/children/{world["ben"].pk}/"' in listed.content.decode()


def test_rows_per_team_and_programme_link_to_their_children(client, personas, world):
    client.force_login(personas.service_manager)
    with _at(D(2025, 7, 15)):
        page = client.get(PAGE)
        completeness = page.context["sections"][0]
        rows = {r["row"].team_name: r for r in completeness["rows"]}
        assert set(rows) == {"Team A", "Team B"}
        ethnicity_b = rows["Team B"]["cells"][0]
        assert (ethnicity_b["cell"].missing, ethnicity_b["cell"].of) == (1, 1)
        assert _names(client.get(ethnicity_b["url"])) == ["Cara Quality"]


def test_another_teams_children_never_appear(client, personas, world):
    client.force_login(personas.team_manager)  # team A
    with _at(D(2025, 7, 15)):
        page = client.get(PAGE).content.decode()
        assert "Team B" not in page
        for check in EVERY_GAP:
            listed = client.get(f"{LIST}?period=2025-26Q1&check={check}&team={personas.team_b.pk}")
            assert "Cara" not in listed.content.decode()
        listed = client.get(f"{LIST}?period=2025-26Q1&check=ethnicity")
    assert _names(listed) == ["Ben Quality"]


def test_restricted_roles_are_refused(client, personas, world):
    for who in ("board_member", "commissioner", "worker_a", "administrator"):
        client.force_login(getattr(personas, who))
        assert client.get(PAGE).status_code == 403, who
        assert client.get(f"{LIST}?check=ethnicity").status_code == 403, who


def test_other_organisation_sees_none_of_it(client, personas, world):
    personas.other_org_worker.role_grants.update(role="service_manager")
    client.force_login(personas.other_org_worker)
    with _at(D(2025, 7, 15)):
        assert _totals(client.get(PAGE))["ethnicity"] == (0, 0)
        assert _names(client.get(f"{LIST}?period=2025-26Q1&check=ethnicity")) == []


def test_csv_is_the_table_and_formula_safe(client, personas, world):
    personas.team_a.name = "=HYPERLINK(1)"
    personas.team_a.save()
    client.force_login(personas.service_manager)
    with _at(D(2025, 7, 15)):
        response = client.get(PAGE + "&format=csv")
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:7] == ["Team", "Programme", "Section", "Check", "Children", "Of children", "Percent"]
    total = {r[3]: r for r in rows if r[0] == "All teams"}
    assert total["Ethnicity not known"][4:7] == ["2", "3", "66.7"]
    assert any(r[0] == "'=HYPERLINK(1)" for r in rows)
    assert not any(r[0].startswith("=") for r in rows)


def test_a_bad_period_says_what_is_wrong(client, personas, world):
    client.force_login(personas.performance_officer)
    body = client.get("/reports/data-quality/?period=2025Q9").content.decode()
    assert "govuk-error-summary" in body and "Cannot read the period" in body


def test_median_days_to_record(client, personas, world):
    client.force_login(personas.service_manager)
    with _at(D(2025, 7, 15)):
        page = client.get(PAGE)
    sessions = next(i for s in page.context["sections"] for i in s["checks"] if i["check"].key == "late_sessions")
    # Ann's session recorded the same day, Ben's and Cara's 21 days later: median 21.
    assert (sessions["cell"].records, sessions["cell"].median_days) == (3, 21)


def test_summary_for_the_board_pack_has_counts_only(personas, world):
    summary = data_quality_summary(personas.north, Q1, today=D(2025, 7, 15))
    checks = {c["key"]: c for c in summary["checks"]}
    assert (checks["ethnicity"]["missing"], checks["ethnicity"]["denominator"], checks["ethnicity"]["percent"]) == (
        2, 3, 66.7)
    assert checks["late_sessions"]["median_days"] == 21
    assert summary["period"]["label"] == "2025-26 Q1"
    text = repr(summary)
    for child in world.values():
        assert child.first_name not in text
    # As known on 20 April, Ben's and Cara's sessions (recorded on 1 May) were not yet recorded.
    earlier = data_quality_summary(personas.north, Q1, today=D(2025, 7, 15),
                                   known_on=dt.datetime(2025, 4, 20, tzinfo=dt.UTC))
    sessions = next(c for c in earlier["checks"] if c["key"] == "late_sessions")
    assert (sessions["records"], sessions["missing"], sessions["median_days"]) == (1, 0, 0)


def test_a_fixed_number_of_queries(client, personas, world, django_assert_max_num_queries):
    client.force_login(personas.performance_officer)
    with _at(D(2025, 7, 15)), django_assert_max_num_queries(30):
        client.get(PAGE)


@pytest.fixture
def police(personas):
    """An outcomes source complete to 31 May 2025, with one person's two rows waiting for a match
    decision (and one decided review, which is not waiting)."""
    source = DataSource.objects.create(organisation=personas.north, name="Police outcomes", kind="crime_outcomes",
                                       complete_to=D(2025, 5, 31))
    run = ImportRun.objects.create(organisation=personas.north, source=source, file_name="outcomes.csv",
                                   sha256="0" * 64, complete_to=D(2025, 5, 31))
    with _at(D(2025, 6, 2)):
        MatchReview.objects.create(organisation=personas.north, run=run, source=source,
                                   source_references=["R1", "R2"])
    MatchReview.objects.create(organisation=personas.north, run=run, source=source, source_references=["R3"],
                               decision="discarded")
    return source


def test_police_data_coverage(client, personas, police):
    summary = data_quality_summary(personas.north, Q1, today=D(2025, 7, 15))
    assert summary["police_sources"] == [{
        "name": "Police outcomes", "kind": "Crime outcomes", "complete_to": "2025-05-31", "days_short": 30,
        "waiting_reviews": 1, "waiting_rows": 2}]
    with _at(D(2025, 7, 15)):
        client.force_login(personas.performance_officer)
        assert 'href="/imports/reviews/"' in client.get(PAGE).content.decode()
        client.force_login(personas.service_manager)  # may not open the review queue
        body = client.get(PAGE).content.decode()
    assert "Police outcomes" in body and 'href="/imports/reviews/"' not in body
