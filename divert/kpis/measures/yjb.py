"""The YJB's ten key performance indicators (collected since April 2023).

Scope of KPIs 1-7: episodes (the YJB's "intervention programmes") ending in the quarter,
the child aged 10-17 at the start; one row per child, keeping the most serious programme
(custody > YRO > referral order > youth conditional caution > youth caution > diversion;
then the latest ending). Every KPI is broken down by programme type, ethnic group, age
band at the start and sex.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, ExtractYear

from divert.kpis.measures.common import (
    ETHNIC_LABELS,
    SEX_LABELS,
    Scope,
    age_band_expression,
    aggregate_units,
    by_unit,
    current_on,
    group_units,
    int_expr,
    month_key,
    overlapping,
    per_unit,
    tally_units,
)
from divert.kpis.measures.yjb_episodes import scope_episodes
from divert.kpis.measures.yjb_other import kpi8_board, kpi9_serious_violence, kpi10_victims
from divert.kpis.results import Cell, Result, count_cell, rate_cell, rate_result
from divert.offending.codes import (
    Disposal,
)
from divert.people.models import (
    Accommodation,
    CareStatus,
    ETEStatus,
    MentalHealthNeed,
    SENDStatus,
    SubstanceMisuseNeed,
)

PROGRAMME_TYPES = {
    1: "1 Diversion / non-substantive out-of-court disposal",
    2: "2 Youth caution",
    3: "3 Youth conditional caution",
    4: "4 Referral order",
    5: "5 Youth rehabilitation order",
    6: "6 Custody",
    0: "Other (not a YJB programme type)",
}
OUT_OF_COURT = (
    Disposal.COMMUNITY_RESOLUTION,
    Disposal.OUTCOME_22,
    Disposal.OUTCOME_22_DEFERRED,
    Disposal.OUTCOME_20_21,
    Disposal.YOUTH_CAUTION,
    Disposal.YOUTH_CONDITIONAL_CAUTION,
)
ALL = Q(pk__isnull=False)
END = OuterRef("end_date")
# A KPI's part of the shared query: annotations on the rows, named conditions, and how to
# build its results from the counts: build(tallies, rows) → {unit: [results]}, given the
# tally of every unit (so any further query it needs runs once for all units).
Spec = tuple
ORG = "child__organisation_id"


def _each(build):
    """A builder of one unit's results from its tally, applied to every unit."""
    return lambda tallies, rows: {unit: build(t) for unit, t in tallies.items()}
START = OuterRef("start_date")


def kpi_rows(scope: Scope):
    """One episode per child: the most serious programme ending in the period."""
    episodes = scope_episodes(scope)
    best = Subquery(
        scope_episodes(scope)
        .filter(child=OuterRef("child"))
        .order_by("-programme_type", "-end_date", "-pk")
        .values("pk")[:1]
    )
    return episodes.filter(pk=best)


def dimensions(scope: Scope | None = None) -> dict:
    """The four standard breakdowns of a KPI row (none when only headlines are needed)."""
    if scope is not None and scope.headline_only:
        return {}
    return {
        "programme_type": F("programme_type"),
        "ethnic_group": F("child__ethnic_group"),
        "age_band": age_band_expression("child__date_of_birth", "start_date"),
        "sex": F("child__sex"),
    }


DIMENSION_LABELS: dict[str, dict] = {
    "programme_type": PROGRAMME_TYPES,
    "ethnic_group": ETHNIC_LABELS,
    "age_band": {"10-14": "10-14", "15-17": "15-17"},
    "sex": SEX_LABELS,
}


def _breakdowns(t: dict, num: str, den: str) -> dict[str, tuple[Cell, ...]]:
    out = {}
    for dim, labels in DIMENSION_LABELS.items():
        groups = t.get(dim, {})
        out[dim] = tuple(
            rate_cell(str(g), labels.get(g, str(g)), groups[g][num], groups[g][den])
            for g in sorted(groups, key=str)
        )
    return out


def _rate(t, key, label, definition, num, den, period, **kwargs) -> Result:
    head = t[None]
    return rate_result(
        key, label, definition, head[num], head[den], period,
        breakdowns=kwargs.pop("breakdowns", _breakdowns(t, num, den)), **kwargs,
    )


def _exists(scope: Scope, model, q: Q) -> Exists:
    return Exists(scope.records(model.objects).filter(q, child=OuterRef("child")))


FAR_FUTURE = Value(dt.date(9999, 12, 31))


