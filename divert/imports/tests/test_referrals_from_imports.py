"""Referrals opened by police data: Community Resolutions and releases from custody, only when recent."""

from __future__ import annotations

import datetime as dt

import pytest

from divert.imports.actions import resolve_match_review, set_source_options
from divert.imports.models import MatchReview
from divert.imports.tests.files import custody_row, outcome_row, to_csv
from divert.referrals.models import Referral


@pytest.mark.django_db
def test_a_release_that_arrives_in_a_later_extract_opens_the_following_arrest_referral(
    personas, custody_source, run_import
):
    """A daily custody extract lists a child still in custody (no release yet); the next one
    has the release. That release must open the 'following arrest' referral like any other."""
    set_source_options(by=personas.performance_officer, source=custody_source,
                       custody_release_programme=personas.programme)
    still_held = custody_row(local_id="N-0002", first_name="Bella", released_at="", result="")
    run_import(to_csv([still_held]), into=custody_source, complete_to=dt.date(2025, 4, 3), today=dt.date(2025, 4, 3))
    released = custody_row(local_id="N-0002", first_name="Bella", released_at="04/04/2025 02:10", result="rui")
    run, _ = run_import(to_csv([released]), into=custody_source, complete_to=dt.date(2025, 4, 4),
                        today=dt.date(2025, 4, 5))
    assert run.rows_updated == 1
    assert Referral.objects.filter(source="custody_rui").count() == 1  # fails: no referral is opened


@pytest.mark.django_db
def test_a_recent_release_waiting_for_review_still_opens_its_referral_when_attached(
    personas, custody_source, run_import
):
    """The release was a day old when the file was imported (recent: it should open a
    'following arrest' referral), but the row waited in the review queue. Attaching it a
    week later must not drop the referral because the decision, not the import, is late."""
    set_source_options(by=personas.performance_officer, source=custody_source,
                       custody_release_programme=personas.programme)
    run, _ = run_import(to_csv([custody_row()]), into=custody_source, today=dt.date(2025, 4, 5),
                        complete_to=dt.date(2025, 4, 4))
    assert run.rows_queued == 1
    resolve_match_review(by=personas.performance_officer, review=MatchReview.objects.get(), decision="matched",
                         child=personas.child_a, today=dt.date(2025, 4, 12))
    assert Referral.objects.filter(child=personas.child_a, source="custody_rui").count() == 1  # fails: none


@pytest.mark.django_db
def test_a_file_of_past_records_opens_no_referrals_for_them(personas, source, custody_source, run_import):
    """Loading years of history must not fill the allocation queue: Community Resolutions
    more than 28 days old and releases more than 7 days old open no referral, and the
    import says so."""
    set_source_options(by=personas.performance_officer, source=source,
                       community_resolution_programme=personas.programme)
    set_source_options(by=personas.performance_officer, source=custody_source,
                       custody_release_programme=personas.programme)
    old_cr, validation = run_import(to_csv([outcome_row("A", police_id="P-5")]))  # 10/02/2025, today 30/06/2025
    old_release, custody_validation = run_import(to_csv([custody_row(local_id="N-0002")]), into=custody_source)
    assert (old_cr.referrals_opened, old_release.referrals_opened, Referral.objects.count()) == (0, 0, 0)
    assert any("1 Community Resolution dated more than 28 days before the import opened no referral" in str(p)
               for p in validation.problems)
    assert any("1 release from custody dated more than 7 days" in str(p) for p in custody_validation.problems)

