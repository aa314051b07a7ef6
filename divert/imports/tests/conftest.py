"""Fixtures for the import tests: a police data source in the north organisation."""

from __future__ import annotations

import datetime as dt

import pytest

from divert.imports.actions import get_or_create_source, import_police_file

TODAY = dt.date(2025, 6, 30)


@pytest.fixture
def source(personas):
    """North's crime outcomes source."""
    return get_or_create_source(by=None, organisation=personas.north, name="Police crime outcomes")


@pytest.fixture
def custody_source(personas):
    """North's custody releases source."""
    return get_or_create_source(by=None, organisation=personas.north, name="Police custody releases",
                                kind="custody_releases")


@pytest.fixture(autouse=True)
def import_dir(tmp_path, settings):
    """Keep error files in a temporary folder."""
    settings.DIVERT_IMPORT_DIR = str(tmp_path / "imports")
    return tmp_path / "imports"


@pytest.fixture
def run_import(personas, source):
    """Import CSV bytes into north's source as the performance officer."""
    def run(data: bytes, *, name="extract.csv", into=None, complete_to=dt.date(2025, 5, 31), today=TODAY,
            **options):
        return import_police_file(
            by=personas.performance_officer, organisation=personas.north, source=into or source,
            file_name=name, data=data, complete_to=complete_to, today=today, **options,
        )

    return run
