"""`divert org list|create`: the organisations (tenants) and their slugs."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from divert.accounts.actions import create_organisation
from divert.accounts.models import Organisation
from divert.core.errors import DomainError


class Command(BaseCommand):
    help = "List the organisations and their slugs (what --org takes), or create one."

    def add_arguments(self, parser: CommandParser) -> None:
        """Subcommands list and create."""
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("list", help="Every organisation: slug, kind and name.")
        create = sub.add_parser("create", help="Create an organisation (audited).")
        create.add_argument("slug", help="Short name used by --org, e.g. northbridge-yjs.")
        create.add_argument("--name", required=True, help="Full name, e.g. 'Northbridge Youth Justice Service'.")
        create.add_argument("--kind", choices=Organisation.Kind.values, default=Organisation.Kind.YJS,
                            help="yjs (a youth justice service, the default) or provider.")
        create.add_argument("--area-name", default="", help="Local authority area, e.g. Northbridge.")
        create.add_argument("--area-code", default="", help="ONS local authority code, e.g. E06000016.")

    def handle(self, *args, **options) -> None:
        """Run the chosen subcommand."""
        if options["action"] == "list":
            rows = list(Organisation.objects.order_by("slug").values_list("slug", "kind", "name"))
            if not rows:
                self.stdout.write("No organisations yet: create one with `divert org create SLUG --name NAME`.")
            width = max((len(slug) for slug, _, _ in rows), default=0)
            for slug, kind, name in rows:
                self.stdout.write(f"{slug:<{width}}  {kind:<8}  {name}")
            return
        try:
            organisation = create_organisation(
                by=None, name=options["name"], slug=options["slug"], kind=options["kind"],
                area_name=options["area_name"], area_code=options["area_code"],
            )
        except DomainError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Created {organisation.name} ({organisation.slug}).")
