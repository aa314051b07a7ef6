"""Files Divert writes are readable by its own user only: 0600 files in 0700 folders,
whatever the process umask."""

import os
import stat
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.management import call_command

from divert.core.files import open_private, private_folder, write_private_bytes, write_private_text


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture
def loose_umask():
    """The usual umask, under which a plain open() makes world-readable files."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def test_the_helpers_make_private_files_and_folders(tmp_path, loose_umask):
    folder = private_folder(tmp_path / "a" / "b")
    assert mode(folder) == 0o700
    assert mode(write_private_bytes(folder / "x.bin", b"x")) == 0o600
    assert mode(write_private_text(folder / "x.txt", "x")) == 0o600
    existing = folder / "old.csv"
    existing.write_text("old")
    assert mode(existing) == 0o644
    with open_private(existing, "w", newline="") as handle:
        handle.write("new")
    assert mode(existing) == 0o600 and existing.read_text() == "new"


def test_a_subject_access_export_is_private(personas, tmp_path, loose_umask):
    out = tmp_path / "export.json"
    call_command("sar", "--child", str(personas.child_a.pk), "--org", "north", "--format", "json", str(out),
                 "--by", "service_manager")
    assert mode(out) == 0o600


DATABASE_SCRIPT = """
import django
django.setup()
from django.test import Client
assert Client().get("/health/").status_code == 200
"""


def test_the_embedded_database_and_its_folder_are_private(tmp_path):
    database = tmp_path / "var" / "divert.sqlite3"
    environment = {**os.environ, "DIVERT_ENV": "test", "DJANGO_SETTINGS_MODULE": "divert.settings",
                   "DIVERT_SQLITE_PATH": str(database)}
    environment.pop("DATABASE_URL", None)
    subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", f"import os; os.umask(0o022); exec({DATABASE_SCRIPT!r})"],
        env=environment, check=True, cwd=settings.PROJECT_DIR, capture_output=True,
    )
    assert mode(database.parent) == 0o700
    assert mode(database) == 0o600
