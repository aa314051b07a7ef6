"""The measures page in a real browser, for a service manager and for a board member (suppressed)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("persona", ["service_manager", "board_member", "commissioner"])
def test_measures_page_is_accessible(signed_in_page, personas, open_work, assert_accessible, persona):
    page = signed_in_page(persona)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Measures").click()
    page.wait_for_url("**/kpis/**")
    assert page.get_by_role("heading", level=1).is_visible()
    assert_accessible(page, f"measures-{persona}")
    if persona != "service_manager":
        hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.getAttribute('href'))")
        assert not [h for h in hrefs if "/children/" in h]
