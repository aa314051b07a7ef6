"""Regression tests for the findings of the security and pathway review."""

import datetime as dt

import pytest

from divert.audit.actions import void_record
from divert.audit.models import AuditEvent
from divert.casework import actions as cw
from divert.core.errors import DomainError
from divert.people.actions import allocate_child, create_child, merge_children, record_status
from divert.people.models import Accommodation, Child
from divert.referrals import actions as ref

D = dt.date
TODAY = D(2025, 6, 30)


def test_close_reopen_close_as_completed_again(personas, open_work):
    episode = open_work["episode"]
    cw.close_episode(by=personas.worker_a, episode=episode, end_date=D(2025, 5, 1), today=TODAY,
                     reason="completed", successfully_completed=True)
    cw.reopen_episode(by=personas.team_manager, episode=episode, reason="Closed too early")
    cw.close_episode(by=personas.worker_a, episode=episode, end_date=D(2025, 6, 1), today=TODAY,
                     reason="completed", successfully_completed=True)
    current = episode.referral.checkpoints.current().filter(anchor="closure")
    assert sorted(c.anchor_date for c in current) == [D(2025, 6, 1)] * 4


def test_reopen_refuses_after_withdrawal(personas, open_work):
    episode = ref.withdraw_consent(by=personas.worker_a, episode=open_work["episode"], withdrawn_on=D(2025, 4, 1),
                                  today=TODAY, reason="Moved school")
    with pytest.raises(DomainError, match="withdrew"):
        cw.reopen_episode(by=personas.team_manager, episode=episode, reason="Try again")


def test_screening_twice_is_a_clear_error(personas, open_work):
    with pytest.raises(DomainError):
        ref.screen_referral(by=personas.worker_a, referral=open_work["referral"], decision="opt_in",
                            decided_on=D(2025, 3, 4), today=TODAY)


def test_referral_double_submit_is_refused(personas):
    kwargs = dict(by=personas.worker_a, child=personas.child_a, programme=personas.programme, source="school",
                  received_on=D(2025, 6, 1), today=TODAY)
    ref.create_referral(**kwargs)
    with pytest.raises(DomainError, match="already been recorded"):
        ref.create_referral(**kwargs)


def test_status_records_never_overlap(personas):
    child = personas.child_a
    record_status(by=personas.worker_a, child=child, status="accommodation", start_date=D(2025, 6, 10),
                  today=TODAY, type="parents", suitability="suitable")
    with pytest.raises(DomainError, match="already recorded"):
        record_status(by=personas.worker_a, child=child, status="accommodation", start_date=D(2025, 6, 1),
                      today=TODAY, type="family", suitability="suitable")
    with pytest.raises(DomainError, match="already recorded"):
        record_status(by=personas.worker_a, child=child, status="accommodation", start_date=D(2025, 6, 10),
                      today=TODAY, type="parents", suitability="suitable")
    record_status(by=personas.worker_a, child=child, status="accommodation", start_date=D(2025, 6, 20),
                  today=TODAY, type="family", suitability="suitable")
    assert Accommodation.objects.current_on(D(2025, 6, 25)).filter(child=child).count() == 1
    assert Accommodation.objects.current_on(D(2025, 6, 15)).get(child=child).type == "parents"


def test_voiding_a_session_is_on_the_childs_trail(personas, open_work):
    void_record(by=personas.worker_a, record=open_work["session"], reason="Wrong child")
    assert AuditEvent.objects.latest("id").child_id == personas.child_a.pk


def test_duplicate_local_id_is_a_clear_error(personas):
    with pytest.raises(DomainError, match="local ID"):
        create_child(by=personas.worker_a, organisation=personas.north, today=TODAY, team=personas.team_a,
                     first_name="New", last_name="Child", date_of_birth=D(2011, 1, 1), local_id="N-0003")


def test_allocation_moves_open_support(personas, open_work):
    allocate_child(by=personas.team_manager, child=personas.child_a, team=personas.team_b, worker=personas.worker_b)
    open_work["episode"].refresh_from_db()
    assert (open_work["episode"].team, open_work["episode"].worker) == (personas.team_b, personas.worker_b)


def test_merge_repoints_earlier_merges(personas):
    first = create_child(by=None, organisation=personas.north, today=TODAY, team=personas.team_a,
                         first_name="A", last_name="One", date_of_birth=D(2011, 1, 1))
    second = create_child(by=None, organisation=personas.north, today=TODAY, team=personas.team_a,
                          first_name="A", last_name="One", date_of_birth=D(2011, 1, 1))
    merge_children(by=personas.team_manager, keep=second, duplicate=first, reason="same")
    merge_children(by=personas.team_manager, keep=personas.child_a, duplicate=second, reason="same")
    assert Child.objects.get(pk=first.pk).merged_into_id == personas.child_a.pk


def test_voided_child_is_out_of_every_scope(personas):
    void_record(by=personas.service_manager, record=personas.child_b, reason="Test record")
    assert not Child.objects.visible_to(personas.service_manager).filter(pk=personas.child_b.pk).exists()


def test_api_limit_is_bounded(client, personas):
    from divert.accounts.actions import issue_token

    _, secret = issue_token(user=personas.performance_officer, name="t")
    response = client.get("/api/children/?limit=100000", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200


def test_long_search_is_harmless(client, personas):
    client.force_login(personas.service_manager)
    assert client.get("/children/", {"q": "word " * 1200}).status_code == 200


def test_duplicate_check_does_not_reveal_police_only_children(client, personas):
    client.force_login(personas.worker_a)
    page = client.post("/children/new/", {
        "first_name": "Pat", "last_name": "Testchild", "date_of_birth_0": "14", "date_of_birth_1": "3",
        "date_of_birth_2": "2010", "sex": "male", "ethnicity": "WBRI"})
    assert "already recorded" not in page.content.decode()
    assert AuditEvent.objects.filter(verb="checked_duplicates").exists()


def test_worker_without_a_team_cannot_create_an_orphan(client, personas):
    personas.worker_a.teams.clear()
    client.force_login(personas.worker_a)
    before = Child.objects.count()
    page = client.post("/children/new/", {
        "first_name": "Nobody", "last_name": "Sees", "date_of_birth_0": "1", "date_of_birth_1": "1",
        "date_of_birth_2": "2011", "sex": "male", "ethnicity": "WBRI"}).content.decode()
    assert "not in a team" in page
    assert Child.objects.count() == before


def test_offence_on_a_referral_is_checked_and_audited(client, personas):
    from divert.offending.models import OffenceType

    ot = OffenceType.objects.create(code="CD01", description="Criminal damage", yjb_category="criminal_damage",
                                    seriousness=2)
    client.force_login(personas.worker_a)
    future = dt.date.today() + dt.timedelta(days=30)
    page = client.post(f"/children/{personas.child_a.pk}/referrals/new/", {
        "programme": personas.programme.pk, "source": "police_cr", "received_on_0": "1", "received_on_1": "6",
        "received_on_2": "2025", "offence_type": ot.pk, "offence_date_0": str(future.day),
        "offence_date_1": str(future.month), "offence_date_2": str(future.year)}).content.decode()
    assert "cannot be in the future" in page
    assert not personas.child_a.offences.exists()
