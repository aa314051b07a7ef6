"""The shape of the synthetic world: distributions taken from the seed documents.

Figures marked "seed" come from docs in `seeds/` (see /work/shared/domain.md, "Facts for
realistic synthetic data"); the rest are plausible choices that keep the pathway coherent.
"""

from __future__ import annotations

import json
from bisect import bisect_right
from collections.abc import Sequence
from itertools import combinations


class Weighted:
    """A fast weighted choice over fixed items: `pick(rng)`."""

    __slots__ = ("items", "cum", "total")

    def __init__(self, pairs: Sequence[tuple[object, float]] | dict):
        if isinstance(pairs, dict):
            pairs = list(pairs.items())
        self.items = [item for item, weight in pairs if weight > 0]
        self.cum = []
        running = 0.0
        for _, weight in pairs:
            if weight > 0:
                running += weight
                self.cum.append(running)
        self.total = running

    def __call__(self, rng):
        return self.items[bisect_right(self.cum, rng.random() * self.total)]


# ---- Children ------------------------------------------------------------------------

# seed: average age 15-17; most referrals aged 14-17.
AGE_AT_REFERRAL = Weighted({10: 2, 11: 3, 12: 6, 13: 11, 14: 18, 15: 21, 16: 21, 17: 18})
AGE_AT_FIRST_POLICE_OUTCOME = Weighted({10: 1, 11: 2, 12: 4, 13: 9, 14: 16, 15: 22, 16: 24, 17: 22})
# seed: about 80% male.
SEX = Weighted({"male": 80, "female": 19, "not_known": 1})
# seed: 55% White British, 43% other ethnic groups, the rest not known.
ETHNICITY_CITY = {
    "WBRI": 55,
    "WIRI": 0.5,
    "WIRT": 1,
    "WROM": 0.7,
    "WOTH": 5,
    "MWBC": 4.5,
    "MWBA": 1.2,
    "MWAS": 1.8,
    "MOTH": 2,
    "AIND": 8,
    "APKN": 3,
    "ABAN": 1.5,
    "ACHN": 0.3,
    "AOTH": 2,
    "BAFR": 4.5,
    "BCRB": 2.5,
    "BOTH": 1.2,
    "OARA": 1,
    "OOTH": 1.3,
    "REFU": 0.5,
    "NOBT": 1.5,
}
NOT_KNOWN_ETHNICITIES = ("REFU", "NOBT")


def ethnicity_weights(white_british_share: float) -> Weighted:
    """ONS categories for an area whose referred children are `share` White British."""
    others = {
        k: v for k, v in ETHNICITY_CITY.items() if k != "WBRI" and k not in NOT_KNOWN_ETHNICITIES
    }
    scale = (100 - 2 - white_british_share * 100) / sum(others.values())
    weights = {"WBRI": white_british_share * 100, **{k: v * scale for k, v in others.items()}}
    weights.update({"REFU": 0.5, "NOBT": 1.5})
    return Weighted(weights)


# Share of an organisation's children known only from police data (never referred).
POLICE_ONLY_SHARE = 0.27
# Children referred again later (after a further Community Resolution), of those eligible.
RE_REFERRAL_CHANCE = 0.45

# ---- Referrals ------------------------------------------------------------------------

# seed: 70% after a Community Resolution (or similar), 30% prevention, 67% of which police.
DIVERSION_SOURCES = Weighted(
    {
        "police_cr": 62,
        "police_o22": 5,
        "jdm_panel": 3,
        "custody_rui": 5,
        "custody_bail": 2,
        "custody_nfa": 4,
        "ppn": 9,
        "school": 4,
        "social_care": 2.5,
        "health": 1.5,
        "parent": 1.5,
        "other": 0.5,
    }
)
VIOLENCE_SOURCES = Weighted(
    {
        "police_cr": 25,
        "jdm_panel": 5,
        "custody_rui": 14,
        "custody_bail": 8,
        "custody_nfa": 8,
        "health": 15,
        "ppn": 10,
        "school": 10,
        "social_care": 5,
    }
)
VIOLENCE_PROGRAMME_SHARE = 0.14
CUSTODY_RESULT = {"custody_rui": "rui", "custody_bail": "bail", "custody_nfa": "nfa"}
OUT_OF_COURT_SOURCES = ("police_cr", "police_o22", "jdm_panel")
JDM_OUTCOME = Weighted(
    {
        "outcome_22": 45,
        "community_resolution": 25,
        "youth_caution": 15,
        "youth_conditional_caution": 10,
        "outcome_20_21": 5,
    }
)
O22_OUTCOME = Weighted({"outcome_22": 88, "outcome_22_deferred": 12})

