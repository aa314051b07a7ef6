"""The reoffending tracker page and its drill-down to the children behind a cell."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from divert.accounts.models import Programme, Role
from divert.audit.actions import record_event
from divert.core.access import allow
from divert.evaluation.tracker import (
    ANCHORS,
    CELLS,
    GROUPS,
    TIERS,
    WINDOWS,
    cell_child_ids,
    tracker,
)
from divert.people.models import Child

TRACKER_ROLES = (Role.TEAM_MANAGER, Role.SERVICE_MANAGER, Role.PERFORMANCE_OFFICER)
CELL_LABELS = {
    "tracked": "tracked",
    "with_outcome": "with an outcome",
    "not_yet_mature": "whose window has not ended",
    "awaiting_data": "awaiting police data",
    "provisional_with_outcome": "with an outcome so far (provisional)",
}


def _percent(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.1f}%"


def _options(request: HttpRequest) -> tuple[dt.date, Programme | None, str | None]:
    """The 'as at' date and programme from the query string (today and all by default)."""
    today = timezone.localdate()
    error = None
    try:
        as_at = dt.date.fromisoformat(request.GET["as_at"]) if request.GET.get("as_at") else today
    except ValueError:
        error, as_at = "The 'as at' date must look like 2025-07-31.", today
    programme = None
    if request.GET.get("programme"):
        programme = Programme.objects.filter(
            organisation=request.user.organisation, slug=request.GET["programme"]
        ).first()
        if programme is None:
            error = "There is no programme with that name in your organisation."
    return as_at, programme, error


def _group_row(figure, link) -> dict:
    return {
        "fraction": f"{figure.children_with_outcome} of {figure.children_tracked}",
        "rate": _percent(figure.rate),
        "interval": (
            f"{_percent(figure.interval.lower)} to {_percent(figure.interval.upper)}"
            if figure.interval
            else "–"
        ),
        "volatile": figure.volatile,
        "figure": figure,
        "links": {cell: link(cell) for cell in CELLS},
    }


@allow(*TRACKER_ROLES)
def tracker_page(request: HttpRequest) -> HttpResponse:
    """Participants against the comparison group for the user's organisation."""
    as_at, programme, error = _options(request)
    organisation = request.user.organisation
    result = tracker(
        organisation=organisation, programmes=[programme] if programme else None, as_at=as_at
    )
    base = {"as_at": as_at.isoformat(), **({"programme": programme.slug} if programme else {})}
    anchors = []
    for a in result.anchors:
        windows = []
        for w in a.windows:
            tiers = []
            for t in w.tiers:

                def link(cell, group, a=a, w=w, t=t):
                    query = {
                        **base,
                        "anchor": a.anchor,
                        "months": w.months,
                        "group": group,
                        "tier": t.tier,
                        "cell": cell,
                    }
                    return "children/?" + urlencode(query)

                d = t.difference
                tiers.append(
                    {
                        "label": t.label,
                        "tier": t.tier,
                        "participants": _group_row(
                            t.participants, lambda c, link=link: link(c, "participant")
                        ),
                        "comparison": _group_row(
                            t.comparison, lambda c, link=link: link(c, "comparison")
                        ),
                        "difference": (
                            f"{d.value * 100:+.1f} points ({d.interval.lower * 100:+.1f} to {d.interval.upper * 100:+.1f})"
                            if d
                            else "–"
                        ),
                    }
                )
            windows.append({"months": w.months, "tiers": tiers})
        anchors.append(
            {
                "anchor": a.anchor,
                "label": a.label,
                "windows": windows,
                "pseudo_closure_days": a.pseudo_closure_days,
            }
        )
    return render(
        request,
        "evaluation/tracker.html",
        {
            "result": result,
            "anchors": anchors,
            "as_at": as_at,
            "error": error,
            "programme": programme,
            "programmes": Programme.objects.filter(organisation=organisation).order_by("name"),
        },
    )


@allow(*TRACKER_ROLES)
def tracker_children(request: HttpRequest) -> HttpResponse:
    """The children behind one cell of the tracker, as far as the user may see them."""
    as_at, programme, error = _options(request)
    get = request.GET
    try:
        months = int(get.get("months", ""))
    except ValueError:
        raise Http404("No such cell") from None
    anchor, group, tier, cell = (
        get.get("anchor"),
        get.get("group"),
        get.get("tier"),
        get.get("cell"),
    )
    if (
        error
        or anchor not in ANCHORS
        or months not in WINDOWS
        or group not in GROUPS
        or tier not in TIERS
        or cell not in CELLS
    ):
        raise Http404("No such cell")
    ids = cell_child_ids(
        organisation=request.user.organisation,
        programmes=[programme] if programme else None,
        as_at=as_at,
        anchor=anchor,
        months=months,
        group=group,
        tier=tier,
        cell=cell,
    )
    total = ids.count()
    children = (
        Child.objects.visible_to(request.user)
        .filter(pk__in=ids)
        .order_by("last_name", "first_name", "pk")
    )
    page = Paginator(children, 50).get_page(get.get("page"))
    record_event(
        by=request.user, verb="listed_children", details={"page": "tracker", "number": page.number}
    )
    return render(
        request,
        "evaluation/tracker_children.html",
        {
            "page": page,
            "total": total,
            "as_at": as_at,
            "months": months,
            "anchor_label": ANCHORS[anchor],
            "group_label": "Participants" if group == "participant" else "Comparison group",
            "tier_label": TIERS[tier],
            "cell_label": CELL_LABELS[cell],
            },
    )
