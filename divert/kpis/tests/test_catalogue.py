"""The measure list offered on the settings pages matches what the engine computes."""

import datetime as dt

import pytest

from divert.kpis.catalogue import measure_catalogue
from divert.kpis.engine import compute_report
from divert.kpis.periods import parse_period
from divert.kpis.tests import factories as f


@pytest.mark.django_db
def test_every_single_value_measure_the_engine_computes_is_listed(personas):
    for completed in (True, False):
        f.episode(f.child(personas.north, dob=dt.date(2010, 1, 1)), personas.programme, dt.date(2025, 3, 1),
                  dt.date(2025, 5, 1), order_type="outcome_22", completed=completed)
    report = compute_report(organisations=[personas.north], period=parse_period("2025-26Q1"),
                            as_at=dt.date(2025, 7, 31), with_changes=False)
    computed = {m.key: m for m in report.measures if not m.key.startswith("disproportionality.")}
    listed = {m.key: m for m in measure_catalogue()}
    assert set(computed) <= set(listed)
    for key, m in computed.items():
        assert (listed[key].unit, listed[key].higher_is_better) == (m.unit, m.higher_is_better), key
