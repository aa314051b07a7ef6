"""The reoffending tracker in a real browser for a team manager, with the drill-down."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_tracker_and_drill_down_are_accessible(signed_in_page, personas, open_work, assert_accessible):
    page = signed_in_page("team_manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reoffending tracker").click()
    page.wait_for_url("**/evaluation/tracker/**")
    assert_accessible(page, "tracker")
    links = page.get_by_role("main").locator("a[href*='/evaluation/tracker/children/']")
    if links.count():
        links.first.click()
        page.wait_for_load_state()
        assert_accessible(page, "tracker-children")
