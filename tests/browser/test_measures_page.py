"""The measures page in a real browser: the summary table and the contents lead to each
section, the downloads are offered, and the page passes axe (as a manager and a board member)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("persona", ["service_manager", "board_member"])
def test_measures_page_summary_contents_and_downloads(signed_in_page, personas, assert_accessible, persona):
    page = signed_in_page(persona)
    page.goto("/kpis/?period=2025-26Q1&as_at=2025-07-31", timeout=60_000)  # computed on first opening
    assert page.get_by_role("table", name="Summary").is_visible()
    assert page.get_by_text("Figures worked out at").is_visible()
    assert page.get_by_role("link", name="CSV").is_visible()
    assert page.get_by_role("link", name="spreadsheet (XLSX)").is_visible()
    assert_accessible(page, f"measures-{persona}")

    page.get_by_role("navigation", name="Contents").get_by_role("link", name="YJB key performance indicators").click()
    page.wait_for_url("**#section-kpi")
    page.get_by_role("table", name="Summary").get_by_role(
        "link", name="KPI 6 Out-of-court disposals successfully completed").click()
    page.wait_for_url("**#m-kpi6-ooc_completion")
    assert page.locator("#m-kpi6-ooc_completion").is_visible()
