"""`divert serve` and `divert demo` seal the audit chain on a schedule."""

import time

import pytest

from divert.audit.chain import verify_chain
from divert.audit.models import AuditEvent
from divert.audit.schedule import seal_now, start_sealing


def test_the_scheduled_run_seals_every_organisations_events(personas):
    assert AuditEvent.objects.filter(seal_id__isnull=True).exists()
    sealed = seal_now()
    assert sealed == AuditEvent.objects.count()
    assert not AuditEvent.objects.filter(seal_id__isnull=True).exists()
    for organisation in (personas.north, personas.south, None):
        assert verify_chain(organisation=organisation).ok
    assert seal_now() == 0  # nothing new: nothing sealed


@pytest.mark.django_db(transaction=True)
def test_the_sealing_thread_seals_and_stops(personas):
    stop = start_sealing(every=0.05)
    try:
        for _ in range(200):
            if not AuditEvent.objects.filter(seal_id__isnull=True).exists():
                break
            time.sleep(0.05)
    finally:
        stop.set()
    assert not AuditEvent.objects.filter(seal_id__isnull=True).exists()