def _type_counts(scope: Scope, model, field: str, rows, labels: dict, ref: str = "end_date") -> dict:
    """Per unit, how many rows' children had a record of each `field` value current on the
    row's end (or start) date."""
    if scope.headline_only:
        return {unit: () for unit in scope.units}
    row_current = rows.filter(child=OuterRef("child")).filter(
        **{f"{ref}__gte": OuterRef("start_date"), f"{ref}__lte": Coalesce(OuterRef("end_date"), FAR_FUTURE)}
    )
    records = scope.records(model.objects).filter(Exists(row_current))
    got = group_units(scope, records, ORG, (field,), n=Count("child", distinct=True))
    return {unit: tuple(count_cell(r[field], labels.get(r[field], r[field]), r["n"]) for r in rows_)
            for unit, rows_ in got.items()}


def _accommodation_suitable(scope: Scope, day) -> tuple[Exists, Exists]:
    """(any record current on `day`, any unsuitable/unknown/B&B/NFA record current on `day`)."""
    never = [Accommodation.Type.BED_AND_BREAKFAST, Accommodation.Type.NO_FIXED_ABODE]
    anything = _exists(scope, Accommodation, current_on(day))
    bad = _exists(scope, Accommodation, current_on(day) & (~Q(suitability="suitable") | Q(type__in=never)))
    return anything, bad


KPI1 = (
    "Children in suitable accommodation at the end of their programme ÷ children whose "
    "programme ended. If several records are current at the end, all must be suitable; an "
    "unknown record makes the child unsuitable; no record counts as not suitable; bed and "
    "breakfast and no fixed abode are always unsuitable."
)


def kpi1_accommodation(scope: Scope) -> Spec:
    """KPI 1: suitable accommodation at the end (and at the start; by type; custody on release)."""

    end_any, end_bad = _accommodation_suitable(scope, END)
    start_any, start_bad = _accommodation_suitable(scope, START)
    annotations = dict(end_any=end_any, end_bad=end_bad, start_any=start_any, start_bad=start_bad)
    conditions = {
        "end": Q(end_any=True, end_bad=False),
        "start": Q(start_any=True, start_bad=False),
        "custody_rows": Q(programme_type=6),
        "custody_end": Q(programme_type=6, end_any=True, end_bad=False),
    }
    return annotations, conditions, lambda tallies, rows: _kpi1_results(scope, tallies, rows)


def _kpi1_results(scope: Scope, tallies: dict, rows) -> dict:
    types = _type_counts(scope, Accommodation, "type", rows, dict(Accommodation.Type.choices))
    return {unit: _kpi1_unit(scope, t, types[unit]) for unit, t in tallies.items()}


def _kpi1_unit(scope: Scope, t: dict, types: tuple) -> list[Result]:
    p = scope.period.label
    return [
        _rate(t, "kpi1.accommodation", "KPI 1 Suitable accommodation at the end", KPI1, "end", "rows", p,
              notes=("Sub-measures follow: at the start, by type, custody on release.",)),
        _rate(t, "kpi1.accommodation_start", "KPI 1 Suitable accommodation at the start", KPI1.replace("end of", "start of"),
              "start", "rows", p),
        Result(key="kpi1.accommodation_type", label="KPI 1 Accommodation type at the end",
               definition="Children by type of accommodation current at the end (a child with two records counts under both).",
               unit="count", value=None, numerator=t[None]["rows"], denominator=None, period=p,
               breakdowns={"type": types}),
        _rate(t, "kpi1.custody_release", "KPI 1 Suitable accommodation on release from custody",
              "Children whose most serious programme was custody: suitable accommodation at the end (release).",
              "custody_end", "custody_rows", p, breakdowns={}),
    ]


def _school_age(dob: str, day: str):
    """True while a child is of compulsory school age on a date: until 30 June of the
    school year (September-August) in which they turn 16."""
    leaving_year = ExtractYear(dob) + 16 + Case(
        When(**{f"{dob}__month__gte": 9}, then=Value(1)), default=Value(0), output_field=IntegerField()
    )
    leaving_key = int_expr((leaving_year * 12 + 6) * 100 + 30)
    return leaving_key, month_key(day)


KPI2 = (
    "Children in suitable education, training or employment at the end of their programme ÷ "
    "children whose programme ended (all records current at the end must be suitable; an "
    "unknown record makes the child unsuitable)."
)


