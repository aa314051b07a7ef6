"""Benchmark the measures page (/kpis/) on a database that already holds (synthetic) data:
cold (computed and stored), served from the store, and N people opening it at once.
Prints medians; not a test.

    DATABASE_URL=postgres://divert:divert@127.0.0.1:5432/divert_national DIVERT_ENV=test \\
        .venv/bin/python scripts/bench_measures_page.py [--org SLUG] [--as board_member] [--concurrency 10]

Requests go through Django's whole stack (middleware, the view, the template) with the test
client, signed in with a signed-cookie session made here, so nothing but the page's own
stored report is written: no session row, no sign-in record. The organisation is the
largest (most children) unless --org names one; the person is its service manager (the
figures as computed) or, with --as board_member, its board member (the published,
suppressed figures). The page asked for is the one they open first (no query string).

Figures: cold (the stored report deleted and the caches cleared, so the page computes and
stores it), median of --repeat; served from the store, median of --served requests one
after another; and --concurrency processes (each its own Django, warmed up first) asking
at the same moment, --rounds times: the median and the slowest of all their requests.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "divert.settings")


def _setup():
    """Django with sessions in signed cookies (nothing written for signing in)."""
    # Imported here, not at the top: Django and Divert load only after the environment above
    # is set and django.setup() has run.
    import django
    from django.conf import settings

    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    django.setup()


def _client(user_id: int):
    """A test client signed in as the user through a signed-cookie session."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.test import Client

    from divert.accounts.models import User

    user = User.objects.get(pk=user_id)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[-1]  # allauth's (axes' finds no one)
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


def _get(client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    seconds = time.perf_counter() - started
    if response.status_code != 200 or b"Figures worked out at" not in response.content:
        raise SystemExit(f"{url} answered {response.status_code} without figures")
    return seconds


def _person(user_id: int, url: str, barrier, rounds: int, out) -> None:
    """One person in its own process: warm up, then ask when everyone asks."""
    _setup()
    client = _client(user_id)
    _get(client, url)  # the first request loads the URL configuration and templates
    for _ in range(rounds):
        barrier.wait()
        out.put(_get(client, url))


def main() -> None:
    """Cold, served and concurrent timings of the measures page; print medians."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--org", help="Organisation slug (default: the one with the most children).")
    parser.add_argument("--as", dest="role", default="service_manager", choices=["service_manager", "board_member"])
    parser.add_argument("--url", default="/kpis/", help="The page (default /kpis/: the one people open first).")
    parser.add_argument("--repeat", type=int, default=3, help="Cold runs (median).")
    parser.add_argument("--served", type=int, default=10, help="Requests served from the store, one after another.")
    parser.add_argument("--concurrency", type=int, default=10, help="People asking at the same moment.")
    parser.add_argument("--rounds", type=int, default=3, help="Times they all ask at once.")
    args = parser.parse_args()

    _setup()
    from django.core.cache import cache
    from django.db import connections
    from django.db.models import Count
    from django.utils import timezone

    from divert.accounts.models import Organisation, RoleGrant
    from divert.kpis.models import StoredReport
    from divert.kpis.store import wanted

    orgs = Organisation.objects.all()
    org = (orgs.get(slug=args.org) if args.org
           else orgs.annotate(n=Count("children")).order_by("-n").first())
    if org is None:
        raise SystemExit("No organisation: generate data first (divert generate).")
    grant = RoleGrant.objects.filter(user__organisation=org, role=args.role, user__is_active=True).first()
    if grant is None:
        raise SystemExit(f"{org.slug} has no active {args.role}.")
    client = _client(grant.user_id)
    print(f"{org.slug} ({org.children.count():,} children) as {args.role}, {args.url}")

    _get(client, args.url)  # warm up (URL configuration, templates); stores the report if missing
    default = [r for _, r, _, _ in wanted([org], timezone.localdate())][0 if args.role == "service_manager" else 2]
    key = default.key
    if args.url != "/kpis/":
        key = StoredReport.objects.order_by("-computed_at").values_list("key", flat=True).first()
    cold = []
    for _ in range(args.repeat):
        StoredReport.objects.filter(key=key).delete()
        cache.clear()
        cold.append(_get(client, args.url))
    print(f"cold (computed and stored): median {statistics.median(cold):.2f} s of {len(cold)}")

    served = [_get(client, args.url) for _ in range(args.served)]
    print(f"served from the store: median {statistics.median(served) * 1000:.0f} ms of {len(served)}")

    connections.close_all()  # each process opens its own
    ctx = mp.get_context("fork")
    barrier, out = ctx.Barrier(args.concurrency), ctx.Queue()
    people = [ctx.Process(target=_person, args=(grant.user_id, args.url, barrier, args.rounds, out))
              for _ in range(args.concurrency)]
    for p in people:
        p.start()
    times = [out.get(timeout=600) for _ in range(args.concurrency * args.rounds)]
    for p in people:
        p.join()
    print(f"{args.concurrency} at once, {args.rounds} rounds: median {statistics.median(times) * 1000:.0f} ms, "
          f"slowest {max(times) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
