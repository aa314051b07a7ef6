"""Oversight and case audits through their actions: who may, what is checked, what is audited,
how cases are chosen, and the numbers the board pack reads."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from divert.accounts.actions import create_user
from divert.accounts.models import Role
from divert.audit.models import AuditEvent
from divert.casework import actions as cw
from divert.casework.models import Episode
from divert.core.errors import DomainError
from divert.offending.actions import record_offence
from divert.oversight import actions as ov
from divert.oversight.models import (
    DEFAULT_DOMAINS,
    AuditStatus,
    AuditTemplate,
    CaseAudit,
    ChosenBecause,
)
from divert.oversight.quarters import Quarter, parse_quarter, quarter_containing
from divert.oversight.summary import audit_summary
from divert.people.actions import create_child
from divert.privacy.actions import merge_children
from divert.referrals import actions as ref
from divert.referrals.models import Referral

Q2 = Quarter(dt.date(2025, 4, 1))
TODAY = dt.date(2025, 6, 30)


def _open_support(personas, child, worker, *, start: dt.date) -> Episode:
    r = ref.create_referral(by=worker, child=child, programme=personas.programme, source="police_cr",
                            received_on=start - dt.timedelta(days=3), today=TODAY)
    ref.screen_referral(by=worker, referral=r, decision="support", tier=personas.programme.tiers.get(number=2),
                        decided_on=start - dt.timedelta(days=2), today=TODAY)
    offer = ref.offer_support(by=worker, referral=r, offered_on=start - dt.timedelta(days=1), today=TODAY)
    ref.record_consent(by=worker, offer=offer, child_decision="accepted", parent_decision="accepted",
                       decided_on=start, today=TODAY)
    return Referral.objects.get(pk=r.pk).episode


def _child(personas, name: str, team, worker):
    return create_child(by=None, organisation=personas.north, today=TODAY, team=team, worker=worker,
                        first_name=name, last_name="Testchild", date_of_birth=dt.date(2010, 5, 1), sex="female",
                        ethnicity="WBRI")


def _grades(audit: CaseAudit, grade: str = "good") -> dict[int, str]:
    return {d.pk: grade for d in audit.template.domains.all()}


def test_quarters_in_words_and_addresses():
    assert Q2.label == "April to June 2025"
    assert Q2.end == dt.date(2025, 6, 30)
    assert Q2.next().label == "July to September 2025"
    assert Quarter(dt.date(2025, 1, 1)).previous().label == "October to December 2024"
    assert quarter_containing(dt.date(2025, 12, 31)) == Quarter(dt.date(2025, 10, 1))
    assert parse_quarter("2025-04", default=Q2.next()) == Q2
    assert parse_quarter("2025-05", default=Q2) == Q2
    assert parse_quarter("<script>", default=Q2) == Q2


def test_manager_records_oversight_encrypted_and_audited(personas, open_work):
    oversight = ov.record_oversight(by=personas.team_manager, child=personas.child_a, decided_on=TODAY,
                                    decision="Keep support open for 4 more weeks.",
                                    reasons="School attendance is improving.", episode=open_work["episode"],
                                    today=TODAY)
    with connection.cursor() as cursor:
        cursor.execute("SELECT decision, reasons FROM oversight_oversight WHERE id = %s", [oversight.pk])
        stored = cursor.fetchone()
    assert all(value.startswith("enc1:") for value in stored)
    event = AuditEvent.objects.get(verb="recorded_oversight")
    assert event.child_id == personas.child_a.pk
    assert "School" not in str(event.details)


@pytest.mark.parametrize("who", ["worker_a", "worker_b", "other_org_worker", "performance_officer"])
def test_only_a_manager_in_scope_records_oversight(personas, who):
    with pytest.raises(DomainError):
        ov.record_oversight(by=getattr(personas, who), child=personas.child_a, decided_on=TODAY,
                            decision="x", reasons="y", today=TODAY)


def test_team_b_manager_cannot_record_oversight_on_team_a_child(personas):
    manager_b = create_user(by=None, username="manager_b", password="x" * 20, roles=[Role.TEAM_MANAGER],
                            organisation=personas.north, teams=[personas.team_b])
    with pytest.raises(DomainError):
        ov.record_oversight(by=manager_b, child=personas.child_a, decided_on=TODAY, decision="x", reasons="y",
                            today=TODAY)


def test_oversight_needs_decision_reasons_and_no_future_date(personas):
    tm = personas.team_manager
    for kwargs, field in (({"decision": " "}, "decision"), ({"reasons": ""}, "reasons"),
                          ({"decided_on": TODAY + dt.timedelta(days=1)}, "decided_on")):
        details = {"by": tm, "child": personas.child_a, "decided_on": TODAY, "decision": "a", "reasons": "b",
                   "today": TODAY, **kwargs}
        with pytest.raises(DomainError) as caught:
            ov.record_oversight(**details)
        assert caught.value.field == field


def test_an_organisation_without_a_template_gets_the_default_once(personas):
    first = ov.audit_template_for(by=personas.service_manager, organisation=personas.north)
    again = ov.audit_template_for(by=personas.service_manager, organisation=personas.north)
    assert first == again
    assert [d.name for d in first.domains.all()] == list(DEFAULT_DOMAINS)
    assert AuditEvent.objects.filter(verb="defined_audit_template").count() == 1


def test_service_manager_defines_a_template_which_replaces_the_one_in_use(personas):
    sm = personas.service_manager
    old = ov.audit_template_for(by=sm, organisation=personas.north)
    new = ov.define_audit_template(by=sm, organisation=personas.north, name="Quarterly audit",
                                   domains=["Assessment quality", "", "Planning", "Child's voice"])
    assert ov.template_in_use(personas.north) == new
    assert AuditTemplate.objects.get(pk=old.pk).retired_at is not None
    assert [d.name for d in new.domains.all()] == ["Assessment quality", "Planning", "Child's voice"]
    with pytest.raises(DomainError):
        ov.define_audit_template(by=personas.team_manager, organisation=personas.north, name="x", domains=["a"])
    with pytest.raises(DomainError):
        ov.define_audit_template(by=sm, organisation=personas.south, name="x", domains=["a"])
    with pytest.raises(DomainError):
        ov.define_audit_template(by=sm, organisation=personas.north, name="x", domains=["Same", "same"])


def test_choosing_by_rule_takes_every_child_who_offended_during_support(personas, open_work):
    episode = open_work["episode"]  # child_a, support from 6 March 2025, open
    record_offence(by=personas.worker_a, child=personas.child_a, committed_on=dt.date(2025, 5, 2), today=TODAY)
    chosen = ov.choose_cases(by=personas.service_manager, quarter=Q2, per_worker=0)
    assert [(c.child_id, c.chosen_because, c.episode_id) for c in chosen] == [
        (personas.child_a.pk, ChosenBecause.REOFFENDED, episode.pk)]
    assert chosen[0].worker_id == personas.worker_a.pk
    # Running it again chooses nobody twice.
    assert ov.choose_cases(by=personas.service_manager, quarter=Q2, per_worker=0) == []


def test_offences_before_support_or_outside_the_quarter_do_not_choose_a_child(personas, open_work):
    record_offence(by=personas.worker_a, child=personas.child_a, committed_on=dt.date(2025, 3, 1), today=TODAY)
    assert ov.choose_cases(by=personas.service_manager, quarter=Q2, per_worker=0) == []
    # During support, but in the first quarter: chosen for that quarter, not this one.
    record_offence(by=personas.worker_a, child=personas.child_a, committed_on=dt.date(2025, 3, 20), today=TODAY)
    assert ov.choose_cases(by=personas.service_manager, quarter=Q2, per_worker=0) == []
    assert len(ov.choose_cases(by=personas.service_manager, quarter=Q2.previous(), per_worker=0)) == 1


def test_offending_during_support_is_one_rule_on_episodes(personas, open_work):
    episode = open_work["episode"]
    cw.close_episode(by=personas.worker_a, episode=episode, end_date=dt.date(2025, 4, 30), reason="completed",
                     successfully_completed=True, today=TODAY)
    record_offence(by=personas.worker_a, child=personas.child_a, committed_on=dt.date(2025, 5, 2), today=TODAY)
    assert not Episode.objects.offended_during_support().exists()
    record_offence(by=personas.worker_a, child=personas.child_a, committed_on=dt.date(2025, 4, 30), today=TODAY)
    assert list(Episode.objects.offended_during_support()) == [episode]
    assert not Episode.objects.offended_during_support(committed_from=dt.date(2025, 5, 1)).exists()


def test_random_choice_per_worker_is_the_same_each_time_and_tops_up(personas):
    team_a, worker_a = personas.team_a, personas.worker_a
    children = [_child(personas, f"Child{i}", team_a, worker_a) for i in range(6)]
    for child in children:
        _open_support(personas, child, worker_a, start=dt.date(2025, 3, 10))
    sm = personas.service_manager
    first = ov.choose_cases(by=sm, quarter=Q2, per_worker=2)
    assert len(first) == 2 and {c.chosen_because for c in first} == {ChosenBecause.RANDOM}
    assert ov.choose_cases(by=sm, quarter=Q2, per_worker=2) == []
    more = ov.choose_cases(by=sm, quarter=Q2, per_worker=3)
    assert len(more) == 1 and more[0].child_id not in {c.child_id for c in first}
    # The same seed picks the same children on another database state with the same candidates.
    CaseAudit.objects.all().delete()
    again = ov.choose_cases(by=sm, quarter=Q2, per_worker=2)
    assert {c.child_id for c in again} == {c.child_id for c in first}


def test_random_choice_skips_children_chosen_by_hand(personas):
    worker_a = personas.worker_a
    children = [_child(personas, f"Kid{i}", personas.team_a, worker_a) for i in range(3)]
    for child in children:
        _open_support(personas, child, worker_a, start=dt.date(2025, 3, 10))
    sm = personas.service_manager
    for child in children[:2]:
        ov.choose_case(by=sm, child=child, quarter=Q2)
    chosen = ov.choose_cases(by=sm, quarter=Q2, per_worker=5)
    assert [c.child_id for c in chosen] == [children[2].pk]


def test_team_manager_chooses_only_within_their_teams(personas, open_work):
    _open_support(personas, personas.child_b, personas.worker_b, start=dt.date(2025, 3, 10))
    chosen = ov.choose_cases(by=personas.team_manager, quarter=Q2, per_worker=5)
    assert {c.child_id for c in chosen} == {personas.child_a.pk}
    with pytest.raises(DomainError):
        ov.choose_case(by=personas.team_manager, child=personas.child_b, quarter=Q2)
    with pytest.raises(DomainError):
        ov.choose_cases(by=personas.worker_a, quarter=Q2, per_worker=1)


def test_an_audit_is_started_then_done_with_grades_themes_and_actions(personas, open_work):
    tm = personas.team_manager
    audit = ov.choose_case(by=tm, child=personas.child_a, quarter=Q2)
    with pytest.raises(DomainError):
        ov.choose_case(by=tm, child=personas.child_a, quarter=Q2)
    ov.start_case_audit(by=tm, audit=audit)
    assert CaseAudit.objects.get(pk=audit.pk).status == AuditStatus.IN_PROGRESS
    grades = _grades(audit)
    grades.pop(next(iter(grades)))
    with pytest.raises(DomainError) as missing:
        ov.complete_case_audit(by=tm, audit=audit, grades=grades, today=TODAY)
    assert missing.value.field.startswith("grade_")
    action = {"worker": personas.worker_a, "due_on": TODAY + dt.timedelta(days=14),
              "text": "Record the child's own words in the plan."}
    done = ov.complete_case_audit(by=tm, audit=audit, grades=_grades(audit, "requires_improvement"), today=TODAY,
                                  strengths="Good rapport.", themes=["child's voice missing", "Child's voice missing",
                                                                     " planning "],
                                  actions=[action])
    assert done.status == AuditStatus.DONE and done.completed_on == TODAY
    assert sorted(t.theme for t in done.themes.all()) == ["Child's voice missing", "Planning"]
    assert AuditEvent.objects.filter(verb__in=["chose_case_for_audit", "started_case_audit",
                                               "completed_case_audit"]).count() == 3
    with pytest.raises(DomainError):
        ov.complete_case_audit(by=tm, audit=audit, grades=_grades(audit), today=TODAY)


def test_an_action_is_for_a_worker_who_can_see_the_child_and_due_from_today(personas, open_work):
    tm = personas.team_manager
    audit = ov.choose_case(by=tm, child=personas.child_a, quarter=Q2)
    for action, field in (
        ({"worker": personas.worker_b, "due_on": TODAY, "text": "x"}, "action_1_worker"),
        ({"worker": personas.other_org_worker, "due_on": TODAY, "text": "x"}, "action_1_worker"),
        ({"worker": personas.worker_a, "due_on": TODAY - dt.timedelta(days=1), "text": "x"}, "action_1_due_on"),
        ({"worker": personas.worker_a, "due_on": TODAY, "text": " "}, "action_1_text"),
    ):
        with pytest.raises(DomainError) as caught:
            ov.complete_case_audit(by=tm, audit=audit, grades=_grades(audit), today=TODAY, actions=[action])
        assert caught.value.field == field
    assert CaseAudit.objects.get(pk=audit.pk).status == AuditStatus.TO_AUDIT


def test_the_worker_marks_their_action_done_once(personas, open_work):
    tm = personas.team_manager
    audit = ov.choose_case(by=tm, child=personas.child_a, quarter=Q2)
    ov.complete_case_audit(by=tm, audit=audit, grades=_grades(audit), today=TODAY, actions=[
        {"worker": personas.worker_a, "due_on": TODAY, "text": "Review the plan with the child."}])
    action = audit.actions.get()
    with pytest.raises(DomainError):
        ov.complete_audit_action(by=personas.worker_b, action=action, today=TODAY)
    ov.complete_audit_action(by=personas.worker_a, action=action, today=TODAY)
    assert audit.actions.get().done_by == personas.worker_a
    assert AuditEvent.objects.filter(verb="completed_audit_action").count() == 1
    with pytest.raises(DomainError):
        ov.complete_audit_action(by=personas.worker_a, action=action, today=TODAY)


def test_audit_summary_counts_grades_per_domain_overall_and_themes(personas, open_work):
    tm, sm = personas.team_manager, personas.service_manager
    other = _child(personas, "Other", personas.team_a, personas.worker_a)
    first = ov.choose_case(by=tm, child=personas.child_a, quarter=Q2)
    second = ov.choose_case(by=sm, child=other, quarter=Q2)
    ov.choose_case(by=sm, child=personas.child_b, quarter=Q2)  # chosen, not audited
    ov.choose_case(by=sm, child=personas.child_b, quarter=Q2.next())  # another quarter
    ov.complete_case_audit(by=tm, audit=first, grades=_grades(first, "good"), today=TODAY,
                           themes=["Child's voice missing"])
    grades = _grades(second, "inadequate")
    grades[second.template.domains.first().pk] = "outstanding"
    ov.complete_case_audit(by=sm, audit=second, grades=grades, today=TODAY,
                           themes=["Child's voice missing", "Planning late"])
    summary = audit_summary(personas.north, Q2)
    n = len(DEFAULT_DOMAINS)
    assert summary["chosen"] == 3 and summary["audits"] == 2
    assert summary["status"] == {"to_audit": 1, "in_progress": 0, "done": 2}
    assert summary["overall"] == {"outstanding": 1, "good": n, "requires_improvement": 0, "inadequate": n - 1}
    assert [d["name"] for d in summary["domains"]] == list(DEFAULT_DOMAINS)
    assert summary["domains"][0]["grades"] == {"outstanding": 1, "good": 1, "requires_improvement": 0,
                                               "inadequate": 0}
    assert summary["themes"] == [{"theme": "Child's voice missing", "count": 2}, {"theme": "Planning late", "count": 1}]
    assert summary["grade_labels"]["requires_improvement"] == "Requires improvement"
    assert audit_summary(personas.south, Q2)["audits"] == 0


def test_merging_two_records_chosen_in_the_same_quarter_keeps_one_choice(personas, open_work):
    sm = personas.service_manager
    duplicate = _child(personas, "Alfie", personas.team_a, personas.worker_a)
    kept_choice = ov.choose_case(by=sm, child=personas.child_a, quarter=Q2)
    done = ov.choose_case(by=sm, child=duplicate, quarter=Q2)
    ov.complete_case_audit(by=sm, audit=done, grades=_grades(done), today=TODAY)
    other_quarter = ov.choose_case(by=sm, child=duplicate, quarter=Q2.previous())
    merge_children(by=sm, keep=personas.child_a, duplicate=duplicate, reason="Same child")
    current = CaseAudit.objects.current().filter(child=personas.child_a)
    assert {a.pk for a in current} == {done.pk, other_quarter.pk}
    assert CaseAudit.objects.get(pk=kept_choice.pk).is_void
