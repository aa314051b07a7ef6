"""The board pack's content: its shape, its figures, and suppression over all of it."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from divert.kpis.periods import parse_period
from divert.kpis.tests import factories as f
from divert.reference.models import ComparatorFigure
from divert.reports.pack import SUMMARY_KEYS, build_pack

Q1 = parse_period("2025-26Q1")
NOW = timezone.make_aware(dt.datetime(2025, 9, 1, 9, 0))


@pytest.fixture
def work(personas):
    for completed in (True, True, False):
        f.episode(f.child(personas.north, dob=dt.date(2010, 1, 1)), personas.programme, dt.date(2025, 3, 1),
                  dt.date(2025, 5, 1), order_type="outcome_22", completed=completed)
    return personas


def test_the_pack_has_its_documented_shape_and_is_plain_json(work):
    pack = build_pack(organisations=[work.north], quarter=Q1, suppress=False, now=NOW)
    json.dumps(pack)
    assert pack["title"] == "Board pack: Northbridge Youth Justice Service, 2025-26 Q1"
    assert pack["quarter"]["cli"] == "2025-26Q1" and len(pack["quarters"]) == 8
    assert [s["key"] for s in pack["sections"]] == [
        "fte", "reoffending", "custody", "kpis", "prevention", "disproportionality", "oversight", "data_quality"]
    assert [r["key"] for r in pack["summary"]["rows"]] == list(SUMMARY_KEYS)
    kpi6 = next(r for r in pack["summary"]["rows"] if r["key"] == "kpi6.ooc_completion")
    assert kpi6["fraction_text"] == "2 of 3" and kpi6["value_text"] == "66.7%"
    assert [p["quarter"] for p in kpi6["trend"]][-1] == "2025-26 Q1"
    assert pack["definitions"] and all(d["source"] for d in pack["definitions"])


def test_a_board_member_never_sees_a_small_count(work):
    pack = build_pack(organisations=[work.north], quarter=Q1, suppress=True, now=NOW)
    text = json.dumps(pack, ensure_ascii=False)
    assert "2 of 3" not in text
    kpi6 = next(r for r in pack["summary"]["rows"] if r["key"] == "kpi6.ooc_completion")
    assert kpi6["fraction_text"] == "≤5 of ≤5" and kpi6["value"] is None and kpi6["rag"] is None
    assert pack["policy_text"].startswith("Small numbers are suppressed")
    assert pack["as_known_on"].startswith("2025-07-31T23:59")


def test_comparators_carry_their_source(work):
    ComparatorFigure.objects.create(organisation=work.north, measure_key="kpi6.ooc_completion",
                                    period_label="2025-26 Q1", comparator="england", value=0.8,
                                    source="YJB KPI release, October 2025")
    pack = build_pack(organisations=[work.north], quarter=Q1, suppress=False, now=NOW)
    kpi6 = next(r for r in pack["summary"]["rows"] if r["key"] == "kpi6.ooc_completion")
    assert kpi6["comparators"] == [{"key": "england", "name": "England", "value": 0.8, "value_text": "80.0%",
                                    "period": "2025-26 Q1", "source": "YJB KPI release, October 2025"}]


def test_a_whole_services_pack_has_data_quality_and_oversight_and_a_programmes_does_not(work):
    pack = build_pack(organisations=[work.north], quarter=Q1, suppress=True, now=NOW)
    sections = {s["key"]: s for s in pack["sections"]}
    quality = sections["data_quality"]
    assert quality["available"] and pack["data_quality"] == quality
    assert [t["key"] for t in quality["tables"]][-1] == "data_quality.police"
    assert all(r["key"].startswith("data_quality.") for r in quality["table_rows"])
    assert sections["oversight"]["available"] and sections["oversight"]["tables"][0]["rows"][-1][0]["text"] == \
        "All chosen"
    pack = build_pack(programmes=[work.programme], quarter=Q1, suppress=True, now=NOW)
    sections = {s["key"]: s for s in pack["sections"]}
    assert not sections["data_quality"]["available"] and not sections["oversight"]["available"]
    assert "Shown in the pack for the whole service." in sections["oversight"]["intro"]
