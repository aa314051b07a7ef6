"""The case record a worker can read and trust (issue 12), in a real browser with axe on every page.

Each journey is what a person does and what they then read on the page: an assessment
read back in full, its second version and what changed, a session sent twice recorded
once, a referral the rules could not decide waiting for a manager, and a completion below
the programme's requirements waiting for a manager's confirmation.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from divert.casework import actions as cw
from divert.casework.models import Episode
from divert.referrals import actions as ref
from tests.browser.test_pathway_journeys import fill_date, save, sign_out

pytestmark = [pytest.mark.browser, pytest.mark.case_record]

TODAY = dt.date.today()
STARTED = TODAY - dt.timedelta(days=54)


def day(d: dt.date) -> str:
    """A date as the child record shows it (2 Dec 2026)."""
    return f"{d.day} {d:%b %Y}"


def long_day(d: dt.date) -> str:
    """A date as the version pages show it (2 December 2026)."""
    return f"{d.day} {d:%B %Y}"


def open_support(personas, child=None, *, worker=None, planned_sessions: int | None = None) -> Episode:
    """Support accepted and open for a child (team A's Alfie unless told), through the actions."""
    child = child or personas.child_a
    worker = worker or personas.worker_a
    referral = ref.create_referral(by=worker, child=child, programme=personas.programme, source="school",
                                   received_on=STARTED - dt.timedelta(days=6), today=TODAY)
    ref.screen_referral(by=worker, referral=referral, decision="support", decided_on=STARTED - dt.timedelta(days=5),
                        tier=personas.programme.tiers.get(number=2), today=TODAY)
    offer = ref.offer_support(by=worker, referral=referral, offered_on=STARTED - dt.timedelta(days=2), today=TODAY)
    ref.record_consent(by=worker, offer=offer, child_decision="accepted", parent_decision="accepted",
                       decided_on=STARTED, today=TODAY)
    episode = Episode.objects.get(referral=referral)
    if planned_sessions:
        cw.agree_plan(by=worker, episode=episode, agreed_on=STARTED + dt.timedelta(days=2), today=TODAY,
                      goals="Go to school every day.", planned_sessions=planned_sessions)
    return episode


def summary_list(page, heading: str) -> dict[str, str]:
    """The rows of the summary list that follows a heading, as {key: value} in words."""
    rows = page.locator(f"h4:has-text('{heading}') + dl .govuk-summary-list__row, "
                        f"h4:has-text('{heading}') + p + dl .govuk-summary-list__row")
    return {
        rows.nth(i).locator("dt").inner_text().strip(): rows.nth(i).locator("dd").first.inner_text().strip()
        for i in range(rows.count())
    }


def value_of(scope, key: str) -> str:
    """The value of the summary list row whose key is exactly `key`."""
    return scope.locator(f".govuk-summary-list__row:has(> dt:text-is('{key}')) > dd").first.inner_text().strip()


def session_rows(page) -> list[str]:
    """The rows of the sessions table on the child record."""
    rows = page.locator("table.divert-sessions tbody tr")
    return [rows.nth(i).inner_text() for i in range(rows.count())]


ASSESSED = STARTED + dt.timedelta(days=3)
CHILD_VIEW = "I want to stay in school and stop getting into fights at the park."
NEEDS = {"education": "2", "family": "1", "emotional": "3", "substances": "0", "peers": "2", "offending": "1"}


def fill_assessment(page) -> None:
    """Answer every question of the assessment form as a worker would."""
    fill_date(page, "assessed_on", ASSESSED)
    page.fill("#id_child_view", CHILD_VIEW)
    page.fill("#id_strengths", "Loves football and looks after his little sister.")
    for domain, level in NEEDS.items():
        page.select_option(f"#id_need_{domain}", level)
    page.get_by_role("group", name="Risk of exploitation").get_by_label("Low").check()
    page.fill("#id_summary", "Older boys at the park have been asking him to carry things.")
    page.select_option("#id_rating_confidence", "4")
    page.select_option("#id_rating_managing_anger", "3")


def test_worker_records_an_assessment_and_reads_it_back_on_the_childs_record(
        signed_in_page, personas, assert_accessible):
    open_support(personas)
    page = signed_in_page("worker_a")
    page.goto(f"/children/{personas.child_a.pk}/")
    page.get_by_role("link", name="Assessment", exact=True).click()
    # Nothing is chosen for the worker: an unanswered question is an error in the summary.
    assert not page.locator("input[name=exploitation_risk]:checked").count()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("There is a problem").wait_for()
    errors = page.locator(".govuk-error-summary").inner_text()
    assert "Select the risk of exploitation" in errors
    assert "Select the level of need for education and school" in errors
    assert_accessible(page, "assessment-errors")
    fill_assessment(page)
    save(page, assert_accessible, "assessment")

    assert page.url.endswith(f"/children/{personas.child_a.pk}/")
    answers = summary_list(page, f"Assessment, {day(ASSESSED)}")
    assert answers == {
        "Need: Education and school": "Medium",
        "Need: Family and home": "Low",
        "Need: Emotional wellbeing and mental health": "High",
        "Need: Substance use": "None",
        "Need: Friends and exploitation": "Medium",
        "Need: Offending behaviour": "Low",
        "Risk of exploitation": "Low",
        "The child's view, in their own words": CHILD_VIEW,
        "Strengths": "Loves football and looks after his little sister.",
        "Summary": "Older boys at the park have been asking him to carry things.",
    }
    ratings = summary_list(page, "Ratings: Start")
    assert ratings == {"Confidence": f"4 out of 10 ({day(ASSESSED)})",
                       "Managing anger": f"3 out of 10 ({day(ASSESSED)})"}
    # The timeline entry links to the assessment on the same page.
    timeline = page.locator(".divert-timeline")
    timeline.get_by_role("link", name="Assessment").first.click()
    assert page.url.endswith("#" + page.locator("h4", has_text="Assessment,").get_attribute("id"))
    assert_accessible(page, "child-record-assessment")


def test_editing_an_assessment_makes_version_2_and_shows_what_changed(signed_in_page, personas, assert_accessible):
    episode = open_support(personas)
    cw.record_assessment(by=personas.worker_a, episode=episode, assessed_on=ASSESSED, today=TODAY,
                         needs={k: int(v) for k, v in NEEDS.items()}, child_view=CHILD_VIEW,
                         strengths="Loves football.", exploitation_risk="low", summary="")
    page = signed_in_page("team_manager")
    page.goto(f"/children/{personas.child_a.pk}/")
    page.locator(f"#episode-{episode.pk}").get_by_role("link", name="Assessment", exact=True).click()
    # The form opens the version in force, filled in, and says which version it is.
    assert "Version 1, recorded by Worker A on" in page.locator(".govuk-inset-text").inner_text()
    assert page.input_value("#id_child_view") == CHILD_VIEW
    assert page.input_value("#id_need_emotional") == "3"
    assert page.locator("input[name=exploitation_risk][value=low]").is_checked()
    assert_accessible(page, "assessment-version-1-filled-in")
    page.fill("#id_child_view", "I want to go to college to do mechanics.")
    page.select_option("#id_need_emotional", "1")
    save(page, assert_accessible, "assessment-version-2", button="Save as a new version")

    # The record shows the new version, who changed it and when.
    card = page.locator(f"#episode-{episode.pk}")
    assert f"Version 2, changed by Team Manager on {day(TODAY)}." in card.inner_text()
    answers = summary_list(page, f"Assessment, {day(ASSESSED)}")
    assert answers["The child's view, in their own words"] == "I want to go to college to do mechanics."
    assert answers["Need: Emotional wellbeing and mental health"] == "Low"
    assert answers["Need: Education and school"] == "Medium"
    assert_accessible(page, "child-record-version-2")

    # Every version is kept: version 1 is still readable as it was.
    card.get_by_role("link", name="Earlier versions and what changed").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Assessment: versions"
    table = page.locator("table").inner_text()
    assert "Version 2\tTeam Manager" in table and "Current" in table
    assert "Version 1\tWorker A" in table and "Replaced" in table
    assert_accessible(page, "assessment-versions")
    page.get_by_role("link", name="Version 1", exact=True).click()
    assert page.get_by_role("heading", level=1).inner_text() == "Assessment: version 1"
    assert "Replaced on" in page.locator(".govuk-inset-text").inner_text()
    assert "This is the first version." in page.get_by_role("main").inner_text()
    kept = page.locator(".govuk-summary-list").inner_text()
    assert CHILD_VIEW in kept and "High" in kept
    assert_accessible(page, "assessment-version-1")

    # What changed: only the two answers the manager changed, before and after.
    page.get_by_role("link", name="version 2").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Assessment: version 2"
    assert f"Version 2, changed by Team Manager on {long_day(TODAY)}." in page.get_by_role("main").inner_text()
    changed = page.locator("#changes + table tbody tr")
    rows = [changed.nth(i).inner_text().split("\t") for i in range(changed.count())]
    assert rows == [
        ["Need: Emotional wellbeing and mental health", "High", "Low"],
        ["The child's view, in their own words", CHILD_VIEW, "I want to go to college to do mechanics."],
    ]
    assert_accessible(page, "assessment-what-changed")


def test_a_session_sent_twice_is_recorded_once(signed_in_page, personas, assert_accessible):
    episode = open_support(personas)
    page = signed_in_page("worker_a")
    page.goto(f"/children/{personas.child_a.pk}/")

    # Save, then Back to the form (the browser keeps what was typed) and Save again.
    page.get_by_role("link", name="Record a session").click()
    fill_date(page, "date", STARTED + dt.timedelta(days=7))
    page.get_by_label("One-to-one").check()
    page.get_by_label("Attended", exact=True).check()
    page.get_by_label("Consequences of offending").check()
    page.fill("#id_notes", "Talked about the fight at the park.")
    save(page, assert_accessible, "session")
    assert "Session recorded." in page.locator(".govuk-notification-banner").inner_text()
    page.go_back()
    page.get_by_role("heading", name="Record a session").wait_for()
    if not page.get_by_label("One-to-one").is_checked():  # a browser that does not keep the answers
        fill_date(page, "date", STARTED + dt.timedelta(days=7))
        page.get_by_label("One-to-one").check()
        page.get_by_label("Attended", exact=True).check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**/children/{personas.child_a.pk}/")
    banner = page.locator(".govuk-notification-banner").inner_text()
    assert "This was already recorded. It has not been recorded again." in banner
    assert_accessible(page, "session-already-recorded")
    rows = session_rows(page)
    assert len(rows) == 1, rows
    assert "Talked about the fight at the park." in rows[0]
    assert "1 recorded, 1 attended" in page.locator(f"#episode-{episode.pk}").inner_text()

    # A double click on Save records one session too. It sends two posts at once, which the test
    # server's in-memory SQLite (shared by its threads) answers with "table is locked" instead of
    # waiting as a SQLite file or PostgreSQL does: the double click is checked on PostgreSQL.
    if connection.vendor != "postgresql":
        return
    page.get_by_role("link", name="Record a session").click()
    fill_date(page, "date", STARTED + dt.timedelta(days=14))
    page.get_by_label("Group", exact=True).check()
    page.get_by_label("Did not attend").check()
    page.get_by_role("button", name="Save").dblclick()
    page.wait_for_url(f"**/children/{personas.child_a.pk}/")
    page.locator(".govuk-notification-banner").wait_for()
    rows = session_rows(page)
    assert len(rows) == 2, rows
    assert sum("did not attend" in row for row in rows) == 1
    assert_accessible(page, "session-double-click")


def test_blank_area_waits_for_a_managers_decision_then_moves_on(signed_in_page, personas, assert_accessible):
    # The programme works in two wards; Alfie's area was left blank when he was recorded.
    personas.programme.area_codes = ["E05000001", "E05000002"]
    personas.programme.save(update_fields=["area_codes"])
    received = TODAY - dt.timedelta(days=3)
    page = signed_in_page("worker_a")
    page.goto(f"/children/{personas.child_a.pk}/referrals/new/")
    page.get_by_label("School", exact=True).check()
    fill_date(page, "received_on", received)
    page.fill("#id_reason", "Missing lessons and seen with older boys.")
    save(page, assert_accessible, "referral")
    card = page.locator(".govuk-summary-card", has_text=f"{day(received)}: School")
    stage = value_of(card, "Stage")
    assert "needs a decision" in stage
    assert "The child's area is not recorded" in stage
    assert "Not eligible" not in stage
    assert card.get_by_role("link", name="Screen").count() == 0
    assert_accessible(page, "referral-needs-a-decision")
    sign_out(page)

    # On the queue with the reason; the team manager decides, and must say why.
    page = signed_in_page("team_manager")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Allocation queue").click()
    row = page.locator("tr", has_text="Alfie Testchild")
    assert "Needs a decision" in row.inner_text()
    assert "The child's area is not recorded" in row.inner_text()
    assert_accessible(page, "queue-needs-a-decision")
    row.get_by_role("link", name="Decide eligibility for Alfie Testchild").click()
    assert "The rules could not decide: The child's area is not recorded" in page.get_by_role("main").inner_text()
    page.get_by_label("Eligible", exact=True).check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("There is a problem").wait_for()
    assert "Give the reason for the decision" in page.locator(".govuk-error-summary").inner_text()
    assert_accessible(page, "decide-error")
    page.fill("#id_reason", "Lives on the estate on the ward boundary, which we cover.")
    save(page, assert_accessible, "decide")
    # Alfie has a worker already, so the referral leaves the queue for them to screen.
    assert "Eligibility decided." in page.locator(".govuk-notification-banner").inner_text()
    assert page.locator("tr", has_text="Alfie Testchild").count() == 0
    assert_accessible(page, "queue-decided")
    sign_out(page)

    # The referral moves on: the worker can screen it now.
    page = signed_in_page("worker_a")
    page.goto(f"/children/{personas.child_a.pk}/")
    card = page.locator(".govuk-summary-card", has_text=f"{day(received)}: School")
    assert value_of(card, "Stage") == "Received"
    card.get_by_role("link", name="Screen").click()
    page.get_by_label("Light-touch opt-in offer").check()
    fill_date(page, "decided_on", TODAY)
    save(page, assert_accessible, "screen-after-decision")
    card = page.locator(".govuk-summary-card", has_text=f"{day(received)}: School")
    assert "Light-touch opt-in offer" in card.inner_text()


def _close_with_two_of_ten(page, personas, assert_accessible, label: str) -> None:
    """The worker closes support as completed after 2 of 10 planned sessions, giving the reason."""
    page.goto(f"/children/{personas.child_a.pk}/")
    page.get_by_role("link", name="Close", exact=True).click()
    fill_date(page, "end_date", TODAY)
    page.get_by_label("Completed", exact=True).check()
    page.get_by_role("group", name="Did the child successfully complete the programme?").get_by_label("Yes").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("There is a problem").wait_for()
    error = page.locator(".govuk-error-summary").inner_text()
    assert "The child attended 2 of 10 planned sessions" in error
    assert "give the reason" in error
    assert_accessible(page, f"{label}-close-error")
    page.fill("#id_completion_reason", "He met every goal early and is back in full-time school.")
    save(page, assert_accessible, f"{label}-close")


def _attend_two_of_ten(personas) -> Episode:
    personas.programme.completion_min_attended_percent = 60
    personas.programme.save(update_fields=["completion_min_attended_percent"])
    episode = open_support(personas, planned_sessions=10)
    for week in (1, 2):
        cw.record_session(by=personas.worker_a, episode=episode, date=STARTED + dt.timedelta(days=7 * week),
                          today=TODAY, type="one_to_one", attendance="attended")
    return episode


def _closure(page) -> dict[str, str]:
    return summary_list(page, f"Closure, {day(TODAY)}")


def test_closure_below_the_threshold_waits_for_a_manager_who_confirms(signed_in_page, personas, assert_accessible):
    episode = _attend_two_of_ten(personas)
    page = signed_in_page("worker_a")
    _close_with_two_of_ten(page, personas, assert_accessible, "confirmed")
    # Until a manager confirms, it is not successfully completed.
    card = page.locator(f"#episode-{episode.pk}")
    ended = value_of(card, "Ended")
    assert "completed, waiting for a manager to confirm" in ended
    assert "successfully completed" not in ended
    assert _closure(page)["Successfully completed"] == "Waiting for a team or service manager to confirm"
    assert card.get_by_role("link", name="Confirm or not").count() == 0  # a worker cannot confirm
    assert_accessible(page, "closed-waiting")
    sign_out(page)

    page = signed_in_page("team_manager")
    page.goto(f"/children/{personas.child_a.pk}/")
    page.locator(f"#episode-{episode.pk}").get_by_role("link", name="Confirm or not the completion").click()
    assert ("The worker's reason: He met every goal early and is back in full-time school."
            in page.get_by_role("main").inner_text())
    page.get_by_label("Yes, confirm it").check()
    save(page, assert_accessible, "confirm-completion")
    ended = value_of(page.locator(f"#episode-{episode.pk}"), "Ended")
    assert ended == f"{day(TODAY)}: Completed, successfully completed"
    closure = _closure(page)
    assert closure["Successfully completed"] == f"Yes (decided by Team Manager on {day(TODAY)})"
    assert closure["Why completed below the programme's requirements"] == (
        "He met every goal early and is back in full-time school.")
    assert_accessible(page, "closed-confirmed")


def test_closure_below_the_threshold_not_confirmed_is_not_successfully_completed(
        signed_in_page, personas, assert_accessible):
    episode = _attend_two_of_ten(personas)
    page = signed_in_page("worker_a")
    _close_with_two_of_ten(page, personas, assert_accessible, "not-confirmed")
    sign_out(page)

    page = signed_in_page("service_manager")
    page.goto(f"/children/{personas.child_a.pk}/")
    page.locator(f"#episode-{episode.pk}").get_by_role("link", name="Confirm or not the completion").click()
    page.get_by_role("button", name="Save").click()
    page.get_by_text("There is a problem").wait_for()
    assert "Say whether you confirm the completion" in page.locator(".govuk-error-summary").inner_text()
    page.get_by_label("No, record it as not successfully completed").check()
    save(page, assert_accessible, "not-confirmed")
    ended = value_of(page.locator(f"#episode-{episode.pk}"), "Ended")
    assert ended == f"{day(TODAY)}: Completed, not completed"
    assert _closure(page)["Successfully completed"] == f"No (decided by Service Manager on {day(TODAY)})"
    assert page.locator(f"#episode-{episode.pk}").get_by_role("link", name="Confirm or not").count() == 0
    assert_accessible(page, "closed-not-confirmed")
