"""`divert extract research`: the pseudonymised, k-anonymous research extract for evaluators.

    divert extract research --org SLUG --out FILE.csv [--k 5] [--from DATE] [--to DATE] [--as-at DATE]

Writes CSV (or XLSX when FILE ends .xlsx), prints the k-anonymity report and records an
audit event with the counts. Columns and rules: docs/data-format.md, "Research extract".
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from divert.accounts.command_line import organisation_by_slug
from divert.core.errors import DomainError
from divert.core.files import write_private_bytes
from divert.evaluation.actions import export_research_extract
from divert.evaluation.extract import RULES
from divert.evaluation.management.commands.tracker import iso_date


class Command(BaseCommand):
    help = "Write an organisation's pseudonymised research extract, released only when k-anonymous."

    def add_arguments(self, parser: CommandParser) -> None:
        """Subcommand research with its options."""
        sub = parser.add_subparsers(dest="kind", required=True)
        research = sub.add_parser("research", help="The research extract for evaluators.")
        research.add_argument("--org", required=True, help="Organisation slug.")
        research.add_argument("--out", required=True, type=Path, help="File to write (.csv or .xlsx).")
        research.add_argument("--k", type=int, help="Smallest group size (default: the organisation's setting).")
        research.add_argument("--from", dest="date_from", type=iso_date, help="Referrals received on or after.")
        research.add_argument("--to", dest="date_to", type=iso_date, help="Referrals received on or before.")
        research.add_argument("--as-at", type=iso_date, help="Follow-up results as at this date (default: today).")

    def handle(self, *args, **options) -> None:
        """Build, check and write the extract."""

        organisation = organisation_by_slug(options["org"])
        out: Path = options["out"]
        fmt = "xlsx" if out.suffix.lower() == ".xlsx" else "csv"
        try:
            release, data = export_research_extract(
                by=None, organisation=organisation, as_at=options["as_at"] or timezone.localdate(),
                k=options["k"], date_from=options["date_from"], date_to=options["date_to"],
                fmt=fmt, via="command line",
            )
        except DomainError as exc:
            raise CommandError(exc.message) from None
        write_private_bytes(out, data)
        report = release.report()
        self.stdout.write(
            f"Wrote {report['rows_released']} rows to {out} (k = {report['k']}): "
            f"{report['rows_considered']} considered, {report['rows_coarsened']} coarsened, "
            f"{report['rows_withheld']} withheld ({report['children_withheld']} children left out entirely)."
        )
        for rule, rows in report["by_rule"].items():
            self.stdout.write(f"  {RULES[rule]}: {rows} rows")
        self.stdout.write("The extract is pseudonymised, not anonymous: share it only under a data sharing agreement.")
