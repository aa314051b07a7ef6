"""The data-quality page (performance officers and managers) and the children behind each number.

What a user sees is counted over the children they may see: a service manager's and a
performance officer's organisation, a team manager's teams. Every number links to the list of
those children (like the team view); CSV with ?format=csv.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from divert.accounts.models import ORGANISATION_ROLES, Programme, Role, Team
from divert.audit.actions import record_event
from divert.core.access import allow
from divert.core.exports import csv_bytes
from divert.kpis.periods import parse_period
from divert.people.models import Child
from divert.reports import quality
from divert.reports.quality import CHECKS, CHECKS_BY_KEY, NONE, SECTIONS, Cell, Context, Filters

QUALITY_ROLES = (Role.PERFORMANCE_OFFICER, Role.SERVICE_MANAGER, Role.TEAM_MANAGER)


def _children(user) -> QuerySet[Child]:
    """The children the page counts: visible to the user; a team manager's teams only."""
    children = Child.objects.visible_to(user)
    if not user.has_any_role(ORGANISATION_ROLES):
        children = children.filter(team__in=user.teams.all())
    return children


def _teams(user) -> QuerySet[Team]:
    if user.has_any_role(ORGANISATION_ROLES):
        return Team.objects.filter(organisation_id=user.organisation_id).order_by("name")
    return user.teams.all().order_by("name")


def _programmes(user) -> QuerySet[Programme]:
    return Programme.objects.filter(organisation_id=user.organisation_id).order_by("name")


def _choice(params, name: str, options: QuerySet):
    value = str(params.get(name, ""))
    if value == NONE:
        return NONE
    return options.filter(pk=value).first() if value.isdigit() else None


def _read(request: HttpRequest) -> tuple[Context, Filters, str | None]:
    """The period (default: the latest complete quarter), the late threshold and the filters,
    each kept only when valid and within what the user may choose."""
    today = timezone.localdate()
    period, error = quality.default_period(today), None
    if request.GET.get("period"):
        try:
            period = parse_period(request.GET["period"])
        except ValueError as exc:
            error = str(exc)
    days = request.GET.get("days", "")
    late_days = int(days) if days.isdigit() and int(days) in quality.LATE_DAYS_CHOICES else quality.LATE_DAYS
    filters = Filters(team=_choice(request.GET, "team", _teams(request.user)),
                      programme=_choice(request.GET, "programme", _programmes(request.user)))
    return Context(period, today, late_days), filters, error


def _query(ctx: Context, filters: Filters, **extra) -> str:
    """The page's choices as a query string (the row's team and programme when given)."""
    params = {"period": ctx.period.cli, "days": ctx.late_days}
    team = extra.pop("team", filters.team)
    programme = extra.pop("programme", filters.programme)
    for name, value in (("team", team), ("programme", programme)):
        if value is not None:
            params[name] = value if isinstance(value, str) else value.pk
    return urlencode({**params, **extra})


def _cell(cell: Cell, check: str, ctx: Context, filters: Filters, **where) -> dict:
    url = f"{reverse('reports:quality_children')}?{_query(ctx, filters, check=check, **where)}"
    return {"cell": cell, "url": url}


@allow(*QUALITY_ROLES)
def data_quality(request: HttpRequest) -> HttpResponse:
    """Completeness, checkpoints, timeliness and police data coverage for a period, per team and
    programme; each number opens the children behind it. CSV with ?format=csv."""
    ctx, filters, error = _read(request)
    table = quality.quality_table(_children(request.user), ctx, filters)
    record_event(by=request.user, verb="listed_children", details={"page": "data_quality"})
    if request.GET.get("format") == "csv":
        return _csv(table, ctx)
    sections = []
    for section, heading in SECTIONS.items():
        checks = [c for c in CHECKS if c.section == section]
        sections.append({
            "key": section, "heading": heading,
            "checks": [{"check": c, **_cell(table.total.cells[c.key], c.key, ctx, filters)} for c in checks],
            "rows": [{"row": r, "cells": [
                _cell(r.cells[c.key], c.key, ctx, filters, team=r.team, programme=r.programme) for c in checks]}
                for r in table.rows],
            "columns": checks,
        })
    return render(request, "reports/quality.html", {
        "ctx": ctx, "period": ctx.period, "filters": filters, "error": error, "sections": sections,
        "teams": _teams(request.user), "programmes": _programmes(request.user), "none": NONE,
        "days_choices": quality.LATE_DAYS_CHOICES, "query": _query(ctx, filters),
        "sources": quality.police_coverage(request.user.organisation_id, ctx),
        "can_review": request.user.has_any_role([Role.PERFORMANCE_OFFICER]),
        "whole_service": request.user.has_any_role(ORGANISATION_ROLES),
    })


def _csv(table: quality.Table, ctx: Context) -> HttpResponse:
    header = ["Team", "Programme", "Section", "Check", "Children", "Of children", "Percent",
              "Records", "Median days to record"]
    body = []
    for row in [table.total, *table.rows]:
        for c in CHECKS:
            cell = row.cells[c.key]
            timed = c.section == "timeliness"
            body.append([row.team_name, row.programme_name, SECTIONS[c.section], c.title, cell.missing, cell.of,
                         cell.percent, cell.records if timed else None, cell.median_days if timed else None])
    response = HttpResponse(csv_bytes([header, *body]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="data-quality-{ctx.period.cli}.csv"'
    return response


@allow(*QUALITY_ROLES)
def data_quality_children(request: HttpRequest) -> HttpResponse:
    """The children behind one number of the data-quality page (within the user's scope)."""
    ctx, filters, _error = _read(request)
    check = CHECKS_BY_KEY.get(request.GET.get("check", ""))
    children = Child.objects.none()
    if check is not None:
        children = quality.children_behind(_children(request.user), ctx, filters, check.key)
    page = Paginator(children.select_related("team", "worker").order_by("last_name", "first_name", "id"),
                     50).get_page(request.GET.get("page"))
    record_event(by=request.user, verb="listed_children",
                 details={"page": "data_quality_children", "number": page.number})
    return render(request, "reports/quality_children.html", {
        "page": page, "check": check, "period": ctx.period, "filters": filters, "ctx": ctx,
        "back": f"{reverse('reports:quality')}?{_query(ctx, Filters())}",
        "more": _query(ctx, filters, check=check.key if check else ""),
    })

