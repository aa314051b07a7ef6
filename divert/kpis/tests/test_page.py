"""The KPI page: who may see it, and board members and commissioners see suppressed aggregates."""

import datetime as dt

import pytest

from divert.kpis.tests import factories as f

URL = "/kpis/?period=2025-26Q1&as_at=2025-07-31"


@pytest.fixture
def work(personas):
    for completed in (True, True, False):
        f.episode(f.child(personas.north, dob=dt.date(2010, 1, 1)), personas.programme, dt.date(2025, 3, 1),
                  dt.date(2025, 5, 1), order_type="outcome_22", completed=completed)
    return personas


@pytest.mark.parametrize("persona", ["service_manager", "performance_officer"])
def test_managers_and_performance_officers_see_the_figures(client, work, persona):
    client.force_login(getattr(work, persona))
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "KPI 6 Out-of-court disposals successfully completed" in html
    assert "2 of 3" in html and "Wilson" not in html  # method is in JSON, not the page


@pytest.mark.parametrize("persona", ["board_member", "commissioner"])
def test_board_members_and_commissioners_see_only_suppressed_aggregates(client, work, persona):
    client.force_login(getattr(work, persona))
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Small numbers are suppressed" in html
    assert "2 of 3" not in html and "≤5 of ≤5" in html


@pytest.mark.parametrize("persona", ["worker_a", "team_manager", "administrator"])
def test_other_roles_may_not_see_the_page(client, work, persona):
    client.force_login(getattr(work, persona))
    assert client.get(URL).status_code == 403


def test_bad_period_is_explained(client, work):
    client.force_login(work.service_manager)
    page = client.get("/kpis/?period=2025Q9&as_at=2025-07-31")
    assert page.status_code == 200 and "There is a problem" in page.content.decode()


def test_restricted_audiences_see_only_published_periods_as_at_their_publication_day(client, work):
    client.force_login(work.board_member)
    html = client.get("/kpis/?period=2025-04-01..2025-06-30&as_at=2025-06-01").content.decode()
    assert "Published figures are for a financial quarter" in html
    html = client.get("/kpis/?period=2025-26Q1&as_at=2025-06-01").content.decode()
    assert "as at 31 July 2025 and as known on that day" in html and 'name="as_at"' not in html


def test_the_page_names_the_organisation_not_its_slug(client, work):
    client.force_login(work.service_manager)
    html = client.get(URL).content.decode()
    assert f"{work.north.name}:" in html and f"{work.north.slug}:" not in html
