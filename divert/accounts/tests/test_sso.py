"""Single sign-on through the council's OpenID Connect provider, without the network.

The provider's answer (the claims in its userinfo / ID token) is built here and handed to
allauth's own completion step, which is what runs after the real token exchange.
"""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest
from allauth.core import context
from allauth.socialaccount.adapter import get_adapter
from allauth.socialaccount.helpers import complete_social_login
from allauth.socialaccount.models import SocialAccount
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.middleware import SessionMiddleware
from django.test import override_settings
from django.urls import clear_url_caches

import divert.accounts.auth_urls
import divert.urls
from divert.accounts.actions import deactivate_user
from divert.accounts.adapters import SsoRefused, find_sso_user
from divert.accounts.models import User

OIDC = {
    "DIVERT_OIDC_SERVER_URL": "https://login.example.invalid/tenant/v2.0",
    "DIVERT_OIDC_NAME": "Northbridge Council account",
    "SOCIALACCOUNT_PROVIDERS": {
        "openid_connect": {
            "OAUTH_PKCE_ENABLED": True,
            "APPS": [{
                "provider_id": "council", "name": "Northbridge Council account",
                "client_id": "divert-test", "secret": "not-a-real-secret",
                "settings": {"server_url": "https://login.example.invalid/tenant/v2.0",
                             "verified_email": ["north.example.gov.uk"]},
            }],
        }
    },
}


def _reload_urls():
    importlib.reload(divert.accounts.auth_urls)
    importlib.reload(divert.urls)
    clear_url_caches()


@pytest.fixture
def sso():
    """SSO configured as the environment would configure it (URLs rebuilt to match)."""
    with override_settings(**OIDC):
        _reload_urls()
        yield
    _reload_urls()


@pytest.fixture
def staff(personas):
    personas.worker_a.email = "Worker.A@north.example.gov.uk"
    personas.worker_a.save(update_fields=["email"])
    return personas


def _complete(rf, claims: dict):
    """Run allauth's completion of a social login for these claims; returns (response, request)."""
    request = rf.get("/sign-in/sso/council/callback/")
    SessionMiddleware(lambda r: None).process_request(request)
    request.user = AnonymousUser()
    request._messages = FallbackStorage(request)
    with context.request_context(request):
        provider = get_adapter(request).get_provider(request, "council")
        sociallogin = provider.sociallogin_from_response(request, {"userinfo": claims})
        sociallogin.state = {"process": "login"}
        response = complete_social_login(request, sociallogin)
    return response, request


# The matching rule --------------------------------------------------------------------


def test_an_existing_active_user_is_matched_by_email_ignoring_case(staff):
    assert find_sso_user(["worker.a@NORTH.example.gov.uk"]) == staff.worker_a


def test_an_unknown_email_is_refused(staff):
    with pytest.raises(SsoRefused) as refused:
        find_sso_user(["someone.else@north.example.gov.uk"])
    assert refused.value.reason == "unknown"


def test_a_deactivated_user_is_refused(staff):
    deactivate_user(by=None, user=staff.worker_a)
    with pytest.raises(SsoRefused) as refused:
        find_sso_user(["worker.a@north.example.gov.uk"])
    assert refused.value.reason == "deactivated"


def test_the_provider_vouches_only_for_the_organisations_it_serves(staff, settings):
    settings.DIVERT_OIDC_ORGANISATIONS = ["south"]
    with pytest.raises(SsoRefused) as refused:
        find_sso_user(["worker.a@north.example.gov.uk"])
    assert refused.value.reason == "unknown"
    settings.DIVERT_OIDC_ORGANISATIONS = ["north"]
    assert find_sso_user(["worker.a@north.example.gov.uk"]) == staff.worker_a


def test_two_users_with_one_email_are_refused_rather_than_guessed(staff):
    staff.worker_b.email = "worker.a@north.example.gov.uk"
    staff.worker_b.save(update_fields=["email"])
    with pytest.raises(SsoRefused) as refused:
        find_sso_user(["worker.a@north.example.gov.uk"])
    assert refused.value.reason == "ambiguous"


def test_no_verified_email_is_refused(staff):
    with pytest.raises(SsoRefused) as refused:
        find_sso_user([])
    assert refused.value.reason == "unverified"


# The whole completion step, as after a real provider round trip ----------------------


def test_sso_signs_in_the_matching_user_and_links_the_identity(rf, staff, sso):
    response, request = _complete(rf, {"sub": "abc-123", "email": "worker.a@north.example.gov.uk",
                                       "name": "Worker A"})
    assert response.status_code == 302
    assert request.user == staff.worker_a
    assert SocialAccount.objects.get(uid="abc-123").user == staff.worker_a
    # Next time the link is used directly, and still no account is created.
    response, request = _complete(rf, {"sub": "abc-123", "email": "changed@north.example.gov.uk"})
    assert request.user == staff.worker_a


def test_sso_never_creates_an_account(rf, staff, sso):
    before = User.objects.count()
    response, request = _complete(rf, {"sub": "new-1", "email": "stranger@north.example.gov.uk",
                                       "email_verified": True})
    assert response.status_code == 403
    assert "No Divert account uses the email address" in response.content.decode()
    assert not request.user.is_authenticated
    assert User.objects.count() == before


def test_sso_refuses_a_deactivated_user_even_when_already_linked(rf, staff, sso):
    _complete(rf, {"sub": "abc-123", "email": "worker.a@north.example.gov.uk"})
    deactivate_user(by=None, user=staff.worker_a)
    response, request = _complete(rf, {"sub": "abc-123", "email": "worker.a@north.example.gov.uk"})
    assert response.status_code == 403
    assert "Your Divert account is closed" in response.content.decode()
    assert not request.user.is_authenticated


def test_sso_ignores_an_email_the_provider_does_not_vouch_for(rf, staff, sso):
    staff.worker_a.email = "worker.a@gmail.example.com"
    staff.worker_a.save(update_fields=["email"])
    response, request = _complete(rf, {"sub": "x-1", "email": "worker.a@gmail.example.com",
                                       "email_verified": False})
    assert response.status_code == 403
    assert not request.user.is_authenticated


def test_the_sign_in_page_offers_sso_only_when_configured(client, db, sso):
    page = client.get("/sign-in/").content.decode()
    assert "Sign in with Northbridge Council account" in page
    assert 'action="/sign-in/sso/council/"' in page


def test_sso_setting_needs_client_id_and_secret(monkeypatch):
    env = {"DIVERT_ENV": "test", "DIVERT_OIDC_SERVER_URL": "https://login.example.invalid", "PATH": ""}
    result = subprocess.run(  # noqa: S603 - our own interpreter and settings module
        [sys.executable, "-c", "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='divert.settings';"
                               "from django.conf import settings; settings.INSTALLED_APPS"],
        env=env, capture_output=True, text=True, check=False,
    )
    assert result.returncode != 0 and "DIVERT_OIDC_CLIENT_ID" in result.stderr
