"""The board pack page: who sees which pack, for which quarter.

Board members see their organisation's pack; commissioners the pack for each programme
they fund and for all of them together; both suppressed, for published quarters only.
Service managers and performance officers see their organisation's pack (or one of its
programmes') unsuppressed, for any quarter.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass

from django.core.cache import cache
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from divert.accounts.models import Programme, Role, User
from divert.accounts.requests import SignedInRequest
from divert.core.access import allow
from divert.kpis.periods import (
    Period,
    financial_quarter_containing,
    is_published,
    latest_published_quarter,
    parse_period,
    publication_day,
)
from divert.kpis.store import data_versions
from divert.reports.charts import chart_svg
from divert.reports.pack import PACK_VERSION, build_pack
from divert.reports.publication import page_narratives, single_pack, with_narratives

UNSUPPRESSED_ROLES = (Role.SERVICE_MANAGER, Role.PERFORMANCE_OFFICER)
PACK_ROLES = (Role.SERVICE_MANAGER, Role.PERFORMANCE_OFFICER, Role.BOARD_MEMBER, Role.COMMISSIONER)
RAG_CLASS = {"green": "govuk-tag--green", "amber": "govuk-tag--yellow", "red": "govuk-tag--red"}
QUARTER_HELP = "A financial quarter, like 2025-26Q1 (April to June 2025)."


@dataclass(frozen=True)
class Choice:
    """One pack a user may open: the whole organisation, one programme, or all funded programmes."""

    value: str
    label: str
    organisations: tuple
    programmes: tuple


def pack_choices(user: User) -> list[Choice]:
    """The packs a user may see, the default first (deny by default: none for anyone else)."""
    if user.organisation_id and user.has_any_role(UNSUPPRESSED_ROLES):
        org = user.organisation
        programmes = Programme.objects.filter(organisation=org).order_by("name")
        return [Choice("", f"{org.name} (the whole service)", (org,), ()),
                *(Choice(str(p.pk), p.name, (org,), (p,)) for p in programmes)]
    if user.organisation_id and user.has_any_role([Role.BOARD_MEMBER]):
        org = user.organisation
        return [Choice("", org.name, (org,), ())]
    if user.commissioner_id and user.has_any_role([Role.COMMISSIONER]):
        funded = list(Programme.objects.filter(funded_by=user.commissioner_id)
                      .select_related("organisation").order_by("organisation__name", "name"))
        if not funded:
            return []
        together = [Choice("", "All the programmes you fund, together", (), tuple(funded))] if len(funded) > 1 else []
        return [*together, *(Choice(str(p.pk), f"{p.name} ({p.organisation.name})", (), (p,)) for p in funded)]
    return []


def _quarter(request: SignedInRequest, today: dt.date, *, restricted: bool) -> tuple[Period, str | None]:
    """The quarter asked for; restricted audiences get published quarters only."""
    default = latest_published_quarter(today) if restricted else financial_quarter_containing(today).previous()
    text = request.GET.get("quarter") or default.cli
    try:
        quarter = parse_period(text)
    except ValueError as exc:
        return default, str(exc)
    if quarter.kind != "financial_quarter":
        return default, f"Enter a financial quarter. {QUARTER_HELP}"
    if restricted and not is_published(quarter, today):
        return default, f"The figures for {quarter.label} are published on {publication_day(quarter):%-d %B %Y}."
    return quarter, None


def _svg(chart: dict) -> str:
    """A chart's SVG, remembered: the same chart always draws the same bytes."""
    key = "reports.chart." + hashlib.sha256(json.dumps(chart, sort_keys=True).encode()).hexdigest()
    svg = cache.get(key)
    if svg is None:
        svg = chart_svg(chart, responsive=True)
        cache.set(key, svg, 7 * 24 * 3600)
    return svg


def _trend_text(row: dict) -> str:
    return " → ".join(p["value_text"] for p in row["trend"])


def _for_page(pack: dict) -> dict:
    """The pack with what the template needs beside the data: RAG classes, chart SVGs."""
    for row in pack["summary"]["rows"]:
        row["rag_class"] = RAG_CLASS.get(row["rag"] or "", "")
        row["trend_text"] = _trend_text(row)
    for section in pack["sections"]:
        for row in section["measures"]:
            row["rag_class"] = RAG_CLASS.get(row["rag"] or "", "")
        for chart in section["charts"]:
            chart["svg"] = _svg(chart)
    return pack


def cached_pack(chosen: Choice, quarter: Period, *, suppress: bool, today: dt.date) -> dict:
    """The pack, computed once per quarter, audience and state of the data: the key holds the
    organisations' data versions, which every recorded change bumps (`kpis.store`)."""
    org_ids = sorted({o.pk for o in chosen.organisations} | {p.organisation_id for p in chosen.programmes})
    versions = data_versions(org_ids)
    named = [PACK_VERSION, org_ids, sorted(p.pk for p in chosen.programmes), quarter.cli, suppress,
             today.isoformat(), versions]
    key = "reports.pack." + hashlib.sha256(json.dumps(named, sort_keys=True).encode()).hexdigest()
    built = cache.get(key)
    if built is None:
        built = build_pack(organisations=chosen.organisations, programmes=chosen.programmes, quarter=quarter,
                           suppress=suppress)
        if not built["updating"]:  # figures being recomputed are not kept
            cache.set(key, built, 24 * 3600)
    return built


@allow(*PACK_ROLES)
def pack(request: SignedInRequest) -> HttpResponse:
    """The board pack for a quarter: summary, sections, charts, definitions."""
    user = request.user
    today = timezone.localdate()
    suppress = not user.has_any_role(UNSUPPRESSED_ROLES)
    quarter, error = _quarter(request, today, restricted=suppress)
    choices = pack_choices(user)
    asked = request.GET.get("programme", "")
    chosen = next((c for c in choices if c.value == asked), None)
    if chosen is None and choices:
        if asked:
            error = error or "Choose a pack from the list."
        chosen = choices[0]
    built, links = None, None
    if chosen is not None:
        built = _for_page(cached_pack(chosen, quarter, suppress=suppress, today=today))
        built, links = _narratives_and_links(built, chosen, quarter, manager=not suppress)
    return render(request, "reports/pack.html", {
        "quarter": quarter,
        "error": error,
        "quarter_help": QUARTER_HELP,
        "suppressed": suppress,
        "choices": choices,
        "chosen": chosen,
        "pack": built,
        "pack_links": links,
    })


def _narratives_and_links(built: dict, chosen: Choice, quarter: Period, *, manager: bool) -> tuple[dict, dict | None]:
    """The pack with its narratives (published ones only for boards and commissioners), and the
    links to its files and narratives (for one pack: a whole service or one programme)."""
    organisation, programme = single_pack(chosen.organisations, chosen.programmes)
    if organisation is None:
        return built, None
    narratives, publication = page_narratives(organisation=organisation, programme=programme,
                                              quarter=quarter.cli, working=manager)
    query = f"?quarter={quarter.cli}" + (f"&programme={programme.pk}" if programme else "")
    return with_narratives(built, narratives), {
        "query": query, "files": manager or publication is not None, "narratives": manager,
        "published_at": publication.published_at if publication else None,
    }
