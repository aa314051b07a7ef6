"""A manager's team view: per worker, the numbers that need a manager's eye; each opens the
children behind it, within the manager's scope; filters, a formula-safe CSV, flat queries."""

import datetime as dt

import pytest
from django.utils import timezone

from conftest import PASSWORD
from divert.accounts import actions as acc
from divert.accounts.models import Role
from divert.casework import actions as cw
from divert.people.actions import create_child
from divert.referrals import actions as ref
from divert.referrals.models import Referral

D = dt.date


def _child(personas, first, team, worker, today):
    return create_child(by=None, organisation=personas.north, today=today, team=team, worker=worker,
                        first_name=first, last_name="Teamview", date_of_birth=D(2010, 3, 14))


def _open_support(personas, child, worker, received_on, *, session_on=None):
    today = timezone.localdate()
    r = ref.create_referral(by=worker, child=child, programme=personas.programme, source="police_cr",
                            received_on=received_on, today=today)
    ref.screen_referral(by=worker, referral=r, decision="support", tier=personas.programme.tiers.get(number=2),
                        decided_on=received_on, today=today)
    offer = ref.offer_support(by=worker, referral=r, offered_on=received_on, today=today)
    ref.record_consent(by=worker, offer=offer, child_decision="accepted", parent_decision="accepted",
                       decided_on=received_on, today=today)
    episode = Referral.objects.get(pk=r.pk).episode
    if session_on:
        cw.record_session(by=worker, episode=episode, date=session_on, today=today, type="one_to_one",
                          attendance="attended")
    return episode


@pytest.fixture
def caseload(personas):
    """worker_a: one child seen 3 days ago, one overdue a session, one waiting for screening too long;
    worker_b (another team): one child overdue a session."""
    today = timezone.localdate()
    seen = _child(personas, "Seen", personas.team_a, personas.worker_a, today)
    _open_support(personas, seen, personas.worker_a, today - dt.timedelta(days=20),
                  session_on=today - dt.timedelta(days=3))
    late = _child(personas, "Late", personas.team_a, personas.worker_a, today)
    _open_support(personas, late, personas.worker_a, today - dt.timedelta(days=60),
                  session_on=today - dt.timedelta(days=30))
    waiting = _child(personas, "Waiting", personas.team_a, personas.worker_a, today)
    ref.create_referral(by=personas.worker_a, child=waiting, programme=personas.programme, source="school",
                        received_on=today - dt.timedelta(days=30), today=today)
    other = _child(personas, "Otherteam", personas.team_b, personas.worker_b, today)
    _open_support(personas, other, personas.worker_b, today - dt.timedelta(days=60))
    return {"seen": seen, "late": late, "waiting": waiting, "other": other}


def _row(page, name):
    return next(r for r in page.context["rows"] if r["name"] == name)


def test_each_number_per_worker(client, personas, caseload):
    client.force_login(personas.team_manager)  # team A only
    page = client.get("/team/")
    assert [r["name"] for r in page.context["rows"]] == ["Worker A"]
    row = _row(page, "Worker A")
    # personas.child_a (no referral) is on worker_a's caseload too.
    assert (row["children"], row["open"], row["sessions_overdue"], row["screening_overdue"],
            row["contact_overdue"]) == (4, 2, 1, 1, 1)
    assert row["last_contact"] == timezone.localdate() - dt.timedelta(days=3)


def test_each_number_opens_its_children(client, personas, caseload):
    client.force_login(personas.team_manager)
    page = client.get("/team/").content.decode()
    link = f"/team/children/?worker={personas.worker_a.pk}&amp;measure=sessions_overdue"
    assert link in page
    listed = client.get(link.replace("&amp;", "&"))
    assert [c.first_name for c in listed.context["page"]] == ["Late"]
    listed = client.get(f"/team/children/?worker={personas.worker_a.pk}&measure=screening_overdue")
    assert [c.first_name for c in listed.context["page"]] == ["Waiting"]
    listed = client.get(f"/team/children/?worker={personas.worker_a.pk}&measure=open")
    assert sorted(c.first_name for c in listed.context["page"]) == ["Late", "Seen"]


def test_the_children_stay_within_the_managers_scope(client, personas, caseload):
    client.force_login(personas.team_manager)
    listed = client.get(f"/team/children/?worker={personas.worker_b.pk}&measure=sessions_overdue")
    assert list(listed.context["page"]) == []
    listed = client.get(f"/team/children/?team={personas.team_b.pk}")  # not theirs: the filter is dropped
    assert "Otherteam" not in listed.content.decode()
    client.force_login(personas.worker_a)
    assert client.get("/team/").status_code == 403
    assert client.get("/team/children/").status_code == 403


def test_filters_by_team_and_programme(client, personas, caseload):
    client.force_login(personas.service_manager)
    page = client.get("/team/")
    assert {r["name"] for r in page.context["rows"]} >= {"Worker A", "Worker B"}
    page = client.get(f"/team/?team={personas.team_b.pk}")
    assert [r["name"] for r in page.context["rows"]] == ["Worker B"]
    assert _row(page, "Worker B")["sessions_overdue"] == 1
    other = acc.create_programme(by=None, organisation=personas.north, name="Other", slug="other")
    page = client.get(f"/team/?programme={other.pk}")
    assert page.context["rows"] == []
    page = client.get(f"/team/?programme={personas.programme.pk}")
    assert _row(page, "Worker A")["children"] == 3  # child_a has nothing on the programme


def test_csv_is_formula_safe(client, personas, caseload):
    personas.worker_a.first_name = "=HYPERLINK(1)"
    personas.worker_a.save()
    client.force_login(personas.team_manager)
    response = client.get("/team/?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == ("Worker,Children,Open support,Sessions due this week,Sessions overdue,"
                                    "Screening overdue,First contact overdue,Last contact")
    assert "'=HYPERLINK(1) Worker A" in text or "'=HYPERLINK(1)" in text
    assert "\n=HYPERLINK" not in text


def test_the_query_count_does_not_grow_with_the_team(client, personas, django_assert_max_num_queries):
    today = timezone.localdate()
    workers = [acc.create_user(by=None, username=f"tv{i}", password=PASSWORD, roles=[Role.CASE_WORKER],
                               organisation=personas.north, teams=[personas.team_a]) for i in range(12)]
    for i, worker in enumerate(workers):
        for j in range(4):
            child = _child(personas, f"C{i}x{j}", personas.team_a, worker, today)
            if j % 2:
                _open_support(personas, child, worker, today - dt.timedelta(days=40),
                              session_on=today - dt.timedelta(days=j))
    client.force_login(personas.team_manager)
    with django_assert_max_num_queries(16):
        page = client.get("/team/")
    assert len(page.context["rows"]) == 13
    with django_assert_max_num_queries(16):
        client.get(f"/team/children/?worker={workers[0].pk}&measure=open")
    with django_assert_max_num_queries(16):
        client.get("/team/?format=csv")