def kpi2_ete(scope: Scope) -> Spec:
    """KPI 2: suitable ETE at the end; school age vs above; full vs part time; hours; provision."""
    at_end = scope.records(ETEStatus.objects).filter(current_on(END), child=OuterRef("child"))
    hours = at_end.order_by().values("child")
    leaving_key, end_key = _school_age("child__date_of_birth", "end_date")
    annotations = dict(
        ete_any=Exists(at_end),
        ete_bad=Exists(at_end.filter(~Q(suitability="suitable"))),
        offered=Coalesce(Subquery(hours.annotate(h=Sum("hours_offered")).values("h")[:1]), Value(0.0), output_field=FloatField()),
        attended=Coalesce(Subquery(hours.annotate(h=Sum("hours_attended")).values("h")[:1]), Value(0.0), output_field=FloatField()),
        leaving_key=leaving_key,
        end_key=end_key,
    )
    school = Q(end_key__lte=F("leaving_key"))
    full_time = (school & Q(offered__gte=25)) | (~school & Q(offered__gte=16))
    conditions = {
        "ete_end": Q(ete_any=True, ete_bad=False),
        "school_rows": school,
        "school_end": school & Q(ete_any=True, ete_bad=False),
        "above_rows": ~school,
        "above_end": ~school & Q(ete_any=True, ete_bad=False),
        "full_time": full_time,
    }
    return annotations, conditions, lambda tallies, rows: _kpi2_results(scope, tallies, rows)


def _kpi2_results(scope: Scope, tallies: dict, rows) -> dict:
    sums = aggregate_units(scope, rows, ORG, total_offered=Sum("offered"), total_attended=Sum("attended"))
    provision = _type_counts(scope, ETEStatus, "provision", rows, dict(ETEStatus.Provision.choices))
    return {unit: _kpi2_unit(scope, t, sums[unit], provision[unit]) for unit, t in tallies.items()}


def _kpi2_unit(scope: Scope, t: dict, sums: dict, provision: tuple) -> list[Result]:
    p = scope.period.label
    offered, attended = sums["total_offered"] or 0, sums["total_attended"] or 0
    return [
        _rate(t, "kpi2.ete", "KPI 2 Suitable education, training or employment at the end", KPI2, "ete_end", "rows", p),
        _rate(t, "kpi2.ete_school_age", "KPI 2 Suitable ETE at the end: school age", KPI2 +
              " School age: until 30 June of the school year in which the child turns 16.", "school_end", "school_rows", p),
        _rate(t, "kpi2.ete_above_school_age", "KPI 2 Suitable ETE at the end: above school age", KPI2,
              "above_end", "above_rows", p),
        _rate(t, "kpi2.full_time", "KPI 2 Full-time ETE at the end",
              "Children offered 25+ hours a week (school age) or 16+ (above school age) at the end ÷ "
              "children whose programme ended; the rest are part time or have none.", "full_time", "rows", p),
        Result(key="kpi2.hours", label="KPI 2 Hours attended ÷ hours offered at the end",
               definition="Weekly hours attended ÷ hours offered, over ETE records current at the end.",
               unit="proportion", value=attended / offered if offered else None,
               numerator=attended, denominator=offered, period=p),
        Result(key="kpi2.provision", label="KPI 2 Type of provision at the end",
               definition="Children by type of ETE provision current at the end.", unit="count",
               value=None, numerator=t[None]["rows"], denominator=None, period=p,
               breakdowns={"provision": provision}),
    ]


def kpi3_send(scope: Scope) -> Spec:
    """KPI 3: SEND need with a formal plan ÷ identified SEND need; identified ÷ all."""
    during = overlapping(START, END)
    annotations = dict(
        send=_exists(scope, SENDStatus, during),
        plan=_exists(scope, SENDStatus, during & Q(plan__in=[SENDStatus.Plan.EHCP, SENDStatus.Plan.IDP])),
    )
    conditions = {"send": Q(send=True), "plan": Q(send=True, plan=True)}
    return annotations, conditions, _each(lambda t: _kpi3_results(scope, t))


def _kpi3_results(scope: Scope, t: dict) -> list[Result]:
    p = scope.period.label
    return [
        _rate(t, "kpi3.send_plan", "KPI 3 SEND/ALN: formal plan where a need is identified",
              "Children with an identified SEND/ALN need and a formal plan (EHCP or IDP) during the "
              "programme ÷ children with an identified need.", "plan", "send", p),
        _rate(t, "kpi3.send_identified", "KPI 3 SEND/ALN: identified need",
              "Children with an identified SEND/ALN need during the programme ÷ children whose "
              "programme ended.", "send", "rows", p),
    ]


