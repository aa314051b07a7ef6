"""`divert serve`: migrate, then run the task worker and the web server together."""

from __future__ import annotations

import os
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser

from divert.audit.schedule import start_sealing

DEFAULT_ADDRPORT = "127.0.0.1:8000"


def run_with_worker(stdout, addrport: str) -> None:
    """Run the database task worker in a subprocess, the audit sealer in a thread and the
    development server here.

    The worker and the sealer are stopped when the server stops (Ctrl+C or an error).
    """
    worker = subprocess.Popen(  # noqa: S603 - our own interpreter and console script
        [sys.executable, "-m", "divert.cli", "db_worker"], env=os.environ.copy()
    )
    stdout.write(f"Task worker started (process {worker.pid}).")
    sealing = start_sealing(every=settings.DIVERT_SEAL_SECONDS)
    stdout.write(f"Audit chain sealed every {settings.DIVERT_SEAL_SECONDS} seconds.")
    try:
        call_command("runserver", addrport, use_reloader=False, insecure_serving=True)
    finally:
        sealing.set()
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
        stdout.write("Task worker stopped.")


class Command(BaseCommand):
    help = "Apply migrations, then run the task worker and the web server (no data is loaded)."

    def add_arguments(self, parser: CommandParser) -> None:
        """Where to listen."""
        parser.add_argument(
            "--addrport",
            default=DEFAULT_ADDRPORT,
            help=f"Address and port to serve on (default {DEFAULT_ADDRPORT}).",
        )

    def handle(self, *args, **options) -> None:
        """Migrate and serve."""
        call_command("migrate", interactive=False, verbosity=0)
        run_with_worker(self.stdout, options["addrport"])
