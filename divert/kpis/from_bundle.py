"""Compute the measures from a case-level bundle instead of the service's database.

`divert kpis --bundle DIR ...` runs this module in a child process whose database is a
throwaway SQLite file in a private temporary folder: it migrates it, creates one
organisation, imports the bundle (validated exactly like `divert bundle import`), then runs
`divert kpis` on it. The folder is deleted afterwards. The service's own database is never
touched.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str]) -> int:
    """argv: BUNDLE_DIR ORG_SLUG then the `divert kpis` options to pass on."""
    bundle_dir, slug, *kpis_args = argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "divert.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.core.management.base import CommandError

    from divert.accounts.actions import create_organisation

    call_command("migrate", verbosity=0)
    create_organisation(by=None, name=f"Bundle {slug}", slug=slug)
    try:
        call_command("bundle", "import", bundle_dir, "--org", slug, stdout=sys.stderr)
        call_command("kpis", "--org", slug, *kpis_args)
    except CommandError as exc:
        print(f"CommandError: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
