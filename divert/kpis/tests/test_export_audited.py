"""`divert kpis` leaves an audit event naming the organisation, format and period, never personal data."""

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command

from divert.audit.models import AuditEvent
from divert.kpis.tests import factories as f

pytestmark = pytest.mark.django_db


def test_kpis_csv_export_is_audited_and_guarded():
    org = f.organisation(slug="audit-org")
    prog = f.programme(org)
    f.episode(f.child(org, dob=dt.date(2010, 1, 1)), prog, dt.date(2025, 3, 1), dt.date(2025, 5, 1),
              order_type="outcome_22", completed=True)
    out = io.StringIO()
    call_command("kpis", "--org", "audit-org", "--period", "2025-26Q1", "--as-at", "2025-07-31",
                 "--format", "csv", "--no-changes", stdout=out)
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert all(not cell.startswith(("=", "@")) for row in rows for cell in row)
    event = AuditEvent.objects.get(verb="exported_kpis")
    assert event.organisation_id == org.pk and event.actor is None
    assert event.details["format"] == "csv" and event.details["period"] == "2025-26Q1"
    assert event.details["measures"] > 0 and event.details["via"] == "command line"
