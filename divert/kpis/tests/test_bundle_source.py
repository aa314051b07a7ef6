"""`divert kpis --bundle DIR` gives the same figures as the database the bundle came from."""

import csv
import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from divert.casework import actions as cw


@pytest.mark.django_db(transaction=True)
def test_kpis_from_a_bundle_match_the_database(personas, open_work, tmp_path):
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
    with pytest.raises(CommandError, match="not a case-level bundle"):
        call_command("kpis", "--bundle", str(tmp_path), "--period", "2025-26Q1")


def write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def small_bundle(folder):
    """One child offered support on 15 January 2024 who offends on that day (cautioned in
    February): only the files and columns that matter, and no follow-up checkpoints."""
    folder.mkdir()
    (folder / "manifest.json").write_text(json.dumps({"format": "divert-bundle", "version": 2}))
    write_csv(folder / "programmes.csv", [{"id": 1, "name": "Diversion", "slug": "diversion"}])
    write_csv(folder / "data_sources.csv", [{"id": 1, "name": "Police", "kind": "crime_outcomes",
                                             "complete_to": "2025-06-30"}])
    write_csv(folder / "children.csv", [{"id": 1, "first_name": "Sam", "last_name": "Example",
                                         "date_of_birth": "2010-05-01", "sex": "female"}])
    write_csv(folder / "referrals.csv", [{"id": 1, "child_id": 1, "programme_id": 1, "source": "police_cr",
                                          "received_on": "2024-01-10"}])
    write_csv(folder / "offers.csv", [{"id": 1, "referral_id": 1, "offered_on": "2024-01-15",
                                       "child_decision": "accepted"}])
    write_csv(folder / "offences.csv", [{"id": 1, "child_id": 1, "committed_on": "2024-01-15", "source_id": 1}])
    write_csv(folder / "outcomes.csv", [{"id": 1, "child_id": 1, "offence_id": 1, "outcome_date": "2024-02-01",
                                         "disposal": "youth_caution", "source_id": 1}])


def test_a_bundle_without_checkpoints_gives_the_tracker_the_children_kpis_counts(tmp_path):
    small_bundle(tmp_path / "b")
    kpis, tracker = StringIO(), StringIO()
    call_command("kpis", "--bundle", str(tmp_path / "b"), "--period", "2024-25Q1", "--as-at", "2025-06-30",
                 "--format", "json", "--no-changes", stdout=kpis)
    call_command("tracker", "--bundle", str(tmp_path / "b"), "--as-at", "2025-06-30", "--format", "json",
                 stdout=tracker)
    measure = next(m for m in json.loads(kpis.getvalue())["measures"]
                   if m["key"] == "follow_up.3_months.proven_reoffence")
    offer = next(a for a in json.loads(tracker.getvalue())["anchors"] if a["anchor"] == "offer")
    tier_a = next(w for w in offer["windows"] if w["months"] == 3)["tiers"][0]
    assert tier_a["tier"] == "a"
    assert (measure["numerator"], measure["denominator"]) == (1, 1)
    assert (tier_a["participants"]["children_with_outcome"], tier_a["participants"]["children_tracked"]) == (1, 1)
