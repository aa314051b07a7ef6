"""Each test starts with an empty cache: packs are cached by organisation ids and data
versions, which a rolled-back test database can repeat with other figures."""

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()
