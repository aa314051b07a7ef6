"""Small, explicit builders for KPI test data, using the project's models directly."""

from __future__ import annotations

import datetime as dt
import itertools

from django.utils import timezone

from divert.accounts.models import Organisation, Programme, Tier
from divert.casework.models import Episode
from divert.kpis.models import RagThreshold
from divert.offending.models import Offence, Outcome
from divert.people.models import Child
from divert.reference.models import Population

_seq = itertools.count(1)
RECORDED = timezone.make_aware(dt.datetime(2020, 1, 1, 12, 0))


def organisation(slug: str = "kpi-org", rag_thresholds: dict | None = None, **kwargs) -> Organisation:
    """An organisation (tenant), with RAG thresholds {measure key: {"green", "red"}} if given."""
    org = Organisation.objects.create(name=slug.title(), slug=slug, **kwargs)
    for key, bounds in (rag_thresholds or {}).items():
        RagThreshold.objects.create(organisation=org, measure_key=key, **bounds)
    return org


def programme(org: Organisation, slug: str = "diversion", **kwargs) -> Programme:
    """A programme with one standard tier."""
    prog = Programme.objects.create(organisation=org, name=slug.title(), slug=slug, **kwargs)
    Tier.objects.create(programme=prog, number=1, name="Standard", planned_sessions=10, planned_weeks=12)
    return prog


def child(org: Organisation, dob: dt.date = dt.date(2008, 6, 1), **kwargs) -> Child:
    """A child of the organisation (male, White British unless told)."""
    n = next(_seq)
    kwargs.setdefault("sex", "male")
    kwargs.setdefault("ethnicity", "WBRI")
    kwargs.setdefault("recorded_at", RECORDED)
    return Child.objects.create(
        organisation=org, first_name=f"Child{n}", last_name="Test", date_of_birth=dob, **kwargs
    )


def offence(kid: Child, committed_on: dt.date, **kwargs) -> Offence:
    """An offence committed by the child."""
    kwargs.setdefault("recorded_at", RECORDED)
    return Offence.objects.create(child=kid, committed_on=committed_on, **kwargs)


def outcome(
    kid: Child,
    outcome_date: dt.date,
    disposal: str = "youth_caution",
    *,
    committed_on: dt.date | None = None,
    offence_obj: Offence | None = None,
    **kwargs,
) -> Outcome:
    """An outcome (with its own offence unless one is given)."""
    kwargs.setdefault("recorded_at", RECORDED)
    off = offence_obj or offence(
        kid, committed_on or outcome_date - dt.timedelta(days=30),
        **{k: kwargs.pop(k) for k in ("yjb_category", "seriousness") if k in kwargs},
    )
    return Outcome.objects.create(
        child=kid, offence=off, disposal=disposal, outcome_date=outcome_date, **kwargs
    )


def episode(
    kid: Child,
    prog: Programme,
    start: dt.date,
    end: dt.date | None = None,
    order_type: str = "community_resolution",
    completed: bool | None = True,
    **kwargs,
) -> Episode:
    """An episode of work, closed when `end` is given."""
    kwargs.setdefault("recorded_at", RECORDED)
    if end is not None:
        kwargs.setdefault("closure_reason", "completed" if completed else "disengaged")
        kwargs.setdefault("successfully_completed", completed)
    return Episode.objects.create(
        child=kid, programme=prog, order_type=order_type, start_date=start, end_date=end, **kwargs
    )


def population(org: Organisation, year: int, total: int, *, ethnic_group="white", sex="male", age=14):
    """One population cell (enough for a 10-17 total)."""
    return Population.objects.create(
        organisation=org, year=year, area_code="E00000001", age=age, sex=sex,
        ethnic_group=ethnic_group, count=total, source="test",
    )


def status(model, kid: Child, start: dt.date, end: dt.date | None = None, **kwargs):
    """A dated status record (Accommodation, ETEStatus, SENDStatus, CareStatus, needs...)."""
    kwargs.setdefault("recorded_at", RECORDED)
    return model.objects.create(child=kid, start_date=start, end_date=end, **kwargs)
