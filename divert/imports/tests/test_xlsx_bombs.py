"""A workbook that unpacks to far more than its size (a "zip bomb") is refused before it
is parsed, and reading any workbook keeps the task worker's memory bounded.

The 0.9 MB workbook that unpacks to about 900 MB is made here, in a temporary folder,
never committed. Memory is measured in a fresh process (ru_maxrss), not by timing.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from django.conf import settings

from divert.imports.parsing import FileRefused, read_table
from divert.imports.tests.files import OUTCOME_HEADINGS, outcome_row, to_xlsx

SHEET = "xl/worksheets/sheet1.xml"
CELL = b"<c/>"  # an empty cell: the pattern deflate packs best (about 1,000 to 1)


def write_bomb(path: Path, *, unpacked_mb: int = 900) -> Path:
    """A valid police extract workbook whose second row has enough cells to unpack to
    `unpacked_mb` MB: a parser that builds the row holds all of them at once."""
    template = zipfile.ZipFile(io.BytesIO(to_xlsx([OUTCOME_HEADINGS, list(outcome_row().values())])))
    sheet = template.read(SHEET).decode()
    head = sheet.split('<row r="2">')[0]
    tail = "</sheetData>" + sheet.split("</sheetData>")[1]
    block = CELL * (1024 * 1024 // len(CELL))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for item in template.infolist():
            if item.filename != SHEET:
                bomb.writestr(item, template.read(item))
        with bomb.open(SHEET, "w", force_zip64=True) as out:
            out.write(head.encode() + b'<row r="2">')
            for _ in range(unpacked_mb):
                out.write(block)
            out.write(b"</row>" + tail.encode())
    return path


MEASURE = """
import json, resource, sys, django
# A safety net for the machine running the tests: a runaway reader dies at 4 GB.
resource.setrlimit(resource.RLIMIT_AS, (4 * 1024**3, 4 * 1024**3))
django.setup()
from divert.imports.validation import validate_file
data = open(sys.argv[1], "rb").read()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
result = validate_file("extract.xlsx", data, source_kind="crime_outcomes", today=__import__("datetime").date(2025, 6, 30))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"growth_mb": (after - before) / 1024, "peak_mb": after / 1024, "refused": result.refused,
                  "problems": [str(p) for p in result.errors][:3]}))
"""


def measure(path: Path) -> dict:
    """Check a file in a fresh process; its memory growth (MB) and the answer."""
    environment = {**os.environ, "DIVERT_ENV": "test", "DJANGO_SETTINGS_MODULE": "divert.settings"}
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", MEASURE, str(path)], env=environment, capture_output=True, text=True,
        check=True, cwd=settings.PROJECT_DIR,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> Path:
    return write_bomb(tmp_path_factory.mktemp("bomb") / "bomb.xlsx")


def test_the_bomb_is_small_and_unpacks_to_about_900_mb(bomb):
    assert bomb.stat().st_size < 1_000_000
    with zipfile.ZipFile(bomb) as archive:
        assert archive.getinfo(SHEET).file_size > 900 * 1024 * 1024


def test_the_bomb_is_refused_before_it_is_parsed_with_a_clear_message(bomb):
    with pytest.raises(FileRefused, match="unpacks to"):
        read_table("extract.xlsx", bomb.read_bytes())


def test_checking_the_bomb_keeps_the_workers_memory_bounded(bomb):
    seen = measure(bomb)
    assert seen["refused"]
    assert seen["growth_mb"] < 300, seen
