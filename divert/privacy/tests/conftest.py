"""A small pathway for each retention record type, built through the project's actions."""

from __future__ import annotations

import datetime as dt

import pytest

from divert.casework import actions as cw
from divert.offending.actions import record_offence
from divert.offending.models import Outcome
from divert.people.actions import create_child
from divert.referrals import actions as ref
from divert.victims.models import Victim

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture
def pathway(personas, today):
    """child_a: support closed 30 Apr 2025; child_b: declined the offer (comparison group);
    screened: screened out 4 Mar 2025; police_only_child: one offence and outcome;
    other_org_child (south): screened out like `screened`.

    Every child was born 14 Mar 2010 (18 on 14 Mar 2028).
    """
    p = personas
    w = p.worker_a
    tier = p.programme.tiers.get(number=2)

    # Closed support, with narrative in every free-text field (including an HTML payload).
    offence = record_offence(by=w, child=p.child_a, committed_on=dt.date(2025, 2, 1), today=today,
                             description="Criminal damage", police_reference="PR-123")
    Outcome.objects.create(child=p.child_a, offence=offence, disposal="community_resolution",
                           ho_outcome_type=8, outcome_date=dt.date(2025, 2, 20))
    Victim.objects.create(offence=offence, consented_to_contact=True, views="Victim Vera's own words")
    r = ref.create_referral(by=w, child=p.child_a, programme=p.programme, source="police_cr",
                            received_on=dt.date(2025, 3, 3), today=today, reason=f"Referral reason {XSS}",
                            offences=[offence])
    ref.screen_referral(by=w, referral=r, decision="support", tier=tier, decided_on=dt.date(2025, 3, 4),
                        today=today, notes="Screening notes", concerns=["school_absence"])
    offer = ref.offer_support(by=w, referral=r, offered_on=dt.date(2025, 3, 5), today=today)
    ref.record_consent(by=w, offer=offer, child_decision="accepted", parent_decision="accepted",
                       decided_on=dt.date(2025, 3, 6), today=today)
    r.refresh_from_db()
    episode = r.episode
    cw.record_assessment(by=w, episode=episode, assessed_on=dt.date(2025, 3, 7), today=today,
                         child_view=f"In my words: {XSS}", strengths="Football", summary="Summary text",
                         needs={"peers": 3})
    plan = cw.agree_plan(by=w, episode=episode, agreed_on=dt.date(2025, 3, 8), today=today,
                         goals="Stay in school")
    cw.review_plan(by=w, plan=plan, reviewed_on=dt.date(2025, 4, 1), today=today, notes="Going well")
    cw.record_session(by=w, episode=episode, date=dt.date(2025, 3, 10), today=today, type="one_to_one",
                      attendance="attended", notes="Session notes", topics=["emotions"])
    cw.make_onward_referral(by=w, episode=episode, service="camhs", referred_on=dt.date(2025, 3, 11),
                            today=today)
    cw.record_scores(by=w, episode=episode, instrument=cw.self_ratings_instrument(), timepoint="start",
                     taken_on=dt.date(2025, 3, 10), today=today,
                     scores={cw.self_ratings_instrument().items[0]["code"]: 4, "managing_anger": 6})
    cw.close_episode(by=w, episode=episode, end_date=dt.date(2025, 4, 30), today=today, reason="completed",
                     successfully_completed=True, exit_plan="Exit plan text")

    # Comparison group: offered and declined.
    rb = ref.create_referral(by=p.worker_b, child=p.child_b, programme=p.programme, source="school",
                             received_on=dt.date(2025, 3, 3), today=today, reason="Worried about Bella")
    ref.screen_referral(by=p.worker_b, referral=rb, decision="opt_in", decided_on=dt.date(2025, 3, 4),
                        today=today)
    offer_b = ref.offer_support(by=p.worker_b, referral=rb, offered_on=dt.date(2025, 3, 5), today=today)
    ref.record_consent(by=p.worker_b, offer=offer_b, child_decision="declined", parent_decision="declined",
                       decided_on=dt.date(2025, 3, 6), today=today, reason="Not interested")

    # Screened out, in each organisation.
    def screened_out(child, programme, by):
        referral = ref.create_referral(by=by, child=child, programme=programme, source="school",
                                       received_on=dt.date(2025, 3, 3), today=today)
        ref.screen_referral(by=by, referral=referral, decision="screened_out", agency="early_help",
                            decided_on=dt.date(2025, 3, 4), today=today)
        return referral

    screened = create_child(by=w, organisation=p.north, today=today, team=p.team_a, worker=w,
                            first_name="Sid", last_name="Screened", date_of_birth=dt.date(2010, 3, 14),
                            sex="male", ethnicity="WBRI", local_id="N-0009")
    screened_out(screened, p.programme, w)
    screened_out(p.other_org_child, p.other_org_child.team.programmes.get(), p.other_org_worker)

    # Known only from police data.
    police_offence = record_offence(by=None, child=p.police_only_child, committed_on=dt.date(2025, 1, 10),
                                    today=today, description="Theft")
    Outcome.objects.create(child=p.police_only_child, offence=police_offence, disposal="community_resolution",
                           ho_outcome_type=8, outcome_date=dt.date(2025, 1, 20))
    return {"episode": episode, "referral": r, "screened": screened, "offence": offence}
