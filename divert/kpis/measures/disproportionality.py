"""Disproportionality at every stage, for ethnic group, looked-after status, SEND and sex.

Stages: population → referred → screened in → engaged → completed (the service's own
pathway), and population → first time entrant → custody (the area's justice outcomes).
The first time entrant and custody stages are not subsets of children who completed
support, so they are compared with the population and with first time entrants
respectively (a choice we make and state in the definitions appendix).

For each group separately: its share of children at a stage against its share at the
preceding stage (percentage-point gap and ratio), and the Relative Rate Index — its
rate (children at the stage ÷ children at the preceding stage) divided by the reference
group's — with a 95% interval on log(RRI). Children are counted once per stage.
"""

from __future__ import annotations

from django.db.models import Case, Exists, F, OuterRef, Q, Sum, Value, When

from divert.casework.models import Episode
from divert.kpis.measures.common import (
    ETHNIC_LABELS,
    SEX_LABELS,
    Scope,
    overlapping,
    per_unit,
    tally_units,
)
from divert.kpis.measures.official import fte_children
from divert.kpis.results import Cell, Flags, Result
from divert.kpis.stats import is_volatile, relative_rate_index
from divert.offending.models import Outcome
from divert.people.models import CareStatus, SENDStatus
from divert.reference.models import Population
from divert.referrals.codes import Decision, ScreeningDecision
from divert.referrals.models import Offer, Referral, Screening

STAGES = (
    ("population", None, "10-17 population"),
    ("referred", "population", "Referred"),
    ("screened_in", "referred", "Screened in (offered support)"),
    ("engaged", "screened_in", "Engaged (accepted)"),
    ("completed", "engaged", "Completed successfully"),
    ("fte", "population", "First time entrants"),
    ("custody", "fte", "Sentenced to custody"),
)
DIMENSIONS = {
    "ethnic_group": ("Ethnic group", "white", "not_known", ETHNIC_LABELS),
    "looked_after": ("Looked after", "not_looked_after", None,
                     {"looked_after": "Looked after", "not_looked_after": "Not looked after"}),
    "send": ("SEND", "no_send", None, {"send": "Identified SEND need", "no_send": "No identified SEND need"}),
    "sex": ("Sex", "male", "not_known", SEX_LABELS),
}


def stage_children(scope: Scope) -> dict[str, object]:
    """Per stage, a queryset of the children at that stage in the period (ids)."""
    last = min(scope.period.end, scope.as_at)
    refs = scope.records(Referral.objects).filter(
        scope.programme_filter(), child__in=scope.children(),
        received_on__gte=scope.period.start, received_on__lte=last,
    )
    screened_in = refs.filter(
        Exists(scope.records(Screening.objects).filter(
            referral=OuterRef("pk"), decided_on__lte=last,
            decision__in=[ScreeningDecision.OPT_IN, ScreeningDecision.SUPPORT]))
    )
    engaged = screened_in.filter(
        Exists(scope.records(Offer.objects).filter(referral=OuterRef("pk"), child_decision=Decision.ACCEPTED))
    )
    completed = engaged.filter(
        Exists(scope.records(Episode.objects).filter(
            referral=OuterRef("pk"), successfully_completed=True, end_date__lte=scope.as_at))
    )
    custody = scope.records(Outcome.objects).filter(
        child__in=scope.children(), disposal="custody",
        outcome_date__gte=scope.period.start, outcome_date__lte=last,
    )
    return {
        "referred": refs.values("child"),
        "screened_in": screened_in.values("child"),
        "engaged": engaged.values("child"),
        "completed": completed.values("child"),
        "fte": fte_children(scope, scope.period),
        "custody": custody.values("child"),
    }


def _group_expressions(scope: Scope) -> dict:
    """Each dimension's group of a child, as a database expression."""
    period = scope.period
    looked_after = Exists(scope.records(CareStatus.objects).filter(
        overlapping(period.start, period.end), child=OuterRef("pk"), kind=CareStatus.Kind.LOOKED_AFTER))
    send = Exists(scope.records(SENDStatus.objects).filter(overlapping(period.start, period.end), child=OuterRef("pk")))
    return {
        "ethnic_group": F("ethnic_group"),
        "looked_after": Case(When(looked_after, then=Value("looked_after")), default=Value("not_looked_after")),
        "send": Case(When(send, then=Value("send")), default=Value("no_send")),
        "sex": F("sex"),
    }