def _funnel_spec(scope: Scope, model, key: str, extra: dict | None = None) -> tuple[dict, dict]:
    during = overlapping(START, END)
    annotations = {
        f"{key}_need": _exists(scope, model, during),
        f"{key}_offered": _exists(scope, model, during & Q(offered_on__isnull=False, offered_on__lte=END)),
        f"{key}_attending": _exists(scope, model, during & Q(attending_from__isnull=False, attending_from__lte=END)),
        **(extra or {}),
    }
    return annotations, {k: Q(**{k: True}) for k in annotations}


def _funnel(scope: Scope, t: dict, key: str, name: str) -> list[Result]:
    p = scope.period.label
    return [
        _rate(t, f"{key}.offered_of_need", f"{name}: intervention offered ÷ need (YJB calculation code)",
              f"Children offered or referred to an intervention for an identified {name.lower()} need ÷ "
              "children with an identified need (the headline in the YJB's published calculation code).",
              f"{key}_offered", f"{key}_need", p),
        _rate(t, f"{key}.need_of_all", f"{name}: identified need ÷ children (YJB guidance text)",
              f"Children with an identified {name.lower()} need during the programme ÷ children whose "
              "programme ended (the headline in the YJB's guidance text).", f"{key}_need", "rows", p),
        _rate(t, f"{key}.attending_of_offered", f"{name}: attending ÷ offered",
              "Children attending the intervention ÷ children offered or referred to it.",
              f"{key}_attending", f"{key}_offered", p),
    ]


def kpi4_mental_health(scope: Scope) -> Spec:
    """KPI 4: mental health and emotional wellbeing funnel, both headlines labelled."""
    annotations, conditions = _funnel_spec(scope, MentalHealthNeed, "kpi4")
    name = "KPI 4 Mental health and emotional wellbeing"
    return annotations, conditions, _each(lambda t: _funnel(scope, t, "kpi4", name))


def kpi5_substance_misuse(scope: Scope) -> Spec:
    """KPI 5: substance misuse funnel, both headlines, and the level of intervention."""
    during = overlapping(START, END)
    levels = {
        f"level_{lvl}": _exists(scope, SubstanceMisuseNeed, during & Q(level=lvl, offered_on__isnull=False, offered_on__lte=END))
        for lvl in SubstanceMisuseNeed.Level.values
    }
    annotations, conditions = _funnel_spec(scope, SubstanceMisuseNeed, "kpi5", levels)
    return annotations, conditions, _each(lambda t: _kpi5_results(scope, t))


def _kpi5_results(scope: Scope, t: dict) -> list[Result]:
    results = _funnel(scope, t, "kpi5", "KPI 5 Substance misuse")
    labels = dict(SubstanceMisuseNeed.Level.choices)
    results.append(Result(
        key="kpi5.level", label="KPI 5 Substance misuse: intervention offered by level",
        definition="Children offered a targeted intervention, specialist treatment or complex care.",
        unit="count", value=None, numerator=t[None]["kpi5_offered"], denominator=None, period=scope.period.label,
        breakdowns={"level": tuple(count_cell(lvl, labels[lvl], t[None][f"level_{lvl}"]) for lvl in labels)},
    ))
    return results


KPI6 = (
    "Children who successfully completed their out-of-court programme (Community Resolution, "
    "Outcome 22, Outcome 22 deferred, Outcome 20/21, youth caution or youth conditional "
    "caution with YJS involvement) ÷ children with one ending. 'Successfully completed' is "
    "the flag the worker records at closure."
)


def kpi6_out_of_court(scope: Scope) -> Spec:
    """KPI 6: successful completion of out-of-court programmes (per child, per programme, per type)."""
    ooc = Q(order_type__in=[str(d) for d in OUT_OF_COURT])
    conditions = {"ooc": ooc, "done": ooc & Q(successfully_completed=True)}
    return {}, conditions, lambda tallies, rows: _kpi6_results(scope, tallies, ooc)


def _kpi6_results(scope: Scope, tallies: dict, ooc: Q) -> dict:
    per_programme = scope_episodes(scope).filter(ooc)
    done = Count("pk", filter=Q(successfully_completed=True))
    by_type = group_units(scope, per_programme, ORG, ("order_type",), n=Count("pk"), done=done)
    totals = aggregate_units(scope, per_programme, ORG, n=Count("pk"), done=done)
    return {unit: _kpi6_unit(scope, t, by_type[unit], totals[unit]) for unit, t in tallies.items()}


