"""Codes for the work with a child: sessions, onward referrals, closure, follow-up."""

from __future__ import annotations

from django.db import models


class SessionType(models.TextChoices):
    """How a session or contact took place."""

    ONE_TO_ONE = "one_to_one", "One-to-one"
    FAMILY = "family", "Family"
    GROUP = "group", "Group"
    PHONE = "phone", "Phone or video"
    SCHOOL = "school", "School-based"


class ContactType(models.TextChoices):
    """How a contact took place (a contact is not a planned session)."""

    PHONE = "phone", "Phone or video call"
    VISIT = "visit", "Visit to the office"
    HOME_VISIT = "home_visit", "Home visit"
    SCHOOL = "school", "At school or college"
    MESSAGE = "message", "Message (text, email or letter)"


class ContactWith(models.TextChoices):
    """Who the contact was with."""

    CHILD = "child", "The child"
    PARENT_CARER = "parent_carer", "A parent or carer"
    CHILD_AND_FAMILY = "child_and_family", "The child and a parent or carer"
    PARTNER_AGENCY = "partner_agency", "A partner agency"


class Place(models.TextChoices):
    """Where a session took place (where the child feels safe)."""

    HOME = "home", "Home"
    SCHOOL = "school", "School"
    YOUTH_CENTRE = "youth_centre", "Youth centre"
    CAR = "car", "Car ride"
    COMMUNITY = "community", "Community venue / chill spot"
    OFFICE = "office", "Office"
    ONLINE = "online", "Phone or online"
    OTHER = "other", "Other"


class Topic(models.TextChoices):
    """What a session covered."""

    CONSEQUENCES = "consequences", "Consequences of offending"
    VICTIM_EMPATHY = "victim_empathy", "Victim empathy and restorative work"
    WEAPONS = "weapons", "Weapons and knife crime"
    EMOTIONS = "emotions", "Emotional regulation and anger"
    PEERS = "peers", "Peer pressure and exploitation"
    SUBSTANCES = "substances", "Substance use"
    EDUCATION = "education", "Education and aspirations"
    ACTIVITIES = "activities", "Positive activities (sport, arts)"


class Attendance(models.TextChoices):
    """Whether a planned session happened."""

    ATTENDED = "attended", "Attended"
    DID_NOT_ATTEND = "dna", "Did not attend"
    CANCELLED_BY_CHILD = "cancelled_child", "Cancelled by child or family"
    CANCELLED_BY_WORKER = "cancelled_worker", "Cancelled by worker"


class OnwardService(models.TextChoices):
    """Services a child is referred on to."""

    CAMHS = "camhs", "CAMHS"
    SUBSTANCE = "substance", "Substance misuse service"
    SALT = "salt", "Speech and language therapy"
    CAREERS = "careers", "Careers / ETE (Connexions)"
    EARLY_HELP = "early_help", "Early Help"
    SOCIAL_CARE = "social_care", "Children's social care"
    MENTORING = "mentoring", "Mentoring"
    ACTIVITIES = "activities", "Positive activities"


class OnwardStatus(models.TextChoices):
    """Where an onward referral has got to."""

    MADE = "made", "Referral made"
    ACCEPTED = "accepted", "Accepted"
    DECLINED = "declined", "Declined by the service"
    ATTENDING = "attending", "Child attending"
    COMPLETED = "completed", "Completed"
    WITHDRAWN = "withdrawn", "Withdrawn"


class ClosureReason(models.TextChoices):
    """Why an episode of work ended."""

    COMPLETED = "completed", "Completed"
    DISENGAGED = "disengaged", "Disengaged"
    MOVED = "moved", "Moved away"
    ESCALATED = "escalated", "Escalated to statutory services"
    DECLINED_TO_CONTINUE = "declined", "Declined to continue"
    OTHER = "other", "Other"


class Timepoint(models.TextChoices):
    """When a measure was taken."""

    START = "start", "Start"
    DURING = "during", "During"
    END = "end", "End"


class Anchor(models.TextChoices):
    """What a follow-up checkpoint counts from."""

    OFFER = "offer", "From the offer date"
    CLOSURE = "closure", "From closure"


class FollowUpGroup(models.TextChoices):
    """Which group a followed-up child belongs to (intention to treat)."""

    PARTICIPANT = "participant", "Participant (accepted the offer)"
    COMPARISON = "comparison", "Comparison (declined or no response)"


class CheckpointStatus(models.TextChoices):
    """Where a follow-up checkpoint has got to."""

    DUE = "due", "Due"
    AWAITING_DATA = "awaiting_data", "Awaiting data"
    COMPLETE = "complete", "Complete"


class NeedDomain(models.TextChoices):
    """The domains an assessment rates (the `needs` keys)."""

    EDUCATION = "education", "Education and school"
    FAMILY = "family", "Family and home"
    EMOTIONAL = "emotional", "Emotional wellbeing and mental health"
    SUBSTANCES = "substances", "Substance use"
    PEERS = "peers", "Friends and exploitation"
    OFFENDING = "offending", "Offending behaviour"


# Need codes written by other sources (the generator, older imports), shown with these words.
OTHER_NEED_LABELS = {
    "emotional_wellbeing": "Emotional wellbeing and mental health",
    "substance_use": "Substance use",
    "communication": "Speech, language and communication",
    "living_arrangements": "Where the child lives",
}

# An assessment's level of need in a domain (the `needs` values, 0-3).
NEED_LEVELS = {0: "None", 1: "Low", 2: "Medium", 3: "High"}


def need_rows(needs: dict | None) -> list[tuple[str, str]]:
    """An assessment's needs as (domain, level) in words, in the domains' order."""
    needs = needs or {}
    order = {code: i for i, code in enumerate(NeedDomain.values)}
    rows = []
    for code in sorted(needs, key=lambda c: (order.get(c, len(order)), c)):
        value = needs[code]
        try:
            level = NEED_LEVELS.get(int(value), str(value))
        except (TypeError, ValueError):
            level = str(value)
        rows.append((dict(NeedDomain.choices).get(code) or OTHER_NEED_LABELS.get(code, code), level))
    return rows
