"""The `divert` console script: fronts Django's management commands."""

from __future__ import annotations

import os
import sys

# Commands that run the local demo get the demo environment unless one is configured.
DEMO_COMMANDS = {"demo", "serve"}


def main(argv: list[str] | None = None) -> None:
    """Run a management command: `divert demo`, `divert generate`, `divert serve`, ..."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in DEMO_COMMANDS and not os.environ.get("DIVERT_SECRET_KEY"):
        os.environ.setdefault("DIVERT_ENV", "demo")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "divert.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        execute_from_command_line(["divert", *argv])
    except ImproperlyConfigured as error:
        # A missing setting is the operator's to fix: say which, without a traceback.
        sys.stderr.write(f"divert: {error}\n")
        raise SystemExit(2) from None


if __name__ == "__main__":
    main()
