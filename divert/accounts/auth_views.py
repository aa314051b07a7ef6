"""Sign-in pages: django-allauth's views, each with Divert's access declaration."""

from __future__ import annotations

from allauth.account import views as account_views
from allauth.account.views import LoginView
from allauth.mfa.base import views as mfa_views
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes import views as recovery_views
from allauth.mfa.totp import views as totp_views
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from divert.accounts.mfa import has_totp, mfa_required_for
from divert.core.access import PUBLIC, SIGNED_IN, allow, public


def sso_option() -> dict | None:
    """The single sign-on button's label and address, or None when SSO is not configured."""
    if not settings.DIVERT_OIDC_SERVER_URL:
        return None
    return {
        "name": settings.DIVERT_OIDC_NAME,
        "url": reverse("openid_connect_login", kwargs={"provider_id": "council"}),
    }


class SignInView(LoginView):
    """The sign-in page (public): django-allauth's, refusing a locked-out username and address."""

    allowed_roles = (PUBLIC,)
    template_name = "web/sign_in.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        """Show the lockout page before checking a password for a locked-out attempt."""
        if request.method == "POST" and not AxesProxyHandler.is_allowed(request):
            return get_lockout_response(request)
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        """Offer single sign-on when the council's identity provider is configured."""
        context = super().get_context_data(**kwargs)
        context["sso"] = sso_option()
        return context


@allow(SIGNED_IN)
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Sign out (POST only, so a link cannot sign anyone out)."""
    logout(request)
    return redirect("web:login")


@allow(SIGNED_IN)
def security(request: HttpRequest) -> HttpResponse:
    """The person's own sign-in security: authenticator app, recovery codes, password."""
    kinds = set(Authenticator.objects.filter(user=request.user).values_list("type", flat=True))
    return render(request, "accounts/security.html", {
        "has_totp": Authenticator.Type.TOTP in kinds,
        "has_recovery_codes": Authenticator.Type.RECOVERY_CODES in kinds,
        "mfa_required": mfa_required_for(request.user),
        "has_password": request.user.has_usable_password(),
    })


@allow(SIGNED_IN)
def no_password(request: HttpRequest) -> HttpResponse:
    """People who sign in only through single sign-on have no Divert password to change."""
    return render(request, "accounts/no_password.html", {"sso": sso_option()})


def _guard_totp_removal(view):
    """Where the organisation requires MFA, removing the authenticator app is refused."""

    def wrapped(request, *args, **kwargs):
        if request.user.is_authenticated and mfa_required_for(request.user) and has_totp(request.user):
            return render(request, "accounts/totp_required.html", status=403)
        return view(request, *args, **kwargs)

    return wrapped


# django-allauth's own views, declared like every other view (deny by default).
inactive = public(account_views.account_inactive)
reauthenticate = allow(SIGNED_IN)(account_views.reauthenticate)
change_password = allow(SIGNED_IN)(account_views.password_change)
mfa_authenticate = public(mfa_views.authenticate)  # the TOTP step of signing in
mfa_reauthenticate = allow(SIGNED_IN)(mfa_views.reauthenticate)
activate_totp = allow(SIGNED_IN)(totp_views.activate_totp)
deactivate_totp = allow(SIGNED_IN)(_guard_totp_removal(totp_views.deactivate_totp))
view_recovery_codes = allow(SIGNED_IN)(recovery_views.view_recovery_codes)
generate_recovery_codes = allow(SIGNED_IN)(recovery_views.generate_recovery_codes)
download_recovery_codes = allow(SIGNED_IN)(recovery_views.download_recovery_codes)
