"""`divert precompute_reports`: store the reports people open first, ahead of need."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from divert.accounts.command_line import organisations_by_slug
from divert.accounts.models import Organisation
from divert.core.dates import parse_date
from divert.kpis.store import forget_unwanted, precompute


class Command(BaseCommand):
    help = ("Work out and store the measures pages people open first (this and the last financial "
            "quarter as at today; the latest two published quarters as board members and commissioners "
            "see them) for every organisation, so pages are served from the store. Run it daily.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", action="append", default=[], help="Only this organisation (slug); repeatable.")
        parser.add_argument("--today", help="The day to work them out for (default today), YYYY-MM-DD.")
        parser.add_argument("--enqueue", action="store_true",
                            help="Queue each report for the task workers instead of working it out here.")
        parser.add_argument("--keep-days", type=int, default=7,
                            help="Delete stored reports computed more than this many days ago that are "
                                 "not among today's (default 7).")

    def handle(self, *args, **options) -> None:
        """Store each organisation's reports, printing how long each took."""
        try:
            today = parse_date(options["today"], label="--today") if options["today"] else timezone.localdate()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        organisations = organisations_by_slug(options["org"]) if options["org"] else list(
            Organisation.objects.order_by("slug"))
        started = time.perf_counter()
        stored = computed = 0
        for whose, request, now, seconds in precompute(organisations, today, enqueue=options["enqueue"]):
            stored += 1
            computed += now
            how = "queued" if options["enqueue"] else (f"worked out in {seconds:.1f} s" if now else "current")
            shown = " (published, suppressed)" if request.suppress else ""
            self.stdout.write(f"{whose}: {request.period.label} as at {request.as_at}{shown}: {how}")
        removed = forget_unwanted(organisations, today, keep_days=options["keep_days"])
        self.stdout.write(f"{stored} report(s) for {len(organisations)} organisation(s), {computed} worked out, "
                          f"{removed} old report(s) deleted, {time.perf_counter() - started:.1f} s.")
