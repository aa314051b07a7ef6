"""A manager's team view in a real browser: each number opens the list of the children behind
it, and the names listed are the ones the number counts, within the manager's scope."""

from __future__ import annotations

import datetime as dt

import pytest

from divert.casework import actions as cw
from divert.casework.models import Episode
from divert.people.actions import create_child
from divert.referrals import actions as ref

pytestmark = [pytest.mark.browser, pytest.mark.case_record]

TODAY = dt.date.today()


def _child(personas, first: str, team, worker=None):
    return create_child(by=None, organisation=personas.north, today=TODAY, team=team, worker=worker,
                        first_name=first, last_name="Teamview", date_of_birth=dt.date(TODAY.year - 14, 3, 14))


def _refer(personas, child, worker, days_ago: int):
    return ref.create_referral(by=worker, child=child, programme=personas.programme, source="school",
                               received_on=TODAY - dt.timedelta(days=days_ago), today=TODAY)


def _open_support(personas, child, worker, *, days_ago: int, session_days_ago: int | None = None) -> Episode:
    received = TODAY - dt.timedelta(days=days_ago)
    referral = _refer(personas, child, worker, days_ago)
    ref.screen_referral(by=worker, referral=referral, decision="support", decided_on=received, today=TODAY,
                        tier=personas.programme.tiers.get(number=2))
    offer = ref.offer_support(by=worker, referral=referral, offered_on=received, today=TODAY)
    ref.record_consent(by=worker, offer=offer, child_decision="accepted", parent_decision="accepted",
                       decided_on=received, today=TODAY)
    episode = Episode.objects.get(referral=referral)
    if session_days_ago is not None:
        cw.record_session(by=worker, episode=episode, date=TODAY - dt.timedelta(days=session_days_ago),
                          today=TODAY, type="one_to_one", attendance="attended")
    return episode


@pytest.fixture
def caseload(personas):
    """Team A (Worker A): Seen (a session 3 days ago), Due (a session 10 days ago: the next is due this
    week), Late (the last session 30 days ago), Waiting (a referral a month old, never screened),
    and Alfie (no referral). Team A's queue: Newcomer, not allocated. Team B (Worker B): Otherteam."""
    a, team_a = personas.worker_a, personas.team_a
    _open_support(personas, _child(personas, "Seen", team_a, a), a, days_ago=20, session_days_ago=3)
    _open_support(personas, _child(personas, "Due", team_a, a), a, days_ago=40, session_days_ago=10)
    _open_support(personas, _child(personas, "Late", team_a, a), a, days_ago=60, session_days_ago=30)
    _refer(personas, _child(personas, "Waiting", team_a, a), a, days_ago=30)
    _refer(personas, _child(personas, "Newcomer", team_a), personas.team_manager, days_ago=1)
    b = personas.worker_b
    _open_support(personas, _child(personas, "Otherteam", personas.team_b, b), b, days_ago=60)


def _numbers(page) -> dict[str, dict[str, str]]:
    """The team table as {worker: {column: number}}."""
    headers = page.locator("table thead th")
    columns = [headers.nth(i).inner_text().strip() for i in range(headers.count())]
    table = {}
    rows = page.locator("table tbody tr")
    for i in range(rows.count()):
        cells = rows.nth(i).locator("th, td")
        values = [cells.nth(j).inner_text().strip() for j in range(cells.count())]
        table[values[0]] = dict(zip(columns[1:], values[1:], strict=True))
    return table


def _listed(page) -> list[str]:
    """The children's names on a team list page."""
    links = page.locator("table tbody tr td:first-child a")
    return sorted(links.nth(i).inner_text() for i in range(links.count()))


def _open_number(page, worker: str, column: str) -> list[str]:
    """Follow the link of one number in the team table; return the names listed, then go back."""
    headers = page.locator("table thead th")
    index = [headers.nth(i).inner_text().strip() for i in range(headers.count())].index(column)
    row = page.locator("table tbody tr", has=page.locator("th", has_text=worker))
    row.locator("th, td").nth(index).get_by_role("link").click()
    page.get_by_role("link", name="Back to the team").wait_for()
    names = _listed(page)
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading == ("All children" if column == "Children" else column)
    page.get_by_role("link", name="Back to the team").click()
    page.get_by_role("heading", name="Team caseload").wait_for()
    return names


def _every_number_lists_as_many_children(page) -> None:
    """Open every non-zero number on the page: the list has exactly that many children."""
    for worker, numbers in _numbers(page).items():
        for column, value in numbers.items():
            if column == "Last contact" or value == "0":
                continue
            count = int(value.split()[0])
            names = _open_number(page, worker, column)
            assert len(names) == count, (worker, column, value, names)


def test_team_view_numbers_open_the_right_children(signed_in_page, personas, caseload, assert_accessible):
    page = signed_in_page("team_manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team").click()
    page.get_by_role("heading", name="Team caseload").wait_for()
    assert_accessible(page, "team")
    numbers = _numbers(page)
    # A team manager sees their own team: Worker B's children are not counted or listed.
    assert sorted(numbers) == ["Not allocated", "Worker A"]
    worker_a = numbers["Worker A"]
    assert worker_a["Children"].startswith("5")
    assert worker_a["Open support"].startswith("3")
    assert worker_a["Sessions due this week"].startswith("1")
    assert worker_a["Sessions overdue"].startswith("1")
    assert worker_a["Screening overdue"].startswith("1")
    assert worker_a["Last contact"] == f"{(TODAY - dt.timedelta(days=3)).day} {TODAY - dt.timedelta(days=3):%b %Y}"

    expected = {
        "Children": ["Alfie Testchild", "Due Teamview", "Late Teamview", "Seen Teamview", "Waiting Teamview"],
        "Open support": ["Due Teamview", "Late Teamview", "Seen Teamview"],
        "Sessions due this week": ["Due Teamview"],
        "Sessions overdue": ["Late Teamview"],
        "Screening overdue": ["Waiting Teamview"],
        "First contact overdue": ["Waiting Teamview"],
    }
    for column, names in expected.items():
        assert _open_number(page, "Worker A", column) == names, column
    assert _open_number(page, "Not allocated", "Children") == ["Newcomer Teamview"]
    _every_number_lists_as_many_children(page)

    # The list of one number, and a child's record from it.
    page.goto(f"/team/children/?worker={personas.worker_a.pk}&measure=sessions_overdue")
    assert_accessible(page, "team-children")
    page.get_by_role("link", name="Late Teamview").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Late Teamview"

    # Another team's worker or team in the address shows none of their children.
    page.goto(f"/team/children/?worker={personas.worker_b.pk}&measure=open")
    assert _listed(page) == []
    page.goto(f"/team/children/?team={personas.team_b.pk}")
    assert "Otherteam Teamview" not in _listed(page)


def test_service_manager_filters_the_team_view_by_team(signed_in_page, personas, caseload, assert_accessible):
    page = signed_in_page("service_manager")
    page.goto("/team/")
    numbers = _numbers(page)
    assert sorted(numbers) == ["Not allocated", "Worker A", "Worker B"]
    assert numbers["Worker B"]["Open support"].startswith("1")
    assert _open_number(page, "Worker B", "Open support") == ["Otherteam Teamview"]
    page.select_option("#team", label="Team B")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**/team/?team=*")
    assert sorted(_numbers(page)) == ["Worker B"]
    assert_accessible(page, "team-filtered")
    assert _open_number(page, "Worker B", "Children") == ["Bella Testchild", "Otherteam Teamview"]
    _every_number_lists_as_many_children(page)
