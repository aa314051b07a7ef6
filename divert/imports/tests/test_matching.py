"""Matching rows to children: exact on identifiers, scored on name and date of birth, review when unsure."""

from __future__ import annotations

import datetime as dt

import pytest

from divert.core.errors import DomainError
from divert.imports import matching
from divert.imports.actions import resolve_match_review, set_source_options
from divert.imports.models import MatchReview
from divert.imports.tests.files import outcome_row, to_csv
from divert.offending.models import Outcome
from divert.people.models import Child
from divert.referrals.models import Referral

TODAY = dt.date(2025, 6, 30)


def known(pk, first="Alfie", last="Testchild", dob=dt.date(2010, 3, 14), police_id="", local_id=""):
    return matching.Known.of(id=pk, police_id=police_id, local_id=local_id, first_name=first, last_name=last,
                             date_of_birth=dob)


def match(index, first="Alfie", last="Testchild", dob=dt.date(2010, 3, 14), police_id="", local_id=""):
    return index.match(police_id=police_id, local_id=local_id, first_name=first, last_name=last,
                       date_of_birth=dob)


# ---- the pure matcher -------------------------------------------------------------------


def test_exact_on_police_id_even_when_the_name_is_spelt_differently():
    index = matching.ChildIndex([known(1, police_id="11/123A"), known(2, first="Alfy")])
    found = match(index, first="Alfy", police_id="11/123a")
    assert (found.outcome, found.child.id) == (matching.EXACT, 1)


def test_exact_on_local_id():
    found = match(matching.ChildIndex([known(1, local_id="N-0001")]), first="Al", local_id="n-0001")
    assert (found.outcome, found.child.id) == (matching.EXACT, 1)


def test_identifiers_pointing_at_different_records_go_to_review():
    index = matching.ChildIndex([known(1, local_id="N-1", police_id="P-9")])
    found = match(index, local_id="N-1", police_id="P-1")
    assert found.outcome == matching.UNCERTAIN


def test_exact_name_and_date_of_birth_is_certain_ignoring_case_and_accents():
    found = match(matching.ChildIndex([known(1, first="Zoë", last="O'Neill")]), first="ZOE", last="O Neill")
    assert (found.outcome, found.child.id) == (matching.CERTAIN_MATCH, 1)


@pytest.mark.parametrize(("first", "last", "dob", "why"), [
    ("Alfy", "Testchild", dt.date(2010, 3, 14), "similar name, same date of birth"),
    ("Alfie", "Testchild", dt.date(2010, 3, 14), "same name, same date of birth"),  # two such children
    ("Alfie", "Testchild", dt.date(2010, 3, 15), "same name, date of birth differs in one part"),
    ("Testchild", "Alfie", dt.date(2010, 3, 14), "names swapped, same date of birth"),
])
def test_near_misses_are_scored(first, last, dob, why):
    index = matching.ChildIndex([known(1), known(2, first="Alfie", dob=dt.date(2010, 3, 14))])
    found = match(index, first=first, last=last, dob=dob)
    assert found.outcome == matching.UNCERTAIN  # two candidates or a partial match: a person decides
    assert found.candidates[0][2] == why
    assert 0.75 <= found.best_score <= 1


def test_day_and_month_swapped_is_a_review_not_a_match():
    found = match(matching.ChildIndex([known(1, dob=dt.date(2010, 3, 4))]), dob=dt.date(2010, 4, 3))
    assert found.outcome == matching.UNCERTAIN
    assert found.candidates[0][1] == pytest.approx(0.92)


def test_same_name_and_date_but_a_different_police_id_is_a_review():
    found = match(matching.ChildIndex([known(1, police_id="P-1")]), police_id="P-2")
    assert found.outcome == matching.UNCERTAIN


def test_someone_unlike_anyone_is_new():
    index = matching.ChildIndex([known(1)])
    assert match(index, first="Morgan", last="Different").outcome == matching.NEW
    assert match(index, dob=dt.date(2004, 9, 1)).outcome == matching.NEW


# ---- through the import -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_clearly_new_child_is_created_known_only_from_police_data(personas, run_import):
    rows = [outcome_row("A", police_id="P-77", first_name="Newby", last_name="Person", date_of_birth="01/01/2012"),
            outcome_row("B", first_name="Newby", last_name="Person", date_of_birth="01/01/2012")]
    run, _ = run_import(to_csv(rows))
    child = Child.objects.get(first_name="Newby")
    assert run.children_created == 1
    assert child.police_only and child.team_id is None and child.police_id == "P-77"
    assert child.batch_id == run.batch_id
    assert set(Outcome.objects.values_list("child_id", flat=True)) == {child.pk}
    assert child not in Child.objects.visible_to(personas.service_manager)
    assert child in Child.objects.visible_to(personas.performance_officer)


@pytest.mark.django_db
def test_an_uncertain_match_waits_in_the_review_queue_and_writes_nothing(personas, run_import):
    rows = [outcome_row("A", first_name="Alfy", last_name="Testchild", date_of_birth="14/03/2010")]
    run, _ = run_import(to_csv(rows))
    assert run.rows_queued == 1 and run.rows_created == 0
    review = MatchReview.objects.get()
    assert review.candidates[0]["child"] == personas.child_a.pk
    assert review.source_references == ["A"]
    assert not Outcome.objects.exists()
    assert Child.objects.count() == 4  # nothing created, nothing merged
    again, _ = run_import(to_csv(rows))
    assert again.rows_queued == 1 and MatchReview.objects.count() == 1


