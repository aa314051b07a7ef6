"""`divert pack`: the board pack as a PDF, workbook, print page or JSON; and the quarterly schedule."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from divert.accounts.command_line import organisation_by_slug
from divert.accounts.models import Programme
from divert.audit.actions import record_event
from divert.core.errors import DomainError
from divert.kpis.engine import end_of_day
from divert.kpis.periods import latest_published_quarter
from divert.reports import actions
from divert.reports.models import PackFile, PackSchedule
from divert.reports.outputs import render
from divert.reports.publication import digest, published_pack, working_pack

FORMATS = ("pdf", "xlsx", "html", "json")


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Expected a date like 2025-09-01, not {value!r}") from exc


class Command(BaseCommand):
    help = ("Write an organisation's board pack for a quarter as PDF, XLSX, HTML or JSON (--out FILE); "
            "or, with --scheduled (run daily), queue the files of every scheduled organisation's pack once "
            "the quarter's figures are published.")

    def add_arguments(self, parser: CommandParser) -> None:
        """Options: organisation, quarter, format, file; what the pack shows; the schedule."""
        parser.add_argument("--org", help="Organisation slug.")
        parser.add_argument("--period", help="The financial quarter, like 2025-26Q1.")
        parser.add_argument("--programme", help="A programme's pack (its slug) instead of the whole service's.")
        parser.add_argument("--format", choices=FORMATS, default="pdf")
        parser.add_argument("--out", help="The file to write.")
        parser.add_argument("--as-known-on", type=_date,
                            help="Use only records made by the end of this day (a working copy as it stood then).")
        parser.add_argument("--suppress", action="store_true",
                            help="As board members and commissioners see it: small numbers suppressed, as at and "
                                 "as known on the quarter's publication day.")
        parser.add_argument("--published", action="store_true",
                            help="The pack as published (frozen figures and narratives), checked against the "
                                 "SHA-256 kept when it was published.")
        parser.add_argument("--scheduled", action="store_true",
                            help="Queue the files of every scheduled organisation's latest published quarter "
                                 "(run daily, e.g. from cron; the task worker makes them).")
        parser.add_argument("--today", type=_date, help="With --scheduled: the day to act as (default: today).")

    def handle(self, *args, **options) -> None:
        """Write the pack, or queue the scheduled ones."""
        if options["scheduled"]:
            return self._scheduled(options["today"] or timezone.localdate())
        missing = [name for name in ("org", "period", "out") if not options[name]]
        if missing:
            raise CommandError("Give " + ", ".join(f"--{m}" for m in missing) + " (or --scheduled).")
        organisation = organisation_by_slug(options["org"])
        try:
            quarter = actions.quarter(options["period"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        programme = self._programme(organisation, options["programme"])
        pack, expected = self._pack(organisation, quarter, programme, options)
        fmt = options["format"]
        data = (json.dumps(pack, indent=2, ensure_ascii=False).encode("utf-8") if fmt == "json"
                else render(pack, fmt))
        sha256 = digest(data)
        if expected and expected != sha256:
            raise CommandError(f"The {fmt.upper()} made now differs from the one published (SHA-256 {expected}). "
                               "Nothing was written.")
        Path(options["out"]).write_bytes(data)
        record_event(by=None, verb="exported_pack", organisation=organisation, details={
            "via": "command line", "format": fmt, "period": quarter.cli, "programme": getattr(programme, "pk", None),
            "suppressed": pack["suppressed"], "published": options["published"], "bytes": len(data)})
        match = " (the same as published)" if expected else ""
        self.stdout.write(f"Wrote {options['out']}: {len(data):,} bytes, SHA-256 {sha256}{match}")
        return None

    def _programme(self, organisation, slug: str | None):
        if not slug:
            return None
        programme = Programme.objects.filter(organisation=organisation, slug=slug).first()
        if programme is None:
            valid = ", ".join(Programme.objects.filter(organisation=organisation).order_by("slug")
                              .values_list("slug", flat=True)) or "none"
            raise CommandError(f"No programme {slug!r} in {organisation.slug}. Valid programmes: {valid}.")
        return programme

    def _pack(self, organisation, quarter, programme, options) -> tuple[dict, str]:
        """The pack asked for, and the SHA-256 it must have ('' unless published and kept)."""
        if options["published"]:
            if options["as_known_on"] or options["suppress"]:
                raise CommandError("A published pack is as known on the moment it was published: leave out "
                                   "--as-known-on and --suppress.")
            publication = actions.publication_of(organisation=organisation, period=quarter, programme=programme)
            if publication is None:
                raise CommandError(f"The pack for {quarter.label} has not been published.")
            expected = publication.sha256_of(options["format"]) if options["format"] != "json" else ""
            return published_pack(publication), expected
        if options["suppress"] and options["as_known_on"]:
            raise CommandError("A suppressed pack is as known on the quarter's publication day: leave out "
                               "--as-known-on.")
        known_on = end_of_day(options["as_known_on"]) if options["as_known_on"] else None
        try:
            return working_pack(organisation=organisation, period=quarter.cli, programme=programme,
                                suppressed=options["suppress"], known_on=known_on, now=timezone.now()), ""
        except ValueError as exc:
            raise CommandError(str(exc)) from exc

    def _scheduled(self, today: dt.date) -> None:
        """Queue each scheduled organisation's files for the latest published quarter, once."""
        quarter = latest_published_quarter(today)
        now = timezone.now()
        queued = 0
        for schedule in PackSchedule.objects.select_related("organisation").order_by("organisation__slug"):
            made = set(PackFile.objects.of_pack(organisation=schedule.organisation, period=quarter.cli).filter(
                requested_by__isnull=True, publication__isnull=True).values_list("format", flat=True))
            formats = [f for f in schedule.formats if f not in made]
            if formats:
                actions.request_pack_files(by=None, organisation=schedule.organisation, period=quarter,
                                           formats=formats, suppressed=False, now=now)
                queued += len(formats)
                self.stdout.write(f"{schedule.organisation.slug}: queued {', '.join(formats)} for {quarter.label}")
        self.stdout.write(f"{queued} file(s) queued for {quarter.label}.")
