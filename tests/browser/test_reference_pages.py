"""Reference data and RAG threshold pages in a real browser: a performance officer follows
the measures page's links, fills each form (once with a mistake), and every page passes axe."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_reference_data_pages_are_accessible(signed_in_page, personas, assert_accessible):
    page = signed_in_page("performance_officer")
    page.goto("/kpis/?period=2025-26Q1&as_at=2025-07-31")
    page.get_by_role("link", name="10-17 population").click()
    page.wait_for_url("**/kpis/reference/population/")
    assert_accessible(page, "population-empty")

    page.get_by_role("link", name="Add a figure").click()
    page.get_by_label("Year").fill("2024")
    page.get_by_label("Area code").fill("E06000016")
    page.get_by_label("Age").fill("19")
    page.get_by_label("Female").check()
    page.get_by_label("Ethnic group").select_option("black")
    page.get_by_label("Number of children").fill("310")
    page.get_by_label("Source").fill("ONS mid-year estimate 2024")
    page.get_by_role("button", name="Save").click()
    assert page.get_by_text("There is a problem").is_visible()
    assert_accessible(page, "population-add-error")
    page.get_by_label("Age").fill("12")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/kpis/reference/population/2024/")
    assert page.get_by_role("cell", name="310").is_visible()
    assert_accessible(page, "population-year")

    page.goto("/kpis/reference/population/import/")
    assert_accessible(page, "population-import")

    page.goto("/kpis/reference/offences/")
    assert_accessible(page, "offences")
    page.get_by_role("link", name="Add an offence").click()
    page.get_by_role("button", name="Save").click()
    assert_accessible(page, "offence-add-error")
    page.get_by_label("Offence code").fill("104/39")
    page.get_by_label("Description").fill("Common assault")
    page.get_by_label("YJB offence category").select_option("violence_against_the_person")
    page.get_by_label("Seriousness score (optional)").fill("3")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/kpis/reference/offences/")
    assert page.get_by_role("cell", name="Common assault").is_visible()
    page.goto("/kpis/reference/offences/import/")
    assert_accessible(page, "offences-import")

    page.goto("/kpis/reference/comparators/")
    page.get_by_role("link", name="Add a figure").click()
    page.get_by_label("Measure").select_option("prevention.completion")
    page.get_by_label("Period").fill("2025-26 Q1")
    page.get_by_label("England").check()
    page.get_by_label("Value").fill("72.5")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/kpis/reference/comparators/")
    assert page.get_by_role("cell", name="72.5%").is_visible()
    assert_accessible(page, "comparators")

    page.goto("/kpis/reference/board-meetings/")
    page.get_by_role("link", name="Record a meeting").click()
    assert_accessible(page, "board-meeting-add")
    page.get_by_label("Day").fill("14")
    page.get_by_label("Month").fill("5")
    page.get_by_label("Year").fill("2025")
    page.get_by_label("Police").check()
    page.get_by_label("Health").check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/kpis/reference/board-meetings/")
    assert page.get_by_role("cell", name="Police, Health").is_visible()
    assert_accessible(page, "board-meetings")

    page.goto("/kpis/reference/rag-thresholds/")
    assert_accessible(page, "rag-thresholds")
    page.get_by_role("link", name="Set thresholds for Episodes successfully completed").click()
    page.get_by_label("Green bound").fill("80")
    page.get_by_label("Red bound").fill("60")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/kpis/reference/rag-thresholds/")
    assert page.get_by_role("cell", name="80.0%").is_visible()
