"""Closure that means something: what "successfully completed" requires, a manager's
confirmation below it, sessions not attended carry nothing, the referral follows its episode."""

import datetime as dt

import pytest

from divert.accounts.models import Programme
from divert.audit.models import AuditEvent
from divert.casework import actions as cw
from divert.casework.models import Episode, FollowUpCheckpoint
from divert.core.errors import DomainError
from divert.referrals import actions as ref
from divert.referrals.codes import Stage
from divert.referrals.models import Referral

D = dt.date


@pytest.fixture
def work(open_work, personas, today):
    """child_a's open episode with a plan of 10 sessions (one session already attended), on a programme
    asking for the default requirements (75% of planned sessions attended, the plan reviewed)."""
    _default_requirements(personas.programme)
    episode = Episode.objects.get(pk=open_work["episode"].pk)
    cw.agree_plan(by=personas.worker_a, episode=episode, agreed_on=D(2025, 3, 12), today=today,
                  goals="Go to school every day")
    return episode


def _default_requirements(programme):
    programme.completion_min_attended_percent = Programme._meta.get_field("completion_min_attended_percent").default
    programme.completion_needs_review = Programme._meta.get_field("completion_needs_review").default
    programme.save()


def _sessions(personas, episode, today, n, attendance="attended"):
    for week in range(n):
        cw.record_session(by=personas.worker_a, episode=episode, date=D(2025, 3, 14) + dt.timedelta(weeks=week),
                          today=today, type="one_to_one", attendance=attendance)


def _close(personas, episode, today, **kwargs):
    return cw.close_episode(by=kwargs.pop("by", personas.worker_a), episode=episode, end_date=D(2025, 6, 2),
                            today=today, reason="completed", successfully_completed=True, **kwargs)


def _closure_points(episode):
    return FollowUpCheckpoint.objects.current().filter(referral_id=episode.referral_id, anchor="closure").count()


def test_two_of_ten_sessions_is_not_success_without_a_reason(personas, today, work):
    _sessions(personas, work, today, 1)  # 2 of 10 attended, the plan never reviewed
    with pytest.raises(DomainError) as refused:
        _close(personas, work, today)
    assert refused.value.field == "completion_reason"
    assert "attended 2 of 10 planned sessions" in str(refused.value)
    assert "75% (8)" in str(refused.value)
    assert "not reviewed" in str(refused.value)
    assert Episode.objects.get(pk=work.pk).end_date is None


def test_below_the_programme_the_closure_waits_for_a_manager(personas, today, work):
    _sessions(personas, work, today, 1)
    _close(personas, work, today, completion_reason="Moved school; goals met with the new school's mentor")
    work.refresh_from_db()
    # Recorded as not successfully completed until a manager confirms: the KPIs read this flag.
    assert (work.successfully_completed, work.completion_pending) == (False, True)
    assert _closure_points(work) == 0
    with pytest.raises(DomainError, match="Only a team or service manager"):
        cw.confirm_completion(by=personas.worker_a, episode=work, confirmed=True, today=today)
    cw.confirm_completion(by=personas.team_manager, episode=work, confirmed=True, today=today)
    work.refresh_from_db()
    assert (work.successfully_completed, work.completion_pending) == (True, False)
    assert (work.completion_decided_by, work.completion_decided_on) == (personas.team_manager, today)
    assert _closure_points(work) == 4
    assert AuditEvent.objects.filter(verb="decided_completion", child_id=work.child_id).exists()
    with pytest.raises(DomainError, match="no completion waiting"):
        cw.confirm_completion(by=personas.service_manager, episode=work, confirmed=False, today=today)


def test_a_manager_may_decline_and_it_stays_not_completed(personas, today, work):
    _close(personas, work, today, completion_reason="Engaged well")
    cw.confirm_completion(by=personas.service_manager, episode=work, confirmed=False, today=today)
    work.refresh_from_db()
    assert (work.successfully_completed, work.completion_pending) == (False, False)
    assert _closure_points(work) == 0


def test_the_manager_who_asked_cannot_confirm_their_own_closure(personas, today, work):
    _close(personas, work, today, by=personas.team_manager, completion_reason="Engaged well")
    with pytest.raises(DomainError, match="another team or service manager"):
        cw.confirm_completion(by=personas.team_manager, episode=work, confirmed=True, today=today)
    cw.confirm_completion(by=personas.service_manager, episode=work, confirmed=True, today=today)


def test_a_manager_outside_the_childs_teams_cannot_confirm(personas, today, work):
    _close(personas, work, today, completion_reason="Engaged well")
    personas.team_manager.teams.set([personas.team_b])
    with pytest.raises(DomainError, match="Only a team or service manager"):
        cw.confirm_completion(by=personas.team_manager, episode=work, confirmed=True, today=today)


