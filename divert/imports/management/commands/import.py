"""`divert import police|mapping|cleanup`: police extracts from the command line.

    divert import police FILE --org SLUG --source NAME --complete-to DATE
           [--kind KIND] [--mapping NAME] [--dry-run] [--valid-rows-only] [--user USERNAME] [--today DATE]
    divert import mapping --org SLUG NAME FILE.json
    divert import options --org SLUG --source NAME [--cr-programme SLUG] [--custody-programme SLUG]
    divert import cleanup [--today DATE]
    divert import checkpoints [--org SLUG] [--today DATE]

Exits non-zero when the file had errors or was refused. Personal data is never printed
except in the problem list, which quotes the values at fault (as the file's owner sees them).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TextIO, cast

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from divert.accounts.command_line import organisation_by_slug
from divert.accounts.models import Organisation, Programme, User
from divert.core.errors import DomainError
from divert.imports import actions
from divert.imports.followup import complete_checkpoints
from divert.imports.formats import IMPORTABLE_KINDS, parse_date
from divert.imports.models import ColumnMapping, ImportErrorFile, ImportRun
from divert.offending.models import DataSource

MAX_PROBLEMS_SHOWN = 200


def _date(text: str) -> dt.date:
    try:
        return parse_date(text)
    except ValueError as exc:
        raise CommandError(str(exc)) from None


class Command(BaseCommand):
    """Import police extracts, save column mappings, delete expired error files."""

    help = "Import police extracts (see docs/data-format.md)."

    def add_arguments(self, parser):
        """Sub-commands: police, mapping, cleanup."""
        sub = parser.add_subparsers(dest="what", required=True)
        police = sub.add_parser("police", help="Import a police extract (CSV or XLSX).")
        police.add_argument("file")
        police.add_argument("--org", required=True, help="The organisation's short name (slug).")
        police.add_argument("--source", required=True, help="The data source's name (created if new).")
        police.add_argument("--complete-to", required=True, type=_date,
                            help="The date the source's data is complete to (dd/mm/yyyy or yyyy-mm-dd).")
        police.add_argument("--kind", default="crime_outcomes", choices=IMPORTABLE_KINDS,
                            help="The kind of a new source.")
        police.add_argument("--mapping", help="A saved column mapping's name.")
        police.add_argument("--dry-run", action="store_true", help="Check and count, then keep nothing.")
        police.add_argument("--valid-rows-only", action="store_true",
                            help="Import the valid rows; rejected rows go to an error file.")
        police.add_argument("--user", help="The username to record as importing (default: the system).")
        police.add_argument("--today", type=_date, default=None)
        mapping = sub.add_parser("mapping", help="Save a column mapping from a JSON file.")
        mapping.add_argument("name")
        mapping.add_argument("file")
        mapping.add_argument("--org", required=True)
        opts = sub.add_parser("options", help="Choose the programmes a source's rows open referrals to.")
        opts.add_argument("--org", required=True)
        opts.add_argument("--source", required=True)
        opts.add_argument("--cr-programme", default="", help="Programme slug for Community Resolutions.")
        opts.add_argument("--custody-programme", default="", help="Programme slug for custody releases.")
        checkpoints = sub.add_parser("checkpoints", help="Complete follow-up checkpoints the data now covers.")
        checkpoints.add_argument("--org", default="", help="One organisation (default: all).")
        checkpoints.add_argument("--today", type=_date, default=None)
        cleanup = sub.add_parser("cleanup", help="Delete expired error files and unconfirmed uploads.")
        cleanup.add_argument("--today", type=_date, default=None)

    def handle(self, *args, **options):
        """Run the chosen sub-command."""
        handler = {"police": self.police, "mapping": self.mapping, "options": self.options,
                   "cleanup": self.cleanup, "checkpoints": self.checkpoints}[options["what"]]
        try:
            handler(options)
        except DomainError as error:
            raise CommandError(error.message) from None

    # ---- police ------------------------------------------------------------------------

    def police(self, options) -> None:
        """Import one file and print the summary and problems."""
        organisation = self._organisation(options["org"])
        user = self._user(options["user"], organisation)
        today = options["today"] or dt.date.today()
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror}.") from None
        mapping = None
        if options["mapping"]:
            mapping = ColumnMapping.objects.filter(organisation=organisation, name=options["mapping"]).first()
            if mapping is None:
                raise CommandError(f"No column mapping called {options['mapping']!r} in {organisation.slug}.")
        source = actions.get_or_create_source(by=user, organisation=organisation, name=options["source"],
                                              kind=options["kind"])
        console = Console(file=cast(TextIO, self.stderr._out), stderr=True)  # the stream under the wrapper
        with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console, transient=True) as bar:
            task = bar.add_task("Reading", total=None)

            def progress(stage: str, done: int, total: int | None) -> None:
                bar.update(task, description=stage, completed=done, total=total)

            run, validation = actions.import_police_file(
                by=user, organisation=organisation, source=source, file_name=path.name, data=data,
                complete_to=options["complete_to"], today=today, mapping=mapping,
                valid_rows_only=options["valid_rows_only"], dry_run=options["dry_run"], progress=progress,
            )
        self._summary(run, source)
        problems = validation.problems
        if problems:
            self.stdout.write("")
            self.stdout.write(f"Problems ({len(validation.errors)} errors):")
            for problem in problems[:MAX_PROBLEMS_SHOWN]:
                marker = "" if problem.level == "error" else "(notice) "
                self.stdout.write(f"  {marker}{problem}")
            if len(problems) > MAX_PROBLEMS_SHOWN:
                self.stdout.write(f"  ... and {len(problems) - MAX_PROBLEMS_SHOWN} more.")
        if run.status == ImportRun.Status.REFUSED:
            raise CommandError("Nothing was imported: fix the problems above, or use --valid-rows-only.",
                               returncode=1)
        if validation.errors:
            error_file = ImportErrorFile.objects.filter(run=run).first()
            where = (f": they are in {error_file.path} with their problems (kept until {error_file.expires_on:%d/%m/%Y})"
                     if error_file else "")
            raise CommandError(f"{run.rows_rejected} rows were rejected{where}.", returncode=1)

    def _summary(self, run: ImportRun, source) -> None:
        complete_to = f"{run.complete_to:%d/%m/%Y}"
        self.stdout.write(f"Import {run.pk} into '{source.name}' (complete to {complete_to}): "
                          f"{run.get_status_display()}")
        lines = [
            ("read", run.rows_read), ("created", run.rows_created), ("updated", run.rows_updated),
            ("unchanged", run.rows_unchanged), ("queued for review", run.rows_queued),
            ("rejected", run.rows_rejected), ("new children", run.children_created),
            ("referrals opened", run.referrals_opened),
        ]
        for label, value in lines:
            self.stdout.write(f"  {label:<18}{value:>9}")
        if run.status == ImportRun.Status.DRY_RUN:
            self.stdout.write("Dry run: nothing was kept.")

    # ---- mapping and cleanup ------------------------------------------------------------

    def mapping(self, options) -> None:
        """Save a column mapping from a JSON file of {their heading: our column}."""
        organisation = self._organisation(options["org"])
        try:
            mapping = json.loads(Path(options["file"]).read_text(encoding="utf-8-sig"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"Cannot read the mapping: {exc}.") from None
        saved = actions.save_column_mapping(by=None, organisation=organisation, name=options["name"],
                                            mapping=mapping)
        self.stdout.write(f"Saved column mapping '{saved.name}' ({len(saved.mapping)} headings).")

    def options(self, options) -> None:
        """Set (or clear, with an empty slug) the programmes new rows open referrals to."""
        organisation = self._organisation(options["org"])
        source = DataSource.objects.filter(organisation=organisation, name=options["source"]).first()
        if source is None:
            raise CommandError(f"No data source called {options['source']!r} in {organisation.slug}.")

        def programme(slug):
            if not slug:
                return None
            found = Programme.objects.filter(organisation=organisation, slug=slug).first()
            if found is None:
                raise CommandError(f"No programme {slug!r} in {organisation.slug}.")
            return found

        saved = actions.set_source_options(
            by=None, source=source, community_resolution_programme=programme(options["cr_programme"]),
            custody_release_programme=programme(options["custody_programme"]),
        )
        self.stdout.write(
            f"'{source.name}': Community Resolutions refer to "
            f"{getattr(saved.community_resolution_programme, 'slug', None) or 'nothing'}; "
            f"custody releases refer to {getattr(saved.custody_release_programme, 'slug', None) or 'nothing'}."
        )

    def checkpoints(self, options) -> None:
        """Complete checkpoints whose window the data covers; mark due ones awaiting data."""
        today = options["today"] or dt.date.today()
        organisations = [self._organisation(options["org"])] if options["org"] else Organisation.objects.all()
        for organisation in organisations:
            counts = complete_checkpoints(by=None, organisation=organisation, today=today)
            self.stdout.write(f"{organisation.slug}: {counts['completed']} completed, "
                              f"{counts['awaiting_data']} now awaiting data.")

    def cleanup(self, options) -> None:
        """Delete expired error files and unconfirmed uploads; mark stalled imports failed."""
        today = options["today"] or dt.date.today()
        now = timezone.now() if options["today"] is None else dt.datetime.combine(
            today, dt.time(23, 59), tzinfo=dt.UTC)
        counts = actions.tidy_imports(today=today, now=now)
        self.stdout.write(f"Deleted {counts['error_files']} expired error files and {counts['uploads']} "
                          f"unconfirmed uploads; {counts['stalled']} stalled imports marked failed.")

    # ---- helpers ------------------------------------------------------------------------

    def _organisation(self, slug: str):
        return organisation_by_slug(slug)

    def _user(self, username: str | None, organisation):
        if not username:
            return None

        user = User.objects.filter(username=username, organisation=organisation, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user {username!r} in {organisation.slug}.")
        return user
