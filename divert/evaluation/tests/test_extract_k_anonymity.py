"""The research extract's release rule, tested as pure functions (hypothesis)."""

from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from divert.evaluation.extract import (
    QUASI,
    Candidate,
    age_bands,
    area_levels,
    hashed_id,
    k_anonymise,
    postcode_district,
)
from divert.people.codes import Ethnicity, ethnic_group_of


def candidate(child, age=12, sex="male", ethnicity="WBRI", ward="E05000001", **data):
    """A candidate row with the real ladders."""
    return Candidate(
        child,
        {
            "age_band": age_bands(age),
            "sex": (sex,),
            "ethnicity": (ethnicity, ethnic_group_of(ethnicity)),
            "area": area_levels(area_code=ward, postcode="", local_authority="E06000001"),
        },
        data,
    )


rows = st.lists(
    st.builds(
        candidate,
        child=st.integers(0, 60).map(str),
        age=st.integers(8, 19),
        sex=st.sampled_from(["male", "female", "not_known"]),
        ethnicity=st.sampled_from(Ethnicity.values),
        ward=st.sampled_from(["E05000001", "E05000002", "E05000003", "", ""]),
    ),
    max_size=120,
)


def combinations(release):
    children = defaultdict(set)
    for row in release.rows:
        children[tuple(row.quasi[a] for a in QUASI)].add(row.child)
    return children


def widest_children(candidates):
    children = defaultdict(set)
    for c in candidates:
        children[tuple(c.levels[a][-1] for a in QUASI)].add(c.child)
    return children


@settings(max_examples=300, deadline=None)
@given(rows, st.integers(1, 8))
def test_every_released_combination_covers_at_least_k_children(candidates, k):
    release = k_anonymise(candidates, k=k)
    assert all(len(children) >= k for children in combinations(release).values())
    assert release.released + release.withheld == len(candidates)


@settings(max_examples=300, deadline=None)
@given(rows, st.integers(1, 8))
def test_rows_are_withheld_only_when_no_coarsening_could_reach_k(candidates, k):
    release = k_anonymise(candidates, k=k)
    widest = widest_children(candidates)
    must_go = sum(1 for c in candidates if len(widest[tuple(c.levels[a][-1] for a in QUASI)]) < k)
    assert release.withheld == must_go


@settings(max_examples=200, deadline=None)
@given(rows, st.integers(1, 8))
def test_released_values_are_true_generalisations_of_the_row(candidates, k):
    numbered = [Candidate(c.child, c.levels, {"i": i}) for i, c in enumerate(candidates)]
    release = k_anonymise(numbered, k=k)
    for row in release.rows:
        original = numbered[row.data["i"]]
        assert all(row.quasi[a] in original.levels[a] for a in QUASI)
        assert bool(row.rules) == any(row.quasi[a] != original.levels[a][0] for a in QUASI)
    assert [r.data["i"] for r in release.rows] == sorted(r.data["i"] for r in release.rows)


@given(rows)
def test_nothing_is_coarsened_or_withheld_when_every_combination_already_has_k(candidates):
    k = min((len(c) for c in _finest(candidates).values()), default=1)
    release = k_anonymise(candidates, k=k)
    assert release.withheld == 0 and release.coarsened == 0 and release.by_rule == {}
    assert [r.data for r in release.rows] == [c.data for c in candidates]


def _finest(candidates):
    children = defaultdict(set)
    for c in candidates:
        children[tuple(c.levels[a][0] for a in QUASI)].add(c.child)
    return children


def test_a_rare_ethnicity_is_shown_as_its_broad_group_first():
    five_british = [candidate(str(i), ethnicity="WBRI") for i in range(5)]
    five_irish_and_roma = [candidate("10", ethnicity="WIRI")] + [candidate(str(i), ethnicity="WROM") for i in range(11, 15)]
    release = k_anonymise(five_british + five_irish_and_roma, k=5)
    values = [r.quasi["ethnicity"] for r in release.rows]
    assert values == ["WBRI"] * 5 + ["white"] * 5
    assert release.by_rule == {"ethnicity_to_broad_group": 5}
    assert release.withheld == 0


def test_a_child_alone_at_the_widest_level_is_withheld_and_counted():
    five = [candidate(str(i)) for i in range(5)]
    alone = candidate("99", sex="female")
    release = k_anonymise([*five, alone], k=5)
    assert release.released == 5 and release.withheld == 1 and release.withheld_children == 1
    assert release.report()["rows_withheld"] == 1


def test_rare_rows_are_grouped_with_the_smallest_combination_rather_than_withheld():
    # Five children aged 12 in ward 1 (a group of their own), and one aged 10 elsewhere:
    # together they reach five at the widest level, so all six are released.
    five = [candidate(str(i), age=12, ward="E05000001") for i in range(5)]
    odd = candidate("99", age=10, ward="E05000002")
    release = k_anonymise([*five, odd], k=5)
    assert release.withheld == 0
    assert {r.quasi["area"] for r in release.rows} == {"withheld"}
    assert release.by_rule["grouped_at_widest"] == 5


def test_children_are_counted_once_however_many_rows_they_have():
    same_child = [candidate("1") for _ in range(6)]
    release = k_anonymise(same_child, k=2)
    assert release.released == 0 and release.withheld_children == 1


def test_k_below_one_is_refused():
    with pytest.raises(ValueError):
        k_anonymise([], k=0)


def test_bands_and_areas():
    assert age_bands(9) == ("under 10", "under 14")
    assert age_bands(13) == ("12-13", "under 14")
    assert age_bands(14) == ("14-15", "14 and over")
    assert age_bands(18) == ("18 and over", "14 and over")
    assert postcode_district("km3 4ab") == "KM3"
    assert postcode_district("SW1A1AA") == "SW1A"
    assert postcode_district("nonsense") == ""
    assert area_levels(area_code="", postcode="KM3 4AB", local_authority="E06") == ("KM3", "KM", "withheld")
    assert area_levels(area_code="E05900001", postcode="KM3 4AB", local_authority="E06") == ("E05900001", "E06", "withheld")
    assert area_levels(area_code="", postcode="", local_authority="E06") == ("not_known", "not_known", "withheld")


@given(st.integers(1, 10**9), st.integers(1, 1000), st.text(min_size=1), st.text(min_size=1))
def test_hashed_ids_are_stable_for_a_salt_and_differ_across_salts(child, org, salt, other):
    first = hashed_id(child, organisation_id=org, salt=salt)
    assert first == hashed_id(child, organisation_id=org, salt=salt)
    assert len(first) == 21 and first.startswith("c")
    if other != salt:
        assert first != hashed_id(child, organisation_id=org, salt=other)
    assert first != hashed_id(child + 1, organisation_id=org, salt=salt)
