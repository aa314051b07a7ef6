"""API lists are paged: an oversized limit is bounded, not an error."""

from divert.accounts.actions import issue_token


def test_api_limit_is_bounded(client, personas):
    _, secret = issue_token(user=personas.performance_officer, name="t")
    response = client.get("/api/children/?limit=100000", HTTP_AUTHORIZATION=f"Bearer {secret}")
    assert response.status_code == 200
