"""Worked examples from definitions.md for the statistics."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from divert.kpis import stats


def test_wilson_worked_examples():
    zero = stats.wilson(0, 10)
    assert (round(zero.lower, 4), round(zero.upper, 4)) == (0.0, 0.2775)
    five = stats.wilson(5, 25)
    assert (round(five.lower, 4), round(five.upper, 4)) == (0.0886, 0.3913)


def test_poisson_exact_below_ten():
    ci = stats.poisson(5)
    assert (round(ci.lower, 3), round(ci.upper, 3)) == (1.623, 11.668)
    assert ci.method.startswith("exact")


def test_poisson_byar_from_ten():
    ci = stats.poisson(20)
    assert (round(ci.lower, 2), round(ci.upper, 2)) == (12.21, 30.89)
    assert ci.method.startswith("Byar")


def test_poisson_zero_has_lower_bound_zero():
    ci = stats.poisson(0)
    assert ci.lower == 0 and round(ci.upper, 3) == 3.689


def test_rri_worked_example():
    rri = stats.relative_rate_index(40, 1000, 200, 20000)
    assert rri.value == pytest.approx(4.0)
    assert rri.interval.lower < 4.0 < rri.interval.upper


def test_newcombe_published_example():
    # Newcombe (1998), example (a): 56/70 vs 48/80 -> 0.2000 (0.0524 to 0.3339).
    diff = stats.difference_of_proportions(56, 70, 48, 80)
    assert diff.value == pytest.approx(0.2)
    assert round(diff.interval.lower, 4) == 0.0524
    assert round(diff.interval.upper, 4) == 0.3339


def test_change_relative_and_points_labelled():
    c = stats.change(0.25, 0.30, is_rate=True)
    assert c.relative == pytest.approx(0.2)
    assert c.points == pytest.approx(5.0)
    assert stats.change(10, 12, is_rate=False).points is None
    assert stats.change(0, 5, is_rate=False).relative is None


def test_volatile_below_thirty():
    assert stats.is_volatile(29) and not stats.is_volatile(30)


def test_paired_change_sums_match_pairs():
    pc = stats.paired_change([(3, 5), (4, 7), (5, 5), (2, 6)])
    assert pc.n == 4 and pc.mean_change == pytest.approx(2.25)
    assert pc.interval.lower < 2.25 < pc.interval.upper
    assert pc.reliable_threshold > 0


@given(st.integers(0, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_contains_the_proportion_and_stays_in_unit_interval(pair):
    o, n = pair
    ci = stats.wilson(o, n)
    if n == 0:
        assert ci is None
        return
    assert 0 <= ci.lower <= o / n + 1e-12 <= ci.upper + 2e-12 <= 1 + 2e-12


@given(st.integers(0, 2000))
def test_poisson_contains_the_count(o):
    ci = stats.poisson(o)
    assert 0 <= ci.lower <= o <= ci.upper
