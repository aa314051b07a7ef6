"""Benchmark the reoffending tracker for the largest organisation in a database that
already holds (synthetic) data. Prints figures; not a test.

    DATABASE_URL=postgres://divert:divert@127.0.0.1:5432/divert_national DIVERT_ENV=test \\
        .venv/bin/python scripts/bench_tracker.py [--org SLUG] [--as-at 2026-11-01] [--repeat 5]

"Largest" is the organisation with the most follow-up checkpoints. The national dataset's
encrypted fields use the test key, hence DIVERT_ENV=test. The target is under 1 second
for a city organisation.
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
    """Time `tracker()` for one organisation (the largest by default) and print best and median."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--org", help="Organisation slug (default: the one with the most checkpoints)."
    )
    parser.add_argument("--as-at", default=None, help="The 'as at' date (default: today).")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    # Imported here, not at the top: Django and Divert load only after the environment above
    # is set and django.setup() has run (settings are read once, models need the registry).
    import django

    django.setup()
    from django.db import connection
    from django.db.models import Count

    from divert.accounts.models import Organisation
    from divert.casework.models import FollowUpCheckpoint
    from divert.evaluation.tracker import tracker
    from divert.people.models import Child

    if args.org:
        organisation = Organisation.objects.get(slug=args.org)
    else:
        top = (
            FollowUpCheckpoint.objects.current()
            .values("child__organisation")
            .annotate(n=Count("pk"))
            .order_by("-n")
            .first()
        )
        if top is None:
            sys.exit("No follow-up checkpoints in this database.")
        organisation = Organisation.objects.get(pk=top["child__organisation"])
    as_at = dt.date.fromisoformat(args.as_at) if args.as_at else dt.date.today()
    children = Child.objects.filter(organisation=organisation).count()
    checkpoints = (
        FollowUpCheckpoint.objects.current().filter(child__organisation=organisation).count()
    )
    print(
        f"database: {connection.vendor}; organisation: {organisation.slug}; children: {children}; "
        f"checkpoints: {checkpoints}; as at {as_at.isoformat()}"
    )
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        result = tracker(organisation=organisation, as_at=as_at)
        times.append(time.perf_counter() - start)
    tracked = sum(
        t.participants.children_tracked + t.comparison.children_tracked
        for t in result.anchors[0].windows[0].tiers[:1]
    )
    print(f"children tracked at 3 months (offer anchor, tier a): {tracked}")
    print(
        f"tracker: best {min(times):.3f} s, median {statistics.median(times):.3f} s over {args.repeat} runs "
        f"(target < 1 s for a city)"
    )


if __name__ == "__main__":
    main()
