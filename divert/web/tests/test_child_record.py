"""The child's story on one page: every item in full, words not codes, links from the
timeline, and a number of queries that does not grow with the length of the history."""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from divert.audit.actions import void_record
from divert.casework import actions as cw
from divert.casework.actions import self_ratings_instrument
from divert.referrals import actions as ref

TODAY = dt.date(2025, 6, 30)
NOW = timezone.make_aware(dt.datetime(2025, 6, 30, 12, 0))
LONG_NOTE = "We talked about the bus shelter and what he would do differently next time. " * 5


@pytest.fixture(autouse=True)
def frozen_today():
    with time_machine.travel(dt.datetime(2025, 6, 30, 12, 0), tick=False):
        yield


def _story(personas, *, sessions: int, reviews: int = 1, onward: int = 1):
    """child_a from referral to closure with `sessions` sessions."""
    w = personas.worker_a
    r = ref.create_referral(by=w, child=personas.child_a, programme=personas.programme, source="police_cr",
                            received_on=dt.date(2025, 1, 6), today=TODAY, reason="Criminal damage to a bus shelter")
    ref.screen_referral(by=w, referral=r, decision="support", tier=personas.programme.tiers.get(number=2),
                        decided_on=dt.date(2025, 1, 7), today=TODAY, concerns=["school_absence", "exploitation"],
                        notes="School says he has missed most Mondays")
    offer = ref.offer_support(by=w, referral=r, offered_on=dt.date(2025, 1, 8), today=TODAY)
    ref.record_consent(by=w, offer=offer, child_decision="accepted", parent_decision="accepted",
                       decided_on=dt.date(2025, 1, 9), today=TODAY)
    r.refresh_from_db()
    episode = r.episode
    cw.record_assessment(by=w, episode=episode, assessed_on=dt.date(2025, 1, 10), today=TODAY,
                         needs={"education": 2, "peers": 3}, child_view="I get bored after school",
                         strengths="Loves boxing", exploitation_risk="medium", summary="Bored, not hostile")
    cw.record_scores(by=w, episode=episode, instrument=self_ratings_instrument(), timepoint="start",
                     taken_on=dt.date(2025, 1, 10), today=TODAY, scores={"managing_anger": 4, "confidence": 6})
    plan = cw.agree_plan(by=w, episode=episode, agreed_on=dt.date(2025, 1, 11), today=TODAY,
                         goals="Join the boxing club", planned_sessions=10)
    for i in range(reviews):
        cw.review_plan(by=w, plan=plan, reviewed_on=dt.date(2025, 2, 1) + dt.timedelta(days=i), today=TODAY,
                       notes=f"Review {i}: going well")
    for i in range(sessions):
        cw.record_session(by=w, episode=episode, date=dt.date(2025, 1, 13) + dt.timedelta(days=i % 100),
                          today=TODAY, type="one_to_one", attendance="attended", duration_minutes=45,
                          place="youth_centre", topics=["emotions", "peers"], notes=LONG_NOTE)
    for _ in range(onward):
        cw.make_onward_referral(by=w, episode=episode, service="camhs", referred_on=dt.date(2025, 2, 3), today=TODAY)
    cw.close_episode(by=w, episode=episode, end_date=dt.date(2025, 6, 1), today=TODAY, reason="completed",
                     successfully_completed=True, exit_plan="Carries on at the boxing club")
    return episode


