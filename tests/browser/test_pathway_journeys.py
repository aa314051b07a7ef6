"""The pathway journeys a new user would take, in a real browser, checking every page with axe."""

from __future__ import annotations

import datetime as dt

import pytest

from divert.core.dates import add_months

pytestmark = [pytest.mark.browser, pytest.mark.case_record]

TODAY = dt.date.today()


def fill_date(page, field: str, day: dt.date) -> None:
    """Type a date into a GOV.UK date input (day, month, year boxes)."""
    page.fill(f"#id_{field}_0", str(day.day))
    page.fill(f"#id_{field}_1", str(day.month))
    page.fill(f"#id_{field}_2", str(day.year))


def save(page, assert_accessible, name: str, button: str = "Save") -> None:
    """Check the form page, submit it, and expect the success banner."""
    assert_accessible(page, name)
    page.get_by_role("button", name=button).click()
    page.get_by_text("Success").first.wait_for()


def sign_out(page) -> None:
    """Sign out through the header button."""
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")


def test_police_referral_to_successful_closure(signed_in_page, personas, assert_accessible):
    received, offered = TODAY - dt.timedelta(days=40), TODAY - dt.timedelta(days=36)
    page = signed_in_page("worker_a")
    # Search first; the child is new, so record them.
    page.get_by_role("button", name="Record a referral").click()
    assert_accessible(page, "find-child")
    page.fill("#id_name", "Jayden Mercer")
    page.get_by_role("button", name="Search").click()
    page.get_by_text("0 possible matches").wait_for()
    assert_accessible(page, "find-child-results")
    page.get_by_role("link", name="record a new child").click()
    page.fill("#id_first_name", "Jayden")
    page.fill("#id_last_name", "Mercer")
    fill_date(page, "date_of_birth", dt.date(TODAY.year - 15, 2, 11))
    page.get_by_label("Male", exact=True).check()
    page.select_option("#id_ethnicity", "MWBC")
    assert_accessible(page, "new-child")
    page.get_by_role("button", name="Save and continue").click()
    page.get_by_text("Record a referral", exact=False).first.wait_for()
    page.get_by_label("Police: Community Resolution").check()
    fill_date(page, "received_on", received)
    page.fill("#id_reason", "Criminal damage to a bus shelter with two friends.")
    save(page, assert_accessible, "new-referral")
    child_url = page.url
    sign_out(page)

    # The team manager allocates the child from the queue.
    page = signed_in_page("team_manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Allocation queue").click()
    assert_accessible(page, "queue")
    page.get_by_role("link", name="Allocate Jayden Mercer").click()
    page.select_option("#id_worker", label="Worker A")
    save(page, assert_accessible, "allocate")
    sign_out(page)

    # The worker screens, offers, records consent, assesses, plans, meets and closes.
    page = signed_in_page("worker_a")
    page.get_by_role("main").get_by_role("link", name="Jayden Mercer").first.click()
    assert_accessible(page, "child-record-new")
    page.get_by_role("link", name="Screen").click()
    page.get_by_label("Persistent school absence").check()
    page.get_by_label("Prevention worker support").check()
    page.select_option("#id_tier", label="Tier 2: Standard")
    fill_date(page, "decided_on", received + dt.timedelta(days=2))
    save(page, assert_accessible, "screening")
    page.get_by_role("link", name="Offer support").click()
    fill_date(page, "offered_on", offered)
    save(page, assert_accessible, "offer")
    page.get_by_role("link", name="Record the child's answer").click()
    page.get_by_label("Accepted").first.check()
    page.locator("#id_parent_decision_0").check()
    fill_date(page, "decided_on", offered + dt.timedelta(days=1))
    save(page, assert_accessible, "consent")
    page.get_by_role("link", name="Assessment").click()
    fill_date(page, "assessed_on", offered + dt.timedelta(days=3))
    page.fill("#id_child_view", "I just want to get my GCSEs and not get in trouble again.")
    page.select_option("#id_need_education", "2")
    for domain in ("family", "emotional", "substances", "peers", "offending"):
        page.select_option(f"#id_need_{domain}", "0")
    page.locator("#id_exploitation_risk_0").check()
    page.select_option("#id_rating_confidence", "4")
    save(page, assert_accessible, "assessment")
    page.get_by_role("link", name="Plan", exact=True).click()
    fill_date(page, "agreed_on", offered + dt.timedelta(days=4))
    page.fill("#id_goals", "Go to school every day. Try the boxing club on Thursdays.")
    save(page, assert_accessible, "plan")
    for week in range(3):
        page.get_by_role("link", name="Record a session").click()
        fill_date(page, "date", offered + dt.timedelta(days=7 + 7 * week))
        page.get_by_label("One-to-one").check()
        page.get_by_label("Attended", exact=True).check()
        page.get_by_label("Consequences of offending").check()
        save(page, assert_accessible, f"session-{week + 1}")
    page.get_by_role("link", name="Close", exact=True).click()
    fill_date(page, "end_date", TODAY)
    page.get_by_label("Completed", exact=True).check()
    page.get_by_label("Yes").check()
    page.select_option("#id_rating_confidence", "7")
    save(page, assert_accessible, "close")
    page.get_by_role("heading", name="Follow-up checks").wait_for()
    table = page.locator("table", has_text="Counted from").inner_text()
    assert add_months(offered, 3).strftime("%-d %b %Y") in table
    assert add_months(TODAY, 3).strftime("%-d %b %Y") in table
    assert_accessible(page, "child-record-closed")
    assert page.url == child_url


