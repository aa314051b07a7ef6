"""Benchmark the police import: parse-and-validate for CSV and XLSX, and the write stage
against PostgreSQL COPY of the same rows into a bare table. Prints figures; not a test.

    DATABASE_URL=postgres://divert:divert@127.0.0.1:5432/divert DIVERT_ENV=test \\
        .venv/bin/python scripts/bench_import.py [--rows 100000] [--repeat 3] [--no-xlsx]

It works in a throwaway test database (test_<name>), created and destroyed here. Without
DATABASE_URL it runs on SQLite and skips COPY.

Stages, as timed here:
- parse + validate: reading the file and checking every row (no database).
- write stage: everything `import_police_file` does after validation, inside and
  including its one transaction: finding records the source already holds, matching rows
  to children (scored name and date of birth for those without an identifier match),
  creating new children, the review queue, staging the rows and writing offences and
  outcomes, the audit batch, follow-up checkpoints, and the commit with its deferred
  foreign-key checks. Each repeat imports into a new, empty organisation as a performance
  officer, as in real use.
- COPY: the same validated rows (18 text columns) into a bare temporary table, in the
  same repeat, so the ratio compares like with like on a shared machine.
- floor: the records the import stored (children, offences, outcomes) read back and
  COPYed into new tables with the same indexes, checks and foreign keys, checked as at
  commit, then rolled back. It is what storing these records costs with no matching,
  no lookups and no row building: no implementation of the same tables can go below it.
Medians over the repeats are printed, with each repeat's figures.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import random
import statistics
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
    import openpyxl  # only the XLSX run needs it (loads slowly)

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADINGS)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def timed(fn):
    """Run fn; return its result and the seconds it took."""
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def line(label: str, seconds: list[float], note: str = "") -> None:
    """Print a stage's median and each repeat's time."""
    runs = ", ".join(f"{x:.2f}" for x in seconds)
    print(f"  {label:<46}{statistics.median(seconds):8.2f} s  [{runs}]{'  ' + note if note else ''}")


def copy_rows(connection, valid) -> None:
    """COPY the validated rows into a bare temporary table (the yardstick)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE bench_copy (" + ", ".join(f"{h} text" for h in HEADINGS) + ")")
        with cursor.copy("COPY bench_copy FROM STDIN") as copier:
            for item in valid:
                d = item.data
                copier.write_row([
                    d.source_reference, d.police_id, d.local_id, d.first_name, d.last_name,
                    d.date_of_birth, d.sex, d.ethnicity, d.postcode, d.offence_reference,
                    d.offence_code, d.offence_description, d.committed_on, d.gravity_score,
                    d.ho_outcome_type, d.disposal, d.outcome_date, d.custody_release_date,
                ])
        cursor.execute("DROP TABLE bench_copy")


STORED = ("people_child", "offending_offence", "offending_outcome")  # what a first import writes


def copy_stored(connection, batch_id: int) -> float:
    """The floor: COPY the records the import stored into copies of their tables.

    The rows the import wrote (children, offences, outcomes; read back as COPY text) go
    into new tables with the same columns, indexes, checks and foreign keys, and
    the foreign keys are checked as at commit. No implementation that stores these
    records in these tables can do less. Returns the seconds for the COPYs and checks.
    """
    with connection.cursor() as cursor:
        data, columns = {}, {}
        for table in STORED:
            cursor.execute("SELECT attname FROM pg_attribute WHERE attrelid = %s::regclass AND attnum > 0 "
                           "AND NOT attisdropped AND attgenerated = '' ORDER BY attnum", [table])
            columns[table] = ", ".join(name for (name,) in cursor.fetchall())
            buffer = bytearray()
            # Names come from this script and the catalogue; the batch id is an integer.
            query = f"SELECT {columns[table]} FROM {table} WHERE batch_id = {int(batch_id)}"  # noqa: S608
            with cursor.copy(f"COPY ({query}) TO STDOUT") as out:
                for chunk in out:
                    buffer += chunk
            data[table] = bytes(buffer)
            # Ordinary tables (temporary ones cannot have foreign keys), rolled back after.
            cursor.execute(f"CREATE TABLE floor_{table} (LIKE {table} INCLUDING ALL)")
            cursor.execute("SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = %s::regclass "
                           "AND contype = 'f'", [table])
            for (definition,) in cursor.fetchall():
                for stored in STORED:  # links between the stored tables point at the copies
                    definition = definition.replace(f"REFERENCES {stored}(", f"REFERENCES floor_{stored}(")
                cursor.execute(f"ALTER TABLE floor_{table} ADD {definition}")
        started = time.perf_counter()
        for table in STORED:
            with cursor.copy(f"COPY floor_{table} ({columns[table]}) FROM STDIN") as copier:
                copier.write(data[table])
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        return time.perf_counter() - started


