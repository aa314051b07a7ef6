"""The list of measures the engine computes: key, name, unit and direction, without
computing anything. Pages that let people choose a measure (comparator figures, RAG
thresholds) offer this list; a test checks it against the keys a real report produces."""

from __future__ import annotations

from dataclasses import dataclass

from divert.casework.models import Instrument


@dataclass(frozen=True)
class MeasureInfo:
    """A measure as listed for people: its key, name, unit and whether higher is better."""

    key: str
    label: str
    unit: str
    higher_is_better: bool | None = None


_P = "proportion"
_FIXED = [
    MeasureInfo("fte.rolling_12_months", "First time entrants (rolling 12 months)", "per_100000", False),
    MeasureInfo("fte.year_ending_december", "First time entrants (year ending December)", "per_100000", False),
    MeasureInfo("fte.conversion", "Supported children who became first time entrants within 12 months", _P, False),
    MeasureInfo("reoffending.3_month_cohort.binary", "Proven reoffending: binary rate (3-month cohort)", _P, False),
    MeasureInfo("reoffending.3_month_cohort.per_reoffender", "Reoffences per reoffender (3-month cohort)",
                "per_child", False),
    MeasureInfo("reoffending.3_month_cohort.per_child", "Reoffences per child (3-month cohort)", "per_child", False),
    MeasureInfo("reoffending.12_month_cohort.binary", "Proven reoffending: binary rate (12-month cohort)", _P, False),
    MeasureInfo("reoffending.12_month_cohort.per_reoffender", "Reoffences per reoffender (12-month cohort)",
                "per_child", False),
    MeasureInfo("reoffending.12_month_cohort.per_child", "Reoffences per child (12-month cohort)", "per_child", False),
    MeasureInfo("custody.rolling_12_months", "Use of custody (rolling 12 months)", "per_1000", False),
    MeasureInfo("custody.year_ending_december", "Use of custody (year ending December)", "per_1000", False),
    MeasureInfo("kpi1.accommodation", "KPI 1 Suitable accommodation at the end", _P),
    MeasureInfo("kpi1.accommodation_start", "KPI 1 Suitable accommodation at the start", _P),
    MeasureInfo("kpi1.accommodation_type", "KPI 1 Accommodation type at the end", "count"),
    MeasureInfo("kpi1.custody_release", "KPI 1 Suitable accommodation on release from custody", _P),
    MeasureInfo("kpi2.ete", "KPI 2 Suitable education, training or employment at the end", _P),
    MeasureInfo("kpi2.ete_school_age", "KPI 2 Suitable ETE at the end: school age", _P),
    MeasureInfo("kpi2.ete_above_school_age", "KPI 2 Suitable ETE at the end: above school age", _P),
    MeasureInfo("kpi2.full_time", "KPI 2 Full-time ETE at the end", _P),
    MeasureInfo("kpi2.hours", "KPI 2 Hours attended ÷ hours offered at the end", _P),
    MeasureInfo("kpi2.provision", "KPI 2 Type of provision at the end", "count"),
    MeasureInfo("kpi3.send_plan", "KPI 3 SEND/ALN: formal plan where a need is identified", _P),
    MeasureInfo("kpi3.send_identified", "KPI 3 SEND/ALN: identified need", _P),
    MeasureInfo("kpi4.offered_of_need", "KPI 4 Mental health: intervention offered ÷ need", _P),
    MeasureInfo("kpi4.need_of_all", "KPI 4 Mental health: identified need ÷ children", _P),
    MeasureInfo("kpi4.attending_of_offered", "KPI 4 Mental health: attending ÷ offered", _P),
    MeasureInfo("kpi5.offered_of_need", "KPI 5 Substance misuse: intervention offered ÷ need", _P),
    MeasureInfo("kpi5.need_of_all", "KPI 5 Substance misuse: identified need ÷ children", _P),
    MeasureInfo("kpi5.attending_of_offered", "KPI 5 Substance misuse: attending ÷ offered", _P),
    MeasureInfo("kpi5.level", "KPI 5 Substance misuse: intervention offered by level", "count"),
    MeasureInfo("kpi6.ooc_completion", "KPI 6 Out-of-court disposals successfully completed", _P),
    MeasureInfo("kpi6.ooc_completion_per_programme",
                "KPI 6 Out-of-court programmes successfully completed (per programme)", _P),
    MeasureInfo("kpi7.wider_services", "KPI 7 Links to wider services", _P),
    MeasureInfo("kpi7.early_help_before", "KPI 7 Early Help plan before the programme", _P),
    MeasureInfo("kpi7.early_help_referred_during", "KPI 7 Early Help plan started during the programme", _P),
    MeasureInfo("kpi8.board_attendance", "KPI 8 Management board: senior partner attendance", _P),
    MeasureInfo("kpi9.serious_violence_rate", "KPI 9 Serious violence per 10,000 children aged 10-17",
                "per_10000", False),
    MeasureInfo("kpi9.share_of_offences", "KPI 9 Serious violence as a share of proven offences", _P, False),
    MeasureInfo("kpi9.share_of_children", "KPI 9 Children with a serious violence offence", _P, False),
    MeasureInfo("kpi10.rj_engaged", "KPI 10 Victims engaged with restorative justice", _P),
    MeasureInfo("kpi10.rj_offered", "KPI 10 Victims offered restorative justice", _P),
    MeasureInfo("kpi10.views_captured", "KPI 10 Victims' views captured", _P),
    MeasureInfo("kpi10.support_given", "KPI 10 Victims given support", _P),
    MeasureInfo("prevention.referrals", "Referrals received", "count"),
    MeasureInfo("prevention.screening", "Screening decisions", "count"),
    MeasureInfo("prevention.screening_on_time", "Screening decided on time", _P),
    MeasureInfo("prevention.engagement", "Engagement: offers accepted", _P, True),
    MeasureInfo("prevention.sessions_delivered", "Sessions delivered ÷ sessions planned", "ratio", True),
    MeasureInfo("prevention.attendance", "Session attendance", _P, True),
    MeasureInfo("prevention.completion", "Episodes successfully completed", _P, True),
    MeasureInfo("prevention.onward_referrals", "Onward referrals", "count"),
    *[
        MeasureInfo(f"follow_up.{months}_months.{tier}", f"Follow-up {months} months from the offer: {words}", _P, False)
        for months in (3, 6, 9, 12)
        for tier, words in (("proven_reoffence", "proven reoffence"), ("further_outcome", "any further police outcome"),
                            ("further_arrest", "any further arrest"))
    ],
]
# Disproportionality results are tables of groups with no single value: nothing to compare
# with a threshold or a published figure, so they are not offered here.


def measure_catalogue() -> list[MeasureInfo]:
    """Every measure with a single value, including one pre/post change per instrument."""
    instruments = [
        MeasureInfo(f"prevention.pre_post.{i.code}", f"Change in {i.name} (start to end)", "mean", i.higher_is_better)
        for i in Instrument.objects.order_by("code")
    ]
    return [*_FIXED, *instruments]


def measure_choices() -> list[tuple[str, str]]:
    """(key, name) pairs for a select box."""
    return [(m.key, m.label) for m in measure_catalogue()]


def measure_info(key: str) -> MeasureInfo | None:
    """The listed measure with this key, if any."""
    return next((m for m in measure_catalogue() if m.key == key), None)