def test_meeting_the_programme_closes_as_completed_at_once(personas, today, work):
    _sessions(personas, work, today, 7)  # 8 of 10
    cw.review_plan(by=personas.worker_a, episode=work, reviewed_on=D(2025, 5, 1), today=today)
    _close(personas, work, today)
    work.refresh_from_db()
    assert (work.successfully_completed, work.completion_pending) == (True, False)
    assert _closure_points(work) == 4


def test_the_requirements_are_the_programmes_settings(personas, today, work):
    programme = personas.programme
    programme.completion_min_attended_percent, programme.completion_needs_review = 10, False
    programme.save()
    _close(personas, Episode.objects.get(pk=work.pk), today)  # 1 of 10 attended, never reviewed
    assert Episode.objects.get(pk=work.pk).successfully_completed is True


def test_not_completed_needs_no_reason(personas, today, work):
    cw.close_episode(by=personas.worker_a, episode=work, end_date=D(2025, 6, 2), today=today,
                     reason="disengaged", successfully_completed=False)
    assert Episode.objects.get(pk=work.pk).successfully_completed is False


@pytest.mark.parametrize("attendance", ["dna", "cancelled_child", "cancelled_worker"])
def test_a_session_not_attended_carries_no_topics_or_length(personas, today, work, attendance):
    kwargs = dict(by=personas.worker_a, episode=work, date=D(2025, 3, 20), today=today, type="one_to_one",
                  attendance=attendance)
    with pytest.raises(DomainError, match="has no topics"):
        cw.record_session(**kwargs, topics=["consequences"])
    with pytest.raises(DomainError, match="has no length"):
        cw.record_session(**kwargs, duration_minutes=30)
    assert cw.record_session(**kwargs).topics == []


def test_the_referral_follows_its_episode(personas, today, work, open_work):
    referral = open_work["referral"]
    assert Referral.objects.get(pk=referral.pk).stage == Stage.ACCEPTED
    cw.close_episode(by=personas.worker_a, episode=work, end_date=D(2025, 6, 2), today=today,
                     reason="disengaged", successfully_completed=False)
    assert Referral.objects.get(pk=referral.pk).get_stage_display() == "Support ended"
    cw.reopen_episode(by=personas.team_manager, episode=Episode.objects.get(pk=work.pk), reason="Back in touch")
    assert Referral.objects.get(pk=referral.pk).stage == Stage.ACCEPTED
    ref.withdraw_consent(by=personas.worker_a, episode=Episode.objects.get(pk=work.pk), withdrawn_on=D(2025, 6, 3),
                         today=today, reason="Does not want to carry on")
    assert Referral.objects.get(pk=referral.pk).get_stage_display() == "Withdrew from support"


def test_the_stage_codes_casework_writes_are_the_referrals_stages():
    assert {cw.REFERRAL_STAGE_CLOSED, cw.REFERRAL_STAGE_ACCEPTED} <= set(Stage.values)


def test_the_manager_confirms_on_the_page_and_the_record_shows_it(client, personas, today, work):
    cw.review_plan(by=personas.worker_a, episode=work, reviewed_on=D(2025, 5, 1), today=today)
    _close(personas, work, today, completion_reason="Moved school")
    client.force_login(personas.worker_a)
    page = client.get(f"/children/{work.child_id}/").content.decode()
    assert "completed, waiting for a manager to confirm" in page
    assert "Plan reviewed" in page
    assert f"/episodes/{work.pk}/confirm-completion/" not in page  # not for the worker
    assert client.get(f"/episodes/{work.pk}/confirm-completion/").status_code == 403
    client.force_login(personas.team_manager)
    page = client.get(f"/children/{work.child_id}/").content.decode()
    assert f"/episodes/{work.pk}/confirm-completion/" in page
    form = client.get(f"/episodes/{work.pk}/confirm-completion/")
    assert "Moved school" in form.content.decode()
    response = client.post(f"/episodes/{work.pk}/confirm-completion/",
                           {"confirmed": "yes", "form_token": form.context["form_token"]})
    assert response.status_code == 302
    page = client.get(f"/children/{work.child_id}/").content.decode()
    assert "Successful completion confirmed by a manager" in page
    assert Episode.objects.get(pk=work.pk).successfully_completed is True


def test_the_close_page_takes_the_reason(client, personas, today, work):
    client.force_login(personas.worker_a)
    data = {"reason": "completed", "successfully_completed": "yes", "end_date_0": "2", "end_date_1": "6",
            "end_date_2": "2025"}
    page = client.post(f"/episodes/{work.pk}/close/", data)
    assert "give the reason" in page.content.decode()
    page = client.post(f"/episodes/{work.pk}/close/", {**data, "completion_reason": "Moved school"})
    assert page.status_code == 302
    assert Episode.objects.get(pk=work.pk).completion_pending is True