@pytest.mark.django_db
def test_a_reviewer_matches_the_rows_to_a_child(personas, run_import, source):
    run_import(to_csv([outcome_row("A", first_name="Alfy", last_name="Testchild", date_of_birth="14/03/2010")]))
    review = MatchReview.objects.get()
    resolve_match_review(by=personas.performance_officer, review=review, decision="matched",
                         child=personas.child_a, today=TODAY)
    review.refresh_from_db()
    assert review.decision == "matched" and review.decided_by == personas.performance_officer
    assert Outcome.objects.get(source=source).child_id == personas.child_a.pk
    again, _ = run_import(to_csv([outcome_row("A", first_name="Alfy", last_name="Testchild",
                                              date_of_birth="14/03/2010")]))
    assert again.rows_unchanged == 1 and MatchReview.objects.count() == 1


@pytest.mark.django_db
def test_a_reviewer_may_record_a_new_child_or_discard(personas, run_import):
    run_import(to_csv([outcome_row("A", first_name="Alfy", last_name="Testchild", date_of_birth="14/03/2010"),
                       outcome_row("B", first_name="Bela", last_name="Testchild", date_of_birth="14/03/2010")]))
    first, second = MatchReview.objects.order_by("id")
    resolve_match_review(by=personas.performance_officer, review=first, decision="new_child", today=TODAY)
    new = Child.objects.get(first_name="Alfy")
    assert new.police_only and Outcome.objects.get().child_id == new.pk
    resolve_match_review(by=personas.performance_officer, review=second, decision="discarded", today=TODAY)
    assert Outcome.objects.count() == 1
    with pytest.raises(DomainError, match="already been decided"):
        resolve_match_review(by=personas.performance_officer, review=second, decision="new_child", today=TODAY)


@pytest.mark.django_db
def test_children_of_another_organisation_are_never_matched(personas, run_import):
    rows = [outcome_row("A", local_id="S-0001", first_name="Sam", last_name="Southby", date_of_birth="01/05/2011")]
    run, _ = run_import(to_csv(rows))
    child = Outcome.objects.get().child
    assert child.organisation == personas.north and child != personas.other_org_child
    assert child.local_id == "S-0001" and child.police_only


@pytest.mark.django_db
def test_a_community_resolution_can_open_a_referral(personas, source, run_import):
    set_source_options(by=personas.performance_officer, source=source,
                       community_resolution_programme=personas.programme)
    rows = [outcome_row("A", police_id="P-5", first_name="Newby", last_name="Person", date_of_birth="01/01/2012"),
            outcome_row("B", local_id="N-0001", disposal="youth_caution")]
    soon_after = {"today": dt.date(2025, 2, 20), "complete_to": dt.date(2025, 2, 19)}
    run, _ = run_import(to_csv(rows), **soon_after)
    assert run.referrals_opened == 1
    referral = Referral.objects.get()
    assert referral.source == "police_cr" and referral.received_on == dt.date(2025, 2, 10)
    assert referral.child.first_name == "Newby" and not referral.child.police_only
    assert list(referral.offences.values_list("source_reference", flat=True)) == ["A"]
    again, _ = run_import(to_csv(rows), **soon_after)
    assert again.referrals_opened == 0 and Referral.objects.count() == 1


@pytest.mark.django_db
def test_a_custody_release_can_open_a_following_arrest_referral(personas, custody_source, run_import):
    set_source_options(by=personas.performance_officer, source=custody_source,
                       custody_release_programme=personas.programme)
    rows = [{"source_reference": "CU-1", "local_id": "N-0002", "first_name": "Bella", "last_name": "Testchild",
             "date_of_birth": "14/03/2010", "arrested_at": "03/04/2025 18:20",
             "released_at": "04/04/2025 02:10", "result": "rui"},
            {"source_reference": "CU-2", "local_id": "N-0002", "first_name": "Bella", "last_name": "Testchild",
             "date_of_birth": "14/03/2010", "arrested_at": "05/04/2025 18:20",
             "released_at": "05/04/2025 20:10", "result": "charged"}]
    run, _ = run_import(to_csv(rows), into=custody_source, today=dt.date(2025, 4, 6), complete_to=dt.date(2025, 4, 5))
    referral = Referral.objects.get()
    assert referral.source == "custody_rui"
    assert referral.released_at == dt.datetime(2025, 4, 4, 1, 10, tzinfo=dt.UTC)
    assert referral.received_on == dt.date(2025, 4, 4)


@pytest.mark.django_db
def test_a_matched_child_gains_the_police_identifier_so_the_next_file_matches_exactly(personas, run_import):
    run_import(to_csv([outcome_row("A", police_id="11/999X", first_name="Alfie", last_name="Testchild",
                                   date_of_birth="14/03/2010")]))
    personas.child_a.refresh_from_db()
    assert personas.child_a.police_id == "11/999X"
    # The filled-in identifier is in the record's history of changes, with where it came from.
    change = personas.child_a.detail_changes.get()
    assert (change.field, change.old_value, change.new_value) == ("police_id", "", "11/999X")
    assert change.reason == "Filled in from a police extract" and change.batch_id is not None
    run, _ = run_import(to_csv([outcome_row("B", police_id="11/999X", first_name="Alfred", last_name="Testchild",
                                            date_of_birth="14/03/2010")]))
    assert run.rows_created == 1 and run.rows_queued == 0
    assert Outcome.objects.get(source_reference="B").child_id == personas.child_a.pk
