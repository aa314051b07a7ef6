"""Offences keyed by crime reference: co-offenders, references filled in or corrected later, merging."""

from __future__ import annotations

import pytest

from divert.imports.tests.files import outcome_row, to_csv
from divert.offending.models import Offence, Outcome
from divert.privacy.actions import merge_children


@pytest.mark.django_db
def test_co_offenders_sharing_a_crime_reference_keep_their_own_outcomes(personas, run_import):
    """Two children charged with the same crime share its crime reference (offence_reference);
    each child's outcome must stay with that child, not be filed under the first child's offence."""
    rows = [outcome_row("A", offence_reference="CR/2025/1", first_name="Jamie", last_name="Example",
                        date_of_birth="14/03/2011"),
            outcome_row("B", offence_reference="CR/2025/1", first_name="Casey", last_name="Different",
                        date_of_birth="02/09/2012", disposal="youth_caution")]
    run, _ = run_import(to_csv(rows))
    assert run.children_created == 2
    a = Outcome.objects.get(source_reference="A")
    b = Outcome.objects.get(source_reference="B")
    assert a.child.first_name == "Jamie"
    assert b.child.first_name == "Casey"  # fails: Casey's youth caution is recorded against Jamie
    assert b.offence.child_id == b.child_id


@pytest.mark.django_db
def test_a_crime_reference_filled_in_later_does_not_create_a_second_offence(personas, run_import):
    """Re-importing a row whose crime reference the police have since filled in updates the
    offence; it must not leave the child with two offences for one outcome."""
    run_import(to_csv([outcome_row("A", local_id="N-0001", offence_reference="")]))
    run, _ = run_import(to_csv([outcome_row("A", local_id="N-0001", offence_reference="CR/2025/9")]))
    assert Offence.objects.filter(child=personas.child_a).count() == 1  # fails: 2
    assert run.rows_created == 0


@pytest.mark.django_db
def test_a_crime_reference_corrected_on_one_of_two_outcomes_gives_that_outcome_its_own_offence(
    personas, run_import
):
    """Two outcomes of one offence (same child, crime reference CR/1). The police then correct
    one row to crime CR/2. The other row still says CR/1, so the stored offence must not be
    re-keyed away from it; and importing the corrected file again must change nothing."""
    person = {"police_id": "P-77"}
    first = [outcome_row("A", offence_reference="CR/1", **person),
             outcome_row("B", offence_reference="CR/1", disposal="youth_caution", outcome_date="12/02/2025",
                         **person)]
    run_import(to_csv(first))
    assert Offence.objects.count() == 1
    corrected = [outcome_row("A", offence_reference="CR/2", **person),
                 outcome_row("B", offence_reference="CR/1", disposal="youth_caution", outcome_date="12/02/2025",
                             **person)]
    run_import(to_csv(corrected))
    a = Outcome.objects.get(source_reference="A")
    b = Outcome.objects.get(source_reference="B")
    assert b.offence.source_reference == "CR/1"
    assert a.offence.source_reference == "CR/2"
    assert a.offence_id != b.offence_id  # fails: one offence, re-keyed back and forth
    again, _ = run_import(to_csv(corrected))
    assert again.rows_updated == 0


@pytest.mark.django_db
def test_two_outcomes_given_the_same_crime_reference_later_leave_no_empty_offence(personas, run_import):
    """Two rows for one child first sent without a crime reference (an offence each), then
    with the same crime reference: they are outcomes of one offence. The second row's old
    offence must not stay behind with no outcome, counted as a separate offence."""
    person = {"police_id": "P-78"}
    run_import(to_csv([outcome_row("A", **person),
                       outcome_row("B", disposal="youth_caution", outcome_date="12/02/2025", **person)]))
    assert Offence.objects.count() == 2
    run_import(to_csv([outcome_row("A", offence_reference="CR/9", **person),
                       outcome_row("B", offence_reference="CR/9", disposal="youth_caution",
                                   outcome_date="12/02/2025", **person)]))
    assert Outcome.objects.values("offence_id").distinct().count() == 1
    # Offence "B" is left with no outcome: voided (kept, as every mistake is), not counted.
    assert Offence.objects.current().count() == 1
    assert Offence.objects.count() == 2


@pytest.mark.django_db
def test_merging_two_records_of_one_child_who_each_hold_an_offence_for_the_same_crime(personas, run_import):
    """Offences are now unique per (source, crime reference, child). When the police sent one
    crime's rows under two records of the same child (a police-only record and the service's),
    merging the duplicate must still work, not fail on the offence constraint."""
    run_import(to_csv([outcome_row("A", offence_reference="CR/2025/5", first_name="Jon", last_name="Smyth",
                                   date_of_birth="01/01/2012")]))
    run_import(to_csv([outcome_row("B", offence_reference="CR/2025/5", local_id="N-0001",
                                   disposal="youth_caution", outcome_date="12/02/2025")]))
    duplicate = Offence.objects.get(source_reference="CR/2025/5", child__first_name="Jon").child
    keep = Offence.objects.exclude(child=duplicate).get(source_reference="CR/2025/5").child
    merge_children(by=personas.service_manager, keep=keep, duplicate=duplicate,
                   reason="Same child")  # fails: IntegrityError on offence_source_reference_unique
    assert Offence.objects.filter(child=keep).count() >= 1
    # One offence for the crime on the merged record, holding both outcomes; the copy is voided.
    offences = Offence.objects.current().filter(child=keep)
    assert [o.outcomes.count() for o in offences] == [2]
    assert Offence.objects.filter(voided_at__isnull=False, void_reason__contains="CR/2025/5").count() == 1

