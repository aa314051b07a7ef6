"""API token authentication: tokens are stored as keyed hashes and expire."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from rest_framework import authentication, exceptions

from divert.accounts.models import ApiToken
from divert.core.crypto import keyed_hash


class HashedTokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer dvt_...`; looks up the keyed hash, never the plain secret."""

    keyword = "Bearer"

    def authenticate(self, request):
        """Return (user, token) for a valid header, None when there is no token header."""
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("Invalid token header.")
        digest = keyed_hash(header[1], purpose="api-token")
        token = ApiToken.objects.usable().select_related("user").filter(key_hash=digest).first()
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or expired token.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request):
        """Ask for a bearer token on 401."""
        return self.keyword
