"""The shipped offence reference table and the self-ratings instrument."""

from __future__ import annotations

import pytest

from divert.offending.codes import YJBOffenceCategory
from divert.offending.models import OffenceType
from divert.synth.reference import (
    ensure_self_ratings_instrument,
    load_default_offence_types,
    read_default_offence_types,
)


def test_default_offence_table_has_codes_categories_and_seriousness():
    rows = read_default_offence_types()
    assert 40 <= len(rows) <= 60
    assert len({r.code for r in rows}) == len(rows)
    assert {r.yjb_category for r in rows} <= set(YJBOffenceCategory.values)
    assert all(1 <= r.seriousness <= 8 for r in rows)


@pytest.mark.django_db
def test_loading_default_offence_types_is_idempotent():
    added = load_default_offence_types()
    assert added == OffenceType.objects.filter(organisation__isnull=True).count() > 0
    assert load_default_offence_types() == 0
    assert OffenceType.objects.get(code="CD01").yjb_category == "criminal_damage"


@pytest.mark.django_db
def test_self_ratings_instrument_is_created_once():
    first = ensure_self_ratings_instrument()
    assert [i["code"] for i in first.items] == [
        "confidence",
        "self_esteem",
        "relationships",
        "managing_anger",
    ]
    assert (first.min_score, first.max_score) == (1, 10)
    assert ensure_self_ratings_instrument() == first
