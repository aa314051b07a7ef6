"""Uploads, rejected-row files and bundles are readable by Divert's own user only."""

import os
import stat

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from divert.imports.bundle import export_bundle
from divert.imports.models import ImportErrorFile, ImportRun
from divert.imports.tests.files import outcome_row, to_csv
from divert.imports.tests.test_bundle import NOW, north_records  # noqa: F401 - a fixture


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def loose_umask(settings, tmp_path):
    """The usual umask, under which a plain open() makes world-readable files."""
    settings.DIVERT_IMPORT_DIR = tmp_path / "imports"
    before = os.umask(0o022)
    yield
    os.umask(before)


def _upload(client, source, rows, on_problems="valid_rows"):
    upload = SimpleUploadedFile("extract.csv", to_csv(rows), content_type="text/csv")
    client.post(reverse("imports:upload"), {
        "file": upload, "source": source.pk, "complete_to_0": "31", "complete_to_1": "5",
        "complete_to_2": "2025", "mapping": "", "on_problems": on_problems,
    })


def test_a_stored_upload_and_its_rejected_rows_are_private(client, personas, source, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default"]}}
    client.force_login(personas.performance_officer)
    _upload(client, source, [outcome_row("A", local_id="N-0001"), outcome_row("B", sex="Q")])
    run = ImportRun.objects.get()
    assert mode(run.stored_path) == 0o600
    assert mode(settings.DIVERT_IMPORT_DIR / "uploads") == 0o700
    client.post(reverse("imports:confirm", args=[run.pk]))
    error_file = ImportErrorFile.objects.get()
    assert mode(error_file.path) == 0o600
    assert mode(settings.DIVERT_IMPORT_DIR / "errors") == 0o700


def test_a_bundle_export_is_private(north_records, tmp_path):  # noqa: F811
    folder = tmp_path / "bundle"
    export_bundle(organisation=north_records.north, directory=folder, now=NOW)
    assert mode(folder) == 0o700
    assert {mode(path) for path in folder.iterdir()} == {0o600}
