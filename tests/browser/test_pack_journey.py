"""The board pack in a real browser: a board member reads their service's pack, and a
commissioner opens the pack for all the programmes it funds, then for one; axe on every page."""

from __future__ import annotations

import pytest

from divert.accounts import actions as acc

pytestmark = pytest.mark.browser
SLOW = 180_000  # a pack is computed on first opening (the machine running the tests is shared)


def _open_pack(page):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Board pack").click()
    page.wait_for_url("**/reports/pack/**")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Board pack: ")


def _walk(page, assert_accessible, name):
    assert "Small numbers are suppressed" in page.content()
    page.get_by_role("navigation", name="Contents").get_by_role("link", name="Disproportionality").click()
    assert page.url.endswith("#section-disproportionality")
    page.get_by_role("navigation", name="Contents").get_by_role("link", name="Summary").click()
    summary = page.get_by_role("table").first
    assert summary.locator("caption").inner_text().startswith("Summary of the headline measures")
    details = page.locator("details", has_text="The figures behind this chart").first
    details.locator("summary").click()
    assert details.locator("table").is_visible()
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
    assert not [h for h in hrefs if "/children/" in h]
    assert_accessible(page, name)


def test_a_board_member_reads_the_pack(page, signed_in_page, personas, open_work, assert_accessible):
    page.set_default_timeout(SLOW)
    page = signed_in_page("board_member")
    _open_pack(page)
    assert personas.north.name in page.content()
    _walk(page, assert_accessible, "pack-board-member")


def test_a_commissioner_reads_the_pack_for_all_its_programmes_and_for_one(page, signed_in_page, personas, open_work,
                                                                           assert_accessible):
    page.set_default_timeout(SLOW)
    acc.create_programme(by=personas.service_manager, organisation=personas.north, name="Youth Steps",
                         slug="youth-steps", funded_by=[personas.commissioner.commissioner])
    page = signed_in_page("commissioner")
    _open_pack(page)
    assert "(Early Intervention, Youth Steps)" in page.content()
    _walk(page, assert_accessible, "pack-commissioner-all")
    page.get_by_label("Pack for").select_option(label="Early Intervention (Northbridge Youth Justice Service)")
    page.get_by_role("button", name="Show the pack").click()
    page.wait_for_url("**programme=*")
    assert "Northbridge Youth Justice Service (Early Intervention)" in page.content()
    _walk(page, assert_accessible, "pack-commissioner-one")
