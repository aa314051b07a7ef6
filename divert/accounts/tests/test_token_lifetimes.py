"""API tokens last 1 to 365 days; anything else is refused with a clear message."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from divert.accounts.actions import issue_token
from divert.accounts.models import ApiToken
from divert.core.errors import DomainError


@pytest.mark.parametrize("days", [0, -1, 366, 10**9])
def test_a_lifetime_outside_1_to_365_days_is_refused(personas, days):
    with pytest.raises(DomainError, match="between 1 and 365 days"):
        issue_token(user=personas.worker_a, name="script", days=days)
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("days", [1, 365])
def test_the_edges_of_the_range_are_allowed(personas, days):
    token, _ = issue_token(user=personas.worker_a, name="script", days=days)
    assert token.expires_at - token.created_at == dt.timedelta(days=days)


def test_no_lifetime_given_means_the_setting(personas, settings):
    settings.API_TOKEN_DAYS = 30
    token, _ = issue_token(user=personas.worker_a, name="script")
    assert token.expires_at - token.created_at == dt.timedelta(days=30)


@pytest.mark.parametrize("days", ["0", "-5"])
def test_the_token_command_refuses_a_bad_lifetime_plainly(personas, days):
    with pytest.raises(CommandError, match="between 1 and 365 days"):
        call_command("token", "issue", "worker_a", "script", "--days", days, stdout=StringIO())
    assert not ApiToken.objects.exists()
