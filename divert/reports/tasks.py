"""Background tasks: making a pack's PDF, workbook or print page (django-tasks, database queue).

The file's row shows its progress (`stage`) while the worker computes the figures and draws
the file; the pack's page reads it. A published pack's file is checked against the SHA-256
kept when it was first made: the first file made sets it, every later one must match.
"""

from __future__ import annotations

import logging

from django.utils import timezone
from django_tasks import task

from divert.reports.models import PackFile, Publication
from divert.reports.outputs import render
from divert.reports.publication import digest, pack_of_file

log = logging.getLogger(__name__)

STAGES = {
    "pdf": "Drawing the PDF",
    "xlsx": "Writing the spreadsheet",
    "html": "Writing the page",
}


def _stage(file_id: int, text: str, **fields) -> None:
    PackFile.objects.filter(pk=file_id).update(stage=text, **fields)


def _check_published(file: PackFile, sha256: str) -> bool:
    """Keep the published file's SHA-256 the first time; afterwards the file must match it."""
    field = f"{file.format}_sha256"
    Publication.objects.filter(pk=file.publication_id, **{field: ""}).update(**{field: sha256})
    kept = Publication.objects.values_list(field, flat=True).get(pk=file.publication_id)
    return kept == sha256


def make_pack_files(file_ids: list[int]) -> list[str]:
    """Compute the pack once and draw each queued file of it (files queued together are of one
    pack); each file's row records its progress and result."""
    files = list(PackFile.objects.select_related(
        "organisation", "programme", "publication__organisation", "publication__programme",
    ).filter(pk__in=file_ids, status=PackFile.Status.QUEUED).order_by("pk"))
    if not files:
        return []
    ids = [f.pk for f in files]
    PackFile.objects.filter(pk__in=ids).update(status=PackFile.Status.RUNNING, stage="Computing the figures")
    try:
        pack = pack_of_file(files[0])
    except Exception:  # noqa: BLE001 - the files are marked failed; the log has ids only
        log.exception("pack files %s: computing the pack failed", ids)
        PackFile.objects.filter(pk__in=ids).update(status=PackFile.Status.FAILED, stage="",
                                                   finished_at=timezone.now())
        return [PackFile.Status.FAILED] * len(files)
    return [_draw(file, pack) for file in files]


def _draw(file: PackFile, pack: dict) -> str:
    """Draw one file from the computed pack and store it (or mark it failed)."""
    _stage(file.pk, STAGES[file.format])
    try:
        data = render(pack, file.format)
    except Exception:  # noqa: BLE001 - the file is marked failed; the log has the id only
        log.exception("pack file %s: drawing failed", file.pk)
        _stage(file.pk, "", status=PackFile.Status.FAILED, finished_at=timezone.now())
        return PackFile.Status.FAILED
    sha256 = digest(data)
    if file.publication_id and not _check_published(file, sha256):
        log.error("pack file %s: differs from publication %s as published", file.pk, file.publication_id)
        _stage(file.pk, "This copy differs from the pack as published", status=PackFile.Status.FAILED,
               finished_at=timezone.now(), sha256=sha256)
        return PackFile.Status.FAILED
    PackFile.objects.filter(pk=file.pk).update(
        status=PackFile.Status.READY, stage="", content=data, sha256=sha256, size=len(data),
        as_at=pack["as_at"], finished_at=timezone.now())
    return PackFile.Status.READY


@task()
def generate_pack_files(file_ids: list[int]) -> list[str]:
    """Make queued pack files of one pack (see `make_pack_files`)."""
    return make_pack_files(file_ids)
