"""The lawful basis for following up declined and withdrawn children (comparison group)."""

import datetime as dt

import pytest
import time_machine

from divert.referrals import actions as ref

DAY = dt.date(2025, 3, 3)


def _offer(personas, today):
    w = personas.worker_a
    r = ref.create_referral(by=w, child=personas.child_a, programme=personas.programme, source="school",
                            received_on=DAY, today=today)
    ref.screen_referral(by=w, referral=r, decision="support", tier=personas.programme.tiers.get(number=1),
                        decided_on=DAY, today=today)
    return ref.offer_support(by=w, referral=r, offered_on=DAY, today=today)


def test_decline_copies_the_programmes_basis_in_force(personas, today):
    personas.programme.comparison_lawful_basis = "Public task: our local basis v1"
    personas.programme.save()
    offer = _offer(personas, today)
    ref.record_consent(by=personas.worker_a, offer=offer, child_decision="declined", parent_decision="declined",
                       decided_on=DAY, today=today, reason="Busy with football")
    personas.programme.comparison_lawful_basis = "Public task: our local basis v2"
    personas.programme.save()
    offer.refresh_from_db()
    assert offer.lawful_basis == "Public task: our local basis v1"


def test_programme_without_a_basis_uses_the_crime_and_disorder_act(personas, today):
    personas.programme.comparison_lawful_basis = ""
    personas.programme.save()
    offer = _offer(personas, today)
    ref.record_consent(by=personas.worker_a, offer=offer, child_decision="no_response", parent_decision="no_response",
                       decided_on=DAY, today=today)
    offer.refresh_from_db()
    assert "Crime and Disorder Act 1998" in offer.lawful_basis


def test_accepting_records_no_comparison_basis_but_withdrawing_does(personas, today):
    offer = _offer(personas, today)
    ref.record_consent(by=personas.worker_a, offer=offer, child_decision="accepted", parent_decision="accepted",
                       decided_on=DAY, today=today)
    offer.refresh_from_db()
    assert offer.lawful_basis == ""
    ref.withdraw_consent(by=personas.worker_a, episode=offer.referral.episode, withdrawn_on=dt.date(2025, 4, 1),
                        today=today, reason="Moved school")
    offer.refresh_from_db()
    assert offer.lawful_basis == personas.programme.comparison_lawful_basis


@pytest.mark.django_db
def test_basis_is_shown_on_the_follow_up_list_and_the_record(client, personas, today):
    offer = _offer(personas, today)
    ref.record_consent(by=personas.worker_a, offer=offer, child_decision="declined", parent_decision="declined",
                       decided_on=DAY, today=today, reason="Not interested")
    client.force_login(personas.worker_a)
    with time_machine.travel(dt.datetime(2025, 6, 30, 12, 0), tick=False):
        follow_up = client.get("/follow-up/").content.decode()
        record = client.get(f"/children/{personas.child_a.pk}/").content.decode()
    assert "Crime and Disorder Act 1998" in follow_up
    assert "Lawful basis for follow-up" in record and "Crime and Disorder Act 1998" in record
