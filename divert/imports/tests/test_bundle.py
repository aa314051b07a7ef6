"""The case-level bundle: export, validation, import into an empty organisation, round trip."""

from __future__ import annotations

import csv
import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import models as m
from django.utils import timezone

from divert.accounts.actions import create_organisation
from divert.accounts.models import User
from divert.audit.models import AuditEvent, Batch
from divert.casework.actions import (
    agree_plan,
    close_episode,
    record_assessment,
    self_ratings_instrument,
)
from divert.casework.models import (
    Assessment,
    FollowUpCheckpoint,
    Instrument,
    MeasureScore,
    Plan,
    PlanReview,
)
from divert.core.errors import DomainError
from divert.imports.actions import get_or_create_source
from divert.imports.bundle import NOT_CARRIED, SPECS, export_bundle, import_bundle
from divert.offending.actions import record_complete_to
from divert.offending.models import Arrest, Offence, OffenceType, Outcome
from divert.people.models import CareStatus, Child, ETEStatus
from divert.reference.models import Population
from divert.victims.models import Victim

D = dt.date
NOW = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture
def north_records(personas, open_work):
    """North with a little of everything the bundle carries."""
    source = get_or_create_source(by=None, organisation=personas.north, name="Crime outcomes")
    source.complete_to = D(2025, 12, 31)
    source.save()
    own = OffenceType.objects.create(
        organisation=personas.north,
        code="LOCAL1",
        description="Local offence",
        yjb_category="theft_and_handling",
        seriousness=2,
    )
    offence = Offence.objects.create(
        child=personas.child_a,
        committed_on=D(2025, 4, 1),
        offence_type=own,
        offence_code="LOCAL1",
        source=source,
        source_reference="OFF-1",
        description='Took a bike, "borrowed" it',
    )
    Outcome.objects.create(
        child=personas.child_a,
        offence=offence,
        disposal="youth_caution",
        outcome_date=D(2025, 5, 1),
        source=source,
        source_reference="OUT-1",
    )
    Offence.objects.create(
        child=personas.child_b,
        committed_on=D(2025, 2, 1),
        description="=SUM(A1:A2)",
        voided_at=timezone.now(),
        void_reason="Entered twice",
    )
    Arrest.objects.create(
        child=personas.child_a,
        arrested_at=dt.datetime(2025, 4, 2, 23, 30, tzinfo=dt.UTC),
        source=source,
        source_reference="ARR-1",
    )
    Victim.objects.create(
        offence=offence, consented_to_contact=True, views="Wants an apology\nand the bike back"
    )
    CareStatus.objects.create(
        child=personas.child_a, kind="child_in_need", start_date=D(2024, 1, 1)
    )
    ETEStatus.objects.create(
        child=personas.child_a,
        provision="mainstream",
        start_date=D(2024, 9, 1),
        hours_offered="25.00",
        suitability="suitable",
    )
    Population.objects.create(
        organisation=personas.north,
        year=2024,
        area_code="E06000001",
        age=12,
        sex="female",
        ethnic_group="white",
        count=1234,
        source="ONS mid-2024",
    )
    Child.objects.filter(pk=personas.police_only_child.pk).update(merged_into=personas.child_a)
    _casework(personas, open_work["episode"], offence, source)
    close_episode(
        by=personas.worker_a,
        episode=open_work["episode"],
        end_date=D(2025, 5, 30),
        today=D(2025, 6, 30),
        reason="completed",
        successfully_completed=True,
    )
    return personas


def _casework(personas, episode, offence, source):
    """Assessment and plan (each in two versions) and review, scores on a shared and an own
    instrument, offence links, history."""
    Assessment.objects.create(episode=episode, assessed_on=D(2025, 3, 12), needs={"ete": 2, "family": 1},
                              child_view="I want to get back to football", exploitation_risk="low")
    plan = Plan.objects.create(episode=episode, agreed_on=D(2025, 3, 13), goals="Stay out of trouble",
                               planned_sessions=8, target_end_date=D(2025, 6, 13))
    PlanReview.objects.create(plan=plan, reviewed_on=D(2025, 4, 13), notes="Going well")
    record_assessment(by=None, episode=episode, assessed_on=D(2025, 3, 12), today=D(2025, 6, 30),
                      needs={"ete": 3}, child_view="I want to play football again", exploitation_risk="low")
    agree_plan(by=None, episode=episode, agreed_on=D(2025, 3, 13), today=D(2025, 6, 30), goals="Join a club",
               planned_sessions=10)
    own = Instrument.objects.create(organisation=personas.north, code="local-wellbeing", name="Local wellbeing",
                                    items=[{"code": "mood", "label": "Mood"}], min_score=0, max_score=4)
    MeasureScore.objects.create(episode=episode, instrument=self_ratings_instrument(), item="safe",
                                timepoint="start", taken_on=D(2025, 3, 12), value=6)
    MeasureScore.objects.create(episode=episode, instrument=own, item="mood", timepoint="start",
                                taken_on=D(2025, 3, 12), value=3)
    episode.offences.add(offence)
    episode.referral.offences.add(offence)
    record_complete_to(by=None, source=source, complete_to=D(2026, 1, 31))


