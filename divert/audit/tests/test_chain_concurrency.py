"""On PostgreSQL, sealers of one organisation take turns; nothing else waits for them."""

import datetime as dt
import threading

import pytest
from django.db import connection, transaction

from divert.audit.actions import record_event
from divert.audit.chain import seal_events, verify_chain

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks are a PostgreSQL matter"
)

NOW = dt.datetime(2025, 6, 30, 12, 0, tzinfo=dt.UTC)


def _in_thread(target, *args):
    results = {}

    def run():
        try:
            results["value"] = target(*args)
        finally:
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, results


def _view(personas, organisation):
    child = personas.child_a if organisation == personas.north else personas.other_org_child
    return record_event(by=None, verb="viewed_child", obj=child, child=child)


@pytest.mark.django_db(transaction=True)
def test_a_second_sealer_waits_then_chains_onto_the_new_seal(personas):
    seal_events(organisation=personas.north, now=NOW)
    seal_events(organisation=personas.south, now=NOW)
    _view(personas, personas.north)
    _view(personas, personas.south)
    holding, release = threading.Event(), threading.Event()

    def seal_and_hold():
        with transaction.atomic():
            seal = seal_events(organisation=personas.north, now=NOW)
            holding.set()
            release.wait(10)
        return seal

    holder, held = _in_thread(seal_and_hold)
    assert holding.wait(5)
    try:
        # Page views and other organisations' sealers carry on while north is being sealed.
        viewer, _ = _in_thread(_view, personas, personas.north)
        viewer.join(5)
        assert not viewer.is_alive()
        south, south_result = _in_thread(lambda: seal_events(organisation=personas.south, now=NOW))
        south.join(5)
        assert not south.is_alive() and south_result["value"].sequence == 2
        # A second north sealer waits for the first.
        north, north_result = _in_thread(lambda: seal_events(organisation=personas.north, now=NOW))
        north.join(0.5)
        assert north.is_alive()
    finally:
        release.set()
    holder.join(5)
    north.join(5)
    assert held["value"].sequence == 2
    third = north_result["value"]
    assert third.sequence == 3 and third.previous_hash == held["value"].hash
    assert third.event_count == 1
    assert verify_chain(organisation=personas.north).ok
    assert verify_chain(organisation=personas.south).ok
