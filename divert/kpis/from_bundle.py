"""Compute the measures (or the tracker) from a case-level bundle instead of the service's database.

`divert kpis --bundle DIR ...` and `divert tracker --bundle DIR ...` run in a process whose
database is a throwaway SQLite file in a private temporary folder: it gets the schema,
creates one organisation, imports the bundle (validated exactly like `divert bundle
import`), then runs the command on it. The folder is deleted afterwards. The service's own
database is never touched (`DATABASE_URL` is ignored in that process).

From the shell, `divert.cli` sends such a command line straight to `run`, before Django
starts, so the one process does it all. Called from Python (`call_command("kpis",
"--bundle", ...)`), the command runs `divert kpis --bundle ...` as a child process
(`run_on_bundle`).

The schema comes from a template database migrated once and kept (owner-only) in the
user's cache folder (`~/.cache/divert/bundle-templates`), named by a hash of every
migration file, so it is rebuilt only when the migrations change: copying it takes
milliseconds where migrating takes seconds. Any migration the template lacks is still
applied after the copy.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

BUNDLE_COMMANDS = {"kpis", "tracker"}


def wants_bundle(argv: list[str]) -> bool:
    """`divert kpis|tracker ... --bundle DIR ...`."""
    return bool(argv) and argv[0] in BUNDLE_COMMANDS and any(
        a == "--bundle" or a.startswith("--bundle=") for a in argv[1:]
    )


def split_arguments(args: list[str]) -> tuple[str | None, str | None, list[str]]:
    """(bundle folder, organisation slug, the other arguments) from a command's arguments."""
    bundle = slug = None
    rest: list[str] = []
    words = iter(args)
    for word in words:
        name, equals, value = word.partition("=")
        if name in ("--bundle", "--org"):
            value = value if equals else next(words, "")
            if name == "--bundle":
                bundle = value
            elif slug is None:
                slug = value  # the first --org names the bundle's organisation
            continue
        rest.append(word)
    return bundle, slug, rest


def run(argv: list[str]) -> int:
    """`divert COMMAND --bundle DIR [--org SLUG] ...` in this process; call before Django starts."""
    command, (bundle, slug, rest) = argv[0], split_arguments(argv[1:])
    folder = Path(bundle or "")
    if not bundle or not (folder / "manifest.json").is_file():
        sys.stderr.write(f"divert: {folder} is not a case-level bundle (no manifest.json).\n")
        return 2
    with tempfile.TemporaryDirectory(prefix="divert-bundle-") as private:
        os.environ.pop("DATABASE_URL", None)  # never the service's own database
        os.environ["DIVERT_SQLITE_PATH"] = str(Path(private) / "bundle.sqlite3")
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "divert.settings")
        return _run(command, folder.resolve(), slug or "bundle", rest)


def _run(command: str, folder: Path, slug: str, args: list[str]) -> int:
    import django  # imported after the environment is set (settings are read once)

    django.setup()
    # Django's and Divert's modules need the app registry, ready only now.
    from django.conf import settings
    from django.core.management import call_command
    from django.core.management.base import CommandError
    from django.db import connections

    from divert.accounts.actions import create_organisation

    prepare_database(Path(settings.SQLITE_PATH), template_folder())
    create_organisation(by=None, name=f"Bundle {slug}", slug=slug)
    try:
        call_command("bundle", "import", str(folder), "--org", slug, stdout=sys.stderr)
        call_command(command, "--org", slug, *args)
    except CommandError as exc:
        sys.stderr.write(f"CommandError: {exc}\n")
        return 1
    finally:
        connections.close_all()  # before the folder holding the database is deleted
    return 0


def run_on_bundle(bundle: Path, command: str, slug: str, args: list[str]) -> str:
    """`divert COMMAND --bundle BUNDLE --org SLUG ARGS` in a child process; its output."""
    # Imported here: divert/cli.py loads this module before Django is set up.
    from django.core.management.base import CommandError

    if not (bundle / "manifest.json").is_file():
        raise CommandError(f"{bundle} is not a case-level bundle (no manifest.json).")
    done = subprocess.run(  # noqa: S603 - our own module, no shell
        [sys.executable, "-m", "divert.cli", command, "--bundle", str(bundle.resolve()), "--org", slug, *args],
        capture_output=True, text=True, check=False,
    )
    if done.returncode:
        raise CommandError(f"The bundle could not be used:\n{done.stderr.strip()[-4000:]}")
    return done.stdout


# ---- the template database --------------------------------------------------------------


def template_folder() -> Path | None:
    """The user's own cache folder for template databases, or None if it is not private."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    folder = cache / "divert" / "bundle-templates"
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.stat()
    except OSError:
        return None
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None  # someone else's, or open to others: do not trust what is in it
    return folder


def migration_state() -> str:
    """A hash of every migration file Django would apply (the template's name)."""
    # Imported here: divert/cli.py loads this module before Django is set up.
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    digest = hashlib.sha256()
    for key in sorted(loader.disk_migrations):
        digest.update(repr(key).encode())
        module = sys.modules[type(loader.disk_migrations[key]).__module__]
        digest.update(Path(str(module.__file__)).read_bytes())
    return digest.hexdigest()[:24]


def prepare_database(database: Path, templates: Path | None) -> None:
    """Give the empty `database` the schema: a copy of the template, else migrate and keep one."""
    # Imported here: divert/cli.py loads this module before Django is set up.
    from django.core.management import call_command
    from django.db import connection

    template = templates / f"{migration_state()}.sqlite3" if templates else None
    if template is not None and template.is_file():
        _copy(template, database)
    call_command("migrate", verbosity=0)  # nothing to do after a current template's copy
    if template is not None and not template.is_file():
        connection.close()
        partial = template.with_name(f".{template.name}.{os.getpid()}")
        try:
            _copy(database, partial)
            os.replace(partial, template)  # atomic: a concurrent run sees all of it or none
        except (OSError, sqlite3.Error):
            partial.unlink(missing_ok=True)  # no room for it: the next run migrates again


def _copy(source: Path, target: Path) -> None:
    """A consistent copy of an SQLite database (its WAL included), readable by its owner only."""
    target.touch(mode=0o600)
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
