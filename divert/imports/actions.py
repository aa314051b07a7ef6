"""Named actions for police imports: check a file, import it, review matches, save mappings.

An import checks every row before writing anything. By default nothing is written
unless the whole file is valid; with `valid_rows_only` the valid rows are written and the
rejected ones go to an error file. Writing happens in one transaction with one audit
batch, and ends by completing the organisation's follow-up checkpoints.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from divert.audit.actions import finish_batch, record_event, start_batch
from divert.audit.models import Batch
from divert.core.errors import DomainError
from divert.core.exports import safe_writer
from divert.core.files import open_private, private_folder
from divert.imports import formats
from divert.imports.followup import complete_checkpoints
from divert.imports.models import (
    ColumnMapping,
    ImportErrorFile,
    ImportRun,
    MatchReview,
    SourceOptions,
)
from divert.imports.validation import (
    NOTICE,
    ROW_MODELS,
    Problem,
    Validation,
    ValidRow,
    validate_file,
)
from divert.imports.writing import Writer
from divert.offending.actions import record_complete_to
from divert.offending.models import DataSource
from divert.people.models import Child

log = logging.getLogger(__name__)

Progress = Callable[[str, int, "int | None"], None]
DEFAULT_ERROR_FILE_DAYS = 14


class _DryRun(Exception):
    """Raised inside the write transaction to roll a dry run back."""


def import_dir() -> Path:
    """Where uploads waiting for confirmation and error files are kept (DIVERT_IMPORT_DIR)."""
    default = Path(settings.BASE_DIR).parent / "var" / "imports"
    return Path(getattr(settings, "DIVERT_IMPORT_DIR", default))


def error_file_days() -> int:
    """How long error files are kept (DIVERT_IMPORT_ERROR_FILE_DAYS)."""
    return int(getattr(settings, "DIVERT_IMPORT_ERROR_FILE_DAYS", DEFAULT_ERROR_FILE_DAYS))


# ---- Sources, mappings and options ------------------------------------------------------


def get_or_create_source(*, by, organisation, name: str, kind: str = "crime_outcomes") -> DataSource:
    """The organisation's data source of that name, created (and audited) the first time."""
    name = name.strip()
    if not name:
        raise DomainError("Name the data source.", field="source")
    source = DataSource.objects.filter(organisation=organisation, name=name).first()
    if source is not None:
        return source
    if kind not in formats.IMPORTABLE_KINDS:
        raise DomainError(f"Choose the kind of source: {', '.join(formats.IMPORTABLE_KINDS)}.", field="kind")
    with transaction.atomic():
        source = DataSource.objects.create(organisation=organisation, name=name, kind=kind)
        record_event(by=by, verb="created_data_source", obj=source, organisation=organisation,
                     details={"kind": kind})
    return source


@transaction.atomic
def save_column_mapping(*, by, organisation, name: str, mapping: dict[str, str]) -> ColumnMapping:
    """Save (or replace) a named map from a source's headings to Divert's columns."""
    name = name.strip()
    if not name:
        raise DomainError("Name the column mapping.", field="name")
    if not isinstance(mapping, dict) or not mapping:
        raise DomainError("A column mapping needs at least one heading.", field="mapping")
    unknown = sorted({str(v) for v in mapping.values()} - formats.ALL_COLUMNS)
    if unknown:
        raise DomainError(f"These are not Divert columns: {', '.join(unknown)}.", field="mapping")
    saved, created = ColumnMapping.objects.update_or_create(
        organisation=organisation, name=name,
        defaults={"mapping": {str(k): str(v) for k, v in mapping.items()}, "created_by": _user(by)},
    )
    record_event(by=by, verb="saved_column_mapping", obj=saved, organisation=organisation,
                 details={"created": created, "columns": len(mapping)})
    return saved


@transaction.atomic
def set_source_options(*, by, source: DataSource, community_resolution_programme=None,
                       custody_release_programme=None) -> SourceOptions:
    """Choose which programme new Community Resolutions and custody releases are referred to."""
    for programme in (community_resolution_programme, custody_release_programme):
        if programme is not None and programme.organisation_id != source.organisation_id:
            raise DomainError("The programme belongs to another organisation.")
    options, _ = SourceOptions.objects.update_or_create(source=source, defaults={
        "community_resolution_programme": community_resolution_programme,
        "custody_release_programme": custody_release_programme,
    })
    record_event(by=by, verb="set_import_options", obj=options, organisation=source.organisation_id,
                 details={"cr_programme": getattr(community_resolution_programme, "pk", None),
                          "custody_programme": getattr(custody_release_programme, "pk", None)})
    return options


