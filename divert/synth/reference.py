"""Shipped reference data: the default offence table and the self-ratings instrument."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from divert.casework.actions import self_ratings_instrument
from divert.casework.models import Instrument
from divert.offending.codes import YJBOffenceCategory
from divert.offending.models import OffenceType

OFFENCE_TYPES_CSV = Path(__file__).resolve().parent / "data" / "offence_types.csv"

@dataclass(frozen=True)
class OffenceRow:
    """One row of the shipped offence reference table."""

    code: str
    description: str
    yjb_category: str
    seriousness: int


def read_default_offence_types(path: Path = OFFENCE_TYPES_CSV) -> list[OffenceRow]:
    """The shipped offence table, checked against the YJB categories and the 1-8 scale."""
    rows = []
    with path.open(newline="", encoding="utf-8") as handle:
        for line in csv.DictReader(handle):
            row = OffenceRow(
                code=line["code"].strip(),
                description=line["description"].strip(),
                yjb_category=line["yjb_category"].strip(),
                seriousness=int(line["seriousness"]),
            )
            if row.yjb_category not in YJBOffenceCategory.values:
                raise ValueError(f"{path.name}: unknown YJB category for {row.code}")
            if not 1 <= row.seriousness <= 8:
                raise ValueError(f"{path.name}: seriousness of {row.code} is not 1-8")
            rows.append(row)
    return rows


@transaction.atomic
def load_default_offence_types() -> int:
    """Add any missing default offence types (organisation=None); return how many were added."""
    existing = set(
        OffenceType.objects.filter(organisation__isnull=True).values_list("code", flat=True)
    )
    missing = [
        OffenceType(
            organisation=None,
            code=r.code,
            description=r.description,
            yjb_category=r.yjb_category,
            seriousness=r.seriousness,
        )
        for r in read_default_offence_types()
        if r.code not in existing
    ]
    OffenceType.objects.bulk_create(missing)
    return len(missing)


def ensure_self_ratings_instrument() -> Instrument:
    """The shared 'self-ratings' instrument (four items scored 1-10), defined once in casework."""
    return self_ratings_instrument()
