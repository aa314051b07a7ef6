"""`divert bundle export|import`: the case-level bundle from the command line.

    divert bundle export DIR --org SLUG
    divert bundle import DIR|FILE.zip --org SLUG [--dry-run] [--user USERNAME]

The import goes into an organisation with no records yet, writes nothing unless every
file is valid, and exits non-zero listing every problem by file, row and column.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from divert.accounts.command_line import organisation_by_slug
from divert.accounts.models import User
from divert.core.errors import DomainError
from divert.imports.archive import unpack_bundle_zip
from divert.imports.bundle import export_bundle, import_bundle

MAX_PROBLEMS_SHOWN = 200


class Command(BaseCommand):
    help = "Export an organisation's records as a case-level bundle of CSV files, or import one."

    def add_arguments(self, parser: CommandParser) -> None:
        """Subcommands export and import."""
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Write the organisation's bundle into DIR.")
        export.add_argument("directory", type=Path)
        export.add_argument("--org", required=True, help="Organisation slug.")
        imp = sub.add_parser("import", help="Import the bundle in DIR (or a .zip) into an empty organisation.")
        imp.add_argument("directory", type=Path)
        imp.add_argument(
            "--org", required=True, help="Organisation slug (it must have no records yet)."
        )
        imp.add_argument(
            "--dry-run", action="store_true", help="Check everything, then write nothing."
        )
        imp.add_argument("--user", help="Username recorded as running the import.")

    def handle(self, *args, **options) -> None:
        """Run the chosen subcommand."""
        organisation = organisation_by_slug(options["org"])
        directory: Path = options["directory"]
        if options["action"] == "export":
            counts = export_bundle(
                organisation=organisation, directory=directory, now=timezone.now()
            )
            self.stdout.write(
                f"Exported {sum(counts.values())} rows in {len(counts)} files to {directory}"
            )
            self.stdout.write(
                "The bundle holds personal data, including decrypted narratives: keep it secure."
            )
            return
        by = None
        if options.get("user"):
            by = User.objects.filter(username=options["user"]).first()
            if by is None:
                raise CommandError(f"No user {options['user']}")
        if directory.is_file() and directory.suffix.lower() == ".zip":
            with tempfile.TemporaryDirectory(prefix="divert-bundle-") as folder:
                try:
                    for notice in unpack_bundle_zip(directory, Path(folder)):
                        self.stderr.write(f"Notice: {notice}")
                except DomainError as exc:
                    raise CommandError(str(exc)) from None
                self._import(by, organisation, Path(folder), options)
            return
        if not directory.is_dir():
            raise CommandError(f"{directory} is not a folder or a .zip file")
        self._import(by, organisation, directory, options)

    def _import(self, by, organisation, directory: Path, options) -> None:
        try:
            result = import_bundle(
                by=by, organisation=organisation, directory=directory, dry_run=options["dry_run"]
            )
        except DomainError as exc:
            raise CommandError(str(exc)) from None
        if not result.ok:
            for problem in result.problems[:MAX_PROBLEMS_SHOWN]:
                self.stderr.write(str(problem))
            more = len(result.problems) - MAX_PROBLEMS_SHOWN
            if more > 0:
                self.stderr.write(f"... and {more} more")
            raise CommandError(f"{len(result.problems)} problem(s): nothing was written.")
        for notice in result.notices[:MAX_PROBLEMS_SHOWN]:
            self.stderr.write(f"Notice: {notice}")
        if len(result.notices) > MAX_PROBLEMS_SHOWN:
            self.stderr.write(f"... and {len(result.notices) - MAX_PROBLEMS_SHOWN} more notices")
        verb = "Checked (dry run, nothing written)" if options["dry_run"] else "Imported"
        self.stdout.write(
            f"{verb}: " + ", ".join(f"{name} {n}" for name, n in result.counts.items())
        )
