"""Benchmark the KPI engine: the full measure set for each organisation in a database that
already holds (synthetic) data, and the floor: one full scan of the outcomes table on the
same machine. Prints figures; not a test.

    # a city over five years (demo scale) on PostgreSQL
    DATABASE_URL=postgres://divert:divert@127.0.0.1:5432/divert_kpis_bench DIVERT_ENV=demo \\
        .venv/bin/python manage.py generate --scale demo --years 5
    DATABASE_URL=... DIVERT_ENV=demo .venv/bin/python scripts/bench_kpis.py \\
        --period 2025-26Q1 --as-at 2025-07-31 [--org kingsmere] [--repeat 3] [--no-changes]

Without --org it times every organisation in the database, one after the other (the
national dataset's "all organisations" figure); --workers N times them with N processes
instead (wall clock).
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
    """Time compute_report per organisation and a full outcomes scan; print the ratio."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--org", action="append", help="Organisation slug (default: every organisation).")
    parser.add_argument("--period", default="2025-26Q1")
    parser.add_argument("--as-at", default="2025-07-31")
    parser.add_argument("--repeat", type=int, default=3, help="Runs per organisation (best and median shown).")
    parser.add_argument("--no-changes", action="store_true", help="Skip previous-period and last-year comparisons.")
    parser.add_argument("--workers", type=int, default=1,
                        help="Time all organisations with this many processes (wall clock) instead of one by one.")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from divert.accounts.models import Organisation
    from divert.kpis.engine import compute_report
    from divert.kpis.periods import parse_period
    from divert.offending.models import Outcome

    period = parse_period(args.period)
    as_at = dt.date.fromisoformat(args.as_at)
    orgs = Organisation.objects.order_by("slug")
    if args.org:
        orgs = orgs.filter(slug__in=args.org)
    orgs = list(orgs)
    print(f"Database: {connection.vendor}; period {period.label}; as at {as_at}; "
          f"{'without' if args.no_changes else 'with'} period comparisons")

    # The floor: one full scan of the outcomes table (an aggregate over every row).
    scans = []
    for _ in range(max(3, args.repeat)):
        start = time.perf_counter()
        Outcome.objects.aggregate(n=django.db.models.Count("pk"), last=django.db.models.Max("outcome_date"))
        scans.append(time.perf_counter() - start)
    scan = min(scans)
    print(f"Outcomes: {Outcome.objects.count():,} rows; full scan {scan * 1000:.1f} ms (best of {len(scans)})")

    total = 0.0
    for org in orgs if args.workers == 1 else []:
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                start = time.perf_counter()
                report = compute_report(organisations=[org], period=period, as_at=as_at,
                                        with_changes=not args.no_changes)
                times.append(time.perf_counter() - start)
        total += min(times)
        print(f"{org.slug:30} {len(report.measures):3} measures  best {min(times) * 1000:8.1f} ms  "
              f"median {statistics.median(times) * 1000:8.1f} ms  {len(queries.captured_queries)} queries  "
              f"ratio to scan {min(times) / scan:7.1f}")
    if len(orgs) > 1 and args.workers == 1:
        print(f"All {len(orgs)} organisations: {total:.2f} s (sum of best runs); ratio to one scan {total / scan:.1f}")
    if args.workers > 1:
        from multiprocessing import get_context

        connection.close()
        jobs = [(o.slug, args.period, args.as_at, not args.no_changes) for o in orgs]
        start = time.perf_counter()
        with get_context("fork").Pool(args.workers) as pool:
            pool.map(_one, jobs)
        wall = time.perf_counter() - start
        print(f"All {len(orgs)} organisations with {args.workers} processes: {wall:.2f} s wall clock; "
              f"ratio to one scan {wall / scan:.1f}")


def _one(job) -> float:
    """Compute one organisation's report in a worker process (its own connection)."""
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
