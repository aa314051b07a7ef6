"""Sealing the audit chain on a timer inside `divert serve` and `divert demo`.

A deployment schedules `divert audit seal` (docs/operations.md); a single machine running
`divert serve` gets the same from a background thread, so the demo's trail is sealed too.
Kept deliberately small: a proper scheduler is a later piece of work.
"""

from __future__ import annotations

import logging
import threading

from django.db import connections
from django.utils import timezone

from divert.audit.chain import seal_every_chain

log = logging.getLogger(__name__)


def seal_now() -> int:
    """One run of the schedule: seal every chain; returns how many events were sealed."""
    seals = seal_every_chain(now=timezone.now())
    return sum(seal.event_count for seal in seals)


def start_sealing(*, every: float) -> threading.Event:
    """Seal now and then every `every` seconds in a background thread; set the event to stop."""
    stop = threading.Event()

    def run() -> None:
        while True:
            try:
                sealed = seal_now()
                if sealed:
                    log.info("Sealed %s audit event(s)", sealed)
            except Exception:  # noqa: BLE001 - a failed run must not end the schedule; the next one retries
                log.exception("Sealing the audit chain failed; it will be tried again")
            finally:
                connections.close_all()
            if stop.wait(every):
                return

    threading.Thread(target=run, name="divert-audit-sealer", daemon=True).start()
    return stop
