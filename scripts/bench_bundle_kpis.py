"""Time `divert kpis --bundle` and `divert tracker --bundle` on a one-child bundle.

    DIVERT_ENV=demo .venv/bin/python scripts/bench_bundle_kpis.py [RUNS]

Writes a bundle with one child (every file present, so older versions read it too), runs
each command RUNS times (default 5) in a fresh process, as an operator would, and prints
the median wall-clock and CPU seconds (CPU is what a loaded machine does not
inflate). A benchmark script, not a timed test.
"""

from __future__ import annotations

import csv
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

AT = "2024-01-10T09:00:00+00:00"
ROWS = {
    "programmes": [{"id": "1", "name": "Diversion", "slug": "diversion", "kind": "diversion", "min_age": "10",
                    "max_age": "17", "area_codes": "[]", "referral_sources": "[]", "exclusions": "[]",
                    "once_only": "false", "parent_consent_under": "16", "screening_days": "5",
                    "custody_contact_hours": "24", "first_contact_days": "10", "active": "true"}],
    "data_sources": [{"id": "1", "name": "Crime outcomes", "kind": "crime_outcomes", "complete_to": "2025-06-30"}],
    "children": [{"id": "1", "first_name": "Sam", "last_name": "Example", "date_of_birth": "2010-05-01",
                  "sex": "female", "ethnicity": "WBRI", "police_only": "false", "recorded_at": AT}],
    "referrals": [{"id": "1", "child_id": "1", "programme_id": "1", "source": "police_cr",
                   "received_on": "2024-01-10", "eligibility": "eligible", "stage": "accepted", "recorded_at": AT}],
    "offers": [{"id": "1", "referral_id": "1", "offered_on": "2024-01-15", "child_decision": "accepted",
                "parent_decision": "accepted", "recorded_at": AT}],
}


def write_bundle(directory: Path) -> None:
    """One child, offered support; every other file present with its header only."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "divert.settings")
    # Imported here, not at the top: Django and Divert load only after the environment above
    # is set and django.setup() has run (settings are read once, models need the registry).
    import django

    django.setup()
    from divert.imports.bundle import FORMAT, SPECS, VERSION

    files = {}
    for spec in SPECS:
        rows = ROWS.get(spec.name, [])
        columns = spec.columns()
        with (directory / spec.file_name).open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
        files[spec.file_name] = {"rows": len(rows), "columns": columns}
    manifest = {"format": FORMAT, "version": VERSION, "organisation": "bench", "files": files}
    (directory / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def timed(args: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds (the command and the process it starts) of one run."""
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "divert.cli", *args],  # noqa: S603 - our own module
                          capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode:
        sys.exit(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return elapsed, (after.ru_utime + after.ru_stime) - (cpu.ru_utime + cpu.ru_stime)


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    with tempfile.TemporaryDirectory(prefix="divert-bench-") as folder:
        bundle = Path(folder)
        write_bundle(bundle)
        commands = {"kpis --bundle": ["kpis", "--bundle", str(bundle), "--period", "2024-25Q1", "--as-at",
                                      "2025-06-30", "--format", "json", "--no-changes"]}
        if "--bundle" in subprocess.run([sys.executable, "-m", "divert.cli", "tracker", "--help"],  # noqa: S603
                                        capture_output=True, text=True, check=False).stdout:
            commands["tracker --bundle"] = ["tracker", "--bundle", str(bundle), "--as-at", "2025-06-30",
                                            "--format", "json"]
        for name, args in commands.items():
            runs_ = [timed(args) for _ in range(runs)]
            walls, cpus = [w for w, _ in runs_], [c for _, c in runs_]
            print(f"{name}: median {statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s CPU "
                  f"over {runs} runs (wall: {', '.join(f'{t:.2f}' for t in walls)})")


if __name__ == "__main__":
    main()
