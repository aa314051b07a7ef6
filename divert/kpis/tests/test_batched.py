"""compute_reports (every organisation at once, grouped queries) gives exactly the reports
compute_report gives one organisation at a time: same JSON, on the synthetic demo data
(two services with every kind of record) and on generated cases, "as known on" included."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from divert.accounts.models import Organisation
from divert.kpis.engine import compute_report, compute_reports
from divert.kpis.periods import parse_period
from divert.kpis.tests import factories as f
from divert.kpis.tests.test_engine import build, child_specs
from divert.reference.models import BoardMeeting, ComparatorFigure


def _same(orgs, **kwargs):
    batched = compute_reports(orgs, **kwargs)
    assert list(batched) == list(orgs)
    for org in orgs:
        single = compute_report(organisations=[org], **kwargs)
        assert json.dumps(batched[org].as_dict(), sort_keys=True) == json.dumps(single.as_dict(), sort_keys=True)


# Committed (transaction=True): PostgreSQL then plans with the new rows' statistics, and
# further connections (connections=2) see them.
@pytest.mark.django_db(transaction=True)
def test_batched_reports_equal_single_reports_on_the_demo_services():
    call_command("generate", scale="demo", quiet=True)
    orgs = list(Organisation.objects.order_by("slug"))
    assert len(orgs) == 2
    q1 = dict(period=parse_period("2025-26Q1"), as_at=dt.date(2025, 7, 31))
    _same(orgs, **q1)
    _same(orgs, period=parse_period("2024"), as_at=dt.date(2025, 11, 1), with_changes=False)
    if connection.vendor == "postgresql":  # the test SQLite database is one connection's
        one, two = compute_reports(orgs, **q1), compute_reports(orgs, connections=2, **q1)
        for org in orgs:
            assert json.dumps(one[org].as_dict(), sort_keys=True) == json.dumps(two[org].as_dict(), sort_keys=True)


@pytest.mark.django_db
@settings(max_examples=2, deadline=None)
@given(st.lists(child_specs, min_size=1, max_size=5), st.lists(child_specs, min_size=0, max_size=4))
def test_batched_reports_equal_single_reports_on_generated_cases(first, second):
    with transaction.atomic():
        orgs = []
        for n, specs in enumerate((first, second, [])):  # the third organisation has nothing at all
            org = f.organisation(slug=f"batch-{n}", rag_thresholds={"prevention.completion": {"green": 0.8, "red": 0.5}})
            prog = f.programme(org)
            for spec in specs:
                build(org, prog, spec)
            orgs.append(org)
        f.population(orgs[0], 2024, 30_000)
        f.population(orgs[1], 2023, 12_000, ethnic_group="black", sex="female")
        BoardMeeting.objects.create(organisation=orgs[0], date=dt.date(2025, 5, 1), police=True, health=True)
        ComparatorFigure.objects.create(organisation=orgs[1], measure_key="prevention.completion",
                                        period_label="2025-26 Q1", comparator="england", value=0.7)
        q1 = parse_period("2025-26Q1")
        _same(orgs, period=q1, as_at=dt.date(2025, 7, 31))
        _same(orgs, period=q1, as_at=dt.date(2025, 7, 31), known_on=timezone.make_aware(dt.datetime(2019, 1, 1)),
              with_changes=False)
        transaction.set_rollback(True)
