"""Links reversed once per page give the addresses `reverse` gives."""

import pytest
from django.urls import reverse

from divert.web.links import urls_by_id


@pytest.mark.parametrize("viewname,args", [
    ("web:child_detail", []), ("referrals:screen", []), ("casework:session", []), ("casework:void", ["session"]),
])
def test_urls_by_id_match_reverse(viewname, args):
    url = urls_by_id(viewname, *args)
    for pk in (1, 42, 2**63 - 1):
        assert url(pk) == reverse(viewname, args=[*args, pk])