def main() -> None:
    """Generate the files, time each stage over several repeats, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-xlsx", action="store_true")
    args = parser.parse_args()

    # Imported here, not at the top: Django and Divert load only after the environment above
    # is set and django.setup() has run (settings are read once, models need the registry).
    import django

    django.setup()
    from django.db import connection, transaction

    from divert.accounts.actions import create_organisation, create_user
    from divert.accounts.models import Role
    from divert.imports import actions
    from divert.imports.models import ImportRun
    from divert.imports.validation import validate_file

    today = dt.date(2025, 6, 30)
    postgres = connection.vendor == "postgresql"
    print(f"Police import benchmark: {args.rows:,} outcome rows, database {connection.vendor}, "
          f"{args.repeat} repeats, load average {os.getloadavg()[0]:.1f}")
    rows = make_rows(args.rows)
    csv_data = to_csv(rows)
    print(f"  CSV size {len(csv_data) / 1_048_576:.1f} MB")
    parse_csv = []
    for _ in range(args.repeat):
        csv_result, seconds = timed(
            lambda: validate_file("bench.csv", csv_data, source_kind="crime_outcomes", today=today))
        parse_csv.append(seconds)
    assert csv_result.is_valid, [str(p) for p in csv_result.errors[:5]]
    line("parse + validate CSV", parse_csv)
    if not args.no_xlsx:
        xlsx_data = to_xlsx(rows)
        print(f"  XLSX size {len(xlsx_data) / 1_048_576:.1f} MB")
        xlsx_result, seconds = timed(
            lambda: validate_file("bench.xlsx", xlsx_data, source_kind="crime_outcomes", today=today))
        assert xlsx_result.is_valid
        line("parse + validate XLSX (once)", [seconds])

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    figures: dict[str, list[float]] = {k: [] for k in (
        "write", "plan", "records", "fk", "rest", "reimport", "end_to_end", "copy", "ratio", "floor")}
    try:
        for number in range(1, args.repeat + 1):
            organisation = create_organisation(by=None, name=f"Benchmark YJS {number}", slug=f"bench{number}")
            officer = create_user(by=None, username=f"bench_officer_{number}", password=None,
                                  roles=[Role.PERFORMANCE_OFFICER], organisation=organisation)
            source = actions.get_or_create_source(by=officer, organisation=organisation, name="Bench outcomes")
            run = actions.start_run(by=officer, organisation=organisation, source=source, file_name="bench.csv",
                                    data=csv_data, complete_to=today, today=today)
            marks = {}

            def write(officer=officer, organisation=organisation, source=source, run=run, marks=marks):
                with transaction.atomic():
                    writer = actions._write(by=officer, organisation=organisation, source=source, run=run,
                                            rows=csv_result.valid, complete_to=today, today=today,
                                            progress=None, dry_run=False)
                    if postgres:
                        # What the commit would do first, timed on its own: the deferred FK checks.
                        marks["fk"] = time.perf_counter()
                        connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")
                        marks["fk"] = time.perf_counter() - marks["fk"]
                    return writer

            writer, write_seconds = timed(write)
            fk_seconds = marks.get("fk", 0.0)
            _, reimport_seconds = timed(write)
            end_to_end = 0.0
            if number == 1:
                (run2, _), end_to_end = timed(lambda officer=officer, organisation=organisation, source=source: (
                    actions.import_police_file(by=officer, organisation=organisation, source=source,
                                               file_name="bench.csv", data=csv_data, complete_to=today,
                                               today=today)))
                assert run2.status == ImportRun.Status.COMPLETE and run2.rows_created == 0
            if postgres:
                _, copy_seconds = timed(lambda: transaction.atomic()(copy_rows)(connection, csv_result.valid))
                figures["copy"].append(copy_seconds)
                with transaction.atomic():
                    figures["floor"].append(copy_stored(connection, writer.batch.pk))
                    transaction.set_rollback(True)
                figures["ratio"].append(write_seconds / copy_seconds)
                figures["fk"].append(fk_seconds)
            figures["write"].append(write_seconds)
            figures["plan"].append(writer.timings["plan"])
            figures["records"].append(writer.timings["write"])
            figures["rest"].append(write_seconds - writer.timings["plan"] - writer.timings["write"] - fk_seconds)
            figures["reimport"].append(reimport_seconds)
            if end_to_end:
                figures["end_to_end"].append(end_to_end)
        print(f"    each repeat: {writer.counts['created']:,} rows created, "
              f"{writer.counts['children_created']:,} children, {writer.counts['queued']:,} rows queued for review")
        line("write stage (first import, see above)", figures["write"])
        line("  matching (find existing, match, new children)", figures["plan"])
        line("  offences and outcomes (COPY into the tables)", figures["records"])
        if postgres:
            line("  deferred foreign-key checks (at commit)", figures["fk"])
        line("  the rest (batch, checkpoints, commit)", figures["rest"])
        line("re-import the same rows (all unchanged)", figures["reimport"])
        line("CSV end to end (re-import via import_police_file)", figures["end_to_end"], "(first repeat only)")
        csv_total = statistics.median(parse_csv) + statistics.median(figures["write"])
        print(f"  {'CSV end to end (parse + write stage)':<46}{csv_total:8.2f} s  (target < 20 s)")
        if postgres:
            line("PostgreSQL COPY into a bare table", figures["copy"])
            ratios = ", ".join(f"{x:.1f}" for x in figures["ratio"])
            print(f"  write stage / COPY (same repeat): median {statistics.median(figures['ratio']):.1f}x "
                  f"[{ratios}] (target < 3x)")
            no_fk = [(w - f) / c for w, f, c in zip(figures["write"], figures["fk"], figures["copy"], strict=True)]
            print(f"  write stage without the FK checks / COPY: median {statistics.median(no_fk):.1f}x")
            line("floor: COPY of the stored records into copies", figures["floor"])
            print("    of their tables (same indexes, checks and foreign keys, checked as at commit)")
            floor = [f / c for f, c in zip(figures["floor"], figures["copy"], strict=True)]
            print(f"  floor / COPY into a bare table: median {statistics.median(floor):.1f}x "
                  f"[{', '.join(f'{x:.1f}' for x in floor)}]")
            over = [w / f for w, f in zip(figures["write"], figures["floor"], strict=True)]
            print(f"  write stage / floor: median {statistics.median(over):.1f}x")
        else:
            print("  (COPY comparison needs PostgreSQL: set DATABASE_URL)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
