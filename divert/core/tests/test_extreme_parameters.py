"""Extreme ids and dates in any address are a 400 or 404, never a server error.

Walks the URL configuration like test_deny_by_default: every route with an id is asked
for id 0 and a 25-digit id, and every page is asked for with each date parameter a
view reads (as at, from, to, period) set to year 1, year 9999, a malformed date and an
impossible one, by a user whose roles let them past every access check.
"""

import inspect
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import get_resolver, resolve

from conftest import PASSWORD
from divert.accounts import actions as acc
from divert.accounts.models import Role
from divert.core.forms import DateField
from divert.core.tests.test_deny_by_default import _walk
from divert.kpis.periods import parse_period

EXTREME_IDS = ["0", "9" * 25, "1" + "0" * 24]
# Each parameter alone with the extremes that look valid (so no other parameter's error
# stops the view early), then every parameter at once with each malformed value.
EXTREME = {
    "as_at": ["0001-01-01", "9999-12-31"],
    "from": ["0001-01-01", "9999-12-31"],
    "to": ["0001-01-01", "9999-12-31"],
    "period": ["0001", "9999-00", "9999Q4", "0001-01-01..9999-12-31"],
    "cohort": ["Jan-Mar 0001", "Oct-Dec 9999", "0001"],
}
MALFORMED = ["99999-01-01", "2025-02-30", "not a date", "99999999999999999999Q1", "\x00"]
OTHER_NUMBERS = ["page", "k", "year"]


@pytest.fixture
def everyone(personas):
    """A user holding every role in north, in both teams: no access check stops them early."""
    roles = [r for r in Role if r != Role.COMMISSIONER]
    return acc.create_user(by=None, username="every_role", password=PASSWORD, roles=roles,
                           organisation=personas.north, teams=[personas.team_a, personas.team_b])


def _routes(reading_the_query_string=False):
    for route, callback, _ in _walk(get_resolver().url_patterns):
        if "(?P<format>" in route:
            continue  # DRF's ".json" twins of the same views
        if reading_the_query_string and not _reads_the_query_string(callback):
            continue
        yield route.replace("^", "").replace("$", "")


def _module_source(callback) -> str:
    view = getattr(callback, "cls", None) or getattr(callback, "view_class", None) or inspect.unwrap(callback)
    return inspect.getsource(inspect.getmodule(view))


def _reads_the_query_string(callback) -> bool:
    """Whether the view's module reads query parameters anywhere (helpers included)."""
    source = _module_source(callback)
    return "request.GET" in source or "query_params" in source


def _names_read(route: str, names) -> list[str]:
    """The parameter names the view's module mentions (each costs a request per value)."""
    match = resolve(_fill(route, "1"))
    source = _module_source(match.func)
    return [n for n in names if f'"{n}"' in source or f"'{n}'" in source]


def _fill(route: str, value: str) -> str:
    route = re.sub(r"<int:\w+>|<id:\w+>|\(\?P<\w+>\[\^/\.\]\+\)", value, route)
    route = re.sub(r"<(slug|str):\w+>", "x", route)
    return "/" + route


ID_ROUTES = sorted({r for r in _routes() if re.search(r"<int:|<id:|\(\?P<", r)})
QUERY_ROUTES = sorted({r for r in _routes(reading_the_query_string=True) if "<" not in r})


def test_the_walk_finds_id_routes_and_date_pages():
    assert "children/<int:child_id>/" in ID_ROUTES or "children/<id:child_id>/" in ID_ROUTES
    assert any(r.startswith("api/children/(?P<pk>") for r in ID_ROUTES)
    assert {"kpis/", "evaluation/tracker/", "evaluation/extract/", "children/"} <= set(QUERY_ROUTES)


def _not_a_server_error(client, method: str, url: str, **data) -> list[str]:
    response = getattr(client, method)(url, data)
    if response.status_code >= 500:
        return [f"{method.upper()} {url} {data} -> {response.status_code}"]
    return []


@pytest.mark.parametrize("route", ID_ROUTES)
def test_extreme_ids_are_not_server_errors(client, everyone, route):
    client.force_login(everyone)
    failures = []
    for value in EXTREME_IDS:
        url = _fill(route, value)
        failures += _not_a_server_error(client, "get", url)
        failures += _not_a_server_error(client, "post", url)
    assert failures == []


@pytest.mark.parametrize("route", QUERY_ROUTES)
def test_extreme_dates_in_query_parameters_are_not_server_errors(client, everyone, route):
    client.force_login(everyone)
    url = _fill(route, "")
    failures = []
    for name in _names_read(route, EXTREME):
        for value in EXTREME[name]:
            failures += _not_a_server_error(client, "get", url, **{name: value})
    for value in MALFORMED:
        failures += _not_a_server_error(client, "get", url, **dict.fromkeys(EXTREME, value))
    numbers = _names_read(route, OTHER_NUMBERS)
    for value in EXTREME_IDS if numbers else ():
        failures += _not_a_server_error(client, "get", url, **dict.fromkeys(numbers, value))
    assert failures == []


@pytest.mark.parametrize("year", ["0001", "9999", "1899", "2200"])
def test_a_typed_date_outside_1900_to_2199_is_refused_plainly(year):
    with pytest.raises(ValidationError, match="The date of birth must be between 1900 and 2199"):
        DateField(label_lower="date of birth").clean(["1", "1", year])


def test_a_period_outside_1900_to_2199_is_refused_plainly():
    for text in ["0001", "9999-00", "9999Q4", "0001-01-01..2025-01-01", "2199-00"]:
        with pytest.raises(ValueError, match="between 1900 and 2199"):
            parse_period(text)
    assert parse_period("2199").end.year == 2199
