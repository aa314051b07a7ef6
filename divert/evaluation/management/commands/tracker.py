"""`divert tracker`: the live reoffending tracker for an organisation, as a table or JSON."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from divert.accounts.command_line import organisation_by_slug
from divert.accounts.models import Programme
from divert.audit.actions import record_event
from divert.evaluation.tracker import tracker
from divert.kpis.from_bundle import run_on_bundle


def iso_date(value: str) -> dt.date:
    """An argparse type: a date like 2025-07-31, or a clear error."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Expected a date like 2025-07-31, not {value!r}") from exc


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f}%"


class Command(BaseCommand):
    # Reads only: the system checks (which import every page) would double its start-up time.
    requires_system_checks: list[str] = []
    help = "Participants against the comparison group at 3, 6, 9 and 12 months (the reoffending tracker)."

    def add_arguments(self, parser: CommandParser) -> None:
        """Options: organisation, 'as at' date, 'as known on' day, programme, format."""
        parser.add_argument("--org", help="Organisation slug (with --bundle: the name to give it).")
        parser.add_argument("--bundle", type=Path,
                            help="Compute from a case-level bundle folder instead of the database.")
        parser.add_argument("--as-at", type=iso_date, help="The 'as at' date (default: today).")
        parser.add_argument(
            "--as-known-on", type=iso_date, help="Use only records made by the end of this day."
        )
        parser.add_argument(
            "--programme", action="append", default=[], help="Programme slug (repeatable)."
        )
        parser.add_argument("--format", choices=["table", "json"], default="table")

    def handle(self, *args, **options) -> None:
        """Compute and print the tracker."""
        if options["bundle"]:
            return self._from_bundle(options)
        if not options["org"]:
            raise CommandError("Name an organisation with --org, or a bundle folder with --bundle.")

        organisation = organisation_by_slug(options["org"])
        programmes = None
        if options["programme"]:
            programmes = list(
                Programme.objects.filter(organisation=organisation, slug__in=options["programme"])
            )
            if len(programmes) != len(set(options["programme"])):
                raise CommandError("Unknown programme slug for this organisation")
        known_on = None
        if options["as_known_on"]:
            known_on = timezone.make_aware(dt.datetime.combine(options["as_known_on"], dt.time.max))
        result = tracker(
            organisation=organisation,
            programmes=programmes,
            as_at=options["as_at"] or timezone.localdate(),
            known_on=known_on,
        )
        record_event(by=None, verb="exported_tracker", organisation=organisation, details={
            "kind": "reoffending tracker", "via": "command line", "format": options["format"],
            "as_at": result.as_at.isoformat(), "as_known_on": _iso(options["as_known_on"]),
            "programmes": sorted(options["programme"]),
        })
        if options["format"] == "json":
            self.stdout.write(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
        else:
            self._table(result)

    def _from_bundle(self, options) -> None:
        """The same tracker on a throwaway database loaded from the bundle."""
        forward = ["--format", options["format"]]
        for name in ("as_at", "as_known_on"):
            if options[name]:
                forward += [f"--{name.replace('_', '-')}", options[name].isoformat()]
        for slug in options["programme"]:
            forward += ["--programme", slug]
        output = run_on_bundle(options["bundle"], "tracker", options["org"] or "bundle", forward)
        self.stdout.write(output, ending="")

    def _table(self, result) -> None:
        out = self.stdout.write
        out(f"Reoffending tracker: {result.organisation}, as at {result.as_at.isoformat()}")
        out(
            f"Outcome data complete to {result.outcomes_complete_to or 'not complete'}; "
            f"arrest data complete to {result.arrests_complete_to or 'not complete'}"
        )
        header = (
            f"{'window':>6}  {'tier':<4} {'group':<12} {'with/tracked':>13} {'rate':>7} {'95% interval':>17}"
            f" {'outcomes':>8} {'not ended':>9} {'awaiting':>8}"
        )
        out(
            f"Screened out to another agency (neither group, not followed up): {result.screened_out}"
        )
        for anchor in result.anchors:
            out("")
            out(anchor.label)
            if anchor.pseudo_closure_days:
                out(
                    "Pseudo-closure (median completed episode, days): "
                    + ", ".join(f"{k} {v}" for k, v in anchor.pseudo_closure_days.items())
                )
            out(header)
            for w in anchor.windows:
                for t in w.tiers:
                    for name, g in (("participants", t.participants), ("comparison", t.comparison)):
                        interval = (
                            f"{_pct(g.interval.lower)}-{_pct(g.interval.upper)}"
                            if g.interval
                            else "-"
                        )
                        flag = " volatile" if g.volatile and g.children_tracked else ""
                        out(
                            f"{w.months:>4} m  {t.tier:<4} {name:<12} "
                            f"{f'{g.children_with_outcome}/{g.children_tracked}':>13} {_pct(g.rate):>7} "
                            f"{interval:>17} {g.outcomes:>8} {g.not_yet_mature:>9} {g.awaiting_data:>8}{flag}"
                        )
                    d = t.difference
                    if d:
                        out(
                            f"{'':>8}{'':<5}difference   {d.value * 100:+.1f} points "
                            f"({d.interval.lower * 100:+.1f} to {d.interval.upper * 100:+.1f})"
                        )
        out("")
        for warning in result.warnings:
            out(f"! {warning}")
