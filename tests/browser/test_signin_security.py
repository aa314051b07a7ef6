"""Sign-in security in a real browser: two-factor set-up and sign-in, lockout, users pages."""

from __future__ import annotations

import re
import time

import pytest
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.core.cache import cache

from conftest import PASSWORD

pytestmark = pytest.mark.browser


def totp_code(secret: str, offset: int = 0) -> str:
    """What an authenticator app shows for this secret now (allauth's own TOTP function)."""
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30 + offset))


def sign_in(page, username: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_setting_up_two_factor_then_signing_in_with_a_code(page, personas, settings, assert_accessible):
    cache.clear()
    # A code is accepted once; the second sign-in uses the next 30-second code.
    settings.MFA_TOTP_TOLERANCE = 1
    personas.north.mfa_required = True
    personas.north.save(update_fields=["mfa_required"])

    sign_in(page, "worker_a")
    page.wait_for_url("**/account/authenticator/")
    assert page.get_by_role("heading", level=1).inner_text() == "Set up your authenticator app"
    assert page.get_by_text("Your organisation asks everyone to use two-factor authentication").is_visible()
    assert page.locator("img[src^='data:image/svg+xml']").is_visible()
    assert_accessible(page, "set-up-authenticator")

    # Other pages wait until it is set up.
    page.goto("/my-work/")
    page.wait_for_url("**/account/authenticator/")

    secret = page.locator("#authenticator_secret").inner_text().strip()
    page.fill("#id_code", "000000" if totp_code(secret) != "000000" else "111111")
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    page.get_by_text("There is a problem").wait_for()
    assert_accessible(page, "set-up-authenticator-error")

    page.fill("#id_code", totp_code(secret))
    page.get_by_role("button", name="Turn on two-factor authentication").click()
    page.wait_for_url("**/account/recovery-codes/")
    assert page.locator("#recovery_codes li").count() == 10
    assert_accessible(page, "recovery-codes")

    page.get_by_role("link", name="I have saved my codes: continue to Divert").click()
    page.wait_for_url("**/my-work/")
    page.goto("/account/security/")
    assert_accessible(page, "sign-in-security")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/sign-in/")

    sign_in(page, "worker_a")
    page.wait_for_url("**/sign-in/code/")
    assert_accessible(page, "enter-code")
    page.fill("#id_code", totp_code(secret, offset=1))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/my-work/")
    assert page.get_by_role("heading", level=1).inner_text() == "My work"


def test_five_wrong_passwords_pause_signing_in(page, personas, assert_accessible):
    for _ in range(5):
        sign_in(page, "worker_b", "not the password")
    page.get_by_role("heading", name="Too many attempts to sign in").wait_for()
    assert page.get_by_text(re.compile(r"Try again after \d\d:\d\d")).is_visible()
    assert_accessible(page, "locked-out")
    sign_in(page, "worker_b")
    page.get_by_role("heading", name="Too many attempts to sign in").wait_for()


def test_an_administrator_manages_users(signed_in_page, personas, assert_accessible):
    page = signed_in_page("administrator")
    page.get_by_role("link", name="Users").click()
    page.wait_for_url("**/users/")
    assert_accessible(page, "users")

    page.get_by_role("link", name="Add a user").click()
    page.get_by_role("button", name="Add user").click()
    page.get_by_text("There is a problem").wait_for()
    assert_accessible(page, "add-user-errors")

    page.fill("#id_username", "new_worker")
    page.fill("#id_first_name", "Nia")
    page.fill("#id_last_name", "Newstarter")
    page.fill("#id_password", "a long passphrase about kites")
    page.get_by_label("Case worker / prevention officer").check()
    page.get_by_label("Team A").check()
    page.get_by_role("button", name="Add user").click()
    page.get_by_role("heading", name="Nia Newstarter").wait_for()
    assert_accessible(page, "user")

    page.get_by_role("link", name="Deactivate Nia Newstarter").click()
    assert_accessible(page, "deactivate")
    page.get_by_role("button", name="Deactivate").click()
    page.get_by_text("Account deactivated.").wait_for()

    page.goto("/users/two-factor-rule/")
    assert_accessible(page, "two-factor-rule")


def test_a_persons_own_security_pages_are_accessible(page, personas, settings, assert_accessible):
    cache.clear()
    secret = generate_totp_secret()
    TOTP.activate(personas.worker_b, secret)
    RecoveryCodes.activate(personas.worker_b)
    sign_in(page, "worker_b")
    page.wait_for_url("**/sign-in/code/")
    page.fill("#id_code", totp_code(secret))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/my-work/")

    page.get_by_role("link", name="Sign-in security").click()
    assert_accessible(page, "security")
    page.get_by_role("link", name="Change password").click()
    page.fill("#id_oldpassword", PASSWORD)
    page.fill("#id_password1", "password1234")
    page.fill("#id_password2", "password1234")
    page.get_by_role("button", name="Change password").click()
    page.get_by_text("There is a problem").wait_for()
    assert_accessible(page, "change-password-error")

    for url, name in [
        ("/account/confirm/", "confirm-with-password"),
        ("/account/confirm/code/", "confirm-with-code"),
        ("/account/recovery-codes/new/", "new-recovery-codes"),
        ("/account/authenticator/remove/", "remove-authenticator"),
        ("/sign-in/closed/", "account-closed"),
    ]:
        page.goto(url)
        assert_accessible(page, name)
