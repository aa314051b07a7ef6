"""`divert retention --org ORG [--as-at DATE] [--execute] [--by USERNAME]`: the retention rules.

A dry run (the default) prints what each rule would delete or anonymise, by count; with
--execute the organisation's rules are carried out in one transaction and recorded.
"""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from divert.accounts.command_line import organisation_by_slug
from divert.accounts.models import User
from divert.privacy.actions import run_retention
from divert.privacy.retention import plan_retention


class Command(BaseCommand):
    help = "Report (dry run) or carry out an organisation's retention rules."

    def add_arguments(self, parser: CommandParser) -> None:
        """Organisation, as-at date, execute flag and the person running it."""
        parser.add_argument("--org", required=True, help="Organisation slug.")
        parser.add_argument("--as-at", help="Date the rules are applied on (YYYY-MM-DD; default today).")
        parser.add_argument("--execute", action="store_true", help="Delete or anonymise (default: dry run).")
        parser.add_argument("--by", help="Username of the person running it (recorded with the run).")
        parser.add_argument("--ids", action="store_true", help="Dry run: also list the record numbers.")

    def handle(self, *args, **options) -> None:
        """Print the plan; with --execute, carry it out and print the counts recorded."""
        organisation = organisation_by_slug(options["org"])
        try:
            as_at = dt.date.fromisoformat(options["as_at"]) if options["as_at"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError("--as-at must be a date as YYYY-MM-DD") from exc
        by = None
        if options["by"]:
            by = User.objects.filter(username=options["by"], organisation=organisation).first()
            if by is None:
                raise CommandError(f"No user {options['by']} in {organisation.slug}")
        if not options["execute"]:
            plan = plan_retention(organisation, as_at)
            self.stdout.write(f"Dry run for {organisation.slug} as at {as_at.isoformat()}: nothing is changed.")
            for rule in plan.rules:
                self.stdout.write(_line(rule.summary()))
                ids = [*rule.child_ids, *rule.merged_ids, *rule.import_run_ids]
                if options["ids"] and ids:
                    self.stdout.write("    record numbers: " + ", ".join(str(i) for i in ids))
            self.stdout.write(f"Children with open work (kept): {plan.open_work}; "
                              f"with processing restricted (kept): {plan.processing_restricted}; "
                              f"children no rule covers: {plan.not_covered}")
            return
        run = run_retention(by=by, organisation=organisation, as_at=as_at, via="command line")
        self.stdout.write(f"Done: retention run {run.pk} for {organisation.slug} as at {as_at.isoformat()}.")
        for rule in run.counts["rules"]:
            records = ", ".join(f"{label} {n}" for label, n in rule["records"].items()) or "no records"
            self.stdout.write(f"{_line(rule)} ({records})")


def _line(rule: dict) -> str:
    what = f"{rule['import_runs']} import run(s)" if rule["record_type"] == "imports" else (
        f"{rule['children']} child record(s)"
        + (f" and {rule['merged_records']} merged duplicate(s)" if rule["merged_records"] else "")
    )
    return (f"  {rule['record_type']}: {rule['action']} {what} "
            f"({rule['years']} year(s) after {rule['anchor']})")