def _kpi6_unit(scope: Scope, t: dict, by_type: list, totals: dict) -> list[Result]:
    p = scope.period.label
    labels = dict(Disposal.choices)
    return [
        _rate(t, "kpi6.ooc_completion", "KPI 6 Out-of-court disposals successfully completed", KPI6, "done", "ooc", p),
        rate_result(
            "kpi6.ooc_completion_per_programme", "KPI 6 Out-of-court programmes successfully completed (per programme)",
            KPI6 + " Counted per programme, not per child.", totals["done"], totals["n"], p,
            breakdowns={"disposal": tuple(rate_cell(r["order_type"], labels.get(r["order_type"], r["order_type"]),
                                                    r["done"], r["n"]) for r in by_type)},
        ),
    ]


def kpi7_wider_services(scope: Scope) -> Spec:
    """KPI 7: looked after, CP plan, child in need or Early Help during the programme."""
    kinds = CareStatus.Kind
    during = overlapping(START, END)
    aliases = {"any_during": _exists(scope, CareStatus, during)}
    for kind in kinds.values:
        aliases[f"{kind}_start"] = _exists(scope, CareStatus, current_on(START) & Q(kind=kind))
        aliases[f"{kind}_during"] = _exists(scope, CareStatus, during & Q(kind=kind))
    aliases["eh_before"] = _exists(scope, CareStatus, Q(kind=kinds.EARLY_HELP, start_date__lt=START))
    aliases["eh_referred_during"] = _exists(
        scope, CareStatus, Q(kind=kinds.EARLY_HELP, start_date__gte=START, start_date__lte=END)
    )
    conditions = {k: Q(**{k: True}) for k in aliases}
    return aliases, conditions, _each(lambda t: _kpi7_results(scope, t))


def _kpi7_results(scope: Scope, t: dict) -> list[Result]:
    kinds = CareStatus.Kind
    p = scope.period.label
    labels = dict(kinds.choices)
    status_cells = []
    for kind in kinds.values:
        for when in ("start", "during"):
            status_cells.append(rate_cell(f"{kind}_{when}", f"{labels[kind]} ({'at the start' if when == 'start' else 'during'})",
                                          t[None][f"{kind}_{when}"], t[None]["rows"]))
    return [
        _rate(t, "kpi7.wider_services", "KPI 7 Links to wider services",
              "Children who during their programme were looked after, on a child protection plan, a "
              "child in need or on an Early Help plan ÷ children whose programme ended.", "any_during", "rows", p,
              breakdowns={**_breakdowns(t, "any_during", "rows"), "status": tuple(status_cells)}),
        _rate(t, "kpi7.early_help_before", "KPI 7 Early Help plan before the programme",
              "Children with an Early Help plan that started before the programme ÷ children whose programme ended.",
              "eh_before", "rows", p),
        _rate(t, "kpi7.early_help_referred_during", "KPI 7 Early Help plan started during the programme",
              "Children whose Early Help plan started during the programme ÷ children whose programme ended.",
              "eh_referred_during", "rows", p),
    ]


@per_unit
def yjb_kpis(scope: Scope) -> dict:
    """All ten KPIs with their sub-measures for the scope's quarter."""
    # KPIs 1-7 are counted in one grouped query over the rows (one row per child).
    specs = [kpi(scope) for kpi in (kpi1_accommodation, kpi2_ete, kpi3_send, kpi4_mental_health,
                                    kpi5_substance_misuse, kpi6_out_of_court, kpi7_wider_services)]
    annotations: dict = {}
    conditions: dict = {"rows": ALL}
    for spec_annotations, spec_conditions, _ in specs:
        annotations.update(spec_annotations)
        conditions.update(spec_conditions)
    rows = kpi_rows(scope).annotate(**annotations)
    tallies = tally_units(scope, rows, ORG, conditions, dimensions(scope))
    results: dict = {unit: [] for unit in scope.units}
    for _, _, build in specs:
        for unit, got in build(tallies, rows).items():
            results[unit].extend(got)
    for other in (kpi8_board, kpi9_serious_violence, kpi10_victims):
        for unit, got in by_unit(other, scope).items():
            results[unit].extend(got)
    provisional = scope.as_at < scope.period.end
    if provisional:
        results = {unit: [r.with_flags(provisional=True) for r in rs] for unit, rs in results.items()}
    return results
