#!/usr/bin/env python
"""Benchmark the data-quality page and the board pack's data-quality summary.

Run against a loaded database (the demo, or the national-size synthetic dataset on PostgreSQL):

    DIVERT_ENV=demo .venv/bin/python scripts/bench_quality.py [--repeat 10] [--period 2025-26Q1]

Prints, for a performance officer, a service manager and a team manager of the largest
organisation, the median and 90th-percentile time of the page, of its CSV and of one list of
children, with the number of SQL queries (a fixed number, whatever the number of children);
then the median time of `data_quality_summary` per organisation. It prints figures; it asserts nothing.
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


def main() -> None:
    """Measure and print."""
    # Imported here, after django.setup() (the models need the app registry).
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone

    from divert.accounts.models import Organisation, Role, User
    from divert.kpis.periods import parse_period
    from divert.reports.quality import data_quality_summary, default_period

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--period", default="")
    args = parser.parse_args()
    period = parse_period(args.period) if args.period else default_period(timezone.localdate())

    statements: list[str] = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    def timed(call) -> tuple[float, float, int]:
        call()  # warm caches
        statements.clear()
        with connection.execute_wrapper(count):
            call()
        queries = len(statements)
        samples = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            call()
            samples.append((time.perf_counter() - start) * 1000)
        samples.sort()
        return statistics.median(samples), samples[max(0, int(len(samples) * 0.9) - 1)], queries

    organisations = Organisation.objects.annotate(n=Count("children")).order_by("-n")
    largest = organisations.first()
    if largest is None:
        sys.exit("No organisation: load data first (divert demo --no-serve, or divert generate).")
    print(f"Database: {connection.vendor}; largest organisation: {largest.name} ({largest.n:,} children); "
          f"period {period.label}\n")
    print(f"{'user':<22} {'page':<26} {'median ms':>10} {'p90 ms':>8} {'queries':>8}")
    query = f"period={period.cli}"
    for role in (Role.PERFORMANCE_OFFICER, Role.SERVICE_MANAGER, Role.TEAM_MANAGER):
        user = User.objects.filter(organisation=largest, role_grants__role=role, is_active=True).first()
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        for label, url in (("data quality", f"/reports/data-quality/?{query}"),
                           ("data quality CSV", f"/reports/data-quality/?{query}&format=csv"),
                           ("children: end ratings", f"/reports/data-quality/children/?{query}&check=end_ratings")):
            def get(url=url, client=client):
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)
            median, p90, queries = timed(get)
            print(f"{user.username:<22} {label:<26} {median:>10.1f} {p90:>8.1f} {queries:>8}")
    print(f"\n{'organisation':<40} {'summary median ms':>18} {'queries':>8}")
    for organisation in organisations:
        median, _, queries = timed(lambda o=organisation: data_quality_summary(o, period))
        print(f"{organisation.name:<40} {median:>18.1f} {queries:>8}")


if __name__ == "__main__":
    main()
