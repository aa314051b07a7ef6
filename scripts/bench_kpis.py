"""Benchmark the KPI engine on a database that already holds (synthetic) data, against the
floor: one full scan of the outcomes table on the same machine. Prints figures; not a test.

    # a city over five years (demo scale) on PostgreSQL: the city report with comparisons
    DATABASE_URL=postgres://divert:divert@127.0.0.1:5432/divert_city DIVERT_ENV=test \\
        .venv/bin/divert generate --scale demo
    DATABASE_URL=... DIVERT_ENV=test .venv/bin/python scripts/bench_kpis.py --org kingsmere --repeat 5

    # the national dataset: every organisation, batched (compute_reports) and one by one
    DATABASE_URL=postgres://divert:divert@127.0.0.1:5432/divert_national DIVERT_ENV=test \\
        .venv/bin/divert generate --scale national
    DATABASE_URL=... DIVERT_ENV=test .venv/bin/python scripts/bench_kpis.py [--workers 2] [--skip-per-org]

Figures printed: the full scan of outcomes (median of 5); per organisation (with --org) the
report with previous-period and last-year comparisons, best and median; without --org, all
organisations' reports (a) batched: compute_reports, every measure for all organisations in
one grouped query (median of --batched-repeat runs), and (b) one organisation at a time
(compute_report per organisation; the sum of single runs, or with --workers N the wall clock
of N processes); each with its ratio to the scan. --connections N runs the batched way's
groups of measures side by side on N database connections.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "divert.settings")


def main() -> None:
    """Time the scan, then the reports; print medians and ratios."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--org", action="append", help="Organisation slug (default: every organisation).")
    parser.add_argument("--period", default="2025-26Q1")
    parser.add_argument("--as-at", default="2025-07-31")
    parser.add_argument("--repeat", type=int, default=3, help="Runs per organisation with --org (best and median).")
    parser.add_argument("--batched-repeat", type=int, default=1, help="Runs of the batched all-organisations report.")
    parser.add_argument("--no-changes", action="store_true", help="Skip previous-period and last-year comparisons.")
    parser.add_argument("--workers", type=int, default=1,
                        help="Time the one-by-one way with this many processes (wall clock) instead of a sum.")
    parser.add_argument("--connections", type=int, default=1,
                        help="Batched way: run groups of measures side by side on this many database connections.")
    parser.add_argument("--skip-per-org", action="store_true",
                        help="Without --org: time only the batched way (the one-by-one way takes minutes).")
    args = parser.parse_args()

    # Imported here, not at the top: Django and Divert load only after the environment above
    # is set and django.setup() has run (settings are read once, models need the registry).
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count, Max
    from django.test.utils import CaptureQueriesContext

    from divert.accounts.models import Organisation
    from divert.kpis.engine import compute_report, compute_reports
    from divert.kpis.periods import parse_period
    from divert.offending.models import Outcome

    period = parse_period(args.period)
    as_at = dt.date.fromisoformat(args.as_at)
    changes = not args.no_changes
    orgs = Organisation.objects.order_by("slug")
    if args.org:
        orgs = orgs.filter(slug__in=args.org)
    orgs = list(orgs)
    print(f"Database: {connection.vendor}; period {period.label}; as at {as_at}; "
          f"{'with' if changes else 'without'} period comparisons; {len(orgs)} organisation(s)")

    # The floor: one full scan of the outcomes table (an aggregate over every row).
    scans = []
    for _ in range(5):
        start = time.perf_counter()
        Outcome.objects.aggregate(n=Count("pk"), last=Max("outcome_date"))
        scans.append(time.perf_counter() - start)
    scan = statistics.median(scans)
    print(f"Outcomes: {Outcome.objects.count():,} rows; full scan median {scan * 1000:.1f} ms "
          f"(best {min(scans) * 1000:.1f} ms, 5 runs)")

    if args.org:
        for org in orgs:
            times = []
            for _ in range(args.repeat):
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    report = compute_report(organisations=[org], period=period, as_at=as_at, with_changes=changes)
                    times.append(time.perf_counter() - start)
            median = statistics.median(times)
            print(f"{org.slug:30} {len(report.measures):3} measures  best {min(times) * 1000:8.1f} ms  "
                  f"median {median * 1000:8.1f} ms  {len(queries.captured_queries)} queries  "
                  f"ratio of median to scan {median / scan:7.1f}")
        return

    batched = []
    for _ in range(args.batched_repeat):
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            reports = compute_reports(orgs, period=period, as_at=as_at, with_changes=changes,
                                      connections=args.connections)
            batched.append(time.perf_counter() - start)
    median = statistics.median(batched)
    print(f"All {len(orgs)} organisations, batched (compute_reports, {args.connections} connection(s)): "
          f"median {median:.2f} s "
          f"(best {min(batched):.2f} s, {len(batched)} run(s)), "
          f"{f'{len(queries.captured_queries)} queries, ' if args.connections == 1 else ''}"
          f"{sum(len(r.measures) for r in reports.values()):,} measures; ratio to one scan {median / scan:.1f}")
    if args.skip_per_org:
        return

    if args.workers == 1:
        total = 0.0
        for org in orgs:
            start = time.perf_counter()
            compute_report(organisations=[org], period=period, as_at=as_at, with_changes=changes)
            total += time.perf_counter() - start
        print(f"All {len(orgs)} organisations one at a time: {total:.2f} s (sum of single runs); "
              f"ratio to one scan {total / scan:.1f}")
    else:
        # Imported here, not at the top: Django and Divert load only after the environment above
        # is set and django.setup() has run (settings are read once, models need the registry).
        from multiprocessing import get_context

        connection.close()
        jobs = [(o.slug, args.period, args.as_at, changes) for o in orgs]
        start = time.perf_counter()
        with get_context("fork").Pool(args.workers) as pool:
            pool.map(_one, jobs)
        wall = time.perf_counter() - start
        print(f"All {len(orgs)} organisations one at a time with {args.workers} processes: {wall:.2f} s wall clock; "
              f"ratio to one scan {wall / scan:.1f}")


def _one(job) -> float:
    """Compute one organisation's report in a worker process (its own connection)."""
    # Imported here, not at the top: Django and Divert load only after the environment above
    # is set and django.setup() has run (settings are read once, models need the registry).
    import datetime as dt_

    from django.db import connection

    from divert.accounts.models import Organisation
    from divert.kpis.engine import compute_report
    from divert.kpis.periods import parse_period

    slug, period, as_at, changes = job
    start = time.perf_counter()
    compute_report(organisations=[Organisation.objects.get(slug=slug)], period=parse_period(period),
                   as_at=dt_.date.fromisoformat(as_at), with_changes=changes)
    connection.close()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
