"""The YJB's KPIs 8-10, which do not count programme rows: management board attendance,
serious violence (by offence, in the quarter of the outcome) and victims."""

from __future__ import annotations

from django.db.models import Case, Count, F, Q, Value, When
from django.db.models.functions import Coalesce

from divert.kpis.measures.common import Scope, age_on, aggregate_units, group_units, per_unit
from divert.kpis.measures.official import population_units
from divert.kpis.measures.yjb_episodes import scope_episodes
from divert.kpis.results import Cell, Result, count_cell, rate_cell, rate_result
from divert.kpis.stats import rate_interval
from divert.offending.codes import FORMAL_GROUPS, SERIOUS_VIOLENCE_CATEGORIES, YJBOffenceCategory
from divert.offending.models import Offence, Outcome
from divert.reference.models import BoardMeeting
from divert.victims.models import Victim


@per_unit
def kpi8_board(scope: Scope) -> dict:
    """KPI 8: senior partners from the five sectors at each board meeting in the quarter."""
    meetings = BoardMeeting.objects.filter(
        organisation_id__in=scope.org_ids, date__gte=scope.period.start, date__lte=min(scope.period.end, scope.as_at)
    )
    all_sums = aggregate_units(scope, meetings, "organisation_id", n=Count("pk"),
                               **{s: Count("pk", filter=Q(**{s: True})) for s in BoardMeeting.SECTORS})
    sectors_expr = sum((Case(When(**{s: True}, then=Value(1)), default=Value(0)) for s in BoardMeeting.SECTORS), Value(0))
    # Every meeting (a handful a quarter), to list them; not children.
    all_meetings = group_units(scope, meetings.annotate(sectors=sectors_expr), "organisation_id", ("date", "sectors"))
    return {unit: [_kpi8_result(scope, all_sums[unit], all_meetings[unit])] for unit in scope.units}


def _kpi8_result(scope: Scope, sums: dict, per_meeting: list) -> Result:
    n = sums["n"]
    attended = sum(sums[s] for s in BoardMeeting.SECTORS)
    labels = {"social_care": "Children's social care", "education": "Education", "police": "Police",
              "probation": "Probation", "health": "Health"}
    return Result(
        key="kpi8.board_attendance", label="KPI 8 Management board: senior partner attendance",
        definition="Of the five sectors (children's social care, education, police, probation, health), "
                   "the share represented by a senior partner, over the board meetings in the quarter.",
        unit="proportion", value=attended / (5 * n) if n else None, numerator=attended,
        denominator=5 * n, period=scope.period.label,
        breakdowns={
            "sector": tuple(rate_cell(s, labels[s], sums[s], n) for s in BoardMeeting.SECTORS),
            "meeting": tuple(Cell(key=m["date"].isoformat(), label=m["date"].isoformat(), numerator=m["sectors"],
                                  denominator=5) for m in per_meeting),
        },
        notes=(f"{n} board meeting(s) in the quarter.",),
        about_children=False,
    )


KPI9 = (
    "Proven drug, robbery and violence-against-the-person offences with a YJB seriousness score "
    "of 5 or more (not the police gravity score), by children aged 10-17, counted by offence in "
    "the quarter of the outcome (caution or sentence) date; diversion outcomes excluded. Rate "
    "per 10,000 children aged 10-17. Offences with no seriousness score are counted as 'not "
    "scored', never dropped."
)


@per_unit
def kpi9_serious_violence(scope: Scope) -> dict:
    """KPI 9: serious violence per 10,000, share of proven offences and of children; not scored shown."""
    proven = scope.records(Outcome.objects).filter(
        child__in=scope.children(), disposal_group__in=FORMAL_GROUPS,
        outcome_date__gte=scope.period.start, outcome_date__lte=min(scope.period.end, scope.as_at),
    ).alias(age=age_on("child__date_of_birth", "outcome_date")).filter(age__gte=10, age__lte=17)
    offences = scope.records(Offence.objects).filter(pk__in=proven.values("offence")).annotate(
        score=Coalesce("seriousness", "offence_type__seriousness"),
        category=Coalesce(
            Case(When(yjb_category="", then=Value(None)), default=F("yjb_category")),
            "offence_type__yjb_category",
        ),
    )
    sv_category = Q(category__in=[str(c) for c in SERIOUS_VIOLENCE_CATEGORIES])
    serious = sv_category & Q(score__gte=5)
    all_totals = aggregate_units(
        scope, offences, "child__organisation_id",
        all=Count("pk"),
        serious=Count("pk", filter=serious),
        not_scored=Count("pk", filter=Q(score__isnull=True)),
        not_scored_sv=Count("pk", filter=sv_category & Q(score__isnull=True)),
        children=Count("child", distinct=True),
        serious_children=Count("child", distinct=True, filter=serious),
    )
    all_by_category = group_units(scope, offences.filter(serious), "child__organisation_id", ("category",),
                                  n=Count("pk"))
    populations = population_units(scope, scope.period.end.year)
    return {unit: _kpi9_results(scope, totals, all_by_category[unit], *populations[unit])
            for unit, totals in all_totals.items()}


