"""The reoffending tracker page and its drill-down to the children behind a cell."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from divert.accounts.models import Programme, Role
from divert.accounts.requests import SignedInRequest, organisation_of
from divert.audit.actions import record_event
from divert.core.access import allow
from divert.core.dates import parse_date
from divert.core.errors import DomainError
from divert.evaluation.actions import FORMATS, check_k, export_research_extract
from divert.evaluation.extract import COLUMNS, RULES, research_extract
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

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
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


def _options(request: SignedInRequest) -> tuple[dt.date, Programme | None, str | None]:
    """The 'as at' date and programme from the query string (today and all by default)."""
    today = timezone.localdate()
    error = None
    try:
        as_at = parse_date(request.GET["as_at"], label="'as at' date") if request.GET.get("as_at") else today
    except ValueError as exc:
        error, as_at = str(exc), today
    programme = None
    if request.GET.get("programme"):
        programme = Programme.objects.filter(  # no slug has a NUL byte, and PostgreSQL refuses one
            organisation=request.user.organisation, slug=request.GET["programme"].replace("\x00", "")
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
def tracker_page(request: SignedInRequest) -> HttpResponse:
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
            "can_extract": request.user.has_any_role([Role.PERFORMANCE_OFFICER]),
        },
    )


@allow(*TRACKER_ROLES)
def tracker_children(request: SignedInRequest) -> HttpResponse:
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
        by=request.user,
        verb="listed_children",
        details={
            "page": "tracker",
            "number": page.number,
            "shown": len(page.object_list),
            "cell": {"as_at": as_at.isoformat(), "programme": programme.slug if programme else None,
                     "anchor": anchor, "months": months, "group": group, "tier": tier, "cell": cell},
        },
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


# ---- the research extract ----------------------------------------------------------------


def _extract_options(request: SignedInRequest) -> tuple[dict, list[tuple[str, str]]]:
    """Dates and k from the query string, with (field, message) errors."""
    organisation = organisation_of(request.user)
    errors = []
    options: dict = {"as_at": timezone.localdate(), "date_from": None, "date_to": None,
                     "k": organisation.k_anonymity}
    for name, key in (("as_at", "as_at"), ("date_from", "from"), ("date_to", "to")):
        if request.GET.get(key):
            try:
                options[name] = parse_date(request.GET[key], label=f"'{key.replace('_', ' ')}' date")
            except ValueError as exc:
                errors.append((key, str(exc)))
    if request.GET.get("k"):
        try:
            options["k"] = int(request.GET["k"])
        except ValueError:
            errors.append(("k", "k must be a whole number."))
    if not errors:
        try:
            check_k(options["k"], organisation=organisation)
        except DomainError as exc:
            errors.append(("k", exc.message))
    return options, errors


@allow(Role.PERFORMANCE_OFFICER)
def extract_page(request: SignedInRequest) -> HttpResponse:
    """The research extract's k-anonymity report for the user's organisation, with downloads."""
    options, errors = _extract_options(request)
    release = None
    if not errors:
        release = research_extract(organisation=request.user.organisation, **options)
    query = {
        "as_at": options["as_at"].isoformat(),
        "k": options["k"],
        **({"from": options["date_from"].isoformat()} if options["date_from"] else {}),
        **({"to": options["date_to"].isoformat()} if options["date_to"] else {}),
    }
    return render(request, "evaluation/extract.html", {
        "options": options,
        "errors": errors,
        "release": release,
        "report": release.report() if release else None,
        "rules": [(RULES[rule], rows) for rule, rows in release.by_rule.items()] if release else [],
        "download": {fmt: "download/?" + urlencode({**query, "format": fmt}) for fmt in FORMATS},
        "columns": COLUMNS,
    })


@allow(Role.PERFORMANCE_OFFICER)
def extract_download(request: SignedInRequest) -> HttpResponse:
    """The research extract as a CSV or Excel file (audited)."""
    options, errors = _extract_options(request)
    fmt = request.GET.get("format", "csv")
    if errors or fmt not in FORMATS:
        raise Http404("Check the options on the research extract page.")
    _release, data = export_research_extract(
        by=request.user, organisation=request.user.organisation, fmt=fmt, **options
    )
    stamp = options["as_at"].isoformat()
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="research-extract-{stamp}.{fmt}"'
    return response
