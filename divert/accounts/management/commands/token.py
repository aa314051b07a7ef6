"""`divert token issue|revoke|list`: API tokens (the secret is shown once, stored hashed)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from divert.accounts.actions import issue_token
from divert.accounts.models import ApiToken, User
from divert.audit.actions import record_event
from divert.core.errors import DomainError


class Command(BaseCommand):
    """Manage API tokens."""

    help = "Issue, list or revoke API tokens. Secrets are shown once and stored hashed."

    def add_arguments(self, parser):
        """Sub-commands: issue USER NAME [--days N], list USER, revoke TOKEN_ID."""
        sub = parser.add_subparsers(dest="action", required=True)
        issue = sub.add_parser("issue")
        issue.add_argument("username")
        issue.add_argument("name")
        issue.add_argument("--days", type=int, default=None)
        listing = sub.add_parser("list")
        listing.add_argument("username")
        revoke = sub.add_parser("revoke")
        revoke.add_argument("token_id", type=int)

    def handle(self, *args, **options):
        """Run the chosen sub-command."""
        action = options["action"]
        if action == "issue":
            user = self._user(options["username"])
            try:
                token, secret = issue_token(user=user, name=options["name"], days=options["days"])
            except DomainError as exc:
                raise CommandError(exc.message) from exc
            record_event(by=None, verb="issued_api_token", obj=token, organisation=user.organisation_id,
                         details={"user": user.pk, "via": "cli"})
            self.stdout.write(f"Token {token.pk} for {user.username}, expires {token.expires_at:%Y-%m-%d}.")
            self.stdout.write("Copy it now; it cannot be shown again:")
            self.stdout.write(secret)
        elif action == "list":
            user = self._user(options["username"])
            for t in user.api_tokens.order_by("id"):
                state = "revoked" if t.revoked_at else ("expired" if t.expires_at <= timezone.now() else "active")
                self.stdout.write(f"{t.pk}\t{t.prefix}…\t{t.name}\t{state}\texpires {t.expires_at:%Y-%m-%d}")
        else:
            updated = ApiToken.objects.filter(pk=options["token_id"], revoked_at__isnull=True)
            token = updated.first()
            if token is None:
                raise CommandError("No active token with that id.")
            updated.update(revoked_at=timezone.now())
            record_event(by=None, verb="revoked_api_token", obj=token,
                         organisation=token.user.organisation_id, details={"via": "cli"})
            self.stdout.write(f"Token {token.pk} revoked.")

    def _user(self, username: str) -> User:
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist as exc:
            raise CommandError(f"No user called {username!r}.") from exc
