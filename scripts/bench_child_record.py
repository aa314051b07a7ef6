#!/usr/bin/env python
"""Benchmark the child record of a child with five years of history.

Run against a loaded database (ideally the national-size synthetic dataset on PostgreSQL):

    DATABASE_URL=postgres://... DIVERT_ENV=demo .venv/bin/python scripts/bench_child_record.py [--repeat 30]

Inside one transaction that is rolled back at the end (the database is left as it was), it
records, through the actions, a child of the largest caseload's worker with five years of
support: 200 sessions with notes, 50 contacts (when contacts exist), 10 versions of the
assessment and of the plan, plan reviews and onward referrals, then closure. It prints the
median and 90th-percentile time of the child record over repeated requests (in-process,
through the full middleware stack), the number of SQL queries, and the same for a child
with a short history (which must be the same number of queries). It prints figures; it
asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "divert.settings")
os.environ.setdefault("DIVERT_ENV", "demo")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from divert.accounts.models import Role, User  # noqa: E402
from divert.casework import actions as cw  # noqa: E402
from divert.people.actions import create_child  # noqa: E402
from divert.people.models import Child  # noqa: E402
from divert.referrals import actions as ref  # noqa: E402

NOTE = "We talked about school, his friends and what he wants to do next. " * 6


def timed(client: Client, url: str, repeat: int) -> tuple[float, float, float, int]:
    """Median and p90 in milliseconds, the median CPU time of this process (the database's
    own time left out, and less swayed by a busy machine) and the query count of one request."""
    client.get(url)  # warm caches
    statements: list[str] = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    samples, cpu = [], []
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        client.get(url)
        samples.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    samples.sort()
    return (statistics.median(samples), samples[max(int(len(samples) * 0.9) - 1, 0)], statistics.median(cpu),
            len(statements))


def child_with_history(worker, *, today: dt.date, years: int, sessions: int, contacts: int, versions: int,
                       first_name: str) -> Child:
    """A child of `worker`'s team supported for `years` years, recorded through the actions."""
    programme = worker.teams.first().programmes.first()
    start = today - dt.timedelta(days=365 * years)
    child = create_child(
        by=worker, organisation=worker.organisation, today=today, confirmed_not_duplicate=True,
        first_name=first_name, last_name="Benchmark",
        date_of_birth=start - dt.timedelta(days=365 * max(programme.min_age, 12) + 30),
        sex="male", ethnicity="WBRI", area_code=(programme.area_codes or [""])[0],
    )
    source = (programme.referral_sources or ["police_cr"])[0]
    r = ref.create_referral(by=worker, child=child, programme=programme, source=source, received_on=start,
                            today=today, reason="Referred after an arrest for criminal damage.")
    ref.screen_referral(by=worker, referral=r, decision="support", tier=programme.tiers.order_by("number").first(),
                        decided_on=start + dt.timedelta(days=1), today=today, concerns=["school_absence"],
                        notes="School says he misses most Mondays.")
    offer = ref.offer_support(by=worker, referral=r, offered_on=start + dt.timedelta(days=2), today=today)
    ref.record_consent(by=worker, offer=offer, child_decision="accepted", parent_decision="accepted",
                       decided_on=start + dt.timedelta(days=3), today=today)
    r.refresh_from_db()
    episode = r.episode
    first = episode.start_date
    span = (today - first).days - 1
    for i in range(versions):
        day = first + dt.timedelta(days=span * i // max(versions, 1))
        cw.record_assessment(by=worker, episode=episode, assessed_on=day, today=today,
                             needs={"education": i % 4, "peers": (i + 1) % 4}, child_view=NOTE,
                             strengths="Boxing", exploitation_risk="low", summary=NOTE)
        plan = cw.agree_plan(by=worker, episode=episode, agreed_on=day, today=today, goals=NOTE,
                             planned_sessions=60, target_end_date=today + dt.timedelta(days=30))
        cw.review_plan(by=worker, plan=plan, reviewed_on=day, today=today, notes=NOTE)
        cw.make_onward_referral(by=worker, episode=episode, service="mentoring", referred_on=day, today=today)
    for i in range(sessions):
        cw.record_session(by=worker, episode=episode, date=first + dt.timedelta(days=span * i // sessions),
                          today=today, type="one_to_one", attendance="attended", duration_minutes=60,
                          place="youth_centre", topics=["emotions", "education"], notes=NOTE)
    record_contact = getattr(cw, "record_contact", None)  # contacts land in another change
    if record_contact is not None:
        for i in range(contacts):
            day = first + dt.timedelta(days=span * i // max(contacts, 1))
            record_contact(by=worker, child=child, now=timezone.now(), type="phone", with_whom="parent_carer",
                           contacted_at=timezone.make_aware(dt.datetime.combine(day, dt.time(10))),
                           duration_minutes=10, summary=NOTE)
    return child


def main() -> None:
    """Build, measure, print, roll back."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    worker = (User.objects.filter(role_grants__role=Role.CASE_WORKER, is_active=True, teams__isnull=False)
              .annotate(caseload_size=Count("caseload")).order_by("-caseload_size").first())
    if worker is None:
        sys.exit("No case worker in a team: load data first (divert demo or divert generate).")
    today = timezone.localdate()
    print(f"Database: {connection.vendor}; children: {Child.objects.count():,}")
    with transaction.atomic():
        started = time.perf_counter()
        long = child_with_history(worker, today=today, years=5, sessions=200, contacts=50, versions=10,
                                  first_name="Fiveyears")
        short = child_with_history(worker, today=today, years=1, sessions=3, contacts=3, versions=1,
                                   first_name="Oneyear")
        print(f"Built the two children in {time.perf_counter() - started:.1f} s "
              f"(contacts {'recorded' if hasattr(cw, 'record_contact') else 'not in this version'})\n")
        client = Client()
        client.force_login(worker)
        # A trivial view on the same machine, so figures from a busy machine can be compared.
        baseline, _, _, _ = timed(client, "/health/", args.repeat)
        print(f"{'page':<32} {'median ms':>10} {'p90 ms':>8} {'CPU ms':>8} {'queries':>8} {'x trivial':>10}")
        for label, url in (("/health/ (trivial)", "/health/"),
                           ("short history (3 sessions)", f"/children/{short.pk}/"),
                           ("five years (200 sessions)", f"/children/{long.pk}/")):
            median, p90, cpu, queries = timed(client, url, args.repeat)
            print(f"{label:<32} {median:>10.1f} {p90:>8.1f} {cpu:>8.1f} {queries:>8} {median / baseline:>10.1f}")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
