#!/usr/bin/env python
"""Benchmark the worker's main pages: "my work" and the child record.

Run against a loaded database (ideally the national-size synthetic dataset on PostgreSQL):

    DATABASE_URL=postgres://... DIVERT_ENV=demo .venv/bin/python scripts/bench_pages.py [--repeat 30]

Prints the median and 90th-percentile response time of each page over repeated requests
(in-process, through the full middleware stack), the number of SQL queries for the
smallest and the largest caseload (which must not grow with caseload size), and the ratio
to a trivial view (/health/) on the same machine. It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "divert.settings")
os.environ.setdefault("DIVERT_ENV", "demo")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402

from divert.accounts.models import Role, User  # noqa: E402
from divert.people.models import Child  # noqa: E402


def timed(client: Client, url: str, repeat: int) -> tuple[float, float, int]:
    """Median and p90 in milliseconds, and the query count of one request."""
    client.get(url)  # warm caches
    # Count with an execute wrapper: Django clears the query log when a request starts.
    statements: list[str] = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.9) - 1], len(statements)


def main() -> None:
    """Measure and print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    workers = (
        User.objects.filter(role_grants__role=Role.CASE_WORKER, is_active=True)
        .annotate(caseload_size=Count("caseload")).filter(caseload_size__gt=0).order_by("caseload_size")
    )
    smallest, largest = workers.first(), workers.last()
    if largest is None:
        sys.exit("No case worker with a caseload: load data first (divert generate).")
    print(f"Database: {connection.vendor}; children: {Child.objects.count():,}; "
          f"case workers with caseloads: {workers.count():,}")
    print(f"Smallest caseload: {smallest.caseload_size}; largest: {largest.caseload_size}\n")

    rows = []
    for label, user in (("smallest caseload", smallest), ("largest caseload", largest)):
        client = Client()
        client.force_login(user)
        child = Child.objects.filter(worker=user).annotate(n=Count("episodes")).order_by("-n", "id").first()
        for page, url in (("/health/ (trivial)", "/health/"), ("my work", "/my-work/"),
                          ("child record", f"/children/{child.pk}/")):
            median, p90, queries = timed(client, url, args.repeat)
            rows.append((label, page, median, p90, queries))
    baseline = {label: m for label, page, m, _, _ in rows if page.startswith("/health/")}
    print(f"{'caseload':<18} {'page':<20} {'median ms':>10} {'p90 ms':>8} {'queries':>8} {'x trivial':>10}")
    for label, page, median, p90, queries in rows:
        print(f"{label:<18} {page:<20} {median:>10.1f} {p90:>8.1f} {queries:>8} {median / baseline[label]:>10.1f}")


if __name__ == "__main__":
    main()
