"""A performance officer imports a police extract in a real browser, every page checked with axe."""

from __future__ import annotations

import datetime as dt

import pytest

from divert.imports.actions import get_or_create_source
from divert.imports.tests.files import outcome_row, to_csv

pytestmark = pytest.mark.browser


@pytest.fixture
def source(personas, settings, tmp_path):
    """North's crime outcomes source; tasks run at once and files go to a temporary folder."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                                  "QUEUES": ["default"]}}
    settings.DIVERT_IMPORT_DIR = str(tmp_path / "imports")
    return get_or_create_source(by=None, organisation=personas.north, name="Police crime outcomes")


def upload(page, path, complete_to: dt.date) -> None:
    """Fill in the upload form and send it."""
    page.set_input_files("#id_file", str(path))
    page.fill("#id_complete_to_0", str(complete_to.day))
    page.fill("#id_complete_to_1", str(complete_to.month))
    page.fill("#id_complete_to_2", str(complete_to.year))
    page.locator("#id_on_problems_0").check()


def test_officer_sees_problems_then_imports_a_clean_file(signed_in_page, source, assert_accessible, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes(to_csv([outcome_row("A", local_id="N-0001"),
                            outcome_row("B", local_id="N-0002", date_of_birth="31/02/2010")]))
    good = tmp_path / "good.csv"
    good.write_bytes(to_csv([outcome_row("A", local_id="N-0001"), outcome_row("B", local_id="N-0002")]))

    page = signed_in_page("performance_officer")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Police data").click()
    assert_accessible(page, "upload")
    upload(page, bad, dt.date(2025, 5, 31))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_text("is not a real date").first.wait_for()
    assert_accessible(page, "problems")
    assert "Nothing was written" in page.get_by_role("main").inner_text()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Police data").click()
    upload(page, good, dt.date(2025, 5, 31))
    page.get_by_role("button", name="Check the file").click()
    page.get_by_role("button", name="Import the file").wait_for()
    assert_accessible(page, "preview")
    page.get_by_role("button", name="Import the file").click()
    page.get_by_text("2 created", exact=False).first.wait_for()
    assert_accessible(page, "imported")
