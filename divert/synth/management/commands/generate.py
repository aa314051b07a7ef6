"""`divert generate`: load deterministic synthetic data (demo city or national scale)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from divert.synth.generator import DEFAULT_TODAY, DEFAULT_YEARS, SCALES, GeneratorRefused, generate
from divert.synth.organisations import DEMO_PASSWORD


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"--today must be a date like 2026-11-23, not {value!r}") from exc


def _positive(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = (
        "Generate deterministic synthetic data: a fictional city service (--scale demo) or "
        "about 150 organisations and 500,000 children (--scale national). Refuses if the "
        "organisations it would create already exist."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """Options: scale, seed, as-at date, sizes, quiet."""
        parser.add_argument(
            "--scale",
            choices=SCALES,
            default="demo",
            help="demo (one city and a small second service) or national.",
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed (default 1).")
        parser.add_argument(
            "--today",
            type=_date,
            default=DEFAULT_TODAY,
            help=f"The 'as at' date of the history (default {DEFAULT_TODAY}).",
        )
        parser.add_argument(
            "--years",
            type=_positive,
            default=DEFAULT_YEARS,
            help=f"Years of history up to --today (default {DEFAULT_YEARS}).",
        )
        parser.add_argument(
            "--organisations",
            type=_positive,
            help="National scale: number of organisations (default 150).",
        )
        parser.add_argument(
            "--children",
            type=_positive,
            help="Children in total (national default 500000; demo about 444 a year).",
        )
        parser.add_argument("--quiet", action="store_true", help="Print nothing but errors.")

    def handle(self, *args, **options) -> None:
        """Run the generator and print what it loaded."""
        quiet = options["quiet"]
        console = Console(file=self.stdout, quiet=quiet)
        progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=quiet,
        )
        with progress:
            task = progress.add_task("Organisations", total=None)

            def on_progress(done: int, total: int, name: str) -> None:
                progress.update(task, completed=done, total=total, description=name[:40])

            try:
                report = generate(
                    scale=options["scale"],
                    seed=options["seed"],
                    today=options["today"],
                    organisations=options["organisations"],
                    children=options["children"],
                    years=options["years"],
                    on_progress=on_progress,
                )
            except GeneratorRefused as exc:
                raise CommandError(str(exc)) from exc
        if quiet:
            return
        summary = Table(title=f"Loaded {len(report.organisations)} organisation(s)")
        summary.add_column("Table")
        summary.add_column("Rows", justify="right")
        summary.add_column("Seconds", justify="right")
        for key, rows in report.stats.rows.items():
            summary.add_row(key, f"{rows:,}", f"{report.stats.seconds[key]:.1f}")
        total_rows = sum(report.stats.rows.values())
        summary.add_row(
            "all tables", f"{total_rows:,}", f"{sum(report.stats.seconds.values()):.1f}"
        )
        console.print(summary)
        console.print(
            f"Setup {report.setup_seconds:.1f}s, generating rows {report.generate_seconds:.1f}s, "
            f"total {report.total_seconds:.1f}s."
        )
        if options["scale"] == "demo":
            console.print(logins_table(report.logins))
        else:
            first = report.organisations[0] if report.organisations else "<organisation>"
            console.print(
                f"Every synthetic user has the password {DEMO_PASSWORD}; usernames look like "
                f"{first}.worker1, {first}.manager1, {first}.service, {first}.performance."
            )


def logins_table(logins: list[tuple[str, str]]) -> Table:
    """The demo logins as a table, with the shared password."""
    table = Table(title=f"Demo logins (password: {DEMO_PASSWORD})")
    table.add_column("Role")
    table.add_column("Username")
    for role, username in logins:
        table.add_row(role, username)
    return table
