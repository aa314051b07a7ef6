"""The `divert` console script: fronts Django's management commands.

`divert` or `divert --help` lists Divert's own commands first, one line each, then
Django's. Asking for help (`divert CMD --help`, `-h`, `divert help CMD`) and `divert keys
new` need no settings: they run under the test environment's built-in keys, print, and
stop; no command's work ever runs that way. Every other command needs the real settings
(`DIVERT_SECRET_KEY` and friends, or `DIVERT_ENV=demo`).
"""

from __future__ import annotations

import os
import sys

from divert.kpis import from_bundle

# Commands that run the local demo get the demo environment unless one is configured.
DEMO_COMMANDS = {"demo", "serve"}
HELP_FLAGS = {"--help", "-h"}
# Settings under which help is printed: built-in keys only, and nothing is run.
HELP_ENV = "test"


def wants_help(argv: list[str]) -> bool:
    """`divert`, `divert help [CMD]` or a help flag before any `--`."""
    if not argv or argv[0] == "help":
        return True
    before_dashes = argv[: argv.index("--")] if "--" in argv else argv
    return any(arg in HELP_FLAGS for arg in before_dashes)


def main(argv: list[str] | None = None) -> None:
    """Run a management command: `divert demo`, `divert generate`, `divert serve`, ..."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:2] == ["keys", "new"] and len(argv) == 2:
        # A key is made before any key (or any other setting) exists.
        from cryptography.fernet import Fernet  # only this path needs it

        sys.stdout.write(Fernet.generate_key().decode() + "\n")
        return
    if wants_help(argv):
        os.environ["DIVERT_ENV"] = HELP_ENV
        os.environ["DJANGO_SETTINGS_MODULE"] = "divert.settings"
        raise SystemExit(print_help(argv))
    if argv and argv[0] in DEMO_COMMANDS and not os.environ.get("DIVERT_SECRET_KEY"):
        os.environ.setdefault("DIVERT_ENV", "demo")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "divert.settings")
    # Django is imported here, after the environment above is settled, because its
    # settings are read once on first use.
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        if from_bundle.wants_bundle(argv):
            # `kpis|tracker --bundle`: one process on a throwaway database (divert/kpis/from_bundle.py).
            raise SystemExit(from_bundle.run(argv))
        execute_from_command_line(["divert", *argv])
    except ImproperlyConfigured as error:
        # A missing setting is the operator's to fix: say which, without a traceback.
        sys.stderr.write(f"divert: {error}\n")
        raise SystemExit(2) from None


def print_help(argv: list[str]) -> int:
    """Print the command list, or one command's help; never run a command."""
    import django  # imported after the help environment is set (settings are read once)
    from django.core.management import get_commands, load_command_class

    django.setup()
    commands = get_commands()
    name = argv[1] if argv and argv[0] == "help" and len(argv) > 1 else None
    if argv and argv[0] not in ("help", *HELP_FLAGS):
        name = argv[0]
    if name is None:
        sys.stdout.write(command_list(commands, load_command_class))
        return 0
    if name not in commands:
        sys.stderr.write(f"divert: unknown command {name!r}. Type 'divert --help' for the list.\n")
        return 1
    command = load_command_class(commands[name], name)
    command.print_help("divert", name)
    return 0


def command_list(commands: dict[str, str], load) -> str:
    """Divert's own commands, one line each, then Django's by app."""
    own = sorted(n for n, app in commands.items() if app.startswith("divert."))
    width = max(len(n) for n in own)
    lines = [
        "Usage: divert <command> [options]",
        "       divert <command> --help   (that command's options; needs no settings)",
        "",
        "Divert's commands:",
    ]
    for n in own:
        summary = " ".join((load(commands[n], n).help or "").split())
        first = summary.split(". ")[0].split(": ")[0].rstrip(".")  # its first sentence, in short
        lines.append(f"  {n:<{width}}  {first}")
    lines += ["", "Django's commands (for operators):"]
    by_app: dict[str, list[str]] = {}
    for n, app in commands.items():
        if not app.startswith("divert."):
            by_app.setdefault(app.rpartition(".")[2], []).append(n)
    for app in sorted(by_app):
        lines.append(f"  [{app}] {', '.join(sorted(by_app[app]))}")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
