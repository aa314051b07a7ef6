"""Local prevention measures (Divert's own, not official): referrals, screening, consent,
sessions, attendance, completion, onward referrals and pre/post self-ratings."""

from __future__ import annotations

from django.db.models import (
    Avg,
    Case,
    Count,
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
from django.db.models.functions import Coalesce, Mod
from django.db.models.lookups import GreaterThan

from divert.casework.codes import Attendance, OnwardService, OnwardStatus, Timepoint
from divert.casework.models import Episode, Instrument, MeasureScore, OnwardReferral, Plan, Session
from divert.kpis.measures.common import (
    ETHNIC_LABELS,
    SEX_LABELS,
    Scope,
    age_band_expression,
    aggregate_units,
    by_unit,
    count_units,
    day_number,
    group_units,
    int_expr,
    per_unit,
    tally_units,
)
from divert.kpis.results import Result, count_cell, rate_cell, rate_result
from divert.kpis.stats import paired_change_from_sums
from divert.referrals.codes import Agency, Decision, ScreeningDecision, Source
from divert.referrals.models import Offer, Referral, Screening

ALL = Q(pk__isnull=False)


def _dims(scope: Scope, prefix: str, day_field: str) -> dict:
    if scope.headline_only:
        return {}
    return {
        "ethnic_group": F(f"{prefix}child__ethnic_group"),
        "age_band": age_band_expression(f"{prefix}child__date_of_birth", day_field),
        "sex": F(f"{prefix}child__sex"),
    }


DIM_LABELS = {"ethnic_group": ETHNIC_LABELS, "age_band": {}, "sex": SEX_LABELS}


def _rate_breakdowns(t: dict, num: str, den: str) -> dict:
    return {
        dim: tuple(
            rate_cell(str(g), DIM_LABELS[dim].get(g, str(g)), t[dim][g][num], t[dim][g][den])
            for g in sorted(t[dim], key=str)
        )
        for dim in DIM_LABELS
        if t.get(dim)
    }


def _counts(scope: Scope, queryset, org_path: str, field: str, labels: dict) -> dict:
    """Per unit, the rows counted by each value of `field`."""
    got = group_units(scope, queryset, org_path, (field,), n=Count("pk"))
    return {unit: tuple(count_cell(r[field], labels.get(r[field], r[field]), r["n"]) for r in rows)
            for unit, rows in got.items()}


def _last_day(scope: Scope):
    return min(scope.period.end, scope.as_at)


def referrals(scope: Scope):
    """Referrals to the scope's programmes received in the period, as known."""
    return scope.records(Referral.objects).filter(
        scope.programme_filter(), child__in=scope.children(),
        received_on__gte=scope.period.start, received_on__lte=_last_day(scope),
    )


@per_unit
def referrals_by_source(scope: Scope) -> dict:
    """Referrals received in the period, by source."""
    qs = referrals(scope)
    totals = count_units(scope, qs, "child__organisation_id")
    sources = _counts(scope, qs, "child__organisation_id", "source", dict(Source.choices))
    return {unit: Result(
        key="prevention.referrals", label="Referrals received", unit="count",
        definition="Referrals to the programme(s) received in the period, by who referred.",
        value=total, numerator=total, denominator=None, period=scope.period.label,
        breakdowns={"source": sources[unit]},
    ) for unit, total in totals.items()}


def _weekend(weekday):
    return GreaterThan(weekday, Value(4))


@per_unit
def screening(scope: Scope) -> dict:
    """Screening decisions in the period by outcome (and agency), and timeliness."""
    known_referrals = scope.records(Referral.objects).filter(scope.programme_filter(), child__in=scope.children())
    decided = scope.records(Screening.objects).filter(
        referral__in=known_referrals, decided_on__gte=scope.period.start, decided_on__lte=_last_day(scope)
    )
    received = day_number("referral__received_on")
    weekday = Mod(received + 3, 7)
    on_weekday = Case(When(_weekend(weekday), then=Value(4)), default=weekday, output_field=IntegerField())
    shift = Case(When(_weekend(weekday), then=weekday - 4), default=Value(0), output_field=IntegerField())
    target = F("referral__programme__screening_days")
    deadline = int_expr(received + target + 2 * ((on_weekday + target) / 5) - shift)
    timed = decided.annotate(decided_day=day_number("decided_on"), deadline=deadline)
    org = "referral__child__organisation_id"
    tallies = tally_units(scope, timed, org, {"all": ALL, "on_time": Q(decided_day__lte=F("deadline"))},
                          _dims(scope, "referral__", "referral__received_on"))
    decisions = _counts(scope, decided, org, "decision", dict(ScreeningDecision.choices))
    agencies = _counts(scope, decided.filter(decision=ScreeningDecision.SCREENED_OUT), org, "agency",
                       dict(Agency.choices))
    return {unit: _screening_results(scope, t, decisions[unit], agencies[unit]) for unit, t in tallies.items()}


def _screening_results(scope: Scope, t: dict, decisions: tuple, agencies: tuple) -> list[Result]:
    total = t[None]["all"]
    p = scope.period.label
    return [
        Result(
            key="prevention.screening", label="Screening decisions", unit="count",
            definition="Screening decisions made in the period, by decision; screened-out children by agency.",
            value=total, numerator=total, denominator=None, period=p,
            breakdowns={"decision": decisions, "agency": agencies},
        ),
        rate_result(
            "prevention.screening_on_time", "Screening decided on time",
            "Screening decisions made within the programme's target (working days from the referral "
            "being received; bank holidays not excluded) ÷ decisions made in the period.",
            t[None]["on_time"], total, p, breakdowns=_rate_breakdowns(t, "on_time", "all"),
        ),
    ]


@per_unit
def engagement(scope: Scope) -> dict:
    """Offers made in the period: accepted ÷ offers with an answer (intention to treat)."""
    known_referrals = scope.records(Referral.objects).filter(scope.programme_filter(), child__in=scope.children())
    offers = scope.records(Offer.objects).filter(
        referral__in=known_referrals, offered_on__gte=scope.period.start, offered_on__lte=_last_day(scope)
    )
    answered = ~Q(child_decision=Decision.PENDING)
    org = "referral__child__organisation_id"
    tallies = tally_units(scope, offers, org, {"answered": answered, "accepted": Q(child_decision=Decision.ACCEPTED),
                                               "pending": Q(child_decision=Decision.PENDING)},
                          _dims(scope, "referral__", "offered_on"))
    decisions = _counts(scope, offers, org, "child_decision", dict(Decision.choices))
    return {unit: _engagement_result(scope, t, decisions[unit]) for unit, t in tallies.items()}


def _engagement_result(scope: Scope, t: dict, decisions: tuple) -> Result:
    return rate_result(
        "prevention.engagement", "Engagement: offers accepted",
        "Offers of support made in the period that the child accepted ÷ offers with an answer "
        "(accepted, declined or no response). A child who accepted and later withdrew still counts "
        "as accepting (intention to treat).",
        t[None]["accepted"], t[None]["answered"], scope.period.label,
        breakdowns={**_rate_breakdowns(t, "accepted", "answered"),
                    "decision": decisions},
        notes=(f"{t[None]['pending']} offer(s) still waiting for an answer are not counted.",),
        higher_is_better=True,
    )


def ended_episodes(scope: Scope):
    """Episodes of the scope's programmes ending in the period."""
    return scope.records(Episode.objects).filter(
        scope.programme_filter(), child__in=scope.children(),
        end_date__gte=scope.period.start, end_date__lte=_last_day(scope),
    )


@per_unit
def sessions_and_completion(scope: Scope) -> dict:
    """Sessions planned vs delivered, attendance, and completion of episodes ending in the period."""
    episodes = ended_episodes(scope)
    latest_plan = (scope.records(Plan.objects).in_force(scope.known_on).filter(episode=OuterRef("pk"))
                   .order_by("-agreed_on", "-pk"))
    delivered = (
        scope.records(Session.objects).filter(episode=OuterRef("pk"), attendance=Attendance.ATTENDED)
        .order_by().values("episode").annotate(n=Count("pk")).values("n")
    )
    # One query over the episodes: completion by group, and the planned and delivered sums.
    rows = episodes.annotate(
        planned=Coalesce(Subquery(latest_plan.values("planned_sessions")[:1]), Value(0)),
        delivered=Coalesce(Subquery(delivered[:1]), Value(0)),
    )
    tallies = tally_units(scope, rows, "child__organisation_id", {"all": ALL, "done": Q(successfully_completed=True)},
                          _dims(scope, "", "start_date"), sums={"planned": F("planned"), "delivered": F("delivered")})
    sessions = scope.records(Session.objects).filter(
        episode__in=scope.records(episodes.model.objects).filter(scope.programme_filter()),
        date__gte=scope.period.start, date__lte=_last_day(scope),
    )
    expected = Q(attendance__in=[Attendance.ATTENDED, Attendance.DID_NOT_ATTEND, Attendance.CANCELLED_BY_CHILD])
    # Sessions are scoped by programme only, so they are grouped by the programme's organisation.
    org = "episode__programme__organisation_id"
    all_st = aggregate_units(scope, sessions, org, expected=Count("pk", filter=expected),
                             attended=Count("pk", filter=Q(attendance=Attendance.ATTENDED)))
    attendance = _counts(scope, sessions, org, "attendance", dict(Attendance.choices))
    return {unit: _sessions_results(scope, t, all_st[unit], attendance[unit]) for unit, t in tallies.items()}


def _sessions_results(scope: Scope, t: dict, st: dict, attendance: tuple) -> list[Result]:
    planned, delivered_n = t[None]["planned"] or 0, t[None]["delivered"] or 0
    p = scope.period.label
    return [
        Result(
            key="prevention.sessions_delivered", label="Sessions delivered ÷ sessions planned",
            definition="For episodes ending in the period: sessions attended ÷ sessions in the latest plan.",
            unit="ratio", value=delivered_n / planned if planned else None, numerator=delivered_n,
            denominator=planned, period=p, higher_is_better=True,
        ),
        rate_result(
            "prevention.attendance", "Session attendance",
            "Sessions in the period the child attended ÷ sessions attended, missed or cancelled by the "
            "child or family (sessions the worker cancelled are left out).",
            st["attended"], st["expected"], p,
            breakdowns={"attendance": attendance},
            higher_is_better=True,
        ),
        rate_result(
            "prevention.completion", "Episodes successfully completed",
            "Episodes ending in the period marked successfully completed at closure ÷ episodes ending.",
            t[None]["done"], t[None]["all"], p, breakdowns=_rate_breakdowns(t, "done", "all"),
            higher_is_better=True,
        ),
    ]


@per_unit
def onward_referrals(scope: Scope) -> dict:
    """Onward referrals made in the period, by service and by status."""
    episodes = scope.records(Episode.objects).filter(scope.programme_filter(), child__in=scope.children())
    onward = scope.records(OnwardReferral.objects).filter(
        episode__in=episodes, referred_on__gte=scope.period.start, referred_on__lte=_last_day(scope)
    )
    org = "episode__child__organisation_id"
    totals = count_units(scope, onward, org)
    services = _counts(scope, onward, org, "service", dict(OnwardService.choices))
    statuses = _counts(scope, onward, org, "status", dict(OnwardStatus.choices))
    return {unit: Result(
        key="prevention.onward_referrals", label="Onward referrals", unit="count",
        definition="Referrals on to other services made in the period, by service and by where they have got to.",
        value=total, numerator=total, denominator=None, period=scope.period.label,
        breakdowns={"service": services[unit], "status": statuses[unit]},
    ) for unit, total in totals.items()}


@per_unit
def pre_post(scope: Scope) -> dict:
    """Paired change in each instrument's mean item score, start to end, for episodes ending
    in the period: mean change with 95% interval, effect size, reliable change, who was lost."""
    episodes = ended_episodes(scope)
    scores = scope.records(MeasureScore.objects).filter(episode__in=episodes)
    results: dict = {unit: [] for unit in scope.units}
    org = "child__organisation_id"
    # Which instruments have scores, and for which units (instruments may be shared): one query.
    used: dict = {}
    unit_field = "episode__child__organisation_id" if scope.by_org else "instrument"
    for row in scores.order_by().values("instrument", unit_field).distinct():
        used.setdefault(row["instrument"], set()).add(row[unit_field] if scope.by_org else None)
    instruments = Instrument.objects.filter(pk__in=list(used)).order_by("code")
    for instrument in instruments:  # a handful of instruments, not children
        def mean_at(timepoint, instrument=instrument):
            # The outer rows are the period's episodes: only their own scores are read.
            return Subquery(
                scope.records(MeasureScore.objects)
                .filter(episode=OuterRef("pk"), instrument=instrument, timepoint=timepoint)
                .order_by().values("episode").annotate(m=Avg("value", output_field=FloatField())).values("m")[:1],
                output_field=FloatField(),
            )

        units = [u for u in scope.units if u in used[instrument.pk]]
        own = episodes.filter(child__organisation_id__in=units) if scope.by_org else episodes
        rows = own.annotate(s=mean_at(Timepoint.START), e=mean_at(Timepoint.END)).annotate(d=F("e") - F("s"))
        both = Q(s__isnull=False, e__isnull=False)
        all_sums = aggregate_units(
            scope, rows, org,
            n_start=Count("pk", filter=Q(s__isnull=False)), n_end=Count("pk", filter=Q(e__isnull=False)),
            n=Count("pk", filter=both), sd=Sum("d", filter=both), sdd=Sum(F("d") * F("d"), filter=both),
            ss=Sum("s", filter=both), sss=Sum(F("s") * F("s"), filter=both),
        )
        changes = {u: paired_change_from_sums(all_sums[u]["n"], all_sums[u]["sd"] or 0, all_sums[u]["sdd"] or 0,
                                              all_sums[u]["ss"] or 0, all_sums[u]["sss"] or 0) for u in units}
        # Reliable change: beyond each unit's own threshold (one query for every unit).
        thresholds = {u: pc.reliable_threshold for u, pc in changes.items() if pc.reliable_threshold is not None}
        reliable: dict = {}
        if thresholds:
            up: Case | Value
            down: Case | Value
            if scope.by_org:
                up = Case(*[When(child__organisation_id=u, then=Value(t)) for u, t in thresholds.items()],
                          default=Value(None), output_field=FloatField())
                down = Case(*[When(child__organisation_id=u, then=Value(-t)) for u, t in thresholds.items()],
                            default=Value(None), output_field=FloatField())
            else:
                up, down = Value(thresholds[None]), Value(-thresholds[None])
            reliable = aggregate_units(scope, rows.filter(both), org, up=Count("pk", filter=Q(d__gt=up)),
                                       down=Count("pk", filter=Q(d__lt=down)))
        for unit in units:
            results.setdefault(unit, []).append(
                _pre_post_result(scope, instrument, all_sums[unit], changes[unit], reliable.get(unit)))
    return results


def _pre_post_result(scope: Scope, instrument, sums: dict, pc, rc: dict | None) -> Result:
    better, worse = 0, 0
    if pc.reliable_threshold is not None and rc is not None:
        better, worse = (rc["up"], rc["down"]) if instrument.higher_is_better else (rc["down"], rc["up"])
    lost = sums["n_start"] - pc.n
    return Result(
        key=f"prevention.pre_post.{instrument.code}", label=f"Change in {instrument.name} (start to end)",
        definition=(
            "Paired mean change in the mean item score from start to end, for episodes ending in the "
            f"period with both (scale {instrument.min_score}-{instrument.max_score}, "
            f"{'higher' if instrument.higher_is_better else 'lower'} is better); 95% t interval; "
            "standardised effect = mean change ÷ baseline SD; reliable change beyond 1.96 × SD·√2·√(1−r), r = 0.8."
        ),
        unit="mean", value=pc.mean_change, numerator=pc.n, denominator=sums["n_start"],
        period=scope.period.label, interval=pc.interval,
        breakdowns={"children": (
            count_cell("n_start", "Scored at the start", sums["n_start"]),
            count_cell("n_end", "Scored at the end", sums["n_end"]),
            count_cell("paired", "Scored at both", pc.n),
            count_cell("lost", "Scored at the start but not the end (lost)", lost),
            count_cell("reliable_improvement", "Reliable improvement", better),
            count_cell("reliable_deterioration", "Reliable deterioration", worse),
        )},
        notes=(f"Standardised effect: {pc.effect_size:.2f}." if pc.effect_size is not None
               else "Standardised effect: not computable.",),
        higher_is_better=instrument.higher_is_better,
    )


@per_unit
def prevention_measures(scope: Scope) -> dict:
    """Every local prevention measure for the scope's period."""
    parts = [by_unit(measure, scope) for measure in (
        referrals_by_source, screening, engagement, sessions_and_completion, onward_referrals, pre_post)]
    results: dict = {unit: [] for unit in scope.units}
    for part in parts:
        for unit, got in part.items():
            results[unit].extend(got if isinstance(got, list) else [got])
    return results
