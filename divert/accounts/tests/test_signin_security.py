"""Sign-in security: allauth sign-in, TOTP, MFA required by the organisation, lockout."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time

import pytest
import time_machine
from allauth.account.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import (
    SECRET_SESSION_KEY,
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.core.cache import cache

from conftest import PASSWORD
from divert.accounts.actions import create_organisation, deactivate_user, issue_token
from divert.audit.models import AuditEvent


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth's rate limits and used TOTP codes live in the cache: start each test clean."""
    cache.clear()
    yield
    cache.clear()


def totp_code(secret: str, offset: int = 0) -> str:
    """The current TOTP code for a secret, as an authenticator app would show it."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def give_totp(user) -> str:
    """Set up TOTP for a user; returns the secret."""
    secret = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def sign_in(client, username, password=PASSWORD, **extra):
    return client.post("/sign-in/", {"username": username, "password": password}, **extra)


# Username and password --------------------------------------------------------------


def test_a_worker_signs_in_with_username_and_password(client, personas):
    response = sign_in(client, "worker_a")
    assert response.status_code == 302
    assert client.get("/my-work/").status_code == 200


def test_a_wrong_password_is_refused_with_an_error_summary(client, personas):
    response = sign_in(client, "worker_a", "not the password")
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and 'href="#id_username"' in page
    assert client.get("/my-work/").status_code == 302


def test_nobody_can_sign_themselves_up(client, db):
    assert client.get("/accounts/signup/").status_code == 404
    assert client.get("/signup/").status_code == 404
    assert get_adapter().is_open_for_signup(None) is False


def test_sign_in_page_offers_no_sso_when_it_is_not_configured(client, db):
    page = client.get("/sign-in/").content.decode()
    assert 'id="id_username"' in page and 'id="id_password"' in page
    assert "Sign in with" not in page


# TOTP at sign-in ----------------------------------------------------------------------


def test_a_user_with_totp_must_enter_a_code_to_finish_signing_in(client, personas):
    secret = give_totp(personas.worker_a)
    response = sign_in(client, "worker_a")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/code/")
    # Password alone does not sign in.
    assert client.get("/my-work/").status_code == 302

    page = client.get("/sign-in/code/").content.decode()
    assert "Enter your security code" in page

    wrong = client.post("/sign-in/code/", {"code": "000000" if totp_code(secret) != "000000" else "111111"})
    assert wrong.status_code == 200 and "There is a problem" in wrong.content.decode()
    response = client.post("/sign-in/code/", {"code": totp_code(secret)})
    assert response.status_code == 302
    assert client.get("/my-work/").status_code == 200


def test_a_recovery_code_signs_in_once(client, personas):
    give_totp(personas.worker_a)
    code = RecoveryCodes.activate(personas.worker_a).get_unused_codes()[0]
    sign_in(client, "worker_a")
    assert client.post("/sign-in/code/", {"code": code}).status_code == 302
    assert client.get("/my-work/").status_code == 200

    client.post("/sign-out/")
    sign_in(client, "worker_a")
    again = client.post("/sign-in/code/", {"code": code})
    assert again.status_code == 200 and "There is a problem" in again.content.decode()


def test_totp_secrets_are_stored_encrypted(personas):
    secret = give_totp(personas.worker_a)
    stored = Authenticator.objects.get(user=personas.worker_a, type="totp").data["secret"]
    assert secret not in stored and stored.startswith("enc1:")


# MFA required by the organisation -----------------------------------------------------


@pytest.fixture
def north_requires_mfa(personas):
    personas.north.mfa_required = True
    personas.north.save(update_fields=["mfa_required"])
    return personas


def test_without_totp_a_user_of_an_mfa_organisation_must_set_it_up_first(client, north_requires_mfa):
    sign_in(client, "worker_a")
    response = client.get("/my-work/")
    assert response.status_code == 302 and response["Location"] == "/account/authenticator/"
    assert client.get("/children/").status_code == 302
    page = client.get("/account/authenticator/").content.decode()
    assert "Set up your authenticator app" in page
    assert 'src="data:image/svg+xml;base64,' in page  # the QR code is inline: nothing fetched
    assert "two-factor authentication" in page
    # Signing out still works.
    assert client.post("/sign-out/").status_code == 302


def test_setting_up_totp_shows_recovery_codes_then_lets_the_user_in(
    client, north_requires_mfa, django_capture_on_commit_callbacks
):
    user = north_requires_mfa.worker_a
    sign_in(client, "worker_a")
    client.get("/account/authenticator/")
    secret = client.session[SECRET_SESSION_KEY]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/account/authenticator/", {"code": totp_code(secret)})
    assert response.status_code == 302 and response["Location"] == "/account/recovery-codes/"
    page = client.get("/account/recovery-codes/").content.decode()
    assert "Your recovery codes" in page and "You have 10 of 10 codes left" in page
    download = client.get("/account/recovery-codes/download/")
    assert download.status_code == 200 and download["Content-Type"].startswith("text/plain")
    assert client.get("/my-work/").status_code == 200
    assert Authenticator.objects.filter(user=user, type="totp").exists()
    assert AuditEvent.objects.filter(verb="added_authenticator", object_id=user.pk).exists()


def test_a_user_of_an_mfa_organisation_cannot_remove_their_authenticator(client, north_requires_mfa):
    give_totp(north_requires_mfa.worker_a)
    client.force_login(north_requires_mfa.worker_a)
    response = client.get("/account/authenticator/remove/")
    assert response.status_code == 403
    assert "cannot remove your authenticator app" in response.content.decode()


def test_bearer_tokens_are_not_held_up_by_the_mfa_rule(client, north_requires_mfa):
    _, secret = issue_token(user=north_requires_mfa.worker_a, name="test")
    response = client.get("/api/children/", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200


def test_a_session_api_call_without_totp_is_refused_in_an_mfa_organisation(client, north_requires_mfa):
    client.force_login(north_requires_mfa.worker_a)
    response = client.get("/api/children/")
    assert response.status_code == 403


def test_platform_users_follow_the_platform_setting(client, personas, settings):
    settings.DIVERT_MFA_REQUIRED_WITHOUT_ORGANISATION = True
    client.force_login(personas.commissioner)
    assert client.get("/").status_code == 302
    settings.DIVERT_MFA_REQUIRED_WITHOUT_ORGANISATION = False
    assert client.get("/").status_code == 200


# Lockout after repeated failures ------------------------------------------------------


def test_five_wrong_passwords_lock_out_even_the_right_one(client, personas):
    for _ in range(4):
        assert sign_in(client, "worker_a", "wrong password").status_code == 200
    fifth = sign_in(client, "worker_a", "wrong password")
    assert fifth.status_code == 429
    response = sign_in(client, "worker_a")
    page = response.content.decode()
    assert response.status_code == 429
    assert "Too many attempts to sign in" in page
    assert "Try again after" in page and "ask your Divert administrator" in page
    assert client.get("/my-work/").status_code == 302


def test_the_lockout_is_for_that_username_from_that_address_only(client, personas):
    for _ in range(5):
        sign_in(client, "worker_a", "wrong password")
    assert sign_in(client, "worker_a").status_code == 429
    # A colleague at the same address still signs in ...
    assert sign_in(client, "worker_b").status_code == 302
    client.post("/sign-out/")
    # ... and so does the same person from another address.
    assert sign_in(client, "worker_a", REMOTE_ADDR="10.1.2.3").status_code == 302


def test_a_successful_sign_in_resets_the_count(client, personas):
    for _ in range(4):
        sign_in(client, "worker_a", "wrong password")
    assert sign_in(client, "worker_a").status_code == 302
    client.post("/sign-out/")
    for _ in range(4):
        assert sign_in(client, "worker_a", "wrong password").status_code == 200
    assert sign_in(client, "worker_a").status_code == 302


def test_lockout_can_be_tried_again_after_the_cool_off(client, personas, settings):
    for _ in range(5):
        sign_in(client, "worker_a", "wrong password")
    assert sign_in(client, "worker_a").status_code == 429
    with time_machine.travel(dt.datetime.now(dt.UTC) + settings.AXES_COOLOFF_TIME + dt.timedelta(minutes=1)):
        assert sign_in(client, "worker_a").status_code == 302


def test_lockout_logs_name_no_username(client, personas, caplog):
    with caplog.at_level(logging.DEBUG):
        for _ in range(6):
            sign_in(client, "worker_a", "wrong password")
    assert caplog.records, "axes logged nothing"
    assert "worker_a" not in caplog.text


def test_mfa_is_required_by_default_for_a_new_organisation(db):
    organisation = create_organisation(by=None, name="Eastfield YJS", slug="east")
    assert organisation.mfa_required is True


def test_guessing_totp_codes_is_limited(client, personas):
    secret = give_totp(personas.worker_a)
    sign_in(client, "worker_a")
    wrong = "000000" if totp_code(secret) != "000000" else "111111"
    for _ in range(5):
        client.post("/sign-in/code/", {"code": wrong})
    response = client.post("/sign-in/code/", {"code": totp_code(secret)})
    assert "Too many failed login attempts" in response.content.decode()
    assert client.get("/my-work/").status_code == 302


def test_a_session_signed_in_through_the_form_ends_after_thirty_idle_minutes(client, personas):
    start = dt.datetime.now(dt.UTC)
    with time_machine.travel(start, tick=False):
        sign_in(client, "worker_a")
    with time_machine.travel(start + dt.timedelta(minutes=29), tick=False):
        assert client.get("/my-work/").status_code == 200  # activity keeps it alive ...
    with time_machine.travel(start + dt.timedelta(minutes=58), tick=False):
        assert client.get("/my-work/").status_code == 200
    with time_machine.travel(start + dt.timedelta(minutes=89), tick=False):
        assert client.get("/my-work/").status_code == 302  # ... 31 idle minutes end it


# A person's own sign-in security page and password ---------------------------------


def test_the_sign_in_security_page_shows_what_is_set_up(client, personas):
    sign_in(client, "worker_a")
    page = client.get("/account/security/").content.decode()
    assert "Your sign-in security" in page and "Not set up" in page
    assert 'href="/account/password/"' in page and 'href="/account/authenticator/"' in page


def test_changing_a_password_follows_the_password_rules(client, personas):
    sign_in(client, "worker_a")
    weak = client.post("/account/password/", {"oldpassword": PASSWORD, "password1": "password1234",
                                              "password2": "password1234"})
    page = weak.content.decode()
    assert weak.status_code == 200 and "There is a problem" in page and "too common" in page
    assert "password1234" not in page
    response = client.post("/account/password/", {"oldpassword": PASSWORD, "password1": "kites over the estuary",
                                                  "password2": "kites over the estuary"})
    assert response.status_code == 302
    personas.worker_a.refresh_from_db()
    assert personas.worker_a.check_password("kites over the estuary")
    assert client.get("/my-work/").status_code == 200  # still signed in here


def test_someone_who_only_uses_sso_has_no_password_to_change(client, personas):
    personas.worker_a.set_unusable_password()
    personas.worker_a.save()
    client.force_login(personas.worker_a)
    response = client.get("/account/password/", follow=True)
    assert "You have no Divert password" in response.content.decode()


# A closed account ---------------------------------------------------------------------


def _without_csrf_token(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", response.content.decode())


def test_a_closed_account_with_the_right_password_is_answered_as_a_wrong_password(client, personas):
    deactivate_user(by=personas.administrator, user=personas.worker_a)
    right = sign_in(client, "worker_a")
    cache.clear()
    wrong = sign_in(client, "worker_a", "not the password")
    assert right.status_code == wrong.status_code == 200
    assert _without_csrf_token(right) == _without_csrf_token(wrong)
    assert "closed" not in right.content.decode()
    assert client.get("/my-work/").status_code == 302


def test_a_closed_accounts_right_password_counts_towards_the_lockout(client, personas):
    deactivate_user(by=personas.administrator, user=personas.worker_a)
    for _ in range(4):
        assert sign_in(client, "worker_a").status_code == 200
    assert sign_in(client, "worker_a").status_code == 429
