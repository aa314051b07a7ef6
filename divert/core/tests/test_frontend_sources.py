"""The files scripts/build-assets.sh copies as they are match their sources in frontend/: a fix made
only in divert/static would be undone by the next `make assets`."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(("source", "built"), [
    ("frontend/init.js", "divert/static/divert/js/init.js"),
    ("frontend/print.css", "divert/static/divert/css/print.css"),
    ("frontend/favicon.svg", "divert/static/divert/images/favicon.svg"),
])
def test_copied_front_end_files_match_their_sources(source, built):
    assert (ROOT / source).read_bytes() == (ROOT / built).read_bytes(), f"{built} differs from {source}"
