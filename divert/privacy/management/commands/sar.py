"""`divert sar --child ID --org ORG --format json|pdf OUT`: a subject access export of one child."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from divert.accounts.command_line import organisation_by_slug
from divert.accounts.models import User
from divert.core.files import write_private_bytes
from divert.people.models import Child
from divert.privacy.actions import record_subject_access_export
from divert.privacy.sar import subject_access_data, subject_access_pdf


class Command(BaseCommand):
    help = "Write everything held about one child (subject access) as JSON or PDF."

    def add_arguments(self, parser: CommandParser) -> None:
        """Child id, organisation slug, format and the output file."""
        parser.add_argument("--child", type=int, required=True, help="The child's record number.")
        parser.add_argument("--org", required=True, help="Organisation slug (the child's).")
        parser.add_argument("--format", choices=["json", "pdf"], default="json", dest="file_format")
        parser.add_argument("--by", help="Username of the person exporting (recorded in the audit trail).")
        parser.add_argument("out", help="File to write.")

    def handle(self, *args, **options) -> None:
        """Write the export and audit it; the output names the record number only."""
        organisation = organisation_by_slug(options["org"])
        child = Child.objects.filter(organisation=organisation, pk=options["child"]).first()
        if child is None:
            raise CommandError(f"No child {options['child']} in {organisation.slug}")
        by = None
        if options["by"]:
            by = User.objects.filter(username=options["by"], organisation=organisation).first()
            if by is None:
                raise CommandError(f"No user {options['by']} in {organisation.slug}")
        data = subject_access_data(child, generated_by=by, generated_at=timezone.now())
        if options["file_format"] == "json":
            body = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
        else:
            body = subject_access_pdf(data)
        write_private_bytes(Path(options["out"]), body)
        record_subject_access_export(by=by, child=child, file_format=options["file_format"], via="command line")
        self.stdout.write(f"Wrote the subject access export for record {child.pk} to {options['out']}")