# ---- Checking and importing -------------------------------------------------------------


def check_police_file(*, source: DataSource, file_name: str, data: bytes, today: dt.date,
                      mapping: ColumnMapping | None = None, progress: Progress | None = None) -> Validation:
    """Read and check every row of a file, writing nothing."""
    reading = (lambda n: progress("Checking rows", n, None)) if progress else None
    return validate_file(file_name, data, source_kind=source.kind, today=today,
                         mapping=mapping.mapping if mapping else None, progress=reading)


def start_run(*, by, organisation, source: DataSource, file_name: str, data: bytes, complete_to: dt.date,
              today: dt.date, mapping: ColumnMapping | None = None, valid_rows_only: bool = False,
              status: str = ImportRun.Status.RUNNING) -> ImportRun:
    """Record that an import has begun (outside the write transaction, so a failure is visible)."""
    if source.organisation_id != organisation.pk:
        raise DomainError("That data source belongs to another organisation.")
    if mapping is not None and mapping.organisation_id != organisation.pk:
        raise DomainError("That column mapping belongs to another organisation.")
    if source.kind not in formats.IMPORTABLE_KINDS:
        raise DomainError("Files cannot be imported into this kind of data source.")
    if complete_to > today:
        raise DomainError("The date the data is complete to cannot be in the future.", field="complete_to")
    return ImportRun.objects.create(
        organisation=organisation, source=source, mapping=mapping, file_name=Path(file_name).name[:255],
        sha256=hashlib.sha256(data).hexdigest(), complete_to=complete_to, valid_rows_only=valid_rows_only,
        uploaded_by=_user(by), status=status,
    )


def import_police_file(
    *,
    by,
    organisation,
    source: DataSource,
    file_name: str,
    data: bytes,
    complete_to: dt.date,
    today: dt.date,
    mapping: ColumnMapping | None = None,
    valid_rows_only: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    run: ImportRun | None = None,
) -> tuple[ImportRun, Validation]:
    """Check a police extract and, if it may be written, write it in one transaction.

    Returns the run (its status and counts) and the validation (every problem).
    """
    if run is None:
        run = start_run(by=by, organisation=organisation, source=source, file_name=file_name, data=data,
                        complete_to=complete_to, today=today, mapping=mapping,
                        valid_rows_only=valid_rows_only)
    else:
        run.status = ImportRun.Status.RUNNING
        run.save(update_fields=["status"])
    _stage(run, "Checking rows")
    validation = check_police_file(source=source, file_name=file_name, data=data, today=today,
                                   mapping=mapping, progress=progress)
    run.rows_read = validation.rows_read
    run.rows_rejected = len(validation.rejected)
    if not validation.may_import(valid_rows_only=valid_rows_only):
        return _finish(run, validation, ImportRun.Status.REFUSED), validation
    _stage(run, "Writing")
    log.info("import %s: writing %s valid rows for source %s", run.pk, len(validation.valid), source.pk)
    try:
        with transaction.atomic():
            writer = _write(by=by, organisation=organisation, source=source, run=run, rows=validation.valid,
                            complete_to=complete_to, today=today, progress=progress, dry_run=dry_run,
                            rejected=len(validation.rejected))
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    except Exception as exc:
        # The type only: a database error's message can quote a whole row (names, dates of birth).
        log.error("import %s failed (%s); nothing was written", run.pk, type(exc).__name__)
        run.batch = None
        _finish(run, validation, ImportRun.Status.FAILED)
        raise
    for child_id, message in writer.notices:
        validation.problems.append(Problem(None, None, f"No referral opened for child {child_id}: {message}", NOTICE))
    validation.problems.extend(Problem(None, None, message, NOTICE) for message in writer.file_notices)
    _count(run, writer)
    if dry_run:
        run.batch = None
        return _finish(run, validation, ImportRun.Status.DRY_RUN), validation
    if validation.rejected:
        write_error_file(run=run, validation=validation, today=today)
    return _finish(run, validation, ImportRun.Status.COMPLETE), validation


