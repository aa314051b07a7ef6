"""Benchmark the board pack on a database that already holds (synthetic) data. Prints
figures; not a test.

    DATABASE_URL=postgres://.../divert_demo DIVERT_ENV=test .venv/bin/divert generate --scale demo
    DATABASE_URL=... DIVERT_ENV=test .venv/bin/python scripts/bench_pack.py [--org SLUG] [--repeat 3]

Figures printed (seconds, median of --repeat runs, and the first run where a cache is
involved): the same quarter's measures alone (compute_report with the previous-quarter and
last-year comparisons, unsuppressed), the pack unsuppressed, the pack suppressed (the
publication audit; its result is cached, so later runs show the cached cost), and the page
(/reports/pack/) for a service manager and a board member through the test client, with
its query count and size; and the ratio of the pack to the measures alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "divert.settings")


def _time(fn, repeat: int) -> tuple[float, float]:
    """(first run, median of all runs) in seconds."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return runs[0], statistics.median(runs)


def main() -> None:
    """Time the measures alone, the pack both ways and the page; print medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--org", help="Organisation slug (default: the one with the most children).")
    parser.add_argument("--quarter", default="2025-26Q1")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    # Imported here, not at the top: Django and Divert load only after the environment above
    # is set and django.setup() has run.
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    from divert.accounts.models import Organisation, Role, User
    from divert.kpis.engine import compute_report
    from divert.kpis.periods import parse_period, publication_day
    from divert.reports.pack import build_pack

    setup_test_environment()
    quarter = parse_period(args.quarter)
    orgs = Organisation.objects.annotate(n=Count("children")).order_by("-n")
    org = orgs.get(slug=args.org) if args.org else orgs.first()
    day = publication_day(quarter)
    print(f"{org.name} ({org.n} children), {quarter.label}, as at {day}")
    alone = _time(lambda: compute_report(organisations=[org], period=quarter, as_at=day), args.repeat)
    print(f"measures alone (with comparisons): first {alone[0]:.2f} s, median {alone[1]:.2f} s")
    plain = _time(lambda: build_pack(organisations=[org], quarter=quarter, suppress=False), args.repeat)
    print(f"pack, unsuppressed: first {plain[0]:.2f} s, median {plain[1]:.2f} s "
          f"(ratio to the measures alone {plain[1] / alone[1]:.1f})")
    hidden = _time(lambda: build_pack(organisations=[org], quarter=quarter, suppress=True), args.repeat)
    print(f"pack, suppressed: first {hidden[0]:.2f} s, median {hidden[1]:.2f} s (the audit is cached after the first)")
    today = timezone.localdate()
    for role in (Role.SERVICE_MANAGER, Role.BOARD_MEMBER):
        user = User.objects.filter(organisation=org, role_grants__role=role).first()
        if user is None:
            print(f"page: no {role.label.lower()} in {org.name}")
            continue
        client = Client()
        client.force_login(user)
        url = f"/reports/pack/?quarter={quarter.cli}"
        if role == Role.BOARD_MEMBER and day > today:
            print(f"page: {quarter.label} is not yet published for a board member")
            continue
        with CaptureQueriesContext(connection) as queries:
            page = _time(lambda c=client: c.get(url), 1)
        response = client.get(url)
        again = _time(lambda c=client: c.get(url), args.repeat)
        print(f"page as {role.label.lower()}: status {response.status_code}, {len(response.content) / 1024:.0f} KB, "
              f"{len(queries)} queries; first {page[0]:.2f} s, median of later {again[1]:.2f} s")


if __name__ == "__main__":
    main()
