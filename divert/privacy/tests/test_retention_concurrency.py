"""On PostgreSQL, two retention runs of one organisation take turns: the second finds nothing."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from divert.privacy.actions import run_retention
from divert.privacy.models import Anonymisation, RetentionRun

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are a PostgreSQL matter"
)

AS_AT = dt.date(2040, 1, 1)


def _in_thread(target):
    results = {}

    def run():
        try:
            results["value"] = target()
        except Exception as error:  # noqa: BLE001 - reported by the test
            results["error"] = error
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, results


@pytest.mark.django_db(transaction=True)
def test_a_second_run_waits_then_finds_nothing_to_do(personas, pathway):
    holding, release = threading.Event(), threading.Event()

    def run_and_hold():
        with transaction.atomic():
            run = run_retention(by=None, organisation=personas.north, as_at=AS_AT)
            holding.set()
            release.wait(10)
        return run

    first, first_result = _in_thread(run_and_hold)
    assert holding.wait(10)
    try:
        second, second_result = _in_thread(
            lambda: run_retention(by=None, organisation=personas.north, as_at=AS_AT))
        second.join(1)
        assert second.is_alive(), "the second run should wait for the first"
        # Another organisation's run does not wait.
        south, south_result = _in_thread(
            lambda: run_retention(by=None, organisation=personas.south, as_at=AS_AT))
        south.join(10)
        assert not south.is_alive() and "error" not in south_result
    finally:
        release.set()
    first.join(10)
    second.join(10)
    assert "error" not in first_result and "error" not in second_result
    assert first_result["value"].children_total == 4
    assert second_result["value"].children_total == 0
    assert RetentionRun.objects.filter(organisation=personas.north).count() == 2
    # Screened out: anonymised by default (kept, with its offences, so figures still add up).
    assert Anonymisation.objects.filter(child_id=pathway["screened"].pk).exists()
