"""Reference data and RAG threshold pages: who may use them, forms with errors, audited
saves, the population import, and another organisation's records answering 404."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from divert.audit.models import AuditEvent
from divert.kpis.models import RagThreshold
from divert.offending.actions import set_offence_type
from divert.offending.models import OffenceType
from divert.reference.actions import (
    record_board_meeting,
    set_comparator_figure,
    set_population_cell,
)
from divert.reference.models import BoardMeeting, ComparatorFigure, Population

BASE = "/kpis/reference/"
LISTS = ["population/", "population/add/", "population/import/", "population/2024/", "offences/",
         "offences/add/", "offences/import/", "comparators/",
         "comparators/add/", "board-meetings/", "board-meetings/add/", "rag-thresholds/", "rag-thresholds/set/"]
CELL = dict(year=2024, area_code="E06000016", age=12, sex="female", ethnic_group="black", count=310,
            source="ONS mid-year estimate 2024")


def _post(client, url, data, **extra):
    page = client.get(url)
    token = page.context["form_token"] if page.context and "form_token" in page.context else ""
    return client.post(url, {**data, "form_token": token}, **extra)


@pytest.mark.parametrize("persona", ["service_manager", "performance_officer"])
@pytest.mark.parametrize("path", LISTS)
def test_managers_and_performance_officers_may_use_the_pages(client, personas, persona, path):
    client.force_login(getattr(personas, persona))
    assert client.get(BASE + path).status_code == 200


@pytest.mark.parametrize("persona", ["worker_a", "team_manager", "board_member", "commissioner", "administrator",
                                     "other_org_worker"])
@pytest.mark.parametrize("path", LISTS)
def test_other_roles_are_refused(client, personas, persona, path):
    client.force_login(getattr(personas, persona))
    assert client.get(BASE + path).status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client, personas):
    assert client.get(BASE + "population/").status_code == 302


def test_measures_page_links_to_reference_data_for_managers_only(client, personas):
    client.force_login(personas.service_manager)
    assert "Reference data" in client.get("/kpis/?period=2025-26Q1&as_at=2025-07-31").content.decode()
    client.force_login(personas.board_member)
    assert "Reference data" not in client.get("/kpis/?period=2025-26Q1&as_at=2025-07-31").content.decode()


def test_population_figure_added_then_changed_and_listed_by_year(client, personas):
    client.force_login(personas.performance_officer)
    page = _post(client, BASE + "population/add/", CELL)
    assert page.status_code == 302
    cell = Population.objects.get(organisation=personas.north)
    assert (cell.count, cell.source) == (310, "ONS mid-year estimate 2024")
    listing = client.get(BASE + "population/").content.decode()
    assert "2024" in listing and "ONS mid-year estimate 2024" in listing and "310" in listing
    page = _post(client, f"{BASE}population/cells/{cell.pk}/", {**CELL, "count": 320})
    assert page.status_code == 302
    cell.refresh_from_db()
    assert cell.count == 320
    verbs = set(AuditEvent.objects.filter(object_id=cell.pk, object_type="reference.population")
                 .values_list("verb", flat=True))
    assert verbs == {"added_population_cell", "changed_population_cell"}


def test_population_form_shows_errors_and_saves_nothing(client, personas):
    client.force_login(personas.service_manager)
    page = _post(client, BASE + "population/add/", {**CELL, "age": 9, "count": "", "source": ""})
    html = page.content.decode()
    assert page.status_code == 200 and "There is a problem" in html
    assert "The age must be from 10 to 17" in html and "Enter the number of children" in html
    assert not Population.objects.exists()


def test_second_figure_for_the_same_cell_is_refused(client, personas):
    set_population_cell(by=personas.service_manager, organisation=personas.north, **CELL)
    client.force_login(personas.service_manager)
    page = _post(client, BASE + "population/add/", CELL)
    assert "There is already a figure" in page.content.decode()
    assert Population.objects.count() == 1


def _csv(text: str, name: str = "population.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_population_file_imported_when_every_row_is_right(client, personas):
    client.force_login(personas.performance_officer)
    rows = "\n".join(f"2024,E06000016,{age},{sex},White,100,ONS mid-year estimate 2024"
                     for age in range(10, 18) for sex in ("male", "F"))
    page = client.post(BASE + "population/import/",
                       {"file": _csv("Year,Area code,Age,Sex,Ethnic group,Count,Source\n" + rows)})
    assert page.status_code == 302
    assert Population.objects.filter(organisation=personas.north).count() == 16
    assert set(Population.objects.values_list("sex", flat=True)) == {"male", "female"}
    assert AuditEvent.objects.filter(verb="imported_population", organisation=personas.north).count() == 1


def test_population_file_with_problems_imports_nothing_and_names_row_and_column(client, personas):
    client.force_login(personas.performance_officer)
    text = ("year,area_code,age,sex,ethnic_group,count,source\n"
            "2024,E06000016,12,male,white,100,ONS\n"
            "2024,E06000016,19,male,white,100,ONS\n"
            "2024,E06000016,13,robot,purple,-4,ONS\n"
            "2024,E06000016,12,male,white,100,ONS\n")
    page = client.post(BASE + "population/import/", {"file": _csv(text)})
    html = page.content.decode()
    assert page.status_code == 200 and "There is a problem" in html
    assert "Row 3, age:" in html
    assert "Row 4, sex:" in html and "Row 4, ethnic_group:" in html and "Row 4, count:" in html
    assert "Row 5: the same year, area, age, sex and ethnic group as row 2" in html
    assert not Population.objects.exists()


def test_population_file_missing_a_column_is_refused(client, personas):
    client.force_login(personas.performance_officer)
    page = client.post(BASE + "population/import/", {"file": _csv("year,area_code,age,sex,count\n2024,E1,12,male,5\n")})
    html = page.content.decode()
    assert "the column &#x27;ethnic_group&#x27; is missing" in html and "the column &#x27;source&#x27; is missing" in html
    assert not Population.objects.exists()


def test_comparator_figure_entered_as_a_percentage_is_stored_as_a_proportion(client, personas):
    client.force_login(personas.service_manager)
    data = {"measure_key": "reoffending.12_month_cohort.binary", "period_label": "Jan 2023-Dec 2023",
            "comparator": "england", "value": "32.5", "source": "YJB statistics"}
    assert _post(client, BASE + "comparators/add/", data).status_code == 302
    figure = ComparatorFigure.objects.get(organisation=personas.north)
    assert figure.value == pytest.approx(0.325)
    html = client.get(BASE + "comparators/").content.decode()
    assert "32.5%" in html and "England" in html
    assert _post(client, f"{BASE}comparators/{figure.pk}/", {**data, "value": "30"}).status_code == 302
    figure.refresh_from_db()
    assert figure.value == pytest.approx(0.30)
    assert AuditEvent.objects.filter(object_id=figure.pk, verb="changed_comparator_figure").exists()


def test_comparator_measure_must_come_from_the_engine_list(client, personas):
    client.force_login(personas.service_manager)
    page = _post(client, BASE + "comparators/add/", {"measure_key": "made.up", "period_label": "2024",
                                                     "comparator": "england", "value": "x"})
    html = page.content.decode()
    assert "There is a problem" in html and "The value must be a number" in html
    assert not ComparatorFigure.objects.exists()


def test_board_meeting_recorded_and_corrected(client, personas):
    client.force_login(personas.service_manager)
    data = {"date_0": "14", "date_1": "5", "date_2": "2025", "sectors": ["police", "health"]}
    assert _post(client, BASE + "board-meetings/add/", data).status_code == 302
    meeting = BoardMeeting.objects.get(organisation=personas.north)
    assert (meeting.police, meeting.health, meeting.education) == (True, True, False)
    assert "Police, Health" in client.get(BASE + "board-meetings/").content.decode()
    page = _post(client, f"{BASE}board-meetings/{meeting.pk}/", {**data, "sectors": ["education"]})
    assert page.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.police, meeting.education) == (False, True)
    assert AuditEvent.objects.filter(object_id=meeting.pk, verb="changed_board_meeting").exists()


def test_board_meeting_date_errors_are_shown(client, personas):
    record_board_meeting(by=personas.service_manager, organisation=personas.north, date=dt.date(2025, 5, 14),
                         sectors=[])
    client.force_login(personas.service_manager)
    page = _post(client, BASE + "board-meetings/add/", {"date_0": "31", "date_1": "2", "date_2": "2025"})
    assert "must be a real date" in page.content.decode()
    page = _post(client, BASE + "board-meetings/add/", {"date_0": "14", "date_1": "5", "date_2": "2025"})
    assert "already recorded" in page.content.decode()
    assert BoardMeeting.objects.count() == 1


def test_rag_thresholds_set_and_used_by_the_measures(client, personas):
    client.force_login(personas.performance_officer)
    url = BASE + "rag-thresholds/set/?measure=prevention.completion"
    page = client.get(url)
    assert page.context["form"].initial["higher_is_better"] == "higher"
    data = {"measure_key": "prevention.completion", "higher_is_better": "higher", "green": "80", "red": "60"}
    assert _post(client, url, data).status_code == 302
    assert RagThreshold.objects.get(organisation=personas.north, measure_key="prevention.completion").setting() == {
        "green": 0.8, "red": 0.6, "higher_is_better": True}
    assert "80.0%" in client.get(BASE + "rag-thresholds/").content.decode()
    assert AuditEvent.objects.filter(verb="set_rag_threshold", organisation=personas.north).exists()


@pytest.mark.parametrize("data,message", [
    ({"higher_is_better": "higher", "green": "60", "red": "80"}, "red bound must not be above the green bound"),
    ({"higher_is_better": "lower", "green": "80", "red": "60"}, "red bound must not be below the green bound"),
    ({"higher_is_better": "higher", "green": "", "red": ""}, "Enter a green bound, a red bound or both"),
    ({"green": "80"}, "Say whether higher or lower is better"),
])
def test_rag_thresholds_are_validated(client, personas, data, message):
    client.force_login(personas.service_manager)
    page = _post(client, BASE + "rag-thresholds/set/", {"measure_key": "prevention.completion", **data})
    assert message in page.content.decode()
    assert not RagThreshold.objects.filter(organisation=personas.north).exists()


def test_another_organisations_records_are_not_found(client, personas):
    south, by = personas.south, personas.other_org_worker
    cell = set_population_cell(by=by, organisation=south, **CELL)
    figure = set_comparator_figure(by=by, organisation=south, measure_key="kpi2.ete", period_label="2025-26 Q1",
                                   comparator="england", value=0.7)
    meeting = record_board_meeting(by=by, organisation=south, date=dt.date(2025, 5, 1), sectors=["police"])
    client.force_login(personas.service_manager)
    for url in (f"{BASE}population/cells/{cell.pk}/", f"{BASE}comparators/{figure.pk}/",
                f"{BASE}board-meetings/{meeting.pk}/"):
        assert client.get(url).status_code == 404
        assert client.post(url, {}).status_code == 404
    assert "E06000016" not in client.get(f"{BASE}population/2024/").content.decode()
    assert "0.7" not in client.get(f"{BASE}comparators/").content.decode()


# ---- Offence reference ----------------------------------------------------------------


def test_offence_reference_shows_defaults_and_an_own_row_replaces_one(client, personas):
    OffenceType.objects.create(code="TEST1", description="Shipped default", yjb_category="theft_and_handling",
                               seriousness=2)
    client.force_login(personas.service_manager)
    listing = client.get(BASE + "offences/").content.decode()
    assert "Shipped default" in listing and "?code=TEST1" in listing
    # "Replace" starts from the default; saving makes the organisation's own row.
    page = client.get(BASE + "offences/add/?code=TEST1")
    assert "Shipped default" in page.content.decode()
    saved = _post(client, BASE + "offences/add/", {"code": "test1", "description": "Our wording",
                                                   "yjb_category": "theft_and_handling", "seriousness": "3"})
    assert saved.status_code == 302
    own = OffenceType.objects.get(organisation=personas.north, code="TEST1")
    assert (own.description, own.seriousness) == ("Our wording", 3)
    assert OffenceType.objects.get(organisation__isnull=True, code="TEST1").description == "Shipped default"
    assert AuditEvent.objects.filter(verb="added_offence_type", organisation=personas.north).count() == 1
    listing = client.get(BASE + "offences/").content.decode()
    assert "Our wording" in listing and "?code=TEST1" not in listing
    # Changing the row keeps its code; blank seriousness means not scored.
    changed = _post(client, f"{BASE}offences/{own.pk}/", {"code": "OTHER", "description": "Our wording",
                                                          "yjb_category": "robbery", "seriousness": ""})
    assert changed.status_code == 302
    own.refresh_from_db()
    assert (own.code, own.yjb_category, own.seriousness) == ("TEST1", "robbery", None)


def test_offence_form_shows_errors_and_saves_nothing(client, personas):
    client.force_login(personas.performance_officer)
    page = _post(client, BASE + "offences/add/", {"code": "", "description": "", "seriousness": "9"})
    html = page.content.decode()
    assert page.status_code == 200 and "There is a problem" in html
    assert "Enter the offence code" in html and "Choose the YJB offence category" in html
    assert "from 1 to 8" in html
    assert not OffenceType.objects.filter(organisation=personas.north).exists()


def test_offence_file_imported_only_when_every_row_is_right(client, personas):
    client.force_login(personas.performance_officer)
    bad = ("code,description,yjb_category,seriousness\n"
           "104/39,Common assault,Violence against the person,3\n"
           "28/3,Burglary,burglary,9\n"
           "49/1,Theft,shoplifting,2\n"
           "104/39,Common assault again,violence_against_the_person,3\n")
    html = client.post(BASE + "offences/import/", {"file": _csv(bad)}).content.decode()
    assert "Row 3, seriousness:" in html and "Row 4, yjb_category:" in html
    assert "Row 5: the same offence code as row 2" in html
    assert not OffenceType.objects.filter(organisation=personas.north).exists()
    good = ("Code,Description,YJB category,Seriousness\n"
            "104/39,Common assault,Violence against the person,3\n"
            "49/1,Theft from a shop,theft_and_handling,\n")
    assert client.post(BASE + "offences/import/", {"file": _csv(good)}).status_code == 302
    rows = {r.code: r for r in OffenceType.objects.filter(organisation=personas.north)}
    assert rows["104/39"].yjb_category == "violence_against_the_person" and rows["49/1"].seriousness is None
    assert AuditEvent.objects.filter(verb="imported_offence_types", organisation=personas.north).count() == 1


def test_another_organisations_offence_rows_are_not_found(client, personas):
    row = set_offence_type(by=personas.other_org_worker, organisation=personas.south, code="SOUTH1",
                           description="Southmoor wording", yjb_category="robbery", seriousness=4)
    client.force_login(personas.service_manager)
    assert client.get(f"{BASE}offences/{row.pk}/").status_code == 404
    assert client.post(f"{BASE}offences/{row.pk}/", {}).status_code == 404
    assert "Southmoor wording" not in client.get(BASE + "offences/").content.decode()