# (concern code, chance); "offending" and care concerns are set from the child's history.
CONCERNS = (
    ("known_to_yjs", 0.06),
    ("school_absence", 0.30),
    ("exclusion", 0.18),
    ("drug_use", 0.22),
    ("neurodevelopmental", 0.18),
    ("sen", 0.16),
    ("slcn", 0.10),
    ("exploitation", 0.12),
    ("mental_health", 0.28),
    ("family_offending", 0.12),
    ("domestic_abuse", 0.14),
)
# seed (Lancashire): 22 of about 105 screened out to other services.
SCREENING = Weighted({"screened_out": 12, "opt_in": 10, "support": 78})
SCREENED_OUT_AGENCY = Weighted(
    {
        "social_care": 28,
        "early_help": 35,
        "camhs": 14,
        "youth_service": 16,
        "yjs": 4,
        "other": 3,
    }
)
CHILD_DECISION = Weighted({"accepted": 76, "declined": 14, "no_response": 10})
OPT_IN_DECISION = Weighted({"accepted": 58, "declined": 20, "no_response": 22})
PARENT_AFTER_DECLINE = Weighted({"declined": 60, "accepted": 15, "no_response": 25})
INELIGIBLE_CHANCE = 0.03

# ---- Episodes -------------------------------------------------------------------------

CLOSURE = Weighted(
    {
        "completed": 71,
        "disengaged": 11,
        "declined": 6,
        "moved": 4,
        "escalated": 4,
        "other": 4,
    }
)
SESSION_TYPE = Weighted({"one_to_one": 60, "family": 12, "school": 10, "group": 8, "phone": 10})
PLACE_FOR_TYPE = {
    "one_to_one": Weighted(
        {"home": 30, "youth_centre": 20, "car": 15, "community": 20, "office": 10, "other": 5}
    ),
    "family": Weighted({"home": 85, "office": 10, "community": 5}),
    "school": Weighted({"school": 100}),
    "group": Weighted({"youth_centre": 70, "community": 20, "school": 10}),
    "phone": Weighted({"online": 100}),
}
ATTENDANCE = Weighted({"attended": 82, "dna": 10, "cancelled_child": 5, "cancelled_worker": 3})
ATTENDANCE_DISENGAGING = Weighted(
    {"attended": 45, "dna": 38, "cancelled_child": 15, "cancelled_worker": 2}
)
DIVERSION_TOPICS = (
    "consequences",
    "victim_empathy",
    "emotions",
    "peers",
    "education",
    "activities",
    "substances",
    "weapons",
)
VIOLENCE_TOPICS = ("weapons", "peers", "emotions", "consequences", "activities", "victim_empathy")


def topic_combinations(topics: Sequence[str]) -> list[str]:
    """Every one-, two- and three-topic set as stored JSON, for fast random choice."""
    out = []
    for size in (1, 2, 3):
        out.extend(json.dumps(list(combo)) for combo in combinations(topics, size))
    return out


ONWARD_FOR_CONCERN = (
    ("mental_health", "camhs", 0.45),
    ("drug_use", "substance", 0.45),
    ("slcn", "salt", 0.40),
    ("school_absence", "careers", 0.20),
    ("exploitation", "mentoring", 0.30),
    ("domestic_abuse", "early_help", 0.25),
)
ONWARD_ANY = Weighted({"activities": 60, "mentoring": 25, "careers": 15})
ONWARD_STATUS_CLOSED = Weighted(
    {
        "completed": 35,
        "attending": 25,
        "accepted": 15,
        "declined": 10,
        "withdrawn": 10,
        "made": 5,
    }
)
ONWARD_STATUS_OPEN = Weighted({"made": 40, "accepted": 30, "attending": 25, "declined": 5})
EXPLOITATION_RISK = Weighted({"none": 60, "low": 22, "medium": 13, "high": 5})
NEED_DOMAINS = (
    "education",
    "family",
    "emotional_wellbeing",
    "substance_use",
    "peers",
    "offending",
    "communication",
    "living_arrangements",
)

