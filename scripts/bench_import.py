"""Benchmark the police import: parse-and-validate for CSV and XLSX, and the write stage
against PostgreSQL COPY of the same rows into a bare table. Prints figures; not a test.

    DATABASE_URL=postgres://divert:divert@127.0.0.1:5432/divert DIVERT_ENV=test \\
        .venv/bin/python scripts/bench_import.py [--rows 100000] [--no-xlsx]

It works in a throwaway test database (test_<name>), created and destroyed here. Without
DATABASE_URL it runs on SQLite and skips COPY.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "divert.settings")
os.environ.setdefault("DIVERT_ENV", "test")

HEADINGS = [
    "source_reference", "police_id", "local_id", "first_name", "last_name", "date_of_birth", "sex",
    "ethnicity", "postcode", "offence_reference", "offence_code", "offence_description", "committed_on",
    "gravity_score", "ho_outcome_type", "disposal", "outcome_date", "custody_release_date",
]
FIRST = ["Alex", "Sam", "Jamie", "Charlie", "Riley", "Jordan", "Casey", "Morgan", "Taylor", "Drew", "Kai", "Noah",
         "Olivia", "Amelia", "Isla", "Ava", "Leo", "Oscar", "Ivy", "Freya", "Mohammed", "Aisha", "Zara", "Theo"]
LAST = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Robinson",
        "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Khan", "Lewis"]
SYLLABLES = ["ba", "ke", "lo", "mi", "nu", "ra", "se", "ti", "vo", "wy", "da", "fe", "go", "hi", "ju",
             "ka", "le", "mo", "ne", "po"]
DISPOSALS = [("community_resolution", 8), ("outcome_22", 22), ("youth_caution", 2),
             ("youth_conditional_caution", 2), ("referral_order", 1), ("yro", 1)]


def make_rows(n: int, seed: int = 1) -> list[list[str]]:
    """n outcome rows for about n/5 children, deterministic."""
    rng = random.Random(seed)
    people = []
    for i in range(max(1, n // 5)):
        dob = dt.date(2007, 1, 1) + dt.timedelta(days=rng.randrange(0, 365 * 7))
        # Letters only (names are compared without digits): a distinct surname per child.
        # Varied first names too: children born on the same day with the same first name
        # and a similar surname are rightly queued for review, which is not what this measures.
        suffix = "".join(rng.choice(SYLLABLES) for _ in range(4))
        first = rng.choice(FIRST) + rng.choice(["", "-Mae", "-Jay", "-Lee", "-Rose", "-James", "-Ann", "-Ray"])
        people.append((f"PNC{i:07d}", first, f"{rng.choice(LAST)}-{suffix}", dob))
    rows = []
    for i in range(n):
        police_id, first, last, dob = people[i % len(people)]
        committed = dt.date(2022, 1, 1) + dt.timedelta(days=rng.randrange(0, 1000))
        disposal, ho = rng.choice(DISPOSALS)
        outcome = committed + dt.timedelta(days=rng.randrange(1, 90))
        rows.append([
            f"CO-{i:08d}", police_id, "", first, last, dob.strftime("%d/%m/%Y"), rng.choice("MF"), "WBRI",
            "NB1 2AA", f"CR/{i:08d}", "105/1", "Common assault", committed.strftime("%d/%m/%Y"),
            str(rng.randint(1, 4)), str(ho), disposal, outcome.isoformat(), "",
        ])
    return rows


def to_csv(rows) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADINGS)
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


def to_xlsx(rows) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADINGS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def timed(label: str, fn):
    start = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - start
    print(f"  {label:<44}{seconds:8.2f} s")
    return result, seconds


def main() -> None:
    """Generate the files, time each stage, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--no-xlsx", action="store_true")
    args = parser.parse_args()

    import django

    django.setup()
    from django.db import connection, transaction

    from divert.accounts.actions import create_organisation
    from divert.imports import actions
    from divert.imports.models import ImportRun
    from divert.imports.validation import validate_file

    today = dt.date(2025, 6, 30)
    print(f"Police import benchmark: {args.rows:,} outcome rows, database {connection.vendor}")
    rows = make_rows(args.rows)
    csv_data, _ = timed("generate CSV", lambda: to_csv(rows))
    print(f"  CSV size {len(csv_data) / 1_048_576:.1f} MB")

    csv_result, csv_seconds = timed(
        "parse + validate CSV",
        lambda: validate_file("bench.csv", csv_data, source_kind="crime_outcomes", today=today),
    )
    assert csv_result.is_valid, [str(p) for p in csv_result.errors[:5]]
    if not args.no_xlsx:
        xlsx_data, _ = timed("generate XLSX", lambda: to_xlsx(rows))
        print(f"  XLSX size {len(xlsx_data) / 1_048_576:.1f} MB")
        xlsx_result, _ = timed(
            "parse + validate XLSX",
            lambda: validate_file("bench.xlsx", xlsx_data, source_kind="crime_outcomes", today=today),
        )
        assert xlsx_result.is_valid

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        organisation = create_organisation(by=None, name="Benchmark YJS", slug="bench")
        source = actions.get_or_create_source(by=None, organisation=organisation, name="Bench outcomes")
        run = actions.start_run(by=None, organisation=organisation, source=source, file_name="bench.csv",
                                data=csv_data, complete_to=today, today=today)

        def write():
            with transaction.atomic():
                return actions._write(by=None, organisation=organisation, source=source, run=run,
                                      rows=csv_result.valid, complete_to=today, today=today, progress=None,
                                      dry_run=False)

        writer, write_seconds = timed("write stage (match, create, checkpoints)", write)
        print(f"    created {writer.counts['created']:,} rows, {writer.counts['children_created']:,} children, "
              f"{writer.counts['queued']:,} rows queued for review")
        print(f"    of which: matching {writer.timings['plan']:.2f} s, offences and outcomes "
              f"{writer.timings['write']:.2f} s (the rest: batch, checkpoints, commit)")
        _, rerun_seconds = timed("re-import the same rows (all unchanged)", write)

        start = time.perf_counter()
        run2, _ = actions.import_police_file(by=None, organisation=organisation, source=source,
                                             file_name="bench.csv", data=csv_data, complete_to=today, today=today)
        end_to_end = time.perf_counter() - start
        print(f"  {'CSV end to end (re-import, unchanged)':<44}{end_to_end:8.2f} s  [{run2.get_status_display()}]")
        print(f"  {'CSV end to end estimate (validate + write)':<44}{csv_seconds + write_seconds:8.2f} s")

        if connection.vendor == "postgresql":
            def copy():
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute(
                        "CREATE TEMP TABLE bench_copy (" + ", ".join(f"{h} text" for h in HEADINGS) + ")"
                    )
                    with cursor.copy("COPY bench_copy FROM STDIN") as copier:
                        for item in csv_result.valid:
                            d = item.data
                            copier.write_row([
                                d.source_reference, d.police_id, d.local_id, d.first_name, d.last_name,
                                d.date_of_birth, d.sex, d.ethnicity, d.postcode, d.offence_reference,
                                d.offence_code, d.offence_description, d.committed_on, d.gravity_score,
                                d.ho_outcome_type, d.disposal, d.outcome_date, d.custody_release_date,
                            ])
                    cursor.execute("DROP TABLE bench_copy")

            _, copy_seconds = timed("PostgreSQL COPY into a bare table", copy)
            print(f"  write stage / COPY = {write_seconds / copy_seconds:.1f}x; "
                  f"offences and outcomes alone / COPY = {writer.timings['write'] / copy_seconds:.1f}x")
        else:
            print("  (COPY comparison needs PostgreSQL: set DATABASE_URL)")
        assert ImportRun.objects.count() == 2
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
