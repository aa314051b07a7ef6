"""Sign-in sessions: a deactivated leaver is signed out at once; idle sessions expire."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from divert.accounts.actions import deactivate_user


def test_deactivating_a_leaver_ends_their_session(client, personas):
    client.force_login(personas.worker_a)
    assert client.get("/my-work/").status_code == 200
    deactivate_user(by=personas.administrator, user=personas.worker_a)
    response = client.get("/my-work/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_sessions_expire_after_thirty_idle_minutes():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True


def test_short_or_common_passwords_are_refused(db):
    for weak in ["short", "password1234"]:
        with pytest.raises(ValidationError):
            validate_password(weak)
    validate_password("a long passphrase about kites")