def _write(*, by, organisation, source, run, rows: list[ValidRow], complete_to, today, progress, dry_run,
           rejected: int = 0) -> Writer:
    # One import per source at a time: a second waits here rather than racing on references.
    source = DataSource.objects.select_for_update().get(pk=source.pk)
    batch = start_batch(kind=Batch.Kind.POLICE_IMPORT, organisation=organisation, by=_user(by),
                        description=f"Police import {run.pk} into source {source.pk}")
    options = SourceOptions.objects.filter(source=source).select_related(
        "community_resolution_programme", "custody_release_programme"
    ).first()
    writer = Writer(organisation=organisation, source=source, kind=formats.row_kind(source.kind), by=by,
                    batch=batch, run=run, today=today, options=options, progress=progress)
    assigned = writer.plan(rows)
    writer.write(assigned)
    writer.open_referrals()
    if rejected:
        # Rows left out are data missing from the source: it is not complete to the new date.
        stands = f"stays complete to {source.complete_to:%d/%m/%Y}" if source.complete_to else "has no 'complete to' date yet"
        writer.file_notices.append(
            f"{rejected} row{'s were' if rejected != 1 else ' was'} rejected, so '{source.name}' {stands}: "
            f"import the corrected rows with 'complete to' {complete_to:%d/%m/%Y} to move it."
        )
    elif not record_complete_to(by=by, source=source, complete_to=complete_to, batch=batch) and (
        complete_to < source.complete_to
    ):
        writer.file_notices.append(
            f"'{source.name}' was already complete to {source.complete_to:%d/%m/%Y}; that date stands."
        )
    checkpoint_counts = complete_checkpoints(by=by, organisation=organisation, today=today, batch=batch,
                                             children=writer.children_to_recheck)
    writer.counts["checkpoints_completed"] = checkpoint_counts["completed"]
    counts = {k: int(v) for k, v in writer.counts.items()}
    counts.update(read=len(rows), source=source.pk, import_run=run.pk)
    finish_batch(batch, counts=counts, verb="imported_police_file")
    if not dry_run:
        run.batch = batch
    return writer


def _count(run: ImportRun, writer: Writer) -> None:
    run.rows_created = writer.counts["created"]
    run.rows_updated = writer.counts["updated"]
    run.rows_unchanged = writer.counts["unchanged"]
    run.rows_queued = writer.counts["queued"]
    run.children_created = writer.counts["children_created"]
    run.referrals_opened = writer.counts["referrals_opened"]


def _stage(run: ImportRun, stage: str) -> None:
    run.stage = stage
    run.save(update_fields=["stage"])


def _finish(run: ImportRun, validation: Validation, status: str) -> ImportRun:
    run.status = status
    run.stage = ""
    run.finished_at = timezone.now()
    run.problems = [p.as_list() for p in validation.problems[:5000]]
    run.save()
    log.info("import %s finished: %s", run.pk, status)
    return run


# ---- Error files ------------------------------------------------------------------------

def write_error_file(*, run: ImportRun, validation: Validation, today: dt.date) -> ImportErrorFile:
    """Write the rejected rows (as read, plus their problems) to a CSV kept for a set number of days."""
    folder = private_folder(import_dir() / "errors")
    path = folder / f"{uuid.uuid4().hex}.csv"
    with open_private(path, "w", newline="", encoding="utf-8-sig") as handle:
        writer = safe_writer(handle)
        writer.writerow(["row", *validation.headings, "problems"])
        for rejected in validation.rejected:
            cells = list(rejected.cells) + [""] * (len(validation.headings) - len(rejected.cells))
            problems = "; ".join(f"{p.column + ': ' if p.column else ''}{p.message}" for p in rejected.problems)
            writer.writerow([rejected.row, *cells[: len(validation.headings)], problems])
    return ImportErrorFile.objects.create(
        run=run, path=str(path), rows=len(validation.rejected),
        expires_on=today + dt.timedelta(days=error_file_days()),
    )


def delete_expired_error_files(*, today: dt.date) -> int:
    """Delete error files past their expiry date; returns how many were deleted."""
    deleted = 0
    for error_file in ImportErrorFile.objects.filter(deleted_at__isnull=True, expires_on__lte=today):
        Path(error_file.path).unlink(missing_ok=True)
        error_file.deleted_at = timezone.now()
        error_file.save(update_fields=["deleted_at"])
        deleted += 1
    if deleted:
        record_event(by=None, verb="deleted_import_error_files", details={"count": deleted})
    return deleted


STALLED_HOURS = 6


