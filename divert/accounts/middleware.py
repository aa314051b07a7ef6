"""Multi-factor authentication required: set up TOTP before anything else."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from divert.accounts.mfa import needs_mfa_setup

# Pages a person must reach while setting up TOTP (and to leave).
SETUP_URL_NAMES = frozenset({
    "logout",
    "account_logout",
    "mfa_activate_totp",
    "mfa_reauthenticate",
    "account_reauthenticate",
    "mfa_view_recovery_codes",
    "mfa_download_recovery_codes",
    "health",
})


class MfaRequiredMiddleware:
    """Send a signed-in user who must use MFA but has no TOTP to set one up first.

    API requests with a bearer token are not signed in through the session, so they pass;
    a session-signed API request from such a user gets a 403 instead of a redirect.
    """

    def __init__(self, get_response: Callable):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Redirect before the view runs, unless it is one of the setup pages."""
        match = request.resolver_match
        if match is not None and match.url_name in SETUP_URL_NAMES:
            return None
        if not needs_mfa_setup(request):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": "Set up two-factor authentication in Divert before using the API."},
                status=403,
            )
        messages.info(
            request,
            "Your organisation asks everyone to use two-factor authentication. Set it up before you continue.",
        )
        return redirect("mfa_activate_totp")
