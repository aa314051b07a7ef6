"""Pages about the user's organisation answer 'not found' to a user attached to none
(a user may belong to neither an organisation nor a commissioner), never a server error."""

import pytest

from divert.accounts.models import User

PAGES = [
    "/kpis/reference/comparators/",
    "/kpis/reference/rag-thresholds/",
    "/kpis/reference/rag-thresholds/set/?measure=fte.rate",
    "/evaluation/extract/",
]


@pytest.mark.parametrize("url", PAGES)
def test_a_manager_of_no_organisation_gets_not_found(client, personas, url):
    User.objects.filter(pk=personas.performance_officer.pk).update(organisation=None)
    client.force_login(personas.performance_officer)
    client.raise_request_exception = False
    assert client.get(url).status_code == 404
