"""Shared set-up for the board pack's output tests: a small pack's worth of work."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from divert.kpis.periods import parse_period
from divert.kpis.tests import factories as f

Q1 = parse_period("2025-26Q1")
# After the quarter's publication day (31 July 2025): a pack may be published.
NOW = timezone.make_aware(dt.datetime(2025, 9, 1, 9, 0))
IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}


def some_work(personas, completed=(True, True, False), **kwargs) -> None:
    """Episodes ending in the quarter (KPI 6 counts them), recorded long before it."""
    for done in completed:
        f.episode(f.child(personas.north, dob=dt.date(2010, 1, 1)), personas.programme, dt.date(2025, 3, 1),
                  dt.date(2025, 5, 1), order_type="outcome_22", completed=done, **kwargs)
