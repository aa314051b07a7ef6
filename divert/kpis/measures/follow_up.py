"""Local prevention follow-up (Divert's own measure, not the official one).

Children offered support are followed for 3, 6, 9 and 12 months from the offer date
(the window is `divert.core.dates.follow_up_window`: from the offer day inclusive to the
same day N months later exclusive; the proving deadline is its end + 6 months, exclusive)
(intention to treat: participants accepted, even if they later withdrew; the comparison
group declined or did not respond). A window's cohort is the children whose window ended
in the report period. Three tiers, reported separately: (a) proven reoffence (offence
committed in the window, proven by caution or conviction within the window + 6 months);
(b) any further formal police outcome, including Community Resolution and Outcome 22
(outcome recorded within the window + 6 months); (c) any further arrest in the window.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import TruncDate

from divert.core.dates import add_months, follow_up_window, follow_up_window_sql
from divert.kpis.measures.common import Scope, per_unit, tally_units
from divert.kpis.measures.official import sources_incomplete
from divert.kpis.results import Cell, Flags, Result, rate_cell
from divert.kpis.stats import difference_of_proportions, is_volatile
from divert.offending.codes import FORMAL_GROUPS, DisposalGroup
from divert.offending.models import Arrest, Offence, Outcome
from divert.referrals.codes import Decision
from divert.referrals.models import Offer, Referral

WINDOWS = (3, 6, 9, 12)
ONE_DAY = dt.timedelta(days=1)
TIERS = {
    "proven_reoffence": "proven reoffence",
    "further_outcome": "any further police outcome (including Community Resolution and Outcome 22)",
    "further_arrest": "any further arrest",
}
WARNING = (
    "Decliners are a weak comparison (they chose not to take part), and a single service rarely has "
    "the numbers to show an effect: about 330-650 children per group are needed to detect a 7-10 "
    "point difference from a ~32% base."
)


def offer_days(period, months: int) -> tuple[dt.date, dt.date]:
    """The first and last offer dates whose `months` window's last day falls in `period`.

    The window is `follow_up_window`'s (anchor day inclusive to anchor + N months
    exclusive); a later offer never has an earlier last day, so both edges are found by
    stepping from the calendar guess.
    """
    def last_day(offered_on: dt.date) -> dt.date:
        return follow_up_window(offered_on, months).last_day

    first = add_months(period.start, -months) - dt.timedelta(days=4)
    while last_day(first) < period.start:
        first += ONE_DAY
    last = add_months(period.end, -months) + dt.timedelta(days=4)
    while last_day(last) > period.end:
        last -= ONE_DAY
    return first, last


def _cohort(scope: Scope, months: int):
    """Offers whose `months` window ended in the period, with the group (intention to treat)."""
    first, last = offer_days(scope.period, months)
    referrals = scope.records(Referral.objects).filter(scope.programme_filter(), child__in=scope.children())
    edges = follow_up_window_sql("offered_on", months)
    return (
        scope.records(Offer.objects)
        .filter(referral__in=referrals, offered_on__gte=first, offered_on__lte=last)
        .filter(child_decision__in=[Decision.ACCEPTED, Decision.DECLINED, Decision.NO_RESPONSE])
        .annotate(
            group=Case(When(child_decision=Decision.ACCEPTED, then=Value("participant")),
                       default=Value("comparison")),
            window_end=edges["end"],
            deadline=edges["deadline"],
        )
    )


@per_unit
def follow_up(scope: Scope) -> dict:
    """Per window and tier: participants' and comparison group's rates and the difference."""
    results: dict = {unit: [] for unit in scope.units}
    window_end = scope.period.end
    lagging = {needed: sources_incomplete(scope, needed) for needed in (window_end, add_months(window_end, 6))}
    non_prevention = [g for g in DisposalGroup.values if g != DisposalGroup.NONE]
    for months in WINDOWS:
        cohort = _cohort(scope, months)
        # The window from `follow_up_window`: committed on or after the offer day, before its end.
        offences = scope.records(Offence.objects).filter(
            child=OuterRef("referral__child"),
            committed_on__gte=OuterRef("offered_on"), committed_on__lt=OuterRef("window_end"),
        )

        def proven_by(groups):
            return Exists(scope.records(Outcome.objects).filter(
                offence=OuterRef("pk"), disposal_group__in=groups, outcome_date__lte=scope.as_at,
                outcome_date__lt=OuterRef(OuterRef("deadline")),
            ))

        arrests = scope.records(Arrest.objects).filter(child=OuterRef("referral__child")).annotate(
            day=TruncDate("arrested_at"),
        ).filter(day__gte=OuterRef("offered_on"), day__lt=OuterRef("window_end"), day__lte=scope.as_at)
        rows = cohort.annotate(
            proven_reoffence=Exists(offences.filter(proven_by(FORMAL_GROUPS))),
            further_outcome=Exists(offences.filter(proven_by(non_prevention))),
            further_arrest=Exists(arrests),
        )
        conditions = {"tracked": Q(pk__isnull=False), **{t: Q(**{t: True}) for t in TIERS}}
        tallies = tally_units(scope, rows, "referral__child__organisation_id", conditions, {"group": F("group")})
        for unit, t in tallies.items():
            results[unit].extend(_window_results(scope, months, t, conditions, lagging, unit))
    return results


def _window_results(scope: Scope, months: int, t: dict, conditions: dict, lagging: dict, unit) -> list[Result]:
    results = []
    groups = t["group"]
    part = groups.get("participant", dict.fromkeys(conditions, 0))
    comp = groups.get("comparison", dict.fromkeys(conditions, 0))
    window_end = scope.period.end
    for tier, words in TIERS.items():
        needed = window_end if tier == "further_arrest" else add_months(window_end, 6)
        incomplete = scope.as_at < needed or lagging[needed][unit]
        diff = difference_of_proportions(part[tier], part["tracked"], comp[tier], comp["tracked"])
        cells = (
            rate_cell("participant", "Participants (accepted the offer)", part[tier], part["tracked"]),
            rate_cell("comparison", "Comparison (declined or did not respond)", comp[tier], comp["tracked"]),
            Cell(key="difference", label="Difference (participants − comparison)", numerator=None,
                 value=diff.value if diff else None, interval=diff.interval if diff else None,
                 flags=Flags(volatile=is_volatile(min(part["tracked"], comp["tracked"])))),
        )
        notes = [WARNING]
        if incomplete:
            notes.insert(0, "Provisional: police data does not yet cover the window"
                         + ("" if tier == "further_arrest" else " and the 6 months after it")
                         + " — no outcome yet is not no outcome.")
        results.append(Result(
            key=f"follow_up.{months}_months.{tier}",
            label=f"Follow-up {months} months from the offer: {words}",
            definition=(
                f"Children offered support whose {months}-month window (from the offer date) ended in "
                f"the period, by group (intention to treat): those with {words} in the window"
                + ("" if tier == "further_arrest" else ", recorded within the window + 6 months")
                + ". Divert's own measure, not the official proven reoffending measure."
            ),
            unit="proportion",
            value=part[tier] / part["tracked"] if part["tracked"] else None,
            numerator=part[tier], denominator=part["tracked"], period=scope.period.label,
            interval=cells[0].interval,
            flags=Flags(volatile=is_volatile(part["tracked"]), provisional=incomplete),
            breakdowns={"group": cells}, notes=tuple(notes), higher_is_better=False,
        ))
    return results
