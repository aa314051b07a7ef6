"""Who must use multi-factor authentication, and whether they have it."""

from __future__ import annotations

from allauth.account.internal.flows.login import get_authentication_records
from allauth.mfa.models import Authenticator
from django.conf import settings


def mfa_required_for(user) -> bool:
    """True if this user's organisation (or, outside any, the platform setting) requires MFA."""
    if user.organisation_id is not None:
        return user.organisation.mfa_required
    return settings.DIVERT_MFA_REQUIRED_WITHOUT_ORGANISATION


def has_totp(user) -> bool:
    """True if the user has set up an authenticator app."""
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def signed_in_through_sso(request) -> bool:
    """True if this session was signed in through the council's identity provider."""
    records = get_authentication_records(request, request.user)
    return any(r.get("method") == "socialaccount" for r in records)


def needs_mfa_setup(request) -> bool:
    """True if the signed-in user must set up TOTP before doing anything else."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if not mfa_required_for(user) or has_totp(user):
        return False
    # The council's provider may enforce MFA itself (an operator's declaration).
    return not (settings.DIVERT_OIDC_ENFORCES_MFA and signed_in_through_sso(request))
