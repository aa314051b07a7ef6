"""The board pack page: who sees which pack, and what a restricted audience is shown."""

import datetime as dt

import pytest
import time_machine

from divert.accounts import actions as acc
from divert.kpis.store import bump_data_version
from divert.kpis.tests import factories as f

URL = "/reports/pack/?quarter=2025-26Q1"
TODAY = dt.datetime(2025, 9, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def work(personas):
    for completed in (True, True, False):
        f.episode(f.child(personas.north, dob=dt.date(2010, 1, 1)), personas.programme, dt.date(2025, 3, 1),
                  dt.date(2025, 5, 1), order_type="outcome_22", completed=completed)
    return personas


@pytest.fixture(autouse=True)
def today():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.mark.parametrize("persona", ["service_manager", "performance_officer"])
def test_managers_see_the_pack_unsuppressed(client, work, persona):
    client.force_login(getattr(work, persona))
    page = client.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Board pack: 2025-26 Q1" in html and "Northbridge Youth Justice Service" in html
    assert "2 of 3" in html and "Small numbers are suppressed" not in html
    assert 'href="#section-disproportionality"' in html and 'id="section-disproportionality"' in html
    assert "<svg" in html and 'role="img"' in html and "The figures behind this chart" in html


def test_a_board_member_sees_their_organisation_suppressed(client, work):
    client.force_login(work.board_member)
    html = client.get(URL).content.decode()
    assert "Small numbers are suppressed" in html and "Northbridge Youth Justice Service" in html
    assert "2 of 3" not in html and "≤5 of ≤5" in html
    assert 'name="programme"' not in html  # one pack: their organisation's


def test_a_commissioner_sees_each_funded_programme_and_all_together(client, work):
    acc.create_programme(by=work.service_manager, organisation=work.north, name="Youth Steps", slug="youth-steps",
                         funded_by=[work.commissioner.commissioner])
    client.force_login(work.commissioner)
    html = client.get(URL).content.decode()
    assert "All the programmes you fund, together" in html and "Early Intervention (Northbridge" in html
    assert "(Early Intervention, Youth Steps)" in html and "Small numbers are suppressed" in html
    html = client.get(f"{URL}&programme={work.programme.pk}").content.decode()
    assert "Northbridge Youth Justice Service (Early Intervention)" in html and "2 of 3" not in html


def test_a_commissioner_cannot_open_a_programme_it_does_not_fund(client, work):
    client.force_login(work.commissioner)
    south = work.south.programmes.get()
    html = client.get(f"{URL}&programme={south.pk}").content.decode()
    assert "Choose a pack from the list" in html
    assert "Northbridge Youth Justice Service (Early Intervention)" in html and work.south.name not in html


def test_restricted_audiences_get_published_quarters_only(client, work):
    client.force_login(work.board_member)
    html = client.get("/reports/pack/?quarter=2025-26Q2").content.decode()
    assert "The figures for 2025-26 Q2 are published on 31 October 2025." in html
    html = client.get("/reports/pack/?quarter=2025-04-01..2025-06-30").content.decode()
    assert "Enter a financial quarter" in html


@pytest.mark.parametrize("persona", ["worker_a", "team_manager", "administrator", "other_org_worker"])
def test_other_roles_may_not_see_the_pack(client, work, persona):
    client.force_login(getattr(work, persona))
    assert client.get(URL).status_code == 403


def test_the_pack_is_computed_once_until_the_data_changes(client, work, django_assert_max_num_queries):
    client.force_login(work.service_manager)
    first = client.get(URL).content.decode()
    assert "2 of 3" in first
    with django_assert_max_num_queries(12):
        again = client.get(URL).content.decode()
    assert again.split("</form>", 1)[1] == first.split("</form>", 1)[1]  # the same pack (a new CSRF token)
    f.episode(f.child(work.north, dob=dt.date(2010, 1, 1)), work.programme, dt.date(2025, 3, 1),
              dt.date(2025, 5, 1), order_type="outcome_22", completed=True)
    bump_data_version(work.north.pk)  # what every audited change does once committed
    html = client.get(URL).content.decode()  # not the pack kept before the change
    assert "3 of 4" in html or "they are being updated" in html
