"""The main journeys in a real browser, with an accessibility check on every page visited."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_sign_in_page_and_its_error_are_accessible(page, personas, assert_accessible):
    page.goto("/sign-in/")
    assert_accessible(page, "sign-in")

    page.fill("#id_username", "worker_a")
    page.fill("#id_password", "not the password")
    page.get_by_role("button", name="Sign in").click()
    page.get_by_text("There is a problem").wait_for()
    assert_accessible(page, "sign-in-error")


def test_worker_goes_from_home_to_a_child_on_their_caseload(
    signed_in_page, personas, open_work, assert_accessible
):
    # A case worker's home is "My work": what is due, then their caseload.
    page = signed_in_page("worker_a")
    assert page.get_by_role("heading", level=1).inner_text() == "My work"
    assert_accessible(page, "my-work")
    main = page.get_by_role("main")
    assert main.get_by_role("heading", name="My caseload").is_visible()
    assert main.get_by_role("link", name="Alfie Testchild").first.is_visible()
    assert "Bella" not in main.inner_text()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Children").click()
    page.wait_for_url("**/children/")
    assert_accessible(page, "children")
    assert "Bella" not in page.get_by_role("main").inner_text()

    page.get_by_role("main").get_by_role("link", name="Alfie Testchild").first.click()
    page.wait_for_url(f"**/children/{personas.child_a.id}/")
    assert page.get_by_role("heading", level=1).inner_text() == "Alfie Testchild"
    assert_accessible(page, "child-record")


def test_board_member_sees_no_links_to_children(signed_in_page, assert_accessible):
    page = signed_in_page("board_member")
    assert_accessible(page, "home")
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    assert not [h for h in hrefs if "/children/" in h]
    assert page.get_by_role("link", name="My caseload").count() == 0

    response = page.goto("/children/")
    assert response.status == 403
    assert_accessible(page, "children-forbidden")


def test_worker_cannot_open_another_teams_child(signed_in_page, personas, assert_accessible):
    page = signed_in_page("worker_a")
    response = page.goto(f"/children/{personas.child_b.id}/")
    assert response.status == 404
    assert page.get_by_role("heading", level=1).inner_text() == "Page not found"
    assert "Bella" not in page.content()
    assert_accessible(page, "other-teams-child")


def test_manager_sees_who_has_seen_a_childs_record(signed_in_page, personas, assert_accessible):
    page = signed_in_page("team_manager")
    page.goto(f"/children/{personas.child_a.id}/")
    page.get_by_role("link", name="Who has seen or changed this record").click()
    page.wait_for_url(f"**/children/{personas.child_a.id}/audit/**")
    assert_accessible(page, "audit-trail")
    assert "Viewed" in page.get_by_role("main").inner_text() or "viewed" in page.get_by_role("main").inner_text()
