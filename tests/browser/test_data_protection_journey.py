"""A manager restricts a record, restricts processing and corrects details, in a real browser
with an accessibility check on every page."""

from __future__ import annotations

import pytest

from divert.people.actions import allocate_child

pytestmark = pytest.mark.browser


def test_manager_restricts_access_and_processing_and_corrects_details(signed_in_page, personas, assert_accessible):
    p = personas
    allocate_child(by=p.team_manager, child=p.child_a, team=p.team_a, worker=None, reason="Conflict of interest")
    page = signed_in_page("team_manager")
    page.goto(f"/children/{p.child_a.pk}/")
    page.get_by_role("link", name="Restrict access").click()
    page.get_by_text("This record is not restricted from anyone").wait_for()
    page.select_option("#id_user", str(p.worker_a.pk))
    page.fill("#id_reason", "Worker knows the family")
    assert_accessible(page, "restrict-access")
    page.get_by_role("button", name="Restrict access").click()
    page.get_by_text("Success").first.wait_for()
    page.get_by_text("Worker knows the family").wait_for()
    assert_accessible(page, "restrict-access-listed")
    page.get_by_role("link", name="Lift the restriction on").click()
    assert_accessible(page, "lift-restriction")
    page.get_by_role("button", name="Lift the restriction").click()
    page.get_by_text("This record is not restricted from anyone").wait_for()

    page.goto(f"/children/{p.child_a.pk}/")
    page.get_by_role("link", name="Correct these details").click()
    page.fill("#id_school", "Hillside Academy")
    page.fill("#id_reason", "The school told us")
    assert_accessible(page, "correct-details")
    page.get_by_role("button", name="Save the correction").click()
    page.get_by_text("Changes to details").wait_for()

    page.get_by_role("link", name="Restrict processing").click()
    page.fill("#id_reason", "The family contest the record while it is checked")
    assert_accessible(page, "restrict-processing")
    page.get_by_role("button", name="Restrict processing").click()
    page.get_by_text("Processing of this child's data has been restricted").wait_for()
    assert_accessible(page, "child-record-processing-restricted")
