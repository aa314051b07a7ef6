"""Retention rules: the dry run writes nothing, a run does exactly what the dry run listed."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext

from divert.audit.chain import seal_all, verify_chain
from divert.audit.models import AuditEvent
from divert.casework.models import Assessment, Episode, Session
from divert.core.errors import DomainError
from divert.imports.models import ImportErrorFile, ImportRun, MatchReview
from divert.offending.actions import record_offence
from divert.offending.models import DataSource, Offence, Outcome
from divert.people.actions import create_child, lift_processing_restriction, restrict_processing
from divert.people.models import Child
from divert.privacy.actions import merge_children, run_retention, set_retention_rule
from divert.privacy.models import Anonymisation, RecordType, RetentionRun
from divert.privacy.retention import (
    ANONYMISE_FIELDS,
    ChildFacts,
    anchor_date,
    child_relations,
    is_due,
    plan_retention,
    rules_for,
)
from divert.referrals.models import Referral, Screening
from divert.victims.models import Victim

pytestmark = pytest.mark.django_db

EVERYTHING_DUE = dt.date(2040, 1, 1)


def _by_type(plan):
    return {rule.record_type: rule for rule in plan.rules}


def _row_counts():
    models = [Child, Referral, Screening, Episode, Session, Assessment, Offence, Outcome, Victim, AuditEvent]
    return {m.__name__: m._base_manager.count() for m in models}


def test_every_model_holding_child_records_has_an_anonymisation_decision():
    missing = {m._meta.label_lower for m in child_relations()} - set(ANONYMISE_FIELDS)
    assert not missing, f"Decide what retention clears in {sorted(missing)} (retention.ANONYMISE_FIELDS)"


def test_defaults_anchor_closed_support_on_closure_or_18th_birthday_plus_6_years():
    facts = ChildFacts(child_id=1, date_of_birth=dt.date(2010, 3, 14), has_episode=True,
                       closure=dt.date(2025, 4, 30), last_contact=dt.date(2025, 4, 30))
    rule = rules_for(None)[RecordType.CLOSED_SUPPORT]
    assert anchor_date(facts, rule.anchor) == dt.date(2028, 3, 14)
    assert not is_due(facts, rule, dt.date(2034, 3, 13))
    assert is_due(facts, rule, dt.date(2034, 3, 14))
    # Closure after the 18th birthday counts from closure.
    late = ChildFacts(child_id=2, date_of_birth=dt.date(2005, 1, 1), has_episode=True,
                      closure=dt.date(2025, 4, 30))
    assert anchor_date(late, rule.anchor) == dt.date(2025, 4, 30)
    # Open work is never due.
    assert not is_due(ChildFacts(child_id=3, date_of_birth=dt.date(2000, 1, 1), has_episode=True,
                                 open_work=True, closure=dt.date(2001, 1, 1)), rule, EVERYTHING_DUE)


def test_follow_up_ends_18_months_after_the_offer():
    facts = ChildFacts(child_id=1, date_of_birth=dt.date(2010, 3, 14), declined=True,
                       last_offer=dt.date(2025, 3, 5), closure=dt.date(2025, 3, 6))
    assert anchor_date(facts, "follow_up_ended") == dt.date(2026, 9, 5)


def test_plan_lists_each_type_by_internal_id(personas, pathway):
    plan = plan_retention(personas.north, EVERYTHING_DUE)
    rules = _by_type(plan)
    assert rules[RecordType.CLOSED_SUPPORT].child_ids == (personas.child_a.pk,)
    assert rules[RecordType.COMPARISON].child_ids == (personas.child_b.pk,)
    assert rules[RecordType.SCREENED_OUT].child_ids == (pathway["screened"].pk,)
    assert rules[RecordType.POLICE_ONLY].child_ids == (personas.police_only_child.pk,)
    assert personas.other_org_child.pk not in {i for r in plan.rules for i in r.child_ids}


def test_a_child_inside_the_period_is_not_listed(personas, pathway):
    # Screened out 4 Mar 2025 + 2 years: due on 4 Mar 2027, not the day before.
    day_before = _by_type(plan_retention(personas.north, dt.date(2027, 3, 3)))
    assert day_before[RecordType.SCREENED_OUT].child_ids == ()
    on_the_day = _by_type(plan_retention(personas.north, dt.date(2027, 3, 4)))
    assert on_the_day[RecordType.SCREENED_OUT].child_ids == (pathway["screened"].pk,)
    assert on_the_day[RecordType.CLOSED_SUPPORT].child_ids == ()
    assert on_the_day[RecordType.COMPARISON].child_ids == ()  # follow-up ended 5 Sep 2026 + 1 year


def test_dry_run_writes_nothing(personas, pathway):
    before = _row_counts()
    with CaptureQueriesContext(connection) as queries:
        plan_retention(personas.north, EVERYTHING_DUE)
    writes = [q["sql"] for q in queries.captured_queries
              if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert writes == []
    assert _row_counts() == before
    out = io.StringIO()
    call_command("retention", "--org", "north", "--as-at", "2040-01-01", "--ids", stdout=out)
    assert "Dry run" in out.getvalue()
    assert f"record numbers: {pathway['screened'].pk}" in out.getvalue()
    assert _row_counts() == before
    assert not RetentionRun.objects.exists()


def test_execute_removes_exactly_what_the_dry_run_listed(personas, pathway):
    set_retention_rule(by=personas.administrator, organisation=personas.north,
                       record_type=RecordType.CLOSED_SUPPORT, anchor="closure_or_18", years=6, action="delete")
    plan = _by_type(plan_retention(personas.north, EVERYTHING_DUE))
    north_before = set(Child.objects.filter(organisation=personas.north).values_list("pk", flat=True))
    run = run_retention(by=personas.service_manager, organisation=personas.north, as_at=EVERYTHING_DUE)

    deleted = set(plan[RecordType.CLOSED_SUPPORT].child_ids)
    anonymised = (set(plan[RecordType.COMPARISON].child_ids) | set(plan[RecordType.POLICE_ONLY].child_ids)
                  | set(plan[RecordType.SCREENED_OUT].child_ids))
    remaining = set(Child.objects.filter(organisation=personas.north).values_list("pk", flat=True))
    assert remaining == north_before - deleted
    assert set(Anonymisation.objects.values_list("child_id", flat=True)) == anonymised
    # Everything under the deleted children went too.
    assert not Episode.objects.filter(child_id__in=deleted).exists()
    assert not Referral.objects.filter(child_id__in=deleted).exists()
    assert not Victim.objects.filter(offence__child_id__in=deleted).exists()
    assert not Outcome.objects.filter(child_id__in=deleted).exists()
    # The run holds counts, never names or ids of children.
    rules = {r["record_type"]: r for r in run.counts["rules"]}
    assert rules["closed_support"]["children"] == 1
    assert rules["closed_support"]["records"]["casework.session"] == 1
    assert rules["comparison"]["children"] == 1
    assert "Alfie" not in str(run.counts)
    assert set(rules["closed_support"]) == {
        "record_type", "action", "anchor", "years", "children", "merged_records", "import_runs", "records"}
    assert run.run_by == personas.service_manager
    event = AuditEvent.objects.get(verb="ran_retention")
    assert event.organisation_id == personas.north.pk and event.actor == personas.service_manager


def test_anonymise_keeps_the_facts_and_removes_personal_data(personas, pathway):
    run_retention(by=None, organisation=personas.north, as_at=EVERYTHING_DUE, via="command line")
    child = Child.objects.get(pk=personas.child_a.pk)
    assert (child.first_name, child.last_name, child.local_id, child.postcode) == ("Anonymised", "record", "", "")
    assert child.date_of_birth == dt.date(2010, 3, 15)
    assert (child.sex, child.ethnicity) == ("male", "WBRI")
    assessment = Assessment.objects.get(episode__child=child)
    assert (assessment.child_view, assessment.strengths, assessment.summary) == ("", "", "")
    episode = Episode.objects.get(child=child)
    assert episode.end_date == dt.date(2025, 4, 30) and episode.successfully_completed is True
    assert Session.objects.get(episode=episode).notes == ""
    assert Referral.objects.get(child=child).reason == ""
    assert Victim.objects.get(offence__child=child).views == ""
    offence = Offence.objects.get(child=child)
    assert offence.police_reference == "" and offence.committed_on == dt.date(2025, 2, 1)


def test_rerunning_is_a_no_op(personas, pathway):
    run_retention(by=None, organisation=personas.north, as_at=EVERYTHING_DUE)
    before = _row_counts()
    assert plan_retention(personas.north, EVERYTHING_DUE).is_empty
    second = run_retention(by=None, organisation=personas.north, as_at=EVERYTHING_DUE)
    assert second.children_total == 0
    after = _row_counts()
    # Only the second run's own audit event is new.
    assert after["AuditEvent"] == before["AuditEvent"] + 1
    assert {k: v for k, v in after.items() if k != "AuditEvent"} == {
        k: v for k, v in before.items() if k != "AuditEvent"}


def test_other_organisations_are_untouched(personas, pathway):
    other = Child.objects.get(pk=personas.other_org_child.pk)
    run_retention(by=None, organisation=personas.north, as_at=EVERYTHING_DUE)
    after = Child.objects.get(pk=other.pk)
    assert (after.first_name, after.date_of_birth) == (other.first_name, other.date_of_birth)
    assert Referral.objects.filter(child=other).count() == 1
    assert not Anonymisation.objects.filter(child=other).exists()


def test_open_work_is_kept(personas, open_work):
    plan = plan_retention(personas.north, EVERYTHING_DUE)
    assert personas.child_a.pk not in {i for r in plan.rules for i in r.child_ids}
    assert plan.open_work == 1


def test_merged_duplicates_follow_their_record(personas, pathway, today):
    duplicate = create_child(by=personas.worker_a, organisation=personas.north, today=today,
                             team=personas.team_a, confirmed_not_duplicate=True, first_name="Sid", last_name="Screened",
                             date_of_birth=dt.date(2010, 3, 14), sex="male", ethnicity="WBRI")
    merge_children(by=personas.service_manager, keep=pathway["screened"], duplicate=duplicate,
                   reason="Same child")
    set_retention_rule(by=personas.administrator, organisation=personas.north,
                       record_type=RecordType.SCREENED_OUT, anchor="last_contact", years=2, action="delete")
    plan = _by_type(plan_retention(personas.north, EVERYTHING_DUE))
    assert plan[RecordType.SCREENED_OUT].merged_ids == (duplicate.pk,)
    run_retention(by=None, organisation=personas.north, as_at=EVERYTHING_DUE)
    assert not Child.objects.filter(pk__in=[duplicate.pk, pathway["screened"].pk]).exists()


def test_audit_events_hold_no_personal_data_and_the_chain_still_verifies(personas, pathway):
    for event in AuditEvent.objects.filter(child_id=personas.child_a.pk):
        text = str(event.details)
        assert "Alfie" not in text and "Testchild" not in text and "2010-03-14" not in text
    seal_all(organisation=personas.north, now=dt.datetime(2025, 7, 1, tzinfo=dt.UTC))
    events_before = AuditEvent.objects.filter(child_id=personas.child_a.pk).count()
    set_retention_rule(by=None, organisation=personas.north, record_type=RecordType.CLOSED_SUPPORT,
                       anchor="closure", years=1, action="delete")
    run_retention(by=None, organisation=personas.north, as_at=EVERYTHING_DUE)
    assert AuditEvent.objects.filter(child_id=personas.child_a.pk).count() == events_before
    seal_all(organisation=personas.north, now=dt.datetime(2040, 1, 2, tzinfo=dt.UTC))
    assert verify_chain(organisation=personas.north).ok


def test_command_executes_and_reports(personas, pathway):
    out = io.StringIO()
    call_command("retention", "--org", "north", "--as-at", "2040-01-01", "--execute", stdout=out)
    assert "Done" in out.getvalue()
    run = RetentionRun.objects.get()
    assert run.via == "command line" and run.as_at == EVERYTHING_DUE
    assert "Alfie" not in out.getvalue()


def test_import_runs_are_cleared_after_their_period(personas, tmp_path):
    source = DataSource.objects.create(organisation=personas.north, name="Police", kind="crime_outcomes")
    error_path = tmp_path / "errors.csv"
    error_path.write_text("row,name\n2,Pat Testchild\n")
    run = ImportRun.objects.create(
        organisation=personas.north, source=source, file_name="outcomes-pat.csv", sha256="0" * 64,
        complete_to=dt.date(2025, 5, 31), status="complete",
        finished_at=dt.datetime(2025, 6, 1, 12, tzinfo=dt.UTC), problems=[[2, "name", "Pat", "error"]],
    )
    ImportErrorFile.objects.create(run=run, path=str(error_path), rows=1, expires_on=dt.date(2025, 7, 1))
    MatchReview.objects.create(organisation=personas.north, run=run, source=source,
                               rows=[{"first_name": "Pat"}], source_references=["CO-1009"],
                               decision="discarded")
    assert _by_type(plan_retention(personas.north, dt.date(2026, 5, 31)))[RecordType.IMPORTS].count == 0
    plan = _by_type(plan_retention(personas.north, dt.date(2026, 6, 1)))
    assert plan[RecordType.IMPORTS].import_run_ids == (run.pk,)

    with TestCase.captureOnCommitCallbacks(execute=True):
        run_retention(by=None, organisation=personas.north, as_at=dt.date(2026, 6, 1))
    run.refresh_from_db()
    assert run.problems == [] and "pat" not in run.file_name
    review = MatchReview.objects.get(run=run)
    # The police file's own record references link back to the person as surely as a name.
    assert review.rows == [] and review.source_references == []
    assert not error_path.exists()
    assert plan_retention(personas.north, dt.date(2026, 6, 1)).is_empty


def test_a_child_whose_processing_is_restricted_is_kept_until_the_restriction_is_lifted(personas, pathway):
    """UK GDPR art. 18(1)(c): a person may ask for data the service no longer needs to be kept
    (restricted) for a legal claim instead of erased. Retention must not remove it meanwhile."""
    restrict_processing(by=personas.team_manager, child=personas.child_a, reason="Kept for a complaint")
    plan = plan_retention(personas.north, EVERYTHING_DUE)
    assert personas.child_a.pk not in {i for r in plan.rules for i in r.child_ids}
    assert plan.processing_restricted == 1
    run_retention(by=None, organisation=personas.north, as_at=EVERYTHING_DUE)
    assert Child.objects.get(pk=personas.child_a.pk).first_name == "Alfie"

    lift_processing_restriction(by=personas.team_manager, child=personas.child_a, reason="Complaint closed")
    plan = _by_type(plan_retention(personas.north, EVERYTHING_DUE))
    assert plan[RecordType.CLOSED_SUPPORT].child_ids == (personas.child_a.pk,)


def test_a_screened_out_child_with_a_later_police_record_waits_for_it(personas, pathway):
    """The period runs from the last contact, police records included (not only the
    screening), and by default the record is anonymised so its offences still count."""
    screened = pathway["screened"]
    # Screened out 4 Mar 2025; a police record a year later moves the period on a year.
    record_offence(by=personas.worker_a, child=screened, committed_on=dt.date(2026, 3, 4),
                   today=dt.date(2026, 3, 10))
    assert screened.pk not in _by_type(plan_retention(personas.north, dt.date(2027, 3, 4)))[
        RecordType.SCREENED_OUT].child_ids
    assert screened.pk in _by_type(plan_retention(personas.north, dt.date(2028, 3, 4)))[
        RecordType.SCREENED_OUT].child_ids
    run_retention(by=None, organisation=personas.north, as_at=dt.date(2028, 3, 4))
    assert Child.objects.filter(pk=screened.pk).exists()
    assert Anonymisation.objects.filter(child=screened).exists()


def test_a_rule_keeps_records_for_at_least_a_year(personas):
    with pytest.raises(DomainError, match="between 1 and 100"):
        set_retention_rule(by=personas.administrator, organisation=personas.north,
                           record_type=RecordType.CLOSED_SUPPORT, anchor="closure", years=0, action="delete")
