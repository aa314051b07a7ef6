"""Sign-in addresses under django-allauth's URL names (which allauth reverses itself).

Only the pages Divert uses are exposed: no sign-up, no email management, no password reset
by email (an administrator helps instead).
"""

from django.conf import settings
from django.urls import include, path

from divert.accounts import auth_views as views

urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="account_login"),
    path("sign-in/closed/", views.inactive, name="account_inactive"),
    path("sign-in/code/", views.mfa_authenticate, name="mfa_authenticate"),
    path("sign-out/", views.sign_out, name="account_logout"),
    path("account/security/", views.security, name="mfa_index"),
    path("account/confirm/", views.reauthenticate, name="account_reauthenticate"),
    path("account/confirm/code/", views.mfa_reauthenticate, name="mfa_reauthenticate"),
    path("account/password/", views.change_password, name="account_change_password"),
    path("account/password/none/", views.no_password, name="account_set_password"),
    path("account/authenticator/", views.activate_totp, name="mfa_activate_totp"),
    path("account/authenticator/remove/", views.deactivate_totp, name="mfa_deactivate_totp"),
    path("account/recovery-codes/", views.view_recovery_codes, name="mfa_view_recovery_codes"),
    path("account/recovery-codes/new/", views.generate_recovery_codes, name="mfa_generate_recovery_codes"),
    path("account/recovery-codes/download/", views.download_recovery_codes, name="mfa_download_recovery_codes"),
]

if settings.SOCIALACCOUNT_PROVIDERS:
    from allauth.socialaccount import views as social_views
    from allauth.socialaccount.providers.openid_connect import views as oidc_views

    from divert.core.access import public

    urlpatterns += [
        # Before the provider's pattern, which would match these too.
        path("sign-in/sso/cancelled/", public(social_views.login_cancelled), name="socialaccount_login_cancelled"),
        path("sign-in/sso/error/", public(social_views.login_error), name="socialaccount_login_error"),
        path("sign-in/sso/<str:provider_id>/", include([
            path("", public(oidc_views.login), name="openid_connect_login"),
            path("callback/", public(oidc_views.callback), name="openid_connect_callback"),
        ])),
    ]
