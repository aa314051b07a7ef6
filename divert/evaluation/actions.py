"""Named actions for evaluation: exporting the research extract (audited)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from divert.audit.actions import record_event
from divert.core.errors import DomainError
from divert.core.exports import csv_bytes, xlsx_bytes
from divert.evaluation.extract import Release, research_extract, table

FORMATS = ("csv", "xlsx")


def check_k(k: int, *, organisation) -> None:
    """k may be raised above the organisation's setting, never lowered below it."""
    if k < organisation.k_anonymity:
        raise DomainError(
            f"k cannot be lower than your organisation's setting ({organisation.k_anonymity}).",
            field="k",
        )


@transaction.atomic
def export_research_extract(
    *,
    by,
    organisation,
    as_at: dt.date,
    k: int | None = None,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    fmt: str = "csv",
    via: str = "web",
) -> tuple[Release, bytes]:
    """The k-anonymous research extract as CSV or XLSX bytes, with an audit event of its counts."""
    if fmt not in FORMATS:
        raise DomainError("Choose CSV or Excel.", field="format")
    k = organisation.k_anonymity if k is None else k
    check_k(k, organisation=organisation)
    release = research_extract(
        organisation=organisation, as_at=as_at, k=k, date_from=date_from, date_to=date_to
    )
    rows = table(release)
    data = csv_bytes(rows) if fmt == "csv" else xlsx_bytes(rows, sheet="Research extract")
    record_event(
        by=by,
        verb="exported_research_extract",
        organisation=organisation,
        details={
            "kind": "research extract",
            "via": via,
            "format": fmt,
            "as_at": as_at.isoformat(),
            "from": date_from.isoformat() if date_from else None,
            "to": date_to.isoformat() if date_to else None,
            **release.report(),
        },
    )
    return release, data
