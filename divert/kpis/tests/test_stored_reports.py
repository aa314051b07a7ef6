"""Stored reports: the measures page is served from what was stored, and a stored report never
outlives a change to the records it depends on (it is marked stale and recomputed)."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from divert.accounts.models import Organisation
from divert.kpis import actions as kpi_actions
from divert.kpis.engine import compute_report
from divert.kpis.models import DataVersion, StoredReport
from divert.kpis.periods import parse_period
from divert.kpis.store import refresh_stored_report, report_for
from divert.kpis.tests import factories as f

URL = "/kpis/?period=2025-26Q1&as_at=2025-07-31"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}


@pytest.fixture
def work(personas):
    for completed in (True, True, False):
        f.episode(f.child(personas.north, dob=dt.date(2010, 1, 1)), personas.programme, dt.date(2025, 3, 1),
                  dt.date(2025, 5, 1), order_type="outcome_22", completed=completed)
    return personas


def _kpi6(html: str) -> str:
    start = html.index('id="m-kpi6-ooc_completion"')
    return html[start:html.index("</h3>", start)]


def _rate_kpi6(work, django_capture_on_commit_callbacks):
    """A manager sets KPI 6's RAG thresholds: a change the stored report depends on."""
    with django_capture_on_commit_callbacks(execute=True):
        kpi_actions.set_rag_threshold(by=work.service_manager, organisation=work.north,
                                      measure_key="kpi6.ooc_completion", green=0.9, red=0.5, higher_is_better=True)


def test_the_page_is_served_from_the_store_and_says_when_it_was_computed(client, work):
    client.force_login(work.service_manager)
    html = client.get(URL).content.decode()
    row = StoredReport.objects.get()
    assert "Figures worked out at" in html and "being updated" not in html
    assert not row.suppressed and row.as_at == dt.date(2025, 7, 31)
    client.get(URL)
    assert StoredReport.objects.get().computed_at == row.computed_at  # served, not computed again


def test_a_change_marks_the_stored_report_stale_and_the_worker_recomputes_it(client, work,
                                                                           django_capture_on_commit_callbacks):
    client.force_login(work.service_manager)
    assert "govuk-tag" not in _kpi6(client.get(URL).content.decode())
    _rate_kpi6(work, django_capture_on_commit_callbacks)
    assert DataVersion.objects.get(organisation=work.north).version == 1

    html = client.get(URL).content.decode()  # the database task queue: nobody has run it yet
    assert "the figures are being updated" in html and "govuk-tag" not in _kpi6(html)
    client.get(URL)
    queued = DBTaskResult.objects.get()  # asked for once, however many people open the page
    assert queued.args_kwargs["args"] == [StoredReport.objects.get().pk]

    assert refresh_stored_report.call(StoredReport.objects.get().pk) == "recomputed"
    html = client.get(URL).content.decode()
    assert "being updated" not in html and "Amber" in _kpi6(html)


def test_with_an_immediate_worker_the_page_shows_the_new_figures_at_once(client, work, settings,
                                                                       django_capture_on_commit_callbacks):
    settings.TASKS = IMMEDIATE
    client.force_login(work.service_manager)
    client.get(URL)
    _rate_kpi6(work, django_capture_on_commit_callbacks)
    html = client.get(URL).content.decode()
    assert "being updated" not in html and "Amber" in _kpi6(html)


def test_reading_and_exporting_change_nothing(client, work, django_capture_on_commit_callbacks):
    client.force_login(work.service_manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.get(URL)
        client.get(URL + "&format=csv")
        client.get(f"/children/{work.child_a.pk}/")
    assert not DataVersion.objects.filter(organisation=work.north, version__gt=0).exists()
    assert "being updated" not in client.get(URL).content.decode()


def test_a_change_in_another_organisation_leaves_the_report_current(client, work,
                                                                     django_capture_on_commit_callbacks):
    client.force_login(work.service_manager)
    client.get(URL)
    with django_capture_on_commit_callbacks(execute=True):
        kpi_actions.set_rag_threshold(by=None, organisation=work.south, measure_key="kpi6.ooc_completion",
                                      green=0.9, red=None, higher_is_better=True)
    assert "being updated" not in client.get(URL).content.decode()


def test_the_stored_report_is_the_computed_report(work):
    period = parse_period("2025-26Q1")
    stored = report_for(organisations=[work.north], period=period, as_at=dt.date(2025, 7, 31))
    computed = compute_report(organisations=[work.north], period=period, as_at=dt.date(2025, 7, 31))
    assert stored.as_dict() == computed.as_dict()


def test_restricted_audiences_are_stored_only_as_published(client, work):
    client.force_login(work.board_member)
    html = client.get("/kpis/?period=2025-26Q1").content.decode()
    row = StoredReport.objects.get()
    assert row.suppressed and "≤5 of ≤5" in html
    kpi6 = report_for(organisations=[work.north], period=parse_period("2025-26Q1"), as_at=row.as_at,
                      known_on=row.known_on, suppress=True).get("kpi6.ooc_completion")
    assert kpi6.numerator is None and kpi6.shown == "≤5 of ≤5"


def test_precompute_stores_what_people_open_first(client, work):
    out = io.StringIO()
    call_command("precompute_reports", "--org", "north", stdout=out)
    # Managers: this and the last quarter; the board and the commissioner: two published quarters.
    assert StoredReport.objects.count() == 6 and "6 report(s) for 1 organisation(s), 6 worked out" in out.getvalue()
    computed = set(StoredReport.objects.values_list("computed_at", flat=True))
    for persona, url in (("board_member", "/kpis/"), ("commissioner", "/kpis/"), ("service_manager", "/kpis/")):
        client.force_login(getattr(work, persona))
        assert "Figures worked out at" in client.get(url).content.decode()
    assert set(StoredReport.objects.values_list("computed_at", flat=True)) == computed  # nothing new computed
    call_command("precompute_reports", "--org", "north", stdout=out)
    assert "6 report(s) for 1 organisation(s), 0 worked out" in out.getvalue()


def test_precompute_forgets_old_reports_nobody_opens_first(work):
    call_command("precompute_reports", "--org", "north", "--today", "2025-08-15", stdout=io.StringIO())
    StoredReport.objects.update(computed_at=timezone.now() - dt.timedelta(days=30))
    out = io.StringIO()
    call_command("precompute_reports", "--org", "north", stdout=out)
    assert "6 old report(s) deleted" in out.getvalue() and StoredReport.objects.count() == 6


def test_a_report_over_many_organisations_is_stored_with_every_name(db):
    programmes = [f.programme(Organisation.objects.create(slug=f"org-{n}", name=f"Organisation {n} " + "x" * 180))
                  for n in range(3)]
    report = report_for(programmes=programmes, period=parse_period("2025-26Q1"), as_at=dt.date(2025, 7, 31))
    assert len(StoredReport.objects.get().label) > 500 and report.organisation == StoredReport.objects.get().label