def _kpi9_results(scope: Scope, totals: dict, by_category: list, population: int, year) -> list[Result]:
    p = scope.period.label
    n = totals["serious"]
    not_scored = (
        count_cell("not_scored", "Proven offences not scored (any category)", totals["not_scored"]),
        count_cell("not_scored_sv", "Proven drug, robbery or violence offences not scored", totals["not_scored_sv"]),
    )

    labels = dict(YJBOffenceCategory.choices)
    return [
        Result(
            key="kpi9.serious_violence_rate", label="KPI 9 Serious violence per 10,000 children aged 10-17",
            definition=KPI9, unit="per_10000", value=n / population * 10_000 if population else None,
            numerator=n, denominator=population or None, period=p,
            interval=rate_interval(n, population, 10_000) if population else None,
            breakdowns={"category": tuple(count_cell(r["category"], labels.get(r["category"], r["category"]), r["n"])
                                          for r in by_category), "not_scored": not_scored},
            notes=(f"Population year: {year}." if year else "No 10-17 population loaded.",
                   f"{totals['not_scored']} proven offence(s) had no seriousness score ({totals['not_scored_sv']} "
                   "of them drug, robbery or violence): shown as not scored."),
            higher_is_better=False,
        ),
        rate_result("kpi9.share_of_offences", "KPI 9 Serious violence as a share of proven offences",
                    KPI9 + " Share = serious violence offences ÷ all proven offences.", n, totals["all"], p,
                    breakdowns={"not_scored": not_scored}, higher_is_better=False),
        rate_result("kpi9.share_of_children", "KPI 9 Children with a serious violence offence",
                    KPI9 + " Children with such an offence ÷ children with any proven offence.",
                    totals["serious_children"], totals["children"], p, higher_is_better=False),
    ]


@per_unit
def kpi10_victims(scope: Scope) -> dict:
    """KPI 10: victims engaged with restorative justice ÷ victims who consented to contact."""
    victims = scope.records(Victim.objects).filter(offence__episodes__in=scope_episodes(scope).values("pk")).distinct()
    victims = scope.records(Victim.objects).filter(pk__in=victims.values("pk"))
    all_t = aggregate_units(
        scope, victims, "offence__child__organisation_id",
        all=Count("pk"),
        consented=Count("pk", filter=Q(consented_to_contact=True)),
        engaged=Count("pk", filter=Q(consented_to_contact=True, rj_engaged=True)),
        offered=Count("pk", filter=Q(consented_to_contact=True, rj_offered=True)),
        views=Count("pk", filter=Q(consented_to_contact=True, views_captured=True)),
        support=Count("pk", filter=Q(consented_to_contact=True, support_given=True)),
        requested=Count("pk", filter=Q(consented_to_contact=True, support_requested=True)),
    )
    return {unit: _kpi10_results(scope, t) for unit, t in all_t.items()}


def _kpi10_results(scope: Scope, t: dict) -> list[Result]:
    p = scope.period.label
    scope_text = "Victims of offences linked to programmes ending in the quarter"
    return [
        rate_result("kpi10.rj_engaged", "KPI 10 Victims engaged with restorative justice",
                    f"{scope_text}: victims who engaged with restorative justice ÷ victims who consented to be contacted.",
                    t["engaged"], t["consented"], p,
                    breakdowns={"consent": (count_cell("all", "All victims", t["all"]),
                                            count_cell("consented", "Consented to contact", t["consented"]))}),
        rate_result("kpi10.rj_offered", "KPI 10 Victims offered restorative justice",
                    f"{scope_text}: victims offered RJ ÷ victims who consented to contact.", t["offered"], t["consented"], p),
        rate_result("kpi10.views_captured", "KPI 10 Victims' views captured",
                    f"{scope_text}: victims whose views were captured ÷ victims who consented to contact.",
                    t["views"], t["consented"], p),
        rate_result("kpi10.support_given", "KPI 10 Victims given support",
                    f"{scope_text}: victims given support ÷ victims who consented to contact "
                    f"({t['requested']} requested support).", t["support"], t["consented"], p),
    ]