def _page(client, personas):
    client.force_login(personas.worker_a)
    response = client.get(f"/children/{personas.child_a.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_child_record_shows_every_item_in_full_and_in_words(client, personas):
    _story(personas, sessions=2)
    page = _page(client, personas)
    for text in [
        "Criminal damage to a bus shelter",  # referral reason (decrypted)
        "Persistent school absence", "Risk of criminal exploitation",  # screening concerns in words
        "School says he has missed most Mondays",  # screening notes
        "The child's answer", "Parent or carer's answer",  # consent of both
        "Education and school", "High",  # assessment domains and levels
        "I get bored after school", "Loves boxing", "Bored, not hostile",
        "Managing anger", "4 out of 10",  # ratings with the instrument's words
        "Join the boxing club", "Review 0: going well",  # plan and its review
        "Youth centre", "45 minutes", "Emotional regulation and anger",  # sessions
        "We talked about the bus shelter",  # long notes fold but are there
        "CAMHS", "Referral made",  # onward referral and status
        "Carries on at the boxing club",  # exit plan
    ]:
        assert text in page, text
    for code in ["managing_anger", "school_absence", "youth_centre", "emotions"]:
        assert code not in re.sub(r'(href|id|name|value|class)="[^"]*"', "", page), code
    assert '<details class="govuk-details' in page


def test_every_timeline_entry_links_to_its_item_on_the_page(client, personas):
    _story(personas, sessions=3)
    page = _page(client, personas)
    timeline = page[page.index("divert-timeline"):]
    links = re.findall(r'href="#([a-z]+-\d+)"', timeline)
    assert len(links) >= 10
    entries = timeline.count("divert-timeline__item")
    assert len(links) == entries
    for anchor in links:
        assert f'id="{anchor}"' in page, anchor


def test_print_stylesheet_is_linked(client, personas):
    page = _page(client, personas)
    assert 'media="print"' in page and "divert/css/print.css" in page


def _queries(client, personas):
    client.force_login(personas.worker_a)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(f"/children/{personas.child_a.pk}/").status_code == 200
    return len(queries)


def test_child_record_queries_do_not_grow_with_the_history(client, personas):
    episode = _story(personas, sessions=3, reviews=1, onward=1)
    short = _queries(client, personas)
    w = personas.worker_a
    # Reopen to add more of everything to the same child, then compare.
    cw.reopen_episode(by=w, episode=episode, reason="Came back")
    for i in range(27):
        cw.record_session(by=w, episode=episode, date=dt.date(2025, 6, 2) + dt.timedelta(days=i % 20),
                          today=TODAY, type="family", attendance="dna")
        cw.make_onward_referral(by=w, episode=episode, service="mentoring", referred_on=dt.date(2025, 6, 2),
                                today=TODAY)
    for i in range(12):
        cw.record_contact(by=w, child=personas.child_a, now=NOW, type="phone", with_whom="parent_carer",
                          contacted_at=NOW - dt.timedelta(days=i + 1), summary=f"Contact {i}", duration_minutes=10,
                          others_present="His aunt" if i % 2 else "", episode=episode)
    void_record(by=w, record=episode.sessions.first(), reason="Recorded on the wrong child")
    for i in range(9):
        cw.record_assessment(by=w, episode=episode, assessed_on=dt.date(2025, 6, 3), today=TODAY,
                             needs={"family": i % 4}, child_view=f"Version {i + 2}")
        plan = cw.agree_plan(by=w, episode=episode, agreed_on=dt.date(2025, 6, 3), today=TODAY,
                             goals=f"Goals, version {i + 2}", planned_sessions=12)
        cw.review_plan(by=w, plan=plan, reviewed_on=dt.date(2025, 6, 4), today=TODAY, notes="Again")
    assert _queries(client, personas) == short
    page = _page(client, personas)
    assert "Goals, version 10" in page and "Version 10, changed by" in page
    assert "Goals, version 9" not in page  # earlier versions are on the versions pages
    assert page.count('id="review-') == 10  # reviews of every version stay with the plan


def test_an_item_recorded_in_error_stays_on_the_timeline_marked_but_leaves_the_record(client, personas):
    episode = _story(personas, sessions=2)
    session = episode.sessions.order_by("date").first()
    void_record(by=personas.worker_a, record=session, reason="Recorded on the wrong child")
    page = _page(client, personas)
    record, timeline = page[:page.index("divert-timeline")], page[page.index("divert-timeline"):]
    assert f'id="session-{session.pk}"' not in record
    assert record.count('id="session-') == 1
    assert timeline.count("divert-timeline__item--void") == 1
    assert f'href="#session-{session.pk}"' not in timeline
    assert timeline.count("Session (One-to-one)") == 2
