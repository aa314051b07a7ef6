"""How django-allauth fits Divert: no sign-up, TOTP secrets encrypted, SSO for existing staff only."""

from __future__ import annotations

import logging
import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.conf import settings
from django.shortcuts import render

from divert.accounts.models import User
from divert.core.crypto import decrypt_text, encrypt_text

log = logging.getLogger(__name__)


class AccountAdapter(DefaultAccountAdapter):
    """Staff accounts are made by administrators; repeated failures are django-axes' business."""

    def is_open_for_signup(self, request) -> bool:
        """Nobody signs themselves up."""
        return False

    def pre_authenticate(self, request, **credentials) -> None:
        """Skip allauth's own per-username failure limit: it would lock a username out from
        every address, which lets anyone lock a colleague out. django-axes counts failures
        per username *and* address instead (see settings)."""
        return None

    def authenticate(self, request, **credentials):
        """A closed account with the right password is a failed sign-in, answered exactly as a
        wrong password: allauth would otherwise show "account inactive", confirming the
        password to whoever typed it. Django's backend has already refused the user (and
        django-axes counted the failure), so only allauth's second look is dropped here."""
        user = super().authenticate(request, **credentials)
        if user is not None and not user.is_active:
            return None
        return user

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """A sign-in in the last few minutes counts as confirming it is you, so someone made to
        set up TOTP straight after signing in is not asked for their password again."""
        if not super().is_reauthentication_required(app=app, **kwargs):
            return False
        request = context.request
        if request is None or not request.user.is_authenticated:
            return True
        records = get_authentication_records(request, request.user)
        timeout = account_settings.REAUTHENTICATION_TIMEOUT
        return not any(time.time() - r.get("at", 0) < timeout for r in records)


class MfaAdapter(DefaultMFAAdapter):
    """TOTP secrets and recovery-code seeds are stored encrypted with the field keys."""

    def encrypt(self, text: str) -> str:
        """Encrypt a secret before it is stored."""
        return encrypt_text(text)

    def decrypt(self, encrypted_text: str) -> str:
        """Decrypt a stored secret (secrets stored before encryption are read as they are)."""
        return decrypt_text(encrypted_text)

    def get_totp_label(self, user) -> str:
        """The account name shown in the person's authenticator app: their username."""
        return user.get_username()


class SsoRefused(Exception):
    """Single sign-on found no Divert account it may sign in."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def find_sso_user(verified_emails: list[str]) -> User:
    """The one active user whose email matches an address the provider verified.

    Raises SsoRefused("unknown" | "ambiguous" | "deactivated") otherwise: SSO never creates
    or guesses an account.
    """
    emails = [e.strip() for e in verified_emails if e and e.strip()]
    if not emails:
        raise SsoRefused("unverified")
    users = User.objects.all()
    if settings.DIVERT_OIDC_ORGANISATIONS:
        users = users.filter(organisation__slug__in=settings.DIVERT_OIDC_ORGANISATIONS)
    for email in emails:
        matches = list(users.filter(email__iexact=email)[:2])
        if len(matches) > 1:
            raise SsoRefused("ambiguous")
        if matches:
            if not matches[0].is_active:
                raise SsoRefused("deactivated")
            return matches[0]
    raise SsoRefused("unknown")


def served_by_provider(user: User) -> bool:
    """Whether the provider may vouch for this user (DIVERT_OIDC_ORGANISATIONS)."""
    allowed = settings.DIVERT_OIDC_ORGANISATIONS
    return not allowed or (user.organisation is not None and user.organisation.slug in allowed)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """Single sign-on signs in existing, active users only; it never creates accounts."""

    def is_open_for_signup(self, request, sociallogin) -> bool:
        """No accounts are made through single sign-on."""
        return False

    def is_auto_signup_allowed(self, request, sociallogin) -> bool:
        """No accounts are made through single sign-on."""
        return False

    def authenticate_by_email(self, sociallogin):
        """Matching by email happens in pre_social_login, where inactive users are refused."""
        return None

    def pre_social_login(self, request, sociallogin) -> None:
        """Link the provider's identity to the matching Divert user, or refuse."""
        try:
            if sociallogin.is_existing:
                if not sociallogin.user.is_active:
                    raise SsoRefused("deactivated")
                if not served_by_provider(sociallogin.user):
                    raise SsoRefused("unknown")
                return
            verified = [a.email for a in sociallogin.email_addresses if a.verified]
            user = find_sso_user(verified)
        except SsoRefused as refused:
            # Ids and reasons only: never the email address or name the provider sent.
            log.info("Single sign-on refused: %s", refused.reason)
            raise ImmediateHttpResponse(
                render(request, "accounts/sso_refused.html", {"reason": refused.reason}, status=403)
            ) from refused
        sociallogin.connect(request, user)
        log.info("Single sign-on linked to user %s", user.pk)
