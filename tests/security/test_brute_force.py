"""Brute force: guessing passwords locks the guesser out, and tells them nothing about who exists.

The lockout itself (five failures, the message, the cool-off, reset on success) is tested
with the sign-in pages in divert/accounts/tests/test_signin_security.py. These tests
attack it from the sides: unknown usernames, changed case, spraying, and the API.
"""

from __future__ import annotations

import base64

import pytest
from django.conf import settings
from django.core.cache import cache

from conftest import PASSWORD
from divert.accounts.actions import TOKEN_PREFIX, issue_token
from tests.security.conftest import normalise


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    """allauth's rate limits live in the cache: start each test clean."""
    cache.clear()
    yield
    cache.clear()


def sign_in(client, username, password="wrong password", **extra):  # noqa: S107 - a wrong guess
    return client.post("/sign-in/", {"username": username, "password": password}, **extra)


def test_a_wrong_password_and_an_unknown_username_get_the_same_answer(client, personas):
    known = sign_in(client, "worker_a")
    unknown = sign_in(client, "nobody_at_all")
    assert known.status_code == unknown.status_code == 200
    assert normalise(known.content, "worker_a") == normalise(unknown.content, "nobody_at_all")


def test_unknown_usernames_are_locked_out_like_real_ones(client, personas):
    """Otherwise the lockout itself would tell a guesser which usernames exist."""
    for name in ("worker_a", "nobody_at_all"):
        answers = [sign_in(client, name).status_code for _ in range(settings.AXES_FAILURE_LIMIT)]
        assert answers[-1] == 429, name
    locked_known, locked_unknown = sign_in(client, "worker_a", PASSWORD), sign_in(client, "nobody_at_all")
    assert locked_known.status_code == locked_unknown.status_code == 429
    assert normalise(locked_known.content) == normalise(locked_unknown.content)


def test_changing_the_case_of_the_username_does_not_get_more_guesses(client, personas):
    for name in ["worker_a", "WORKER_A", "Worker_A", " worker_a", "wOrKeR_a"][: settings.AXES_FAILURE_LIMIT]:
        sign_in(client, name)
    response = sign_in(client, "worker_a", PASSWORD)
    assert response.status_code == 429
    assert "Too many attempts to sign in" in response.content.decode()


def test_the_locked_out_page_is_clear_and_names_no_one(client, personas):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "worker_a")
    page = sign_in(client, "worker_a", PASSWORD).content.decode()
    assert "Too many attempts to sign in" in page and "Try again after" in page
    assert "worker_a" not in page and "Worker A" not in page


def test_spraying_one_password_over_many_usernames_meets_the_rate_limit(client, personas, settings):
    """Lockout is per username and address; many usernames from one address hit allauth's limit."""
    settings.ACCOUNT_RATE_LIMITS = {"login": "10/m/ip"}
    answers = [sign_in(client, f"user{i}").status_code for i in range(15)]
    assert 429 in answers
    assert answers.index(429) <= 10


def test_the_api_takes_no_passwords(client, personas):
    """Passwords work only on the sign-in form (with its lockout): the API takes bearer tokens."""
    basic = base64.b64encode(f"worker_a:{PASSWORD}".encode()).decode()
    response = client.get("/api/children/", HTTP_AUTHORIZATION=f"Basic {basic}")
    assert response.status_code in (401, 403)


def test_guessed_bearer_tokens_are_refused_the_same_way(client, personas):
    _, real = issue_token(user=personas.worker_a, name="laptop")
    answers = {client.get("/api/children/", HTTP_AUTHORIZATION=f"Bearer {guess}").content
               for guess in [TOKEN_PREFIX + "A" * 43, real[:-1] + ("B" if real[-1] != "B" else "C"),
                             real[:12], "x"]}
    assert len(answers) == 1  # one message for every wrong token: nothing learnt from a near miss