def tidy_imports(*, today: dt.date, now: dt.datetime) -> dict[str, int]:
    """Delete expired error files and unconfirmed uploads; mark imports that stopped part-way.

    An upload nobody confirmed holds personal data: it goes after the same number of days
    as an error file. An import still 'running' hours later was stopped (its transaction
    rolled back, so nothing was written) and is marked failed.
    """
    counts = {"error_files": delete_expired_error_files(today=today), "uploads": 0, "stalled": 0}
    cutoff = now - dt.timedelta(days=error_file_days())
    for run in ImportRun.objects.exclude(stored_path="").filter(started_at__lt=cutoff).exclude(
        status__in=[ImportRun.Status.QUEUED, ImportRun.Status.RUNNING]
    ):
        Path(run.stored_path).unlink(missing_ok=True)
        if run.status in (ImportRun.Status.CHECKING, ImportRun.Status.PREVIEWED):
            run.status = ImportRun.Status.EXPIRED
        run.stored_path = ""
        run.save(update_fields=["stored_path", "status"])
        counts["uploads"] += 1
    counts["stalled"] = ImportRun.objects.filter(
        status__in=[ImportRun.Status.RUNNING, ImportRun.Status.QUEUED, ImportRun.Status.CHECKING],
        started_at__lt=now - dt.timedelta(hours=STALLED_HOURS),
    ).update(status=ImportRun.Status.FAILED, stage="Stopped part-way: nothing was written", finished_at=now)
    if counts["uploads"] or counts["stalled"]:
        record_event(by=None, verb="tidied_imports", details=counts)
    return counts


# ---- The review queue -------------------------------------------------------------------


@transaction.atomic
def resolve_match_review(*, by, review: MatchReview, decision: str, today: dt.date, child=None) -> MatchReview:
    """Decide a queued match: attach the rows to a child, record a new child, or discard them."""
    review = MatchReview.objects.select_for_update().get(pk=review.pk)
    if review.decision != MatchReview.Decision.PENDING:
        raise DomainError("This match has already been decided.")
    source = review.source
    kind = formats.row_kind(source.kind)
    if decision == MatchReview.Decision.MATCHED:
        if (child is None or child.organisation_id != review.organisation_id or child.merged_into_id
                or child.voided_at is not None):
            raise DomainError("Choose one of this organisation's children.", field="child")
    elif decision not in (MatchReview.Decision.NEW_CHILD, MatchReview.Decision.DISCARDED):
        raise DomainError("Choose whether to match, record a new child or discard.", field="decision")
    counts = {}
    notices: list[str] = []
    if decision != MatchReview.Decision.DISCARDED:
        model = ROW_MODELS[kind]
        rows = [ValidRow(r["row"], model.model_validate(r["data"])) for r in review.rows]
        batch = start_batch(kind=Batch.Kind.POLICE_IMPORT, organisation=review.organisation, by=_user(by),
                            description=f"Match review {review.pk}")
        if decision == MatchReview.Decision.NEW_CHILD:
            person = rows[0].data
            child = Child.objects.create(
                organisation=review.organisation, first_name=person.first_name, last_name=person.last_name,
                date_of_birth=person.date_of_birth, sex=person.sex, ethnicity=person.ethnicity,
                postcode=person.postcode, police_id=next((r.data.police_id for r in rows if r.data.police_id), ""),
                police_only=True, recorded_by=_user(by), batch=batch,
            )
        options = SourceOptions.objects.filter(source=source).first()
        writer = Writer(organisation=review.organisation, source=source, kind=kind, by=by, batch=batch,
                        run=review.run, today=today, options=options,
                        received_on=review.received_on or timezone.localtime(review.created_at).date())
        police_id = next((r.data.police_id for r in rows if r.data.police_id), "")
        if (decision == MatchReview.Decision.MATCHED and police_id and not child.police_id
                and not Child.objects.filter(organisation=review.organisation, police_id__iexact=police_id).exists()):
            writer.fill_police_ids({child.pk: police_id})
        writer.write(writer.plan(rows, assigned_child=child.pk))
        writer.open_referrals()
        counts = {k: int(v) for k, v in writer.counts.items()}
        checkpoints = complete_checkpoints(by=by, organisation=review.organisation, today=today, batch=batch,
                                           children=writer.children_to_recheck)
        counts["checkpoints_completed"] = checkpoints["completed"]
        finish_batch(batch, counts={**counts, "review": review.pk}, verb="wrote_reviewed_rows")
        notices = [*writer.file_notices, *(f"No referral opened: {message}" for _, message in writer.notices)]
    review.decision = decision
    review.child = child if decision != MatchReview.Decision.DISCARDED else None
    review.decided_by = _user(by)
    review.decided_at = timezone.now()
    review.save(update_fields=["decision", "child", "decided_by", "decided_at"])
    record_event(by=by, verb="resolved_match_review", obj=review, child=review.child,
                 organisation=review.organisation_id, details={"decision": decision, "counts": counts})
    review.notices = notices  # for the person deciding: e.g. why no referral was opened
    return review


def _user(by):
    return by if getattr(by, "pk", None) else None
