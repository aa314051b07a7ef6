"""Data protection pages in a real browser: subject access and retention, with axe checks."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_manager_opens_a_childs_subject_access_page(signed_in_page, personas, assert_accessible):
    page = signed_in_page("service_manager")
    page.goto(f"/children/{personas.child_a.id}/")
    page.get_by_role("link", name="Subject access request (copy of the record)").click()
    page.wait_for_url(f"**/privacy/children/{personas.child_a.id}/")
    assert page.get_by_role("button", name="Download as PDF").is_visible()
    assert_accessible(page, "subject-access")


def test_administrator_reviews_changes_and_confirms_retention(signed_in_page, assert_accessible):
    page = signed_in_page("administrator")
    page.goto("/privacy/retention/")
    assert page.get_by_role("heading", level=1).inner_text() == "Retention rules"
    assert_accessible(page, "retention")
    page.get_by_role("link", name="Change the rule for children screened out").click()
    page.get_by_label("Number of years").fill("3")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url("**/privacy/retention/")
    assert "3 years after last contact" in page.get_by_role("main").inner_text()
    page.get_by_role("button", name="Run the retention rules now").click()
    page.get_by_role("button", name="Delete or anonymise these records").click()
    assert "Confirm that you understand" in page.get_by_role("main").inner_text()
    assert_accessible(page, "retention-run-error")
    page.get_by_label("I understand").check()
    page.get_by_role("button", name="Delete or anonymise these records").click()
    page.wait_for_url("**/privacy/retention/")
    assert "Administrator" in page.get_by_role("main").inner_text()
    assert_accessible(page, "retention-after-run")
