"""The measures page: summary table, sections, CSV and XLSX exports of what is shown, and the
display faults found by reading it as a board member would."""

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest

from divert.audit.models import AuditEvent
from divert.casework.models import Instrument, MeasureScore
from divert.core.exports import safe_cell
from divert.kpis.engine import compute_report, end_of_day
from divert.kpis.periods import parse_period, publication_day
from divert.kpis.tables import HEADINGS, export_rows
from divert.kpis.tests import factories as f
from divert.referrals import actions as referral_actions

URL = "/kpis/?period=2025-26Q1&as_at=2025-07-31"
TODAY = dt.date(2025, 6, 30)


@pytest.fixture
def work(personas):
    for completed in (True, True, False):
        f.episode(f.child(personas.north, dob=dt.date(2010, 1, 1)), personas.programme, dt.date(2025, 3, 1),
                  dt.date(2025, 5, 1), order_type="outcome_22", completed=completed)
    return personas


def _section(html: str, anchor: str) -> str:
    """The text of one measure's part of the page."""
    start = html.index(f'id="{anchor}"')
    end = html.find("<section", start)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:end if end > 0 else None]))


def _csv(response) -> list[dict]:
    text = response.content.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_page_opens_with_a_summary_table_and_contents(client, work):
    client.force_login(work.service_manager)
    html = client.get(URL).content.decode()
    summary = html[html.index('id="summary"'):html.index("</table>", html.index('id="summary"'))]
    assert '<a class="govuk-link" href="#m-kpi6-ooc_completion">KPI 6 Out-of-court disposals' in summary
    assert "66.7%" in summary and "Change on the previous period" in summary
    for section in ("First time entrants", "YJB key performance indicators", "Prevention and diversion"):
        assert re.search(rf'href="#section-[a-z_]+">{section}</a>', html)
    assert 'id="m-kpi6-ooc_completion"' in html and 'id="section-kpi"' in html
    assert "Disproportionality by SEND" in html and "by send" not in html  # words, not codes


def test_managers_download_the_figures_shown_as_csv(client, work):
    client.force_login(work.service_manager)
    response = client.get(URL + "&format=csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="measures-2025-26Q1-as-at-2025-07-31.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    kpi6 = next(r for r in rows if r["Measure key"] == "kpi6.ooc_completion" and not r["Breakdown"])
    assert (kpi6["Value"], kpi6["Unit"], kpi6["Numerator"], kpi6["Denominator"]) == ("66.7", "%", "2", "3")
    assert kpi6["Section"] == "YJB key performance indicators"
    event = AuditEvent.objects.get(verb="exported_kpis")
    assert event.details["via"] == "page" and event.details["format"] == "csv"
    assert event.organisation_id == work.north.pk and event.actor == work.service_manager


def test_the_spreadsheet_holds_numbers_as_numbers_and_no_formulas(client, work):
    work.programme.name = "=HYPERLINK(\"http://x\")"  # text that would run as a formula
    work.programme.save()
    client.force_login(work.service_manager)
    response = client.get(URL + "&format=xlsx")
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == list(HEADINGS)
    kpi6 = next(r for r in rows if r[2] == "kpi6.ooc_completion" and not r[3])
    assert kpi6[6] == pytest.approx(66.7) and kpi6[9] == 3 - 1 and kpi6[10] == 3
    assert not any(isinstance(v, str) and v.startswith("=") for row in rows for v in row)


@pytest.mark.parametrize("persona", ["board_member", "commissioner"])
def test_restricted_exports_hold_only_the_published_figures(client, work, persona):
    client.force_login(getattr(work, persona))
    rows = _csv(client.get("/kpis/?period=2025-26Q1&format=csv"))
    kpi6 = next(r for r in rows if r["Measure key"] == "kpi6.ooc_completion" and not r["Breakdown"])
    assert kpi6["Shown as"] == "≤5 of ≤5"
    assert kpi6["Numerator"] == kpi6["Denominator"] == kpi6["Value"] == kpi6["95% interval lower"] == ""
    # Every row is the published report's, never a figure computed without suppression.
    period = parse_period("2025-26Q1")
    day = publication_day(period)
    audience = {"organisations": [work.north]} if persona == "board_member" else {"programmes": [work.programme]}
    published = compute_report(period=period, as_at=day, known_on=end_of_day(day), suppress=True, **audience)
    expected = [[str(safe_cell(v)) for v in row] for row in export_rows(published)]
    assert [list(r.values()) for r in rows] == expected[1:]


def test_year_ending_december_is_not_compared_with_the_same_year(client, work):
    client.force_login(work.service_manager)
    html = client.get("/kpis/?period=2025-26Q2&as_at=2025-11-30").content.decode()
    text = _section(html, "m-fte-year_ending_december")
    assert "2024" in text and "Compared with previous" not in text


def test_a_change_in_scores_names_what_its_counts_are(client, work):
    instrument = Instrument.objects.create(code="self-rating", name="Self-ratings", items=[{"code": "confidence"}])
    for start, end in ((3, 6), (4, 6), (5, 5)):
        episode = f.episode(f.child(work.north), work.programme, dt.date(2025, 1, 1), dt.date(2025, 5, 1))
        for timepoint, value, day in (("start", start, dt.date(2025, 1, 2)), ("end", end, dt.date(2025, 5, 1))):
            MeasureScore.objects.create(episode=episode, instrument=instrument, item="confidence",
                                        timepoint=timepoint, taken_on=day, value=value, recorded_at=f.RECORDED)
    client.force_login(work.service_manager)
    text = _section(client.get(URL).content.decode(), "m-prevention-pre_post-self-rating")
    assert "Children scored at both, of those scored at the start 3 of 3" in text
    assert "Numerator and denominator" not in text


def test_referral_rates_per_child_in_the_population_are_not_shown_as_zero(client, work):
    f.population(work.north, 2025, 1000)
    for _ in range(3):
        referral_actions.create_referral(by=work.worker_a, child=f.child(work.north, dob=dt.date(2011, 1, 1)),
                                         programme=work.programme, source="police_cr",
                                         received_on=dt.date(2025, 5, 1), today=TODAY)
    client.force_login(work.service_manager)
    text = _section(client.get(URL).content.decode(), "m-disproportionality-ethnic_group")
    assert "3 of 1000 3.0 per 1,000" in text
    assert " 0.00 " not in text and "0.0%" not in text.split("By referred", 1)[1].split("By screened", 1)[0]


def test_the_page_names_the_organisation_not_its_slug(client, work):
    client.force_login(work.board_member)
    html = client.get("/kpis/?period=2025-26Q1").content.decode()
    assert f"{work.north.name}:" in html and f"{work.north.slug}:" not in html
