"""`divert kpis --bundle DIR` gives the same figures as the database the bundle came from."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db(transaction=True)
def test_kpis_from_a_bundle_match_the_database(personas, open_work, tmp_path):
    from divert.casework import actions as cw

    cw.close_episode(by=personas.worker_a, episode=open_work["episode"], end_date=dt.date(2025, 5, 1),
                     today=dt.date(2025, 6, 30), reason="completed", successfully_completed=True)
    call_command("bundle", "export", str(tmp_path / "b"), "--org", "north", stdout=StringIO())
    args = ["--period", "2025-26Q1", "--as-at", "2025-06-30", "--format", "json", "--no-changes"]
    direct, from_bundle = StringIO(), StringIO()
    call_command("kpis", "--org", "north", *args, stdout=direct)
    call_command("kpis", "--bundle", str(tmp_path / "b"), "--org", "north", *args, stdout=from_bundle)
    a, b = json.loads(direct.getvalue()), json.loads(from_bundle.getvalue())
    values = lambda report: {m["key"]: (m["numerator"], m["denominator"]) for m in report["measures"]}  # noqa: E731
    assert values(a) == values(b)


def test_a_folder_without_a_manifest_is_refused(tmp_path):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="not a case-level bundle"):
        call_command("kpis", "--bundle", str(tmp_path), "--period", "2025-26Q1")