def staff_move_to(organisation, personas):
    """The same people work in the new organisation (usernames carry allocation across)."""
    User.objects.filter(organisation=personas.north).update(organisation=organisation)


def new_org(slug="copy"):
    return create_organisation(by=None, name=f"Org {slug}", slug=slug)


def read(directory, name):
    return list(csv.DictReader((directory / name).open(encoding="utf-8")))


def test_export_then_import_into_an_empty_organisation_round_trips_exactly(north_records, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    counts = export_bundle(organisation=north_records.north, directory=first, now=NOW)
    assert (
        counts["children"] == 3 and counts["offences"] == 2 and counts["follow_up_checkpoints"] == 8
    )
    for name in ("assessments", "plans", "plan_reviews", "onward_referrals", "measure_scores", "instruments",
                 "episode_offences", "referral_offences", "teams", "team_programmes", "programme_funders"):
        assert counts[name] >= 1, name
    assert counts["data_source_completeness"] == 1 and counts["measure_scores"] == 2
    copy = new_org()
    staff_move_to(copy, north_records)
    result = import_bundle(by=north_records.performance_officer, organisation=copy, directory=first)
    assert result.ok and result.written and not result.notices, (result.problems, result.notices)
    export_bundle(organisation=copy, directory=second, now=NOW)
    for spec in SPECS:
        assert (first / spec.file_name).read_bytes() == (second / spec.file_name).read_bytes(), (
            spec.name
        )
    one, two = (json.loads((d / "manifest.json").read_text()) for d in (first, second))
    assert (one["organisation"], two["organisation"]) == ("north", "copy")
    assert one["files"] == two["files"] and one["version"] == 2
    assert [c["merged_into_id"] for c in read(second, "children.csv")] == ["", "", "1"]
    children = read(second, "children.csv")
    assert children[0]["worker_username"] == "worker_a" and children[0]["team_id"]
    assert read(second, "programme_funders.csv")[0]["commissioner_slug"] == "north-vru"
    assert {s["instrument_code"] for s in read(second, "measure_scores.csv")} == {"self-ratings", "local-wellbeing"}
    for name in ("assessments.csv", "plans.csv"):  # versions keep their chain
        assert [(r["version"], r["supersedes_id"], bool(r["superseded_at"])) for r in read(second, name)] == [
            ("1", "", True), ("2", "1", False)]
    batch = Batch.objects.get(organisation=copy, kind="bundle_import")
    assert AuditEvent.objects.filter(batch=batch).count() == 1


def test_values_are_not_altered_and_narratives_are_decrypted(north_records, tmp_path):
    export_bundle(organisation=north_records.north, directory=tmp_path, now=NOW)
    offences = read(tmp_path, "offences.csv")
    assert {o["description"] for o in offences} == {'Took a bike, "borrowed" it', "=SUM(A1:A2)"}
    assert read(tmp_path, "victims.csv")[0]["views"] == "Wants an apology\nand the bike back"
    assert read(tmp_path, "referrals.csv")[0]["child_id"] == "1"
    assert read(tmp_path, "arrests.csv")[0]["arrested_at"] == "2025-04-02T23:30:00+00:00"
    voided = next(o for o in offences if o["void_reason"])
    assert voided["voided_at"] and voided["child_id"] == "2"


def test_an_invalid_bundle_reports_every_problem_and_writes_nothing(north_records, tmp_path):
    export_bundle(organisation=north_records.north, directory=tmp_path, now=NOW)
    rows = read(tmp_path, "children.csv")
    rows[0]["date_of_birth"] = "14/03/2010"
    rows[1]["sex"] = "unknown-value"
    _write(tmp_path / "children.csv", rows)
    outcomes = read(tmp_path, "outcomes.csv")
    outcomes[0]["offence_id"] = "99"
    _write(tmp_path / "outcomes.csv", outcomes)
    copy = new_org()
    result = import_bundle(by=None, organisation=copy, directory=tmp_path)
    messages = [str(p) for p in result.problems]
    assert "children.csv, row 2, date_of_birth: must be a date like 2025-01-31" in messages
    assert any(m.startswith("children.csv, row 3, sex:") for m in messages)
    assert (
        "outcomes.csv, row 2, offence_id: There is no row with id 99 in offences.csv." in messages
    )
    assert not result.written and not Child.objects.filter(organisation=copy).exists()


def test_extra_columns_a_file_the_manifest_counts_and_versions_are_refused(north_records, tmp_path):
    export_bundle(organisation=north_records.north, directory=tmp_path, now=NOW)
    (tmp_path / "victims.csv").unlink()  # the manifest says it has a row
    text = (tmp_path / "arrests.csv").read_text().replace("released_at", "released").replace("source_id", "src")
    (tmp_path / "arrests.csv").write_text(text)
    rows = read(tmp_path, "children.csv")
    _write(tmp_path / "children.csv", [{k: v for k, v in r.items() if k != "date_of_birth"} for r in rows])
    messages = [
        str(p) for p in import_bundle(by=None, organisation=new_org(), directory=tmp_path).problems
    ]
    assert "victims.csv: The manifest says 1 rows; the file is missing." in messages
    assert ("arrests.csv, row 1, released, src: These columns are not part of the bundle format: "
            "released, src.") in messages
    assert "children.csv, row 1, date_of_birth: This column is missing (every row needs a value in it)." in messages
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["version"] = 99
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    problems = import_bundle(by=None, organisation=new_org("other"), directory=tmp_path).problems
    assert "version 2 bundle" in str(problems[0])


KEPT = ("programmes", "tiers", "teams", "data_sources", "offence_reference", "children", "referrals", "screenings", "offers", "episodes",
        "offences", "outcomes")


def small_bundle(north_records, directory):
    """North's bundle with only some files, no checkpoints, columns shuffled and optional ones left out."""
    export_bundle(organisation=north_records.north, directory=directory, now=NOW)
    for spec in SPECS:
        if spec.name not in KEPT:
            (directory / spec.file_name).unlink()
    (directory / "manifest.json").write_text(json.dumps({"format": "divert-bundle", "version": 2}))
    rows = read(directory, "children.csv")
    left_out = {"worker_username", "team_id", "merged_into_id", "voided_at", "void_reason"}
    _write(directory / "children.csv", [dict(reversed([(k, v) for k, v in r.items() if k not in left_out]))
                                        for r in rows])


def test_a_bundle_may_leave_out_files_and_optional_columns(north_records, tmp_path):
    small_bundle(north_records, tmp_path)
    copy = new_org()
    result = import_bundle(by=None, organisation=copy, directory=tmp_path)
    assert result.ok and result.written, result.problems
    assert result.counts["victims"] == 0 and result.counts["arrests"] == 0
    children = Child.objects.filter(organisation=copy).order_by("pk")
    assert children.count() == 3 and not any(c.team_id or c.merged_into_id for c in children)
    assert FollowUpCheckpoint.objects.filter(child__organisation=copy).exists()


def test_checkpoints_are_worked_out_from_offers_when_a_bundle_has_none(north_records, tmp_path):
    export_bundle(organisation=north_records.north, directory=tmp_path / "full", now=NOW)
    carried = read(tmp_path / "full", "follow_up_checkpoints.csv")
    small_bundle(north_records, tmp_path / "small")
    copy = new_org()
    result = import_bundle(by=None, organisation=copy, directory=tmp_path / "small")
    assert result.ok, result.problems
    worked_out = FollowUpCheckpoint.objects.filter(child__organisation=copy)
    assert result.counts["follow_up_checkpoints"] == worked_out.count() == len(carried)
    assert {(c["anchor"], c["anchor_date"], c["months"], c["due_on"], c["group"]) for c in carried} == {
        (c.anchor, c.anchor_date.isoformat(), str(c.months), c.due_on.isoformat(), c.group) for c in worked_out
    }
    assert any("were worked out from its offers" in str(n) for n in result.notices)


def test_a_bundle_goes_only_into_an_empty_organisation(north_records, tmp_path):
    export_bundle(organisation=north_records.north, directory=tmp_path, now=NOW)
    with pytest.raises(DomainError):
        import_bundle(by=None, organisation=north_records.north, directory=tmp_path)


def test_the_command_exports_checks_and_imports(north_records, tmp_path):
    out = StringIO()
    call_command("bundle", "export", str(tmp_path), "--org", "north", stdout=out)
    assert "keep it secure" in out.getvalue()
    copy = new_org()
    call_command("bundle", "import", str(tmp_path), "--org", "copy", "--dry-run", stdout=StringIO())
    assert not Child.objects.filter(organisation=copy).exists()
    call_command("bundle", "import", str(tmp_path), "--org", "copy", stdout=StringIO())
    assert Child.objects.filter(organisation=copy).count() == 3
    rows = read(tmp_path, "children.csv")
    rows[0]["police_only"] = "maybe"
    _write(tmp_path / "children.csv", rows)
    new_org("third")
    err = StringIO()
    with pytest.raises(CommandError, match="nothing was written"):
        call_command(
            "bundle", "import", str(tmp_path), "--org", "third", stdout=StringIO(), stderr=err
        )
    assert "children.csv, row 2, police_only: must be true or false" in err.getvalue()


def _write(path, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def test_workers_unknown_to_the_importing_organisation_are_left_blank_with_a_notice(north_records, tmp_path):
    export_bundle(organisation=north_records.north, directory=tmp_path, now=NOW)
    copy = new_org()
    result = import_bundle(by=None, organisation=copy, directory=tmp_path)
    assert result.ok and result.written
    notices = [str(n) for n in result.notices]
    assert "children.csv, row 2, worker_username: No user 'worker_a' in this organisation: left blank." in notices
    assert not Child.objects.filter(organisation=copy, worker__isnull=False).exists()
    assert Child.objects.filter(organisation=copy, team__isnull=False).exists()  # teams travel with the bundle


def test_an_unknown_instrument_is_a_problem(north_records, tmp_path):
    export_bundle(organisation=north_records.north, directory=tmp_path, now=NOW)
    scores = read(tmp_path, "measure_scores.csv")
    scores[0]["instrument_code"] = "no-such-measure"
    _write(tmp_path / "measure_scores.csv", scores)
    problems = [str(p) for p in import_bundle(by=None, organisation=new_org(), directory=tmp_path).problems]
    assert problems == ["measure_scores.csv, row 2, instrument_code: The instrument 'no-such-measure' is not in "
                        "instruments.csv or Divert's own instruments."]


def test_every_relation_a_bundle_file_carries_is_declared():
    for spec in SPECS:
        for f in spec.model._meta.concrete_fields:
            if isinstance(f, m.ForeignKey) and f.name not in NOT_CARRIED:
                assert f.name in spec.refs or f.name in spec.codes, (spec.name, f.name)


@pytest.mark.django_db
def test_a_manifest_that_is_not_a_json_object_is_a_problem_not_a_crash(north_records, tmp_path):
    export_bundle(organisation=north_records.north, directory=tmp_path, now=NOW)
    (tmp_path / "manifest.json").write_text("[]")
    result = import_bundle(by=None, organisation=new_org(), directory=tmp_path)  # fails: AttributeError
    assert not result.ok and not result.written


@pytest.mark.django_db
def test_a_bundle_outcome_whose_child_is_not_its_offences_child_is_refused(north_records, tmp_path):
    """The police import never files a child's outcome under another child's offence; a
    bundle checked 'like the police import' must not let one in either."""
    export_bundle(organisation=north_records.north, directory=tmp_path, now=NOW)
    offences = {o["id"]: o for o in read(tmp_path, "offences.csv")}
    outcomes = read(tmp_path, "outcomes.csv")
    children = [c["id"] for c in read(tmp_path, "children.csv")]
    first = outcomes[0]
    owner = offences[first["offence_id"]]["child_id"]
    first["child_id"] = next(c for c in children if c != owner)
    _write(tmp_path / "outcomes.csv", outcomes)
    result = import_bundle(by=None, organisation=new_org(), directory=tmp_path)
    assert not result.written  # fails: written, the outcome now belongs to a different child
