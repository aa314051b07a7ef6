"""`divert demo`: a working local demo with synthetic data, in one command."""

from __future__ import annotations

import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from rich.console import Console

from divert.synth.demo import ensure_demo_data
from divert.synth.management.commands.generate import logins_table
from divert.synth.management.commands.serve import DEFAULT_ADDRPORT, run_with_worker


class Command(BaseCommand):
    help = (
        "Apply migrations, load the synthetic demo data if the database is empty, print the "
        "demo logins, then run the task worker and the web server."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """Where to listen, and whether to serve at all."""
        parser.add_argument(
            "--addrport",
            default=DEFAULT_ADDRPORT,
            help=f"Address and port to serve on (default {DEFAULT_ADDRPORT}).",
        )
        parser.add_argument(
            "--no-serve", action="store_true", help="Load the data and print the logins, then exit."
        )

    def handle(self, *args, **options) -> None:
        """Migrate, load, print logins, serve."""
        console = Console(file=self.stdout)
        call_command("migrate", interactive=False, verbosity=0)
        started = time.perf_counter()
        with console.status("Loading the demo data (first run only)..."):
            logins = ensure_demo_data()
        console.print(f"Demo data ready in {time.perf_counter() - started:.1f}s.")
        console.print(logins_table(logins))
        if options["no_serve"]:
            return
        console.print(f"Open http://{options['addrport']}/ and sign in with a login above.")
        run_with_worker(self.stdout, options["addrport"])
