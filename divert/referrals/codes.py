"""Referral sources, concerns, screening outcomes and consent decisions."""

from __future__ import annotations

from django.db import models


class Source(models.TextChoices):
    """Who referred the child."""

    POLICE_CR = "police_cr", "Police: Community Resolution"
    POLICE_OUTCOME_22 = "police_o22", "Police: Outcome 22 / 21"
    JOINT_DECISION_PANEL = "jdm_panel", "Joint decision-making panel"
    CUSTODY_RUI = "custody_rui", "Police custody: released under investigation"
    CUSTODY_BAIL = "custody_bail", "Police custody: bail"
    CUSTODY_NFA = "custody_nfa", "Police custody: no further action"
    PPN = "ppn", "Public Protection Notice"
    SCHOOL = "school", "School"
    SOCIAL_CARE = "social_care", "Children's social care"
    HEALTH = "health", "Health (e.g. A&E)"
    PARENT = "parent", "Parent, carer or self"
    OTHER = "other", "Other"


POLICE_SOURCES = (
    Source.POLICE_CR,
    Source.POLICE_OUTCOME_22,
    Source.JOINT_DECISION_PANEL,
    Source.CUSTODY_RUI,
    Source.CUSTODY_BAIL,
    Source.CUSTODY_NFA,
    Source.PPN,
)
CUSTODY_SOURCES = (Source.CUSTODY_RUI, Source.CUSTODY_BAIL, Source.CUSTODY_NFA)


class Concern(models.TextChoices):
    """The screening concerns checklist (the most common concerns in the seeds)."""

    OFFENDING = "offending", "Already offending"
    KNOWN_TO_YJS = "known_to_yjs", "Known to the youth justice service"
    SCHOOL_ABSENCE = "school_absence", "Persistent school absence"
    EXCLUSION = "exclusion", "Excluded or on a part-time timetable"
    DRUG_USE = "drug_use", "Drug or alcohol use"
    NEURODEVELOPMENTAL = "neurodevelopmental", "Neurodevelopmental condition (ADHD, autism)"
    SEN = "sen", "Special educational needs (EHCP)"
    SLCN = "slcn", "Speech, language and communication needs"
    LOOKED_AFTER = "looked_after", "Looked after"
    CIN_CP = "cin_cp", "Child in need or child protection plan"
    EXPLOITATION = "exploitation", "Risk of criminal exploitation"
    MENTAL_HEALTH = "mental_health", "Mental health"
    FAMILY_OFFENDING = "family_offending", "Family offending"
    DOMESTIC_ABUSE = "domestic_abuse", "Domestic abuse at home"


class Eligibility(models.TextChoices):
    """Whether the referral meets the programme's rules."""

    PENDING = "pending", "Not yet checked"
    ELIGIBLE = "eligible", "Eligible"
    INELIGIBLE = "ineligible", "Not eligible"
    # A detail the rules need is not recorded (the area, say): a manager decides.
    UNDECIDED = "undecided", "Needs a decision"


class Stage(models.TextChoices):
    """Where a referral is on the pathway (set only by actions)."""

    RECEIVED = "received", "Received"
    INELIGIBLE = "ineligible", "Not eligible"
    SCREENED_OUT = "screened_out", "Screened out to another agency"
    OFFERED = "offered", "Support offered"
    ACCEPTED = "accepted", "Support accepted"
    DECLINED = "declined", "Support declined or no response"
    # Follow the episode (set by casework's close and reopen, and by withdraw_consent).
    CLOSED = "closed", "Support ended"
    WITHDRAWN = "withdrawn", "Withdrew from support"


class ScreeningDecision(models.TextChoices):
    """The outcome of screening."""

    SCREENED_OUT = "screened_out", "Screened out to another agency"
    OPT_IN = "opt_in", "Light-touch opt-in offer"
    SUPPORT = "support", "Prevention worker support"


class Agency(models.TextChoices):
    """Where a screened-out child is passed to."""

    SOCIAL_CARE = "social_care", "Children's social care"
    EARLY_HELP = "early_help", "Early Help / family wellbeing"
    YOUTH_SERVICE = "youth_service", "Youth service"
    CAMHS = "camhs", "CAMHS"
    YJS = "yjs", "Youth justice service (statutory)"
    OTHER = "other", "Other"


class Decision(models.TextChoices):
    """A child's or parent's answer to the offer of support."""

    PENDING = "pending", "Waiting for an answer"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined"
    NO_RESPONSE = "no_response", "No response"
    NOT_REQUIRED = "not_required", "Not required"
