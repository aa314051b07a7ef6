"""`divert kpis`: every measure for an organisation and period, as a table, JSON or CSV."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TextIO, cast

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from rich.console import Console
from rich.table import Table

from divert.accounts.command_line import organisations_by_slug
from divert.accounts.models import Programme
from divert.audit.actions import record_event
from divert.core.exports import safe_writer
from divert.kpis.engine import compute_report, end_of_day
from divert.kpis.formatting import format_flags, format_fraction, format_interval, format_value
from divert.kpis.from_bundle import run_on_bundle
from divert.kpis.periods import PUBLISHED_KINDS, Period, parse_cohort, parse_period, publication_day


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Expected a date like 2025-07-31, not {value!r}") from exc


def _cohort(value: str) -> Period:
    try:
        return parse_cohort(value)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


class Command(BaseCommand):
    # Reads only: the system checks (which import every page) would double its start-up time.
    requires_system_checks: list[str] = []
    help = (
        "Compute every measure (FTE, reoffending, custody, the YJB's ten KPIs, prevention "
        "measures, disproportionality) for an organisation and period."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """Options: organisation, period, dates, format, programme, suppression."""
        parser.add_argument("--org", action="append", help="Organisation slug (repeatable).")
        parser.add_argument("--bundle", help="Compute from a case-level bundle folder instead of the database.")
        parser.add_argument("--period", required=True, help="2025-26Q1, 2025-26, 2024 or FROM..TO.")
        parser.add_argument("--as-at", type=_date, help="The 'as at' date (default: today).")
        parser.add_argument("--cohort", type=_cohort,
                            help="The reoffending cohort by name: 'Jan-Mar 2023' (3-month) or 'Apr 2022-Mar 2023' "
                                 "(12-month, the year ending with that quarter). Default: the latest mature one.")
        parser.add_argument("--as-known-on", type=_date,
                            help="Use only records made by the end of this day (reproduce a published figure).")
        parser.add_argument("--programme", action="append", default=[], help="Programme slug (repeatable).")
        parser.add_argument("--format", choices=["table", "json", "csv"], default="table")
        parser.add_argument("--suppress", action="store_true",
                            help="The published figures as board members and commissioners see them: a "
                                 "financial quarter or year or a calendar year, as at and as known on its "
                                 "publication day, with the suppression policy applied.")
        parser.add_argument("--no-changes", action="store_true",
                            help="Skip the previous-period and last-year comparisons (faster).")

    def handle(self, *args, **options) -> None:
        """Compute and print the report."""
        if options["bundle"]:
            return self._from_bundle(options)
        if not options["org"]:
            raise CommandError("Name an organisation with --org, or a bundle folder with --bundle.")
        try:
            period = parse_period(options["period"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        orgs = organisations_by_slug(options["org"])
        programmes = list(Programme.objects.filter(organisation__in=orgs, slug__in=options["programme"]))
        if len(programmes) != len(set(options["programme"])):
            raise CommandError("Unknown programme slug for these organisations")
        as_at, known_on = self._dates(options, period)
        report = compute_report(
            organisations=orgs, programmes=programmes, period=period, as_at=as_at, known_on=known_on,
            suppress=options["suppress"], with_changes=not options["no_changes"], cohort=options["cohort"],
        )
        fmt = options["format"]
        for organisation in orgs:
            record_event(by=None, verb="exported_kpis", organisation=organisation, details={
                "via": "command line", "format": fmt, "period": options["period"],
                "as_at": as_at.isoformat(), "programmes": sorted(options["programme"]),
                "suppressed": options["suppress"], "measures": len(report.measures),
                "cohort": options["cohort"].label if options["cohort"] else None,
            })
        if fmt == "json":
            self.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
        elif fmt == "csv":
            self._csv(report)
        else:
            self._table(report)

    def _dates(self, options, period) -> tuple[dt.date, dt.datetime | None]:
        """The "as at" date and "as known on" moment; a suppressed report is the published one."""
        if options["suppress"]:
            if options["as_at"] or options["as_known_on"]:
                raise CommandError("A suppressed report is as at and as known on its publication day: "
                                   "leave out --as-at and --as-known-on.")
            if period.kind not in PUBLISHED_KINDS:
                raise CommandError("A suppressed report is for a financial quarter, a financial year or a "
                                   "calendar year, not a range of dates.")
            day = publication_day(period)
            if day > timezone.localdate():
                raise CommandError(f"The figures for {period.label} are published on {day:%-d %B %Y}.")
            return day, end_of_day(day)
        as_at = options["as_at"] or timezone.localdate()
        return as_at, end_of_day(options["as_known_on"]) if options["as_known_on"] else None

    def _csv(self, report) -> None:
        writer = safe_writer(self.stdout)
        writer.writerow(["measure", "label", "period", "breakdown", "group", "numerator", "denominator",
                         "shown", "value", "lower", "upper", "unit", "volatile", "provisional", "suppressed", "rag"])
        for m in report.measures:
            rows = [("", "", m)] + [(b, c.key, c) for b, cells in m.breakdowns.items() for c in cells]
            for breakdown, group, item in rows:
                ci = item.interval
                writer.writerow([
                    m.key, m.label if not breakdown else item.label, m.period, breakdown, group,
                    "" if item.numerator is None else item.numerator,
                    "" if item.denominator is None else item.denominator,
                    item.shown or "", "" if item.value is None else round(item.value, 6),
                    "" if ci is None else round(ci.lower, 6), "" if ci is None else round(ci.upper, 6),
                    m.unit, item.flags.volatile, item.flags.provisional, item.flags.suppressed,
                    m.rag or "" if not breakdown else "",
                ])

    def _table(self, report) -> None:
        console = Console(file=cast(TextIO, self.stdout), width=200)  # an OutputWrapper is a text stream
        known = f", as known on {report.known_on:%Y-%m-%d %H:%M}" if report.known_on else ""
        table = Table(title=f"{report.organisation}: {report.period['label']} (as at {report.as_at}{known})")
        for col in ("Measure", "Period", "Value", "Numerator / denominator", "95% interval", "Flags", "RAG"):
            table.add_column(col)
        for m in report.measures:
            if m.key.startswith("disproportionality."):
                continue
            table.add_row(m.label, m.period, format_value(m.value, m.unit), format_fraction(m),
                          format_interval(m, m.unit), format_flags(m), m.rag or "")
        console.print(table)
        console.print("Disproportionality is in the JSON and CSV output (one row per group and stage).")

    def _from_bundle(self, options) -> None:
        """Run the same computation on a throwaway database loaded from the bundle."""
        forward = ["--period", options["period"], "--format", options["format"]]
        for name in ("as_at", "as_known_on"):
            if options[name]:
                forward += [f"--{name.replace('_', '-')}", options[name].isoformat()]
        for slug in options["programme"]:
            forward += ["--programme", slug]
        if options["cohort"]:
            forward += ["--cohort", options["cohort"].label]
        forward += ["--suppress"] * bool(options["suppress"]) + ["--no-changes"] * bool(options["no_changes"])
        slug = (options["org"] or ["bundle"])[0]
        self.stdout.write(run_on_bundle(Path(options["bundle"]), "kpis", slug, forward), ending="")
