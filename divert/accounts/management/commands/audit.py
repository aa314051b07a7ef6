"""`divert audit seal|verify [--org SLUG]`: seal the audit hash chain, or verify it.

The chain is audit's (`divert/audit/chain.py`); the command lives in accounts because it
names organisations, which sit above audit in the layers.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from divert.accounts.command_line import organisation_by_slug
from divert.accounts.models import Organisation
from divert.audit.chain import seal_all, verify_chain


class Command(BaseCommand):
    help = "Seal unsealed audit events into each organisation's hash chain, or verify the chains."

    def add_arguments(self, parser: CommandParser) -> None:
        """Subcommands seal and verify, each with an optional organisation."""
        sub = parser.add_subparsers(dest="subcommand", required=True)
        for name, text in (("seal", "Seal unsealed events."), ("verify", "Recompute every seal.")):
            command = sub.add_parser(name, help=text)
            command.add_argument("--org", help="Organisation slug (default: every organisation).")

    def handle(self, *args, **options) -> None:
        """Run the subcommand over the chosen chains; verify exits non-zero on any problem."""
        chains = self._chains(options.get("org"))
        if options["subcommand"] == "seal":
            now = timezone.now()
            for label, organisation in chains:
                seals = seal_all(organisation=organisation, now=now)
                events = sum(seal.event_count for seal in seals)
                self.stdout.write(f"{label}: {len(seals)} seal(s), {events} event(s) sealed")
            return
        failed = False
        for label, organisation in chains:
            report = verify_chain(organisation=organisation)
            if report.ok:
                self.stdout.write(
                    f"{label}: OK, {report.seals} seal(s), {report.events} sealed event(s), "
                    f"{report.unsealed} not yet sealed, head {report.head_hash or '-'}"
                )
                continue
            failed = True
            self.stdout.write(f"{label}: {len(report.problems)} problem(s)")
            for problem in report.problems:
                self.stdout.write(f"  {problem.kind}: {problem.message}")
        if failed:
            raise CommandError("The audit trail failed verification.", returncode=2)

    def _chains(self, slug: str | None) -> list[tuple[str, object]]:
        if slug:
            return [(slug, organisation_by_slug(slug))]
        chains: list[tuple[str, object]] = [
            (o.slug, o) for o in Organisation.objects.order_by("slug")
        ]
        # Events of no organisation (system set-up) form their own chain.
        chains.append(("(no organisation)", None))
        return chains
