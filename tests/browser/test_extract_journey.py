"""The research extract page in a real browser for a performance officer, with a download."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_extract_page_is_accessible_and_downloads_a_csv(signed_in_page, personas, open_work, assert_accessible):
    page = signed_in_page("performance_officer")
    page.goto("/evaluation/extract/?k=2")
    assert_accessible(page, "extract-error")
    page.goto("/evaluation/extract/")
    assert page.get_by_role("heading", name="Research extract").is_visible()
    assert page.get_by_text("Rows released", exact=True).is_visible()
    assert_accessible(page, "extract")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert text.startswith("child_id,age_band,sex,ethnicity,area,")
    assert "Alfie" not in text
