"""The synthetic data generator: valid rows, determinism, caseloads and the bulk path."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.db.models import F

from divert.accounts.models import Organisation, Role, User
from divert.audit.models import AuditEvent, Batch
from divert.casework.models import Episode, FollowUpCheckpoint, MeasureScore, Session
from divert.imports.followup import complete_checkpoints
from divert.offending.models import Arrest, Offence, Outcome
from divert.oversight.models import AuditAction, CaseAudit, Oversight
from divert.oversight.quarters import Quarter
from divert.oversight.summary import audit_summary
from divert.people.actions import create_child
from divert.people.models import CareStatus, Child
from divert.referrals.models import Referral
from divert.synth.bulk import TABLES
from divert.synth.demo import DEMO_PASSWORD, demo_logins, ensure_demo_data
from divert.synth.generator import generate

TODAY = dt.date(2026, 11, 23)
CHILD_ROLES = {"case_worker", "team_manager", "service_manager", "performance_officer"}


def digest() -> str:
    """A fingerprint of the generated content that ignores database ids."""
    parts = [
        Child.objects.order_by("id").values_list(
            "first_name",
            "last_name",
            "date_of_birth",
            "sex",
            "ethnicity",
            "local_id",
            "police_id",
            "police_only",
            "postcode",
            "school",
            "recorded_at",
        ),
        Referral.objects.order_by("id").values_list(
            "child__local_id",
            "received_on",
            "source",
            "stage",
            "eligibility",
            "recorded_at",
        ),
        Session.objects.order_by("id").values_list(
            "date",
            "duration_minutes",
            "type",
            "place",
            "topics",
            "attendance",
            "voided_at",
        ),
        Outcome.objects.order_by("id").values_list(
            "disposal", "outcome_date", "custody_release_date"
        ),
        FollowUpCheckpoint.objects.order_by("id").values_list(
            "anchor_date",
            "months",
            "due_on",
            "group",
            "status",
            "proven_reoffence",
            "further_outcome",
            "further_arrest",
            "completed_on",
        ),
        MeasureScore.objects.order_by("id").values_list("item", "timepoint", "taken_on", "value"),
    ]
    return hashlib.sha256(repr([list(p) for p in parts]).encode()).hexdigest()


def test_table_layouts_cover_every_stored_field():
    assert {t.key: t.uncovered_fields() for t in TABLES} == {t.key: [] for t in TABLES}


@pytest.mark.django_db
def test_demo_rows_pass_model_validation():
    generate(scale="demo", seed=3, today=TODAY, years=2)
    rng = random.Random(0)
    for table in TABLES:
        pks = list(table.model.objects.values_list("pk", flat=True))
        assert pks, f"no {table.key} generated"
        for obj in table.model.objects.filter(pk__in=rng.sample(pks, min(40, len(pks)))):
            obj.full_clean()


@pytest.mark.django_db
def test_nothing_is_recorded_or_dated_after_today():
    generate(scale="demo", seed=1, today=TODAY, years=1)
    midnight = dt.datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=dt.UTC)
    for table in TABLES:
        names = {f.name for f in table.model._meta.concrete_fields}
        if "recorded_at" in names:
            assert not table.model.objects.filter(recorded_at__gte=midnight).exists(), table.key
    assert not Session.objects.filter(date__gte=TODAY).exists()
    assert not Referral.objects.filter(received_on__gte=TODAY).exists()
    assert not Episode.objects.filter(end_date__gte=TODAY).exists()
    assert not Outcome.objects.filter(outcome_date__gte=TODAY).exists()


@pytest.mark.django_db
def test_records_about_a_child_are_never_recorded_before_the_child():
    generate(scale="demo", seed=4, today=TODAY, years=2)
    for model in (Referral, Offence, Outcome, Arrest, FollowUpCheckpoint, CareStatus):
        assert not model.objects.filter(recorded_at__lt=F("child__recorded_at")).exists(), model
    assert not Session.objects.filter(recorded_at__lt=F("episode__recorded_at")).exists()
    # Accepted, then closed or withdrawn: the referral's stage follows its episode.
    accepted = Referral.objects.filter(stage__in=["accepted", "closed", "withdrawn"])
    assert Referral.objects.filter(stage="accepted", episode__end_date__isnull=False).count() == 0
    assert Referral.objects.filter(stage="closed", episode__end_date__isnull=True).count() == 0
    assert (
        accepted.count()
        == Episode.objects.count()
        == Episode.objects.filter(referral__in=accepted).count()
    )


@pytest.mark.django_db
def test_checkpoints_agree_with_the_police_import_completion_rule():
    generate(scale="demo", seed=7, today=TODAY, years=3)
    statuses = set(FollowUpCheckpoint.objects.values_list("status", flat=True))
    assert statuses == {"complete", "awaiting_data", "due"}
    for org in Organisation.objects.all():
        counts = complete_checkpoints(by=None, organisation=org, today=TODAY)
        assert counts["updated"] == 0, (org.slug, counts)


@pytest.mark.django_db
def test_same_seed_gives_the_same_data_and_another_seed_does_not():
    fingerprints = []
    for seed in (5, 5, 6):
        with transaction.atomic():
            generate(scale="demo", seed=seed, today=TODAY, years=1)
            fingerprints.append(digest())
            transaction.set_rollback(True)
    assert fingerprints[0] == fingerprints[1]
    assert fingerprints[0] != fingerprints[2]


@pytest.mark.django_db
def test_demo_caseloads_match_each_role():
    generate(scale="demo", seed=1, today=TODAY, years=2)
    users = [User.objects.get(username=username) for _, username in demo_logins()]
    assert set().union(*(user.roles for user in users)) == set(Role.values)
    for user in users:
        username = user.username
        visible = Child.objects.visible_to(user)
        if user.roles & CHILD_ROLES:
            assert visible.exists(), username
        else:
            assert not visible.exists(), username
        if "case_worker" in user.roles:
            assert Child.objects.allocated_to(user).exists(), username
        assert user.check_password(DEMO_PASSWORD)


@pytest.mark.django_db
def test_full_demo_scale_has_five_years_of_referrals_and_one_event_per_batch():
    generate(scale="demo", seed=1, today=TODAY)
    kingsmere = Organisation.objects.get(slug="kingsmere")
    referrals = Referral.objects.filter(child__organisation=kingsmere)
    per_year = referrals.count() / 5
    assert 300 <= per_year <= 400
    assert Child.objects.filter(
        organisation=kingsmere, police_only=True, team__isnull=True
    ).exists()
    assert Episode.objects.filter(child__organisation=kingsmere).open().count() >= 30
    for batch in Batch.objects.filter(kind=Batch.Kind.GENERATOR):
        assert AuditEvent.objects.filter(batch=batch).count() == 1
        assert batch.counts["children"] == Child.objects.filter(batch=batch).count()


@pytest.mark.django_db
def test_small_national_run_uses_the_bulk_path_and_keeps_ids_usable():
    report = generate(
        scale="national", seed=2, today=TODAY, organisations=3, children=2000, years=2
    )
    assert len(report.organisations) == 3
    assert 1800 <= Child.objects.count() <= 2200
    assert report.stats.rows["sessions"] == Session.objects.count() > 0
    connection.check_constraints()  # deferred foreign keys hold, checked now
    # After a bulk load with ids assigned in Python, ordinary inserts still work.
    org = Organisation.objects.get(slug=report.organisations[0])
    child = create_child(
        by=None,
        organisation=org,
        today=TODAY,
        first_name="Test",
        last_name="Child",
        date_of_birth=dt.date(2012, 1, 1),
    )
    assert child.pk > max(Child.objects.exclude(pk=child.pk).values_list("pk", flat=True))
    for table in TABLES:
        for obj in table.model.objects.order_by("-pk")[:5]:
            obj.full_clean()


@pytest.mark.django_db
def test_generate_refuses_when_the_data_already_exists():
    call_command("generate", "--years", "1", "--quiet")
    with pytest.raises(CommandError, match="already exists"):
        call_command("generate", "--years", "1", "--quiet")


@pytest.mark.django_db
def test_generate_command_prints_tables_and_logins():
    out = io.StringIO()
    call_command("generate", "--years", "1", "--today", "2025-06-30", stdout=out)
    text = out.getvalue()
    assert "children" in text and "Demo logins" in text and DEMO_PASSWORD in text
    assert not Referral.objects.filter(received_on__gte=dt.date(2025, 6, 30)).exists()


@pytest.mark.django_db
def test_ensure_demo_data_loads_once():
    logins = ensure_demo_data(today=TODAY)
    assert ("Administrator", "admin") in logins
    children = Child.objects.count()
    assert ensure_demo_data(today=TODAY) == logins
    assert Child.objects.count() == children


@pytest.mark.django_db
def test_demo_command_without_serving_prints_logins():
    out = io.StringIO()
    call_command("demo", "--no-serve", stdout=out)
    assert "east.worker1" in out.getvalue()


@pytest.mark.django_db
def test_demo_has_management_oversight_and_case_audits():
    generate(scale="demo", seed=3, today=TODAY, years=2)
    assert Oversight.objects.count() >= 3
    done = CaseAudit.objects.filter(status="done")
    assert done.exists() and AuditAction.objects.filter(audit__in=done).exists()
    assert audit_summary(done.first().child.organisation, Quarter(done.first().quarter_start))["audits"] >= 1