def _new_referral_for(page, child, assert_accessible, label: str) -> None:
    page.goto(f"/children/{child.pk}/referrals/new/")
    page.get_by_label("School", exact=True).check()
    fill_date(page, "received_on", TODAY - dt.timedelta(days=10))
    save(page, assert_accessible, label)


def test_referral_screened_out_to_social_care(signed_in_page, personas, assert_accessible):
    page = signed_in_page("worker_a")
    _new_referral_for(page, personas.child_a, assert_accessible, "referral")
    page.get_by_role("link", name="Screen").click()
    page.get_by_label("Screened out to another agency").check()
    page.select_option("#id_agency", "social_care")
    fill_date(page, "decided_on", TODAY - dt.timedelta(days=9))
    save(page, assert_accessible, "screen-out")
    main = page.get_by_role("main").inner_text()
    assert "Screened out to another agency: Children's social care" in main
    assert page.get_by_role("link", name="Offer support").count() == 0


def test_offer_declined_child_is_in_the_comparison_group(signed_in_page, personas, assert_accessible):
    page = signed_in_page("worker_a")
    _new_referral_for(page, personas.child_a, assert_accessible, "referral")
    page.get_by_role("link", name="Screen").click()
    page.get_by_label("Light-touch opt-in offer").check()
    fill_date(page, "decided_on", TODAY - dt.timedelta(days=9))
    save(page, assert_accessible, "screen-opt-in")
    page.get_by_role("link", name="Offer support").click()
    fill_date(page, "offered_on", TODAY - dt.timedelta(days=8))
    save(page, assert_accessible, "offer")
    page.get_by_role("link", name="Record the child's answer").click()
    page.locator("#id_child_decision_1").check()
    if page.locator("#id_parent_decision_1").count():  # asked only for younger children
        page.locator("#id_parent_decision_1").check()
    fill_date(page, "decided_on", TODAY - dt.timedelta(days=7))
    page.get_by_role("button", name="Save").click()
    page.get_by_text("There is a problem").wait_for()
    assert_accessible(page, "consent-error")
    page.fill("#id_reason", "Does not want to miss football practice")
    save(page, assert_accessible, "consent-declined")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Follow-up").click()
    page.get_by_role("link", name="Comparison group").click()
    assert_accessible(page, "follow-up-comparison")
    row = page.locator("tr", has_text="Alfie Testchild")
    assert "Comparison group" in row.inner_text()


def test_manager_reallocates_and_the_old_worker_loses_access(signed_in_page, personas, assert_accessible, page):
    manager = signed_in_page("team_manager")
    manager.goto(f"/children/{personas.child_a.pk}/")
    manager.get_by_role("link", name="Allocate or transfer").click()
    # The page lists one team's workers at a time: show Team B's, then choose and say why.
    manager.get_by_role("link", name="Show the workers in Team B").click()
    assert manager.locator("#id_team").input_value() == str(personas.team_b.pk)
    manager.select_option("#id_worker", label="Worker B")
    manager.fill("#id_reason", "Worker A knows the family.")
    save(manager, assert_accessible, "reallocate")
    sign_out(manager)
    worker = signed_in_page("worker_a")
    response = worker.goto(f"/children/{personas.child_a.pk}/")
    assert response.status == 404
    assert_accessible(worker, "old-worker-404")
    sign_out(worker)
    worker_b = signed_in_page("worker_b")
    assert worker_b.goto(f"/children/{personas.child_a.pk}/").status == 200
