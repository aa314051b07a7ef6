"""The KPI page: every measure with its definition, numbers, interval and RAG.

Service managers and performance officers see the figures as computed; board members
and commissioners see only suppressed aggregates (commissioners: the programmes they fund).
"""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from divert.accounts.models import Programme, Role
from divert.core.access import allow
from divert.kpis.engine import compute_report
from divert.kpis.formatting import format_flags, format_fraction, format_interval, format_value
from divert.kpis.periods import financial_quarter_containing, parse_period

UNSUPPRESSED_ROLES = (Role.SERVICE_MANAGER, Role.PERFORMANCE_OFFICER)
RAG_CLASS = {"green": "govuk-tag--green", "amber": "govuk-tag--yellow", "red": "govuk-tag--red"}


def _row(item, unit: str) -> dict:
    return {
        "label": item.label,
        "value": format_value(item.value, unit) if unit != "count" or item.value is not None else "",
        "fraction": format_fraction(item),
        "interval": format_interval(item, unit),
        "flags": format_flags(item),
        "details": item.details if hasattr(item, "details") else {},
    }


def _change_text(ch: dict, unit: str) -> str:
    parts = [f"{ch['period']}: {format_value(ch['value'], unit)}"]
    if ch.get("change_in_points") is not None:
        parts.append(f"{ch['change_in_points']:+.1f} percentage points")
    if ch.get("relative_change") is not None:
        parts.append(f"{ch['relative_change'] * 100:+.0f}% relative")
    if ch.get("direction"):
        parts.append(ch["direction"])
    return ", ".join(parts)


def _measure(m) -> dict:
    return {
        **_row(m, m.unit),
        "key": m.key,
        "definition": m.definition,
        "period": m.period,
        "notes": m.notes,
        "rag": m.rag,
        "rag_class": RAG_CLASS.get(m.rag or "", ""),
        "changes": [(k.replace("_", " "), _change_text(v, m.unit)) for k, v in m.changes.items()],
        "comparators": [(k.replace("_", " "), format_value(v["value"], m.unit)) for k, v in m.comparators.items()],
        "breakdowns": [
            (name.replace("_", " "), [_row(c, m.unit) for c in cells])
            for name, cells in m.breakdowns.items() if cells
        ],
        "disproportionality": m.key.startswith("disproportionality."),
    }


@allow(Role.SERVICE_MANAGER, Role.PERFORMANCE_OFFICER, Role.BOARD_MEMBER, Role.COMMISSIONER)
def report(request: HttpRequest) -> HttpResponse:
    """Every measure for the user's organisation (or funded programmes) and a period."""
    user = request.user
    today = timezone.localdate()
    default = financial_quarter_containing(today).previous()
    error = None
    try:
        period = parse_period(request.GET.get("period") or default.cli)
    except ValueError as exc:
        error, period = str(exc), default
    try:
        as_at = dt.date.fromisoformat(request.GET["as_at"]) if request.GET.get("as_at") else today
    except ValueError:
        error, as_at = "The 'as at' date must look like 2025-07-31.", today
    suppress = not user.has_any_role(UNSUPPRESSED_ROLES)
    organisations, programmes = [], []
    if user.organisation_id and user.has_any_role(
        (Role.SERVICE_MANAGER, Role.PERFORMANCE_OFFICER, Role.BOARD_MEMBER)
    ):
        organisations = [user.organisation]
    elif user.commissioner_id:
        programmes = list(Programme.objects.filter(funded_by=user.commissioner_id).select_related("organisation"))
    result = None
    if organisations or programmes:
        result = compute_report(organisations=organisations, programmes=programmes, period=period,
                                as_at=as_at, suppress=suppress)
    return render(request, "kpis/report.html", {
        "period": period,
        "as_at": as_at,
        "error": error,
        "suppressed": suppress,
        "can_edit_reference": user.has_any_role(UNSUPPRESSED_ROLES),
        "report": result,
        "measures": [_measure(m) for m in result.measures] if result else [],
    })
