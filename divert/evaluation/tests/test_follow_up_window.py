"""`divert kpis` and `divert tracker` draw the follow-up window's edges in the same place.

shared/definitions.md: from the anchor day inclusive to anchor + N months exclusive; an
offence committed in it counts when proven before the window's end + 6 months.
"""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command

from divert.core.dates import follow_up_window

D = dt.date
OFFERED = D(2024, 1, 15)  # the 3-month window is [15 Jan, 15 Apr 2024); its last day is in 2024-25 Q1
WINDOW = follow_up_window(OFFERED, 3)


def run(command: str, *args: str) -> dict:
    out = io.StringIO()
    call_command(command, "--org", "north", "--as-at", "2025-06-30", "--format", "json", *args, stdout=out)
    return json.loads(out.getvalue())


def both_commands() -> tuple[tuple[int, int], tuple[int, int]]:
    """Tier a (proven reoffence) at 3 months for participants: (with, tracked) in each command."""
    kpis = run("kpis", "--period", "2024-25Q1", "--no-changes")
    measure = next(m for m in kpis["measures"] if m["key"] == "follow_up.3_months.proven_reoffence")
    tracker = run("tracker")
    offer = next(a for a in tracker["anchors"] if a["anchor"] == "offer")
    window = next(w for w in offer["windows"] if w["months"] == 3)
    a = next(t for t in window["tiers"] if t["tier"] == "a")["participants"]
    return (measure["numerator"], measure["denominator"]), (a["children_with_outcome"], a["children_tracked"])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("committed_on", "proven_on", "counts"),
    [
        (WINDOW.start, D(2024, 2, 1), True),  # committed on the anchor day
        (WINDOW.last_day, D(2024, 5, 1), True),  # committed on the window's last day
        (WINDOW.end, D(2024, 5, 1), False),  # committed on anchor + 3 months: after the window
        (D(2024, 3, 1), WINDOW.last_proving_day, True),  # proven on the last proving day
        (D(2024, 3, 1), WINDOW.deadline, False),  # proven on the deadline: too late
    ],
)
def test_kpis_and_tracker_agree_on_the_window_edges(north_data, committed_on, proven_on, counts):
    north_data.complete_to(D(2025, 6, 30))
    child = north_data.child(offered_on=OFFERED)
    north_data.child(offered_on=OFFERED)  # a second participant with no further offence
    north_data.offence(child, committed_on, ("youth_caution", proven_on))
    kpis, tracker = both_commands()
    assert kpis == tracker == ((1 if counts else 0), 2)


def test_the_window_is_half_open_and_the_deadline_six_months_after_its_end():
    assert (WINDOW.start, WINDOW.last_day, WINDOW.end) == (D(2024, 1, 15), D(2024, 4, 14), D(2024, 4, 15))
    assert (WINDOW.last_proving_day, WINDOW.deadline) == (D(2024, 10, 14), D(2024, 10, 15))
    month_end = follow_up_window(D(2024, 1, 31), 1)
    assert (month_end.last_day, month_end.end) == (D(2024, 2, 28), D(2024, 2, 29))


@pytest.mark.django_db(transaction=True)
def test_the_tracker_from_a_bundle_matches_the_database(north_data, tmp_path):
    north_data.complete_to(D(2025, 6, 30))
    reoffends = north_data.child(offered_on=OFFERED)
    north_data.child(offered_on=OFFERED, decision="declined")
    north_data.offence(reoffends, WINDOW.start, ("youth_caution", D(2024, 2, 1)))
    call_command("bundle", "export", str(tmp_path / "b"), "--org", "north", stdout=io.StringIO())
    direct = run("tracker")
    out = io.StringIO()
    call_command("tracker", "--bundle", str(tmp_path / "b"), "--as-at", "2025-06-30", "--format", "json", stdout=out)
    from_bundle = json.loads(out.getvalue())
    assert from_bundle["anchors"] == direct["anchors"]
    offer = next(a for a in from_bundle["anchors"] if a["anchor"] == "offer")
    tier_a = next(w for w in offer["windows"] if w["months"] == 3)["tiers"][0]
    assert tier_a["participants"]["children_with_outcome"] == tier_a["participants"]["children_tracked"] == 1
    assert tier_a["comparison"]["children_tracked"] == 1
