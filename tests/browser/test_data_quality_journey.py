"""The data-quality page in a real browser: a performance officer follows one number to the
children behind it and on to a child's record, with an accessibility check on every page."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser


def test_performance_officer_follows_a_number_to_its_children(signed_in_page, personas, open_work,
                                                               assert_accessible):
    page = signed_in_page("performance_officer")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Data quality").click()
    page.wait_for_url("**/reports/data-quality/")
    assert page.get_by_role("heading", level=1).inner_text() == "Data quality"
    assert_accessible(page, "data-quality")

    # Alfie's support is open and his area was never recorded.
    main = page.get_by_role("main")
    main.get_by_role("link", name=re.compile(r"children: Area \(ward or LSOA\) not recorded")).click()
    page.wait_for_url("**/reports/data-quality/children/**")
    assert page.get_by_role("heading", level=1).inner_text() == "Area (ward or LSOA) not recorded"
    assert_accessible(page, "data-quality-children")
    listed = page.get_by_role("main")
    assert "Bella" not in listed.inner_text()

    listed.get_by_role("link", name="Alfie Testchild").click()
    page.wait_for_url(f"**/children/{personas.child_a.id}/")
    assert_accessible(page, "data-quality-child")

    page.go_back()
    page.get_by_role("link", name="Back to data quality").click()
    page.wait_for_url("**/reports/data-quality/?**")
    page.get_by_label("Period").fill("2025Q9")
    page.get_by_role("button", name="Show").click()
    page.get_by_text("There is a problem").wait_for()
    assert_accessible(page, "data-quality-error")
