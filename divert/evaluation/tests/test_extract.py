"""The research extract from the database: its rows, its release rule, the command and the page."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from divert.audit.models import AuditEvent
from divert.evaluation.extract import COLUMNS, research_extract, table
from divert.people.actions import restrict_processing
from divert.referrals import actions as ref

D = dt.date
AS_AT = D(2026, 12, 31)
pytestmark = pytest.mark.django_db
PAGE = "/evaluation/extract/"


@pytest.fixture
def six_offered(personas, north_data):
    """Six girls of the same age offered support in January 2025; one declined, one reoffended."""
    north_data.complete_to(AS_AT)
    children = [north_data.child(offered_on=D(2025, 1, 6)) for _ in range(5)]
    children.append(north_data.child(offered_on=D(2025, 1, 6), decision="declined"))
    north_data.offence(children[0], D(2025, 2, 1), ("youth_caution", D(2025, 3, 1)))
    north_data.close(children[1], D(2025, 4, 30))
    return children


def rows_of(release) -> list[dict]:
    headings, *rows = table(release)
    return [dict(zip(headings, row, strict=True)) for row in rows]


def test_one_row_per_offer_with_no_personal_details(personas, six_offered):
    release = research_extract(organisation=personas.north, as_at=AS_AT, k=5)
    assert release.report() == {
        "k": 5, "rows_considered": 6, "rows_released": 6, "rows_coarsened": 0, "rows_withheld": 0,
        "children_withheld": 0, "smallest_group": 6, "by_rule": {},
    }
    rows = rows_of(release)
    assert len({r["child_id"] for r in rows}) == 6
    first = rows[0]
    assert first["age_band"] == "14-15" and first["sex"] == "female" and first["ethnicity"] == "WBRI"
    assert first["referral_month"] == "2025-01" and first["offer_month"] == "2025-01"
    assert first["proven_reoffence_3m"] == "yes" and first["formal_outcome_3m"] == "yes"
    assert first["proven_reoffence_12m"] == "yes" and rows[2]["proven_reoffence_12m"] == "no"
    assert rows[1]["completed"] == "yes" and rows[1]["episode_end_month"] == "2025-04"
    assert rows[5]["consented"] == "no" and rows[5]["child_decision"] == "declined"
    assert rows[5]["episode_start_month"] == ""
    text = str(table(release))
    for child in six_offered:
        assert child.first_name not in text and str(child.pk) not in {r["child_id"] for r in rows}
    assert "2010-05-01" not in text


def test_rare_combinations_are_coarsened_then_withheld(personas, six_offered, north_data):
    odd = north_data.child(offered_on=D(2025, 1, 6))
    odd.ethnicity = "WIRI"  # White Irish: alone in its combination, but White like the others
    odd.save()
    release = research_extract(organisation=personas.north, as_at=AS_AT, k=5)
    rows = rows_of(release)
    # Shown as "white" alone it would still be a group of one, so the others go to "white" too.
    assert release.withheld == 0 and release.by_rule == {"ethnicity_to_broad_group": 7}
    assert {r["ethnicity"] for r in rows} == {"white"} and {r["age_band"] for r in rows} == {"14-15"}

    odd.sex = "male"  # now alone even at the widest level
    odd.save()
    release = research_extract(organisation=personas.north, as_at=AS_AT, k=5)
    assert (release.released, release.withheld, release.withheld_children) == (6, 1, 1)


def test_children_whose_processing_is_restricted_are_left_out(personas, six_offered):
    restrict_processing(by=personas.service_manager, child=six_offered[2], reason="Accuracy contested")
    release = research_extract(organisation=personas.north, as_at=AS_AT, k=1)
    assert release.candidates == 5


def test_ids_are_stable_for_a_salt_and_change_with_it(personas, six_offered, settings):
    first = {r.child for r in research_extract(organisation=personas.north, as_at=AS_AT, k=5).rows}
    again = {r.child for r in research_extract(organisation=personas.north, as_at=AS_AT, k=5).rows}
    settings.RESEARCH_SALT = "another salt"
    other = {r.child for r in research_extract(organisation=personas.north, as_at=AS_AT, k=5).rows}
    assert first == again and not first & other


def test_referral_dates_limit_the_extract(personas, six_offered, north_data):
    north_data.child(offered_on=D(2025, 9, 1))
    assert research_extract(organisation=personas.north, as_at=AS_AT, k=1).candidates == 7
    assert research_extract(organisation=personas.north, as_at=AS_AT, k=1,
                            date_from=D(2025, 6, 1)).candidates == 1
    assert research_extract(organisation=personas.north, as_at=AS_AT, k=1,
                            date_to=D(2025, 6, 1)).candidates == 6


def test_command_writes_the_file_prints_the_report_and_is_audited(personas, six_offered, tmp_path):
    out = io.StringIO()
    target = tmp_path / "extract.csv"
    call_command("extract", "research", "--org", "north", "--out", str(target), "--as-at", "2026-12-31",
                 stdout=out)
    assert "Wrote 6 rows" in out.getvalue() and "0 withheld" in out.getvalue()
    rows = list(csv.reader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert rows[0] == COLUMNS and len(rows) == 7
    event = AuditEvent.objects.get(verb="exported_research_extract")
    assert event.organisation_id == personas.north.pk and event.actor is None
    assert event.details["rows_released"] == 6 and event.details["via"] == "command line"
    assert event.details["k"] == 5 and event.details["format"] == "csv"


def test_command_refuses_a_k_below_the_organisations_setting(personas, tmp_path):
    with pytest.raises(CommandError, match="cannot be lower"):
        call_command("extract", "research", "--org", "north", "--out", str(tmp_path / "x.csv"), "--k", "2")
    assert not AuditEvent.objects.filter(verb="exported_research_extract").exists()


def test_performance_officer_sees_the_report_and_downloads_are_audited(client, personas, six_offered):
    client.force_login(personas.performance_officer)
    page = client.get(PAGE, {"as_at": "2026-12-31"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Rows released" in text and "Nothing needed coarsening" in text
    assert not AuditEvent.objects.filter(verb="exported_research_extract").exists()

    download = client.get(PAGE + "download/", {"as_at": "2026-12-31", "k": 5, "format": "csv"})
    assert download.status_code == 200 and "attachment" in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert len(rows) == 7
    workbook = client.get(PAGE + "download/", {"as_at": "2026-12-31", "format": "xlsx"})
    assert workbook.content.startswith(b"PK")
    events = AuditEvent.objects.filter(verb="exported_research_extract").order_by("pk")
    assert [(e.actor, e.details["format"], e.details["rows_released"]) for e in events] == [
        (personas.performance_officer, "csv", 6), (personas.performance_officer, "xlsx", 6),
    ]


def test_the_page_refuses_a_lower_k_and_bad_dates(client, personas):
    client.force_login(personas.performance_officer)
    text = client.get(PAGE, {"k": "2", "from": "1/1/2025"}).content.decode()
    assert "must look like 2025-07-31" in text
    assert "cannot be lower" in client.get(PAGE, {"k": "2"}).content.decode()
    assert client.get(PAGE + "download/", {"k": "2"}).status_code == 404


@pytest.mark.parametrize(
    "name", ["worker_a", "team_manager", "service_manager", "board_member", "commissioner", "administrator"]
)
def test_only_performance_officers_may_use_the_extract(client, personas, name):
    client.force_login(getattr(personas, name))
    assert client.get(PAGE).status_code == 403
    assert client.get(PAGE + "download/").status_code == 403


def test_tracker_command_and_drill_down_are_audited_without_personal_data(client, personas, six_offered):
    out = io.StringIO()
    call_command("tracker", "--org", "north", "--as-at", "2026-12-31", "--format", "json", stdout=out)
    event = AuditEvent.objects.get(verb="exported_tracker")
    assert event.details == {
        "kind": "reoffending tracker", "via": "command line", "format": "json", "as_at": "2026-12-31",
        "as_known_on": None, "programmes": [],
    }
    client.force_login(personas.service_manager)
    query = {"as_at": "2026-12-31", "anchor": "offer", "months": 3, "group": "participant", "tier": "a",
             "cell": "with_outcome"}
    assert client.get("/evaluation/tracker/children/", query).status_code == 200
    listed = AuditEvent.objects.filter(verb="listed_children").latest("pk")
    assert listed.details["shown"] == 1 and listed.details["cell"]["cell"] == "with_outcome"
    assert six_offered[0].last_name not in str(listed.details)


def test_the_tracker_links_performance_officers_to_the_extract(client, personas):
    client.force_login(personas.performance_officer)
    assert PAGE in client.get("/evaluation/tracker/").content.decode()
    client.force_login(personas.service_manager)
    assert PAGE not in client.get("/evaluation/tracker/").content.decode()


def test_a_childs_rows_share_one_combination_so_linking_them_by_pseudonym_narrows_nothing(
        personas, six_offered, north_data):
    """Rows share the child's pseudonym, so a child with two referrals either side of a birthday
    must not show two age bands: two bands and two referral months give the birthday away to
    within weeks, and each row's group of k says nothing about the pair."""
    child, worker = six_offered[5], personas.worker_a  # declined in January 2025, aged 14
    referral = ref.create_referral(by=worker, child=child, programme=personas.programme, source="police_cr",
                                   received_on=D(2026, 6, 1), today=D(2026, 6, 3))
    ref.screen_referral(by=worker, referral=referral, decision="support",
                        tier=personas.programme.tiers.order_by("number").last(), decided_on=D(2026, 6, 2),
                        today=D(2026, 6, 3))
    ref.offer_support(by=worker, referral=referral, offered_on=D(2026, 6, 3), today=D(2026, 6, 3))
    for _ in range(5):  # five more girls of the same age, offered support in June 2026 (aged 16)
        north_data.child(offered_on=D(2026, 6, 3))

    rows = rows_of(research_extract(organisation=personas.north, as_at=AS_AT, k=5))
    combinations: dict[str, set] = {}
    for row in rows:
        combinations.setdefault(row["child_id"], set()).add(tuple(row[a] for a in ("age_band", "sex", "ethnicity", "area")))
    assert len(rows) == 12
    assert all(len(found) == 1 for found in combinations.values()), combinations