# ---- Status records -------------------------------------------------------------------

# seed: 11% looked after, 14% child in need, 1% child protection plan.
CARE_STATUS = Weighted(
    {
        "looked_after": 11,
        "child_in_need": 14,
        "cp_plan": 1,
        "early_help": 9,
        None: 65,
    }
)
ACCOMMODATION_LOOKED_AFTER = Weighted(
    {"foster": 55, "childrens_home": 30, "supported": 12, "family": 3}
)
ACCOMMODATION_HOME = Weighted(
    {
        "parents": 88,
        "family": 8,
        "other": 1.5,
        "unknown": 1.5,
        "bed_and_breakfast": 0.4,
        "no_fixed_abode": 0.6,
    }
)
ETE_SCHOOL_AGE = Weighted(
    {
        "mainstream": 78,
        "special": 5,
        "alternative": 10,
        "home_educated": 3,
        "none": 2,
        "unknown": 2,
    }
)
ETE_POST_16 = Weighted(
    {
        "college": 50,
        "training": 15,
        "employment": 8,
        "mainstream": 7,
        "none": 17,
        "unknown": 3,
    }
)
SEND_NEED = Weighted(
    {
        "semh": 45,
        "communication_interaction": 25,
        "cognition_learning": 22,
        "sensory_physical": 8,
    }
)
SEND_PLAN = Weighted({"sen_support": 55, "ehcp": 40, "none": 5})
MENTAL_HEALTH_PROVIDERS = ("CAMHS", "School counselling service", "Youth wellbeing service")
SUBSTANCE_LEVEL = Weighted({"targeted": 70, "specialist": 25, "complex": 5})
SUBSTANCE_PROVIDER = "Young people's substance misuse service"

# ---- Offending ------------------------------------------------------------------------

