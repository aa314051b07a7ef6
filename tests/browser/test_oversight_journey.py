"""A manager records oversight and audits a case; the worker sees the audit's action on My work.
In a real browser, with axe on every page visited."""

from __future__ import annotations

import datetime as dt

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.case_record]

TODAY = dt.date.today()
DOMAINS = ("Assessment quality", "Planning", "Child's voice", "Working with the family", "Management oversight")


def fill_date(page, field: str, day: dt.date) -> None:
    """Type a date into a GOV.UK date input (day, month, year boxes)."""
    page.fill(f"#id_{field}_0", str(day.day))
    page.fill(f"#id_{field}_1", str(day.month))
    page.fill(f"#id_{field}_2", str(day.year))


def sign_out(page) -> None:
    """Sign out through the header button."""
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")


def test_manager_audits_a_case_and_the_worker_sees_the_action(signed_in_page, personas, open_work,
                                                                assert_accessible):
    child = personas.child_a.full_name
    due = TODAY + dt.timedelta(days=14)
    page = signed_in_page("team_manager")
    page.goto(f"/children/{personas.child_a.pk}/")
    assert_accessible(page, "child-record")

    # Oversight: what was decided and why.
    page.get_by_role("button", name="Record management oversight").click()
    assert_accessible(page, "oversight-form")
    fill_date(page, "decided_on", TODAY)
    page.fill("#id_decision", "Keep support open for six more weeks.")
    page.fill("#id_reasons", "School attendance is improving; the plan has not been reviewed yet.")
    page.get_by_role("button", name="Save").click()
    page.get_by_text("Management oversight recorded.").wait_for()
    page.get_by_text("Keep support open for six more weeks.").wait_for()
    assert_accessible(page, "child-record-with-oversight")

    # Choose the case for audit by hand, start and grade it, with an action for the worker.
    page.get_by_role("link", name="Choose for case audit").click()
    assert_accessible(page, "choose-case")
    page.get_by_role("button", name="Choose for audit").click()
    page.get_by_text("Case chosen for audit.").wait_for()
    assert_accessible(page, "case-audit-to-audit")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Case audits").click()
    page.get_by_role("cell", name="To audit").wait_for()
    assert_accessible(page, "case-audits")
    page.get_by_role("link", name=f"Audit the case of {child}").click()
    page.get_by_role("button", name="Start the audit").click()
    page.get_by_role("heading", name="Grades").wait_for()
    # Nothing is chosen for the manager: saving now lists every domain in the error summary.
    page.get_by_role("button", name="Save the audit").click()
    summary = page.locator(".govuk-error-summary")
    summary.wait_for()
    assert "Select a grade for assessment quality" in summary.inner_text()
    assert_accessible(page, "audit-form-errors")
    for domain in DOMAINS:
        grade = "Requires improvement" if domain == "Child's voice" else "Good"
        page.get_by_role("group", name=domain).get_by_label(grade, exact=True).check()
    page.fill("#id_strengths", "A steady, trusting relationship with the child.")
    page.fill("#id_themes", "Child's voice missing")
    page.fill("#id_action_1_text", "Add the child's own words to the plan.")
    page.select_option("#id_action_1_worker", label="Worker A")
    fill_date(page, "action_1_due_on", due)
    assert_accessible(page, "audit-form")
    page.get_by_role("button", name="Save the audit").click()
    page.get_by_text("Audit recorded.").wait_for()
    card = page.locator(".govuk-summary-card", has_text="case audit")
    assert "Requires improvement" in card.inner_text()
    assert "Add the child's own words to the plan." in card.inner_text()
    assert_accessible(page, "child-record-with-audit")
    sign_out(page)

    # The worker sees the action, with its due date, on My work.
    page = signed_in_page("worker_a")
    page.get_by_role("heading", name="Case audits").wait_for()
    table = page.locator("table", has_text="Actions from case audits").inner_text()
    assert "Add the child's own words to the plan." in table
    assert due.strftime("%-d %b %Y") in table
    assert "Overdue" not in table
    assert_accessible(page, "my-work")
    page.locator("table", has_text="Actions from case audits").get_by_role("link", name="Mark done").click()
    assert_accessible(page, "mark-done")
    page.get_by_role("button", name="Mark as done").click()
    page.get_by_text("Action marked done.").wait_for()
    page.get_by_text("No actions from case audits are open.").wait_for()
    assert_accessible(page, "my-work-done")
