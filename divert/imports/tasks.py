"""Background tasks: a confirmed web upload runs here (django-tasks, database queue)."""

from __future__ import annotations

import logging
from pathlib import Path

from django.utils import timezone
from django_tasks import task

from divert.imports.actions import check_police_file, import_police_file
from divert.imports.models import ImportRun

log = logging.getLogger(__name__)


def _stored_upload(run, path: Path) -> bytes | None:
    """The uploaded file waiting for this run, or None (and the run failed) if it has gone."""
    try:
        return path.read_bytes()
    except OSError:
        log.warning("import %s: the stored upload is missing", run.pk)
        ImportRun.objects.filter(pk=run.pk).update(status=ImportRun.Status.FAILED, stage="",
                                                   finished_at=timezone.now())
        return None


def _show_progress(run_id: int, rows: int) -> None:
    ImportRun.objects.filter(pk=run_id).update(stage=f"Checking rows: {rows:,} read")


@task()
def check_upload(run_id: int) -> str:
    """Check every row of an uploaded file (writing nothing) so the person can see the problems."""
    run = ImportRun.objects.select_related("source", "mapping").get(pk=run_id)
    if run.status != ImportRun.Status.CHECKING:
        return run.status
    path = Path(run.stored_path)
    data = _stored_upload(run, path)
    if data is None:
        return ImportRun.Status.FAILED

    def progress(stage: str, done: int, total: int | None) -> None:
        _show_progress(run.pk, done)

    validation = check_police_file(source=run.source, file_name=run.file_name, data=data,
                                   today=timezone.localdate(), mapping=run.mapping, progress=progress)
    run.rows_read = validation.rows_read
    run.rows_rejected = len(validation.rejected)
    run.problems = [p.as_list() for p in validation.problems[:5000]]
    run.stage = ""
    if not validation.may_import(valid_rows_only=run.valid_rows_only):
        run.status = ImportRun.Status.REFUSED
        run.finished_at = timezone.now()
        path.unlink(missing_ok=True)
        run.stored_path = ""
    else:
        run.status = ImportRun.Status.PREVIEWED
    run.save()
    return run.status


@task()
def run_import(run_id: int) -> str:
    """Run a confirmed import from its stored upload, then delete the upload."""
    run = ImportRun.objects.select_related("organisation", "source", "mapping", "uploaded_by").get(pk=run_id)
    if run.status != ImportRun.Status.QUEUED:
        return run.status
    path = Path(run.stored_path)
    data = _stored_upload(run, path)
    if data is None:
        return ImportRun.Status.FAILED

    def progress(stage: str, done: int, total: int | None) -> None:
        # Only the checking stage runs outside the write transaction, so only it can be seen.
        if stage == "Checking rows":
            _show_progress(run.pk, done)

    try:
        run, _ = import_police_file(
            by=run.uploaded_by, organisation=run.organisation, source=run.source, file_name=run.file_name,
            data=data, complete_to=run.complete_to, today=timezone.localdate(), mapping=run.mapping,
            valid_rows_only=run.valid_rows_only, progress=progress, run=run,
        )
    except Exception:  # noqa: BLE001 - the run is marked failed; the error's text may quote a row
        return ImportRun.Status.FAILED
    finally:
        path.unlink(missing_ok=True)
        ImportRun.objects.filter(pk=run.pk).update(stored_path="")
    return run.status
