#!/usr/bin/env python
"""Benchmark "My work" for a caseload of 300 children (and of 25, to compare).

Run against a loaded database (ideally the national-size synthetic dataset on PostgreSQL):

    DATABASE_URL=postgres://... DIVERT_ENV=demo .venv/bin/python scripts/bench_my_work.py [--children 300] [--repeat 30]

Inside one transaction that is rolled back at the end (the database is left as it was), it
makes a new case worker in the team of the worker with the largest caseload and records,
through the actions, a caseload of children at every stage: referrals waiting for screening,
screened and offered, and open support with an assessment, a plan and sessions, some with
contacts and follow-up checks. It prints the median and 90th-percentile time of /my-work/ over
repeated requests (in-process, through the full middleware stack), the median CPU time, and the
number of SQL queries, for the first 25 children and for the whole caseload (which must be the
same number of queries). It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "divert.settings")
os.environ.setdefault("DIVERT_ENV", "demo")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import django  # noqa: E402

django.setup()

# After django.setup(): the models need the app registry.
from bench_child_record import timed  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from divert.accounts.models import Role, RoleGrant, User  # noqa: E402
from divert.casework import actions as cw  # noqa: E402
from divert.people.actions import create_child  # noqa: E402
from divert.people.models import Child  # noqa: E402
from divert.referrals import actions as ref  # noqa: E402


def a_child(worker, programme, *, i: int, today: dt.date) -> None:
    """Child number `i` of the caseload, at one of five stages (most with open support)."""
    received = today - dt.timedelta(days=10 + (i * 7) % 300)
    child = create_child(
        by=worker, organisation=worker.organisation, today=today, confirmed_not_duplicate=True,
        first_name=f"Case{i:03d}", last_name="Benchmark", worker=worker, team=worker.teams.first(),
        date_of_birth=today - dt.timedelta(days=365 * max(programme.min_age, 12) + 40 + i),
        sex="female" if i % 2 else "male", ethnicity="WBRI", area_code=(programme.area_codes or [""])[0],
    )
    source = (programme.referral_sources or ["police_cr"])[0]
    r = ref.create_referral(by=worker, child=child, programme=programme, source=source, received_on=received,
                            today=today, reason="Referred after an arrest.")
    stage = i % 5
    if stage == 0:
        return  # waiting for screening
    ref.screen_referral(by=worker, referral=r, decision="support", tier=programme.tiers.order_by("number").first(),
                        decided_on=received + dt.timedelta(days=1), today=today)
    if stage == 1:
        return  # screened, support to offer
    offer = ref.offer_support(by=worker, referral=r, offered_on=received + dt.timedelta(days=2), today=today)
    if stage == 2:
        return  # waiting for the child's answer
    ref.record_consent(by=worker, offer=offer, child_decision="accepted", parent_decision="accepted",
                       decided_on=received + dt.timedelta(days=3), today=today)
    r.refresh_from_db()
    episode = r.episode
    start = episode.start_date
    if stage == 4:
        cw.record_assessment(by=worker, episode=episode, assessed_on=start + dt.timedelta(days=5), today=today,
                             needs={"education": 2}, child_view="Fine", exploitation_risk="low")
        cw.agree_plan(by=worker, episode=episode, agreed_on=start + dt.timedelta(days=6), today=today,
                      goals="Back to school", planned_sessions=8,
                      target_end_date=today + dt.timedelta(days=(i % 40) - 10))
    for k in range(i % 4):
        cw.record_session(by=worker, episode=episode, date=min(start + dt.timedelta(days=7 * (k + 1)), today),
                          today=today, type="one_to_one", attendance="attended", duration_minutes=45,
                          topics=["education"], notes="Talked about school.")
    if i % 3 == 0:
        cw.record_contact(by=worker, child=child, now=timezone.now(), type="phone", with_whom="parent_carer",
                          contacted_at=timezone.now() - dt.timedelta(hours=i % 20), summary="A call home.",
                          episode=episode)


def main() -> None:
    """Build, measure, print, roll back."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    busiest = (User.objects.filter(role_grants__role=Role.CASE_WORKER, is_active=True, teams__isnull=False)
               .annotate(caseload_size=Count("caseload")).order_by("-caseload_size").first())
    if busiest is None:
        sys.exit("No case worker in a team: load data first (divert demo or divert generate).")
    today = timezone.localdate()
    print(f"Database: {connection.vendor}; children: {Child.objects.count():,}")
    with transaction.atomic():
        team = busiest.teams.first()
        worker = User.objects.create(username="bench.my-work", first_name="Bench", last_name="Worker",
                                     organisation=busiest.organisation)
        RoleGrant.objects.create(user=worker, role=Role.CASE_WORKER)
        worker.teams.add(team)
        programme = team.programmes.first()
        client = Client()
        client.force_login(worker)
        print(f"{'caseload':<22} {'median ms':>10} {'p90 ms':>8} {'CPU ms':>8} {'queries':>8}")
        built = 0
        for size in sorted({min(25, args.children), args.children}):
            started = time.perf_counter()
            while built < size:
                a_child(worker, programme, i=built, today=today)
                built += 1
            build = time.perf_counter() - started
            median, p90, cpu, queries = timed(client, "/my-work/", args.repeat)
            print(f"{f'{size} children':<22} {median:>10.1f} {p90:>8.1f} {cpu:>8.1f} {queries:>8}"
                  f"   (built in {build:.0f} s)")
        transaction.set_rollback(True)


if __name__ == "__main__":
    main()
