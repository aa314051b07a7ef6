"""Allocation that stays true: the queue holds only what waits; allocation stays in the team."""

import datetime as dt

import pytest

from divert.accounts import actions as acc
from divert.accounts.models import Role
from divert.casework.actions import close_episode
from divert.core.errors import DomainError
from divert.people.actions import allocate_child, create_child
from divert.people.models import Allocation
from divert.referrals import actions as ref
from divert.referrals.models import Referral

D = dt.date
TODAY = D(2025, 6, 30)


def _unallocated(personas, first="Queued"):
    return create_child(by=None, organisation=personas.north, today=TODAY, first_name=first, last_name="Child",
                        date_of_birth=D(2011, 5, 5))


def test_queue_holds_only_waiting_referrals_oldest_first_with_age_and_flags(client, personas, open_work):
    waiting = _unallocated(personas)
    old = ref.create_referral(by=personas.worker_a, child=waiting, programme=personas.programme, source="school",
                              received_on=D(2025, 6, 2), today=TODAY)
    # child_a has a worker and support: their referral is not waiting. A closed one neither.
    close_episode(by=personas.worker_a, episode=open_work["episode"], end_date=D(2025, 6, 1), today=TODAY,
                  reason="completed", successfully_completed=True)
    personas.child_a.worker = None
    personas.child_a.save(update_fields=["worker"])
    assert list(Referral.objects.on_queue()) == [old]
    client.force_login(personas.team_manager)
    page = client.get("/queue/").content.decode()
    assert "Queued Child" in page and "Alfie" not in page
    row = client.get("/queue/").context["rows"][0]
    assert row["age_days"] == (dt.date.today() - D(2025, 6, 2)).days
    assert row["allocation_overdue"] and row["screening_overdue"]


def test_old_received_referral_superseded_by_later_support_is_not_waiting(personas, open_work):
    child = personas.child_a
    stale = Referral.objects.create(child=child, programme=personas.programme, source="school",
                                    received_on=D(2023, 12, 1), eligibility="eligible", stage="received")
    child.worker = None
    child.save(update_fields=["worker"])
    assert not Referral.objects.on_queue().filter(pk=stale.pk).exists()


def test_allocation_lists_only_the_chosen_teams_workers(client, personas):
    child = _unallocated(personas)
    client.force_login(personas.service_manager)
    page = client.get(f"/children/{child.pk}/allocate/?team={personas.team_a.pk}").content.decode()
    assert "Worker A" in page and "Worker B" not in page
    page = client.get(f"/children/{child.pk}/allocate/?team={personas.team_b.pk}").content.decode()
    assert "Worker B" in page and "Worker A" not in page
    with pytest.raises(DomainError, match="worker in the team"):
        allocate_child(by=personas.service_manager, child=child, team=personas.team_a, worker=personas.worker_b)


def test_reallocation_and_transfer_need_a_reason_and_show_new_to_you(client, personas, open_work):
    child = personas.child_a
    client.force_login(personas.team_manager)
    page = client.post(f"/children/{child.pk}/allocate/", {"team": personas.team_b.pk,
                                                           "worker": personas.worker_b.pk}).content.decode()
    assert "Give the reason for the transfer" in page
    assert client.post(f"/children/{child.pk}/allocate/", {
        "team": personas.team_b.pk, "worker": personas.worker_b.pk, "reason": "Moved to Team B's area",
    }).status_code == 302
    allocation = Allocation.objects.get(child=child)
    assert (allocation.kind, allocation.from_worker, allocation.reason) == (
        "transferred", personas.worker_a, "Moved to Team B's area")
    client.force_login(personas.worker_b)
    assert "New to you" in client.get("/my-work/").content.decode()
    client.get(f"/children/{child.pk}/")
    assert "New to you" not in client.get("/my-work/").content.decode()


def test_reallocation_within_the_team_needs_a_reason(personas):
    other = acc.create_user(by=None, username="worker_c", password="x" * 20, roles=[Role.CASE_WORKER],
                            organisation=personas.north, teams=[personas.team_a])
    with pytest.raises(DomainError, match="reason for the reallocation"):
        allocate_child(by=personas.team_manager, child=personas.child_a, team=personas.team_a, worker=other)
    allocate_child(by=personas.team_manager, child=personas.child_a, team=personas.team_a, worker=other,
                   reason="Caseload balance")
    assert Allocation.objects.get().kind == "reallocated"


def test_programme_setting_lets_the_recorder_take_the_child(personas):
    child = _unallocated(personas)
    child.team = personas.team_a
    child.save(update_fields=["team"])
    ref.create_referral(by=personas.worker_a, child=child, programme=personas.programme, source="school",
                        received_on=D(2025, 6, 2), today=TODAY)
    child.refresh_from_db()
    assert child.worker is None
    personas.programme.recorder_takes_child = True
    personas.programme.save(update_fields=["recorder_takes_child"])
    other = _unallocated(personas, first="Other")
    other.team = personas.team_a
    other.save(update_fields=["team"])
    referral = ref.create_referral(by=personas.worker_a, child=other, programme=personas.programme,
                                   source="school", received_on=D(2025, 6, 2), today=TODAY)
    other.refresh_from_db()
    assert other.worker == personas.worker_a
    assert not Referral.objects.on_queue().filter(pk=referral.pk).exists()