# seed: criminal damage and assault most frequent at referral; also vehicle offences,
# violence against the person and possession of a weapon.
CR_OFFENCES = Weighted(
    {
        "CD01": 17,
        "CD03": 5,
        "VA01": 19,
        "VA02": 2,
        "VA03": 3,
        "VA07": 2,
        "VA08": 3,
        "WP01": 3,
        "WP02": 1,
        "TH01": 8,
        "TH03": 3,
        "TH05": 2,
        "VT01": 3,
        "VT04": 3,
        "VT05": 2,
        "MO01": 2,
        "MO02": 2,
        "DR01": 5,
        "PO01": 4,
        "PO02": 3,
        "BU02": 1,
        "FR01": 1,
        "OT01": 2,
        "AR01": 1,
        "CD05": 1,
        "VA06": 1,
    }
)
VIOLENCE_OFFENCES = Weighted(
    {
        "VA01": 20,
        "VA03": 15,
        "WP01": 20,
        "WP02": 8,
        "WP03": 6,
        "WP04": 4,
        "RB01": 8,
        "PO04": 6,
        "VA09": 3,
        "VA04": 4,
        "DR03": 3,
        "DR04": 3,
    }
)
CUSTODY_OFFENCES = Weighted(
    {
        "VA03": 12,
        "VA01": 10,
        "WP01": 12,
        "WP02": 4,
        "RB01": 8,
        "BU01": 5,
        "BU02": 5,
        "DR03": 6,
        "DR04": 4,
        "VT01": 6,
        "VT02": 3,
        "PO04": 5,
        "CD02": 4,
        "TH02": 4,
        "SX01": 1,
    }
)
FURTHER_OFFENCES = Weighted(
    {
        "CD01": 12,
        "CD03": 3,
        "VA01": 14,
        "VA02": 3,
        "VA03": 6,
        "VA04": 1,
        "VA07": 2,
        "VA08": 2,
        "WP01": 4,
        "WP02": 2,
        "WP03": 1,
        "RB01": 3,
        "RB03": 1,
        "BU01": 2,
        "BU02": 3,
        "TH01": 9,
        "TH02": 2,
        "TH03": 4,
        "TH04": 2,
        "VT01": 4,
        "VT02": 1,
        "VT03": 2,
        "VT04": 2,
        "MO01": 3,
        "MO02": 3,
        "MO03": 1,
        "MO04": 1,
        "DR01": 5,
        "DR02": 1,
        "DR03": 2,
        "DR04": 1,
        "DR05": 1,
        "PO01": 4,
        "PO02": 3,
        "PO04": 2,
        "PO06": 1,
        "BR01": 2,
        "OT01": 2,
        "OT02": 1,
        "FR01": 1,
        "AR01": 1,
        "SX02": 0.5,
        "SX01": 0.3,
        "DD01": 0.1,
        "AR02": 0.1,
        "PO05": 0.3,
    }
)
VICTIM_CATEGORIES = (
    "violence_against_the_person",
    "criminal_damage",
    "robbery",
    "burglary",
    "domestic_burglary",
    "theft_and_handling",
    "racially_aggravated",
    "arson",
    "sexual_offences",
    "vehicle_theft",
)
BUSINESS_VICTIM_CODES = ("TH01", "BU02", "RB02", "FR01")
ARREST_CATEGORIES = (
    "violence_against_the_person",
    "robbery",
    "burglary",
    "domestic_burglary",
    "drugs_offences",
    "vehicle_theft",
    "sexual_offences",
    "arson",
    "public_order",
)
# The legal outcome of a further offence, by how many formal outcomes the child already has.
FURTHER_DISPOSAL = (
    Weighted(
        {
            "community_resolution": 40,
            "outcome_22": 10,
            "youth_caution": 20,
            "youth_conditional_caution": 10,
            "referral_order": 12,
            "discharge": 3,
            "fine": 2,
            "yro": 2.5,
            "custody": 0.5,
        }
    ),
    Weighted(
        {
            "community_resolution": 14,
            "outcome_22": 5,
            "youth_caution": 6,
            "youth_conditional_caution": 15,
            "referral_order": 27,
            "discharge": 4,
            "fine": 4,
            "yro": 21,
            "custody": 4,
        }
    ),
    Weighted(
        {
            "community_resolution": 5,
            "youth_conditional_caution": 6,
            "referral_order": 16,
            "fine": 6,
            "reparation_order": 3,
            "yro": 52,
            "custody": 12,
        }
    ),
)
# First police outcome of a child never referred (many of them First Time Entrants).
POLICE_ONLY_FIRST_DISPOSAL = Weighted(
    {
        "community_resolution": 34,
        "outcome_22": 6,
        "youth_caution": 20,
        "youth_conditional_caution": 11,
        "referral_order": 16,
        "discharge": 3,
        "fine": 2,
        "yro": 6,
        "custody": 2,
    }
)
UNPROVEN_CHANCE = 0.12
HO_OUTCOME = {
    "community_resolution": 8,
    "outcome_22": 22,
    "outcome_22_deferred": 22,
    "outcome_20_21": 21,
    "youth_caution": 2,
    "youth_conditional_caution": 2,
}
OUT_OF_COURT_DISPOSALS = (
    "community_resolution",
    "outcome_22",
    "outcome_22_deferred",
    "outcome_20_21",
    "youth_caution",
    "youth_conditional_caution",
)
FORMAL_DISPOSALS = (
    "youth_caution",
    "youth_conditional_caution",
    "discharge",
    "fine",
    "referral_order",
    "reparation_order",
    "yro",
    "custody",
)
# Days from offence to outcome: (low, high) by kind of outcome.
OUTCOME_LAG = {"diversion": (5, 45), "caution": (20, 90), "court": (50, 200)}
# seed: 12-month binary reoffending 27%-40% for YJS cohorts; lower after diversion.
REOFFEND_12M = {
    "completed": 0.21,
    "not_completed": 0.40,
    "comparison": 0.40,
    "screened_out": 0.33,
    "other": 0.33,
    "police_only": 0.42,
}
LATER_OFFENDING = 0.18  # chance of offending only after the first twelve months

# Chance that each sector sends a senior partner to a board meeting, in the order of
# BoardMeeting.SECTORS: social care, education, police, probation, health.
BOARD_ATTENDANCE = (0.9, 0.75, 0.85, 0.6, 0.55)

# ---- Population -----------------------------------------------------------------------

# seed: a city of about 34,000 (first year) to 41,000 (last year) children aged 10-17.
POPULATION_PER_CHILD_RECORD = 15.4
POPULATION_GROWTH = 41_000 / 34_000
POPULATION_GROUPS_CITY = {"white": 55, "asian": 25, "black": 9, "mixed": 7.5, "other": 3.5}
