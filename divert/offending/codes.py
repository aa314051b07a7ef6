"""Offending codes stored as recorded, with the groups derived from them."""

from __future__ import annotations

from django.db import models


class YJBOffenceCategory(models.TextChoices):
    """The YJB's offence categories (used with the seriousness score, e.g. KPI 9)."""

    VIOLENCE = "violence_against_the_person", "Violence against the person"
    SEXUAL = "sexual_offences", "Sexual offences"
    ROBBERY = "robbery", "Robbery"
    BURGLARY = "burglary", "Burglary"
    VEHICLE = "vehicle_theft", "Vehicle theft / unauthorised taking"
    THEFT = "theft_and_handling", "Theft and handling stolen goods"
    FRAUD = "fraud_and_forgery", "Fraud and forgery"
    CRIMINAL_DAMAGE = "criminal_damage", "Criminal damage"
    DRUGS = "drugs_offences", "Drugs offences"
    PUBLIC_ORDER = "public_order", "Public order"
    RACIALLY_AGGRAVATED = "racially_aggravated", "Racially aggravated"
    MOTORING = "motoring_offences", "Motoring offences"
    BREACH = "breach", "Breach of statutory order, bail or conditions"
    ARSON = "arson", "Arson"
    DEATH_OR_INJURY_BY_DRIVING = "death_injury_driving", "Death or injury by dangerous driving"
    DOMESTIC_BURGLARY = "domestic_burglary", "Domestic burglary"
    OTHER = "other", "Other"


# Categories that count towards KPI 9 (serious violence) when seriousness is 5 or more.
SERIOUS_VIOLENCE_CATEGORIES = (
    YJBOffenceCategory.VIOLENCE,
    YJBOffenceCategory.ROBBERY,
    YJBOffenceCategory.DRUGS,
)


class HomeOfficeOutcome(models.IntegerChoices):
    """Home Office crime outcome types most relevant to children (stored as recorded)."""

    CHARGE = 1, "1 Charge/summons"
    YOUTH_CAUTION = 2, "2 Youth caution (incl. conditional)"
    ADULT_CAUTION = 3, "3 Adult caution"
    TIC = 4, "4 Taken into consideration"
    OFFENDER_DIED = 5, "5 Offender died"
    PND = 6, "6 Penalty notice for disorder"
    CANNABIS_WARNING = 7, "7 Cannabis/khat warning"
    COMMUNITY_RESOLUTION = 8, "8 Community resolution"
    NOT_IN_PUBLIC_INTEREST_CPS = 9, "9 Not in public interest (CPS)"
    NOT_IN_PUBLIC_INTEREST_POLICE = 21, "21 Not in public interest (police)"
    DIVERSIONARY = 22, "22 Diversionary, educational or intervention activity"


class Disposal(models.TextChoices):
    """The legal outcome / programme type, as the YJB names them."""

    PREVENTION = "prevention", "Prevention (no offence)"
    COMMUNITY_RESOLUTION = "community_resolution", "Community Resolution"
    OUTCOME_22 = "outcome_22", "Outcome 22"
    OUTCOME_22_DEFERRED = "outcome_22_deferred", "Outcome 22 deferred prosecution"
    OUTCOME_20_21 = "outcome_20_21", "Outcome 20/21"
    YOUTH_CAUTION = "youth_caution", "Youth caution"
    YOUTH_CONDITIONAL_CAUTION = "youth_conditional_caution", "Youth conditional caution"
    DISCHARGE = "discharge", "Absolute or conditional discharge"
    FINE = "fine", "Fine"
    REFERRAL_ORDER = "referral_order", "Referral order"
    REPARATION_ORDER = "reparation_order", "Reparation order"
    YRO = "yro", "Youth rehabilitation order"
    CUSTODY = "custody", "Custodial sentence"


class DisposalGroup(models.TextChoices):
    """The YJB's outcome groups."""

    NONE = "none", "No offence"
    DIVERSION = "diversion", "Diversion (non-substantive)"
    PRE_COURT = "pre_court", "Pre-court (caution)"
    FIRST_TIER = "first_tier", "First-tier court sentence"
    COMMUNITY = "community", "Community sentence"
    CUSTODY = "custody", "Custody"


DISPOSAL_GROUP: dict[str, str] = {
    Disposal.PREVENTION: DisposalGroup.NONE,
    Disposal.COMMUNITY_RESOLUTION: DisposalGroup.DIVERSION,
    Disposal.OUTCOME_22: DisposalGroup.DIVERSION,
    Disposal.OUTCOME_22_DEFERRED: DisposalGroup.DIVERSION,
    Disposal.OUTCOME_20_21: DisposalGroup.DIVERSION,
    Disposal.YOUTH_CAUTION: DisposalGroup.PRE_COURT,
    Disposal.YOUTH_CONDITIONAL_CAUTION: DisposalGroup.PRE_COURT,
    Disposal.DISCHARGE: DisposalGroup.FIRST_TIER,
    Disposal.FINE: DisposalGroup.FIRST_TIER,
    Disposal.REFERRAL_ORDER: DisposalGroup.FIRST_TIER,
    Disposal.REPARATION_ORDER: DisposalGroup.FIRST_TIER,
    Disposal.YRO: DisposalGroup.COMMUNITY,
    Disposal.CUSTODY: DisposalGroup.CUSTODY,
}

# Formal outcomes: a caution or conviction (these make a child a First Time Entrant).
FORMAL_GROUPS = (
    DisposalGroup.PRE_COURT,
    DisposalGroup.FIRST_TIER,
    DisposalGroup.COMMUNITY,
    DisposalGroup.CUSTODY,
)

# The YJB's six types of programme for KPI breakdowns.
YJB_PROGRAMME_TYPE: dict[str, int] = {
    Disposal.PREVENTION: 1,
    Disposal.COMMUNITY_RESOLUTION: 1,
    Disposal.OUTCOME_22: 1,
    Disposal.OUTCOME_22_DEFERRED: 1,
    Disposal.OUTCOME_20_21: 1,
    Disposal.YOUTH_CAUTION: 2,
    Disposal.YOUTH_CONDITIONAL_CAUTION: 3,
    Disposal.REFERRAL_ORDER: 4,
    Disposal.YRO: 5,
    Disposal.CUSTODY: 6,
}


def disposal_group_expression(field: str = "disposal") -> models.Case:
    """A database expression deriving the outcome group from the stored disposal."""
    whens = []
    for group in DisposalGroup.values:
        codes = [str(c) for c, g in DISPOSAL_GROUP.items() if g == group]
        whens.append(models.When(**{f"{field}__in": codes}, then=models.Value(group)))
    return models.Case(*whens, default=models.Value(str(DisposalGroup.NONE)))


class ArrestResult(models.TextChoices):
    """What happened when a child was released from police custody."""

    RELEASED_UNDER_INVESTIGATION = "rui", "Released under investigation"
    BAIL = "bail", "Released on bail"
    NO_FURTHER_ACTION = "nfa", "No further action"
    CHARGED = "charged", "Charged"
    OUT_OF_COURT = "out_of_court", "Out-of-court disposal"
    OTHER = "other", "Other"