def _population(scope: Scope, dim: str) -> dict:
    """Per unit, the population of the latest year loaded (up to the period's), by group."""
    if dim not in ("ethnic_group", "sex"):
        return {unit: {} for unit in scope.units}
    rows = (Population.objects.filter(organisation_id__in=scope.org_ids, year__lte=scope.period.end.year)
            .order_by().values("organisation_id", "year", dim).annotate(n=Sum("count")))
    per_org: dict = {}
    for row in rows:  # groups of a few years, not children
        groups = per_org.setdefault(row["organisation_id"], {}).setdefault(row["year"], {})
        groups[row[dim]] = groups.get(row[dim], 0) + row["n"]
    out = {}
    for unit in scope.units:
        orgs = [unit] if unit is not None else scope.org_ids
        years = {y for o in orgs for y in per_org.get(o, {})}
        counts: dict = {}
        if years:
            used = max(years)
            for o in orgs:
                for group, n in per_org.get(o, {}).get(used, {}).items():
                    counts[group] = counts.get(group, 0) + n
        out[unit] = counts
    return out


@per_unit
def disproportionality(scope: Scope) -> dict:
    """One result per dimension, with a breakdown per stage of every group's figures."""

    stages = stage_children(scope)
    # One query: every child at any stage, counted per stage and per group of each dimension.
    any_stage = Q()
    for ids in stages.values():
        any_stage |= Q(pk__in=ids)
    rows = scope.children().filter(any_stage)
    tallies = tally_units(scope, rows, "organisation_id", {stage: Q(pk__in=ids) for stage, ids in stages.items()},
                          _group_expressions(scope))
    populations = {dim: _population(scope, dim) for dim in DIMENSIONS}
    return {unit: _results(scope, t, stages, {dim: p[unit] for dim, p in populations.items()})
            for unit, t in tallies.items()}


def _results(scope: Scope, t: dict, stages: dict, populations: dict) -> list[Result]:
    results = []
    for dim, (label, reference, unknown, labels) in DIMENSIONS.items():
        counts: dict[str, dict] = {"population": populations[dim]}
        for stage in stages:
            counts[stage] = {g: c[stage] for g, c in t[dim].items() if c[stage]}
        breakdowns = {}
        notes = []
        for stage, preceding, _stage_label in STAGES:
            here = counts.get(stage, {})
            if not here and stage == "population":
                continue
            before = counts.get(preceding, {}) if preceding else {}
            known_here = sum(n for g, n in here.items() if g != unknown)
            known_before = sum(n for g, n in before.items() if g != unknown)
            ref_here, ref_before = here.get(reference, 0), before.get(reference, 0)
            groups = sorted(set(here) | set(before) | {reference}, key=str)
            cells = []
            for g in groups:
                a, big_a = here.get(g, 0), before.get(g, 0)
                details: dict = {}
                if g == unknown:
                    details["note"] = "Unknown: shown, not included in shares"
                else:
                    share = a / known_here if known_here else None
                    prior = big_a / known_before if known_before else None
                    details.update(share=share, preceding_share=prior)
                    if share is not None and prior is not None:
                        details["gap_points"] = (share - prior) * 100
                        details["share_ratio"] = share / prior if prior else None
                    if before:
                        rri = relative_rate_index(a, big_a, ref_here, ref_before)
                        details["rri"] = 1.0 if g == reference and ref_here else rri.value
                        details["rri_interval"] = None if g == reference else rri.interval
                cells.append(Cell(
                    key=str(g), label=labels.get(g, str(g)), numerator=a, denominator=big_a if before else None,
                    value=a / big_a if before and big_a else None,
                    flags=Flags(volatile=is_volatile(big_a) if before else False), details=details,
                ))
            breakdowns[stage] = tuple(cells)
            if unknown and here.get(unknown):
                notes.append(f"{stage}: {here[unknown]} child(ren) with {label.lower()} not known.")
        if not counts["population"]:
            notes.append("No population by this characteristic is loaded: the population stage is not shown.")
        results.append(Result(
            key=f"disproportionality.{dim}", label=f"Disproportionality by {label if label.isupper() else label.lower()}",
            definition=(
                "Each group's share of children at a stage against its share at the preceding stage "
                "(percentage-point gap and ratio; shares over known values only), and the Relative Rate "
                f"Index against the reference group ({labels.get(reference, reference)}): the group's rate "
                "(children at the stage ÷ children at the preceding stage) ÷ the reference group's rate, "
                "with a 95% interval on log(RRI). Stages: population → referred → screened in → engaged → "
                "completed; population → first time entrants → custody. Children counted once per stage."
            ),
            unit="ratio", value=None, numerator=None, denominator=None, period=scope.period.label,
            breakdowns=breakdowns, notes=tuple(notes),
        ))
    return results



