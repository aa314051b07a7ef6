#!/usr/bin/env python
"""Time another organisation's ids against never-used ids, page by page. Prints figures; not a test.

    DIVERT_ENV=test .venv/bin/python scripts/bench_scope_timing.py [--repeat 31] [--persona worker_a]

It builds a throwaway SQLite database (migrated, then the attack tests' two organisations:
personas, a child through the whole pathway in each, an import, reference data), signs
in as a persona of the north organisation, and requests every page and API endpoint that
takes an id, alternating south's real id and an id never used, `--repeat` times each. It
prints the median of each and their ratio. `tests/security/test_tenancy.py` checks the
deterministic part (same status, same body, same number of SQL queries); this shows the
time itself, which also includes noise from the machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "divert.settings")
os.environ.setdefault("DIVERT_ENV", "test")
_TMP = tempfile.mkdtemp(prefix="divert-bench-scope-")
os.environ["DIVERT_SQLITE_PATH"] = str(Path(_TMP) / "bench.sqlite3")
os.environ.pop("DATABASE_URL", None)  # always a throwaway database, never a real one

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402


def _median_ms(client: Client, url: str, headers: dict, samples: list[float]) -> None:
    start = time.perf_counter()
    client.get(url, **headers)
    samples.append((time.perf_counter() - start) * 1000)


def main() -> None:
    """Build the data, time each URL, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=31)
    parser.add_argument("--persona", default="worker_a",
                        help="A north persona: worker_a, team_manager, service_manager, performance_officer, ...")
    args = parser.parse_args()

    # Imported here, not at the top: Django and Divert load only after the environment above
    # is set and django.setup() has run (settings are read once, models need the registry).
    import logging

    logging.getLogger("django.request").setLevel(logging.ERROR)  # every request here is a 404 or 403
    logging.getLogger("axes").setLevel(logging.WARNING)
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.DIVERT_IMPORT_DIR = str(Path(_TMP) / "imports")
    call_command("migrate", verbosity=0)

    # Imported here, not at the top: Django and Divert load only after the environment above
    # is set and django.setup() has run (settings are read once, models need the registry).
    from conftest import make_personas
    from tests.security import conftest as sec
    from tests.security.test_tenancy import API_ID_OPERATIONS, API_KINDS, PAGE_ID_ROUTES

    personas = make_personas()
    south_team = personas.other_org_worker.teams.get()
    from divert.accounts import actions as acc
    from divert.accounts.models import Role

    programme = acc.create_programme(by=None, organisation=personas.south, name="Youth support",
                                     slug="youth-support", tiers=[("Standard", 10, 12)])
    south_team.programmes.add(programme)
    officer = acc.create_user(by=None, username="south_officer", password=None,
                              roles=[Role.PERFORMANCE_OFFICER], organisation=personas.south)
    south = sec.build_side(organisation=personas.south, worker=personas.other_org_worker, officer=officer,
                           team=south_team, programme=programme, first=sec.SOUTH_FIRST, last=sec.SOUTH_LAST,
                           local_id=sec.SOUTH_LOCAL_ID, police_id=sec.SOUTH_POLICE_ID)
    user = personas.all_users()[args.persona]
    client = Client()
    client.force_login(user)
    never = {k: sec.NEVER_USED_ID for k in south.ids}

    urls: list[tuple[str, str, dict]] = []
    for route, _ in PAGE_ID_ROUTES:
        urls += [(a, b, {}) for a, b in zip(sec.expand(route, south.ids), sec.expand(route, never), strict=True)]
    headers = sec.bearer(user)
    for path, method in API_ID_OPERATIONS:
        if method == "get":
            kind = API_KINDS[path.split("/")[2]]
            urls.append((path.replace("{id}", str(south.ids[kind])),
                         path.replace("{id}", str(sec.NEVER_USED_ID)), headers))

    print(f"Persona: {args.persona}; {len(urls)} URLs; {args.repeat} requests each; database: SQLite\n")
    print(f"{'URL (with south ids)':60} {'status':>6} {'theirs ms':>10} {'never ms':>9} {'ratio':>6}")
    ratios = []
    for theirs_url, never_url, extra in urls:
        client.get(theirs_url, **extra)
        client.get(never_url, **extra)  # warm both
        theirs, nevers = [], []
        for _ in range(args.repeat):  # alternate, so drift in the machine hits both alike
            _median_ms(client, theirs_url, extra, theirs)
            _median_ms(client, never_url, extra, nevers)
        a, b = statistics.median(theirs), statistics.median(nevers)
        ratios.append(a / b)
        status = client.get(theirs_url, **extra).status_code
        print(f"{theirs_url[:60]:60} {status:>6} {a:>10.2f} {b:>9.2f} {a / b:>6.2f}")
    print(f"\nMedian ratio theirs/never over {len(ratios)} URLs: {statistics.median(ratios):.3f} "
          f"(min {min(ratios):.3f}, max {max(ratios):.3f})")


if __name__ == "__main__":
    main()
