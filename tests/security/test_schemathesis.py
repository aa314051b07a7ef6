"""Schemathesis against the project's own OpenAPI schema, in-process over WSGI.

Every operation in the schema gets a bounded number of generated requests (valid and
invalid), sent with a case worker's bearer token. The server must never answer with a
5xx, and what it answers must match the schema (content type, headers, body).
"""

from __future__ import annotations

import datetime as dt

import pytest
import schemathesis
import time_machine
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
)

from divert.accounts.actions import issue_token
from divert.wsgi import application

# The schema is generated in-process (it needs no database), exactly as /api/schema/ serves it.
schema = schemathesis.openapi.from_dict(SchemaGenerator().get_schema(request=None, public=True))
schema.app = application

CHECKS = [not_a_server_error, content_type_conformance, response_headers_conformance, response_schema_conformance]
# Invalid request bodies must be refused. Not applied to GETs: DRF's limit/offset paging
# deliberately falls back to the first page for a malformed `offset`, which is harmless.
WRITE_CHECKS = [*CHECKS, negative_data_rejection]


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """Requests go straight to the WSGI app, so Django's request signals fire. Like Django's own
    test client, stop them closing the test's database connection mid-transaction (PostgreSQL)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def bearer(personas, open_work):
    """A case worker's token, with child_a's pathway on record so some ids exist."""
    _, secret = issue_token(user=personas.worker_a, name="schemathesis")
    return {"Authorization": f"Bearer {secret}"}


@pytest.mark.django_db(transaction=False)
@schema.parametrize()
@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much, HealthCheck.data_too_large])
def test_api_never_answers_with_a_server_error(case, bearer):
    with time_machine.travel(dt.datetime(2025, 6, 30, 12, 0), tick=False):
        case.call_and_validate(headers=bearer, checks=WRITE_CHECKS if case.method == "POST" else CHECKS)
