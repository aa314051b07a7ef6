"""Named actions for the front of the pathway: referral, eligibility, screening, offer, consent.

Pathway order for a referral (enforced here, nowhere else):
received -> (ineligible) | screened -> (screened out) | offered -> accepted | declined.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from divert.accounts.models import MANAGER_ROLES, PATHWAY_ROLES, Programme, Tier
from divert.audit.actions import record_event
from divert.casework.actions import close_episode, open_episode, schedule_follow_up
from divert.casework.codes import ClosureReason, FollowUpGroup
from divert.casework.models import Episode
from divert.core.errors import DomainError, check_choice
from divert.offending.codes import Disposal
from divert.people.actions import allocate_child, check_processing_allowed, update_child_details
from divert.referrals.codes import (
    Agency,
    Concern,
    Decision,
    Eligibility,
    ScreeningDecision,
    Source,
    Stage,
)
from divert.referrals.eligibility import check_eligibility
from divert.referrals.models import Offer, Referral, Screening


def _by(user):
    return user if getattr(user, "pk", None) else None


# The kind of work an episode is, from where the referral came (the rest are prevention).
ORDER_TYPE_BY_SOURCE = {
    Source.POLICE_CR: Disposal.COMMUNITY_RESOLUTION,
    Source.POLICE_OUTCOME_22: Disposal.OUTCOME_22,
}


def follow_up_group(offer: Offer) -> str:
    """Intention to treat: accepted (even if later withdrawn) is a participant."""
    return FollowUpGroup.PARTICIPANT if offer.child_decision == Decision.ACCEPTED else FollowUpGroup.COMPARISON


def queue_team(*, by, child, programme, batch=None):
    """The team whose queue a new referral waits in (None: the programme's queue)."""
    if child.team_id:
        return child.team
    if batch is not None or not getattr(by, "pk", None):
        return None
    return by.teams.filter(programmes=programme).order_by("pk").first()


def _tier_numbered(programme, number) -> Tier:
    """The programme's tier with that number, or a refusal naming the field."""
    tier = None
    if str(number).isdigit() and len(str(number)) < 4:
        tier = programme.tiers.filter(number=int(number)).first()
    if tier is None:
        raise DomainError("Choose a level of support from this programme's tiers.", field="tier")
    return tier


def _programme_of(child, programme) -> Programme:
    """The programme, given as a Programme or its id, checked against the child's organisation."""
    if not isinstance(programme, Programme):
        found = None
        if str(programme).isdigit() and len(str(programme)) < 19:
            found = Programme.objects.filter(pk=int(programme), organisation_id=child.organisation_id).first()
        if found is None:
            raise DomainError("Choose a programme from the list.", field="programme")
        programme = found
    if programme.organisation_id != child.organisation_id:
        raise DomainError("The programme belongs to another organisation.", field="programme")
    return programme


def _not_future(day: dt.date, today: dt.date, what: str, field: str) -> None:
    if day > today:
        raise DomainError(f"{what} cannot be in the future.", field=field)


@transaction.atomic
def create_referral(
    *,
    by,
    child,
    programme,
    source: str,
    received_on: dt.date,
    today: dt.date,
    reason: str = "",
    offences: Iterable = (),
    released_at: dt.datetime | None = None,
    exclusion: str = "",
    batch=None,
) -> Referral:
    """Record a referral and check it against the programme's eligibility rules.

    `programme` is a Programme or its id (as a form or the API sends it). The referral waits
    in a queue until a manager allocates a worker: the child's team's, or
    when the child has no team the team of the person recording it that works on the
    programme, or else the programme's queue (imports, which carry a batch, use no person's
    team).
    """
    check_processing_allowed(child)
    programme = _programme_of(child, programme)
    if source not in Source.values:
        raise DomainError("Choose where the referral came from.", field="source")
    if exclusion and exclusion not in (programme.exclusions or []):
        raise DomainError("That exclusion is not one of this programme's.", field="exclusion")
    team = queue_team(by=by, child=child, programme=programme, batch=batch)
    _not_future(received_on, today, "The date the referral was received", "received_on")
    if received_on < child.date_of_birth:
        raise DomainError("The referral date is before the child's date of birth.", field="received_on")
    if not programme.active:
        raise DomainError("This programme is not taking referrals.", field="programme")
    # A referral found not eligible never blocks recording it again (say after the child's
    # details were corrected): only a live one is a duplicate.
    if Referral.objects.current().filter(child=child, programme=programme, source=source,
                                         received_on=received_on).exclude(
                                             eligibility=Eligibility.INELIGIBLE).exists():
        raise DomainError("This referral has already been recorded (same child, programme, source and date).")
    offences = list(offences)
    if any(o.child_id != child.pk for o in offences):
        raise DomainError("Linked offences must be the child's own.")
    result = _check(child=child, programme=programme, source=source, received_on=received_on,
                    exclusion=exclusion)
    referral = Referral.objects.create(
        child=child,
        programme=programme,
        team=team,
        source=source,
        received_on=received_on,
        released_at=released_at,
        reason=reason,
        **_eligibility_fields(result),
        recorded_by=_by(by),
        batch=batch,
    )
    referral.offences.set(offences)
    if child.police_only:
        child.police_only = False
        child.save(update_fields=["police_only"])
    record_event(
        by=by, verb="created_referral", obj=referral, child=child, batch=batch,
        details={"eligibility": referral.eligibility, "source": source, "team": getattr(team, "pk", None)},
    )
    _recorder_takes_child(by=by, referral=referral, batch=batch)
    return referral


def _check(*, child, programme, source: str, received_on: dt.date, exclusion: str = "",
           referral: Referral | None = None):
    """The programme's rules for this child now (`referral`: the one being re-checked, which
    is not "open work" against itself)."""
    open_referrals = Referral.objects.current().filter(
        child=child, programme=programme, stage__in=[Stage.RECEIVED, Stage.OFFERED]
    ).exclude(eligibility=Eligibility.INELIGIBLE)
    episodes = Episode.objects.current().filter(child=child, programme=programme)
    if referral is not None:
        open_referrals = open_referrals.exclude(pk=referral.pk)
    return check_eligibility(
        programme=programme,
        date_of_birth=child.date_of_birth,
        area_code=child.area_code,
        source=source,
        received_on=received_on,
        has_open_work=open_referrals.exists() or episodes.filter(end_date__isnull=True).exists(),
        has_taken_part_before=episodes.exists(),
        exclusion=exclusion,
    )


def _eligibility_fields(result) -> dict:
    """The referral's eligibility, reasons and stage from a check's result."""
    if result.eligible:
        eligibility, stage = Eligibility.ELIGIBLE, Stage.RECEIVED
    elif result.undecided:
        eligibility, stage = Eligibility.UNDECIDED, Stage.RECEIVED
    else:
        eligibility, stage = Eligibility.INELIGIBLE, Stage.INELIGIBLE
    return {"eligibility": eligibility, "stage": stage, "ineligible_reason": result.reason[:300],
            "undecided_reason": result.unknown[:300] if result.undecided else ""}


def _recorder_takes_child(*, by, referral: Referral, batch=None) -> None:
    """Where the programme lets the person who records a referral take the child, a worker in
    the queue's team who records one for a child with no worker has the child allocated to them."""
    child = referral.child
    if (batch is not None or not referral.programme.recorder_takes_child or referral.team is None
            or child.worker_id is not None or referral.eligibility == Eligibility.INELIGIBLE
            or not getattr(by, "pk", None) or not by.has_any_role(PATHWAY_ROLES)
            or not by.teams.filter(pk=referral.team_id).exists()):
        return
    allocate_child(by=by, child=child, team=referral.team, worker=by)


@transaction.atomic
def decide_eligibility(*, by, referral: Referral, eligible: bool, reason: str, today: dt.date) -> Referral:
    """A team or service manager decides a referral the rules could not (a detail not
    recorded). The reason is kept encrypted; the audit event names ids only."""
    _require_stage(referral, Stage.RECEIVED, doing="decide eligibility")
    if referral.eligibility != Eligibility.UNDECIDED:
        raise DomainError("This referral does not need an eligibility decision.")
    if not (getattr(by, "pk", None) and by.has_any_role(MANAGER_ROLES)):
        raise DomainError("Only a team or service manager can decide eligibility.")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("Give the reason for the decision.", field="reason")
    referral.eligibility = Eligibility.ELIGIBLE if eligible else Eligibility.INELIGIBLE
    referral.stage = Stage.RECEIVED if eligible else Stage.INELIGIBLE
    referral.ineligible_reason = "" if eligible else "A manager decided the child is not eligible."
    referral.eligibility_decided_by = by
    referral.eligibility_decided_on = today
    referral.eligibility_decision_reason = reason
    referral.save(update_fields=["eligibility", "stage", "ineligible_reason", "eligibility_decided_by",
                                 "eligibility_decided_on", "eligibility_decision_reason"])
    record_event(by=by, verb="decided_eligibility", obj=referral, child=referral.child_id,
                 details={"eligibility": referral.eligibility})
    return referral


@transaction.atomic
def recheck_open_referrals(*, by, child) -> list[Referral]:
    """After the child's details are corrected, check again each referral still waiting on
    its eligibility (undecided, or eligible and not yet screened), unless a manager decided it.
    Returns the referrals whose eligibility changed (each audited)."""
    changed = []
    waiting = (Referral.objects.current().filter(child=child, stage=Stage.RECEIVED, screening__isnull=True,
                                                 eligibility_decided_by__isnull=True)
               .select_related("programme").order_by("received_on", "pk"))
    for referral in waiting:
        result = _check(child=child, programme=referral.programme, source=referral.source,
                        received_on=referral.received_on, referral=referral)
        fields = _eligibility_fields(result)
        if fields["eligibility"] == referral.eligibility:
            continue
        for name, value in fields.items():
            setattr(referral, name, value)
        referral.save(update_fields=list(fields))
        record_event(by=by, verb="rechecked_eligibility", obj=referral, child=child.pk,
                     details={"eligibility": referral.eligibility})
        changed.append(referral)
    return changed


def _require_stage(referral: Referral, *stages: str, doing: str) -> None:
    check_processing_allowed(referral.child_id)
    if referral.is_void:
        raise DomainError("This referral was voided; it cannot be changed.")
    if referral.stage not in stages:
        raise DomainError(
            f"You cannot {doing} at this point: the referral is '{referral.get_stage_display()}'."
        )


@transaction.atomic
def screen_referral(
    *,
    by,
    referral: Referral,
    decision: str,
    decided_on: dt.date,
    today: dt.date,
    concerns: Iterable[str] = (),
    agency: str = "",
    tier: Tier | int | str | None = None,
    notes: str = "",
) -> Screening:
    """Record the screening decision: screened out to an agency, opt-in offer, or support at a tier.

    `tier` is a Tier or its number in the referral's programme (as a form or the API sends it).
    """
    _require_stage(referral, Stage.RECEIVED, doing="screen this referral")
    check_choice(decision, ScreeningDecision.values, "Choose the screening decision from the list.", field="decision")
    concerns = list(concerns)
    if any(c not in Concern.values for c in concerns):
        raise DomainError("Choose the concerns from the list.", field="concerns")
    check_choice(agency, Agency.values, "Choose the agency from the list.", field="agency", blank=True)
    if Screening.objects.filter(referral=referral).exists():
        raise DomainError("This referral has already been screened.")
    if referral.eligibility != Eligibility.ELIGIBLE:
        raise DomainError("Only an eligible referral can be screened.")
    _not_future(decided_on, today, "The screening date", "decided_on")
    if decided_on < referral.received_on:
        raise DomainError("Screening cannot be before the referral was received.", field="decided_on")
    if decision == ScreeningDecision.SCREENED_OUT and not agency:
        raise DomainError("Say which agency the child was passed to.", field="agency")
    if decision == ScreeningDecision.SUPPORT:
        if tier is None:
            raise DomainError("Choose the level of support (tier).", field="tier")
        if not isinstance(tier, Tier):
            tier = _tier_numbered(referral.programme, tier)
        if tier.programme_id != referral.programme_id:
            raise DomainError("That tier belongs to another programme.", field="tier")
    screening = Screening.objects.create(
        referral=referral,
        concerns=sorted(set(concerns)),
        decision=decision,
        agency=agency if decision == ScreeningDecision.SCREENED_OUT else "",
        tier=tier if decision == ScreeningDecision.SUPPORT else None,
        decided_by=_by(by),
        decided_on=decided_on,
        notes=notes,
        recorded_by=_by(by),
    )
    if decision == ScreeningDecision.SCREENED_OUT:
        referral.stage = Stage.SCREENED_OUT
        referral.save(update_fields=["stage"])
    record_event(
        by=by, verb="screened_referral", obj=screening, child=referral.child_id,
        details={"decision": decision, "agency": screening.agency},
    )
    return screening


@transaction.atomic
def offer_support(*, by, referral: Referral, offered_on: dt.date, today: dt.date) -> Offer:
    """Offer voluntary support. The offer date anchors follow-up for everyone offered."""
    _require_stage(referral, Stage.RECEIVED, doing="offer support")
    screening = getattr(referral, "screening", None)
    if screening is None or screening.decision == ScreeningDecision.SCREENED_OUT:
        raise DomainError("Screen the referral first: support is offered after screening.")
    _not_future(offered_on, today, "The offer date", "offered_on")
    if offered_on < screening.decided_on:
        raise DomainError("The offer cannot be before the screening decision.", field="offered_on")
    age = referral.child.age_on(offered_on)
    parent_needed = age < referral.programme.parent_consent_under
    offer = Offer.objects.create(
        referral=referral,
        offered_on=offered_on,
        parent_decision=Decision.PENDING if parent_needed else Decision.NOT_REQUIRED,
        recorded_by=_by(by),
    )
    referral.stage = Stage.OFFERED
    referral.save(update_fields=["stage"])
    record_event(by=by, verb="offered_support", obj=offer, child=referral.child_id)
    return offer


@transaction.atomic
def record_consent(  # noqa: C901 - the consent rules read best in one place
    *,
    by,
    offer: Offer | None = None,
    referral: Referral | None = None,
    child_decision: str,
    decided_on: dt.date,
    today: dt.date,
    parent_decision: str | None = None,
    reason: str = "",
    lawful_basis: str = "",
):
    """Record the child's (and, where needed, the parent's) answer to the offer (given, or the
    referral's).

    Accepted: an episode of work opens and follow-up checkpoints are set as a participant.
    Declined or no response: the child is followed up (police outcomes only) as the
    comparison group.
    """
    offer = offer or getattr(referral, "offer", None)
    if offer is None:
        raise DomainError("Record the offer of support first.")
    referral = offer.referral
    _require_stage(referral, Stage.OFFERED, doing="record consent")
    if child_decision not in {Decision.ACCEPTED, Decision.DECLINED, Decision.NO_RESPONSE}:
        raise DomainError("Choose accepted, declined or no response.", field="child_decision")
    _not_future(decided_on, today, "The decision date", "decided_on")
    if decided_on < offer.offered_on:
        raise DomainError("The decision cannot be before the offer.", field="decided_on")
    if offer.parent_decision != Decision.NOT_REQUIRED:
        if parent_decision not in {Decision.ACCEPTED, Decision.DECLINED, Decision.NO_RESPONSE}:
            raise DomainError(
                "This child is young enough that a parent or carer must also answer.",
                field="parent_decision",
            )
        offer.parent_decision = parent_decision
        offer.parent_decided_on = decided_on
    if child_decision != Decision.ACCEPTED and not (reason or child_decision == Decision.NO_RESPONSE):
        raise DomainError("Record the reason the child gave for declining.", field="reason")
    offer.child_decision = child_decision
    offer.child_decided_on = decided_on
    offer.decline_reason = reason[:300]
    accepted = child_decision == Decision.ACCEPTED and offer.parent_decision in {
        Decision.ACCEPTED, Decision.NOT_REQUIRED,
    }
    if not accepted and offer.child_decision == Decision.ACCEPTED:
        # The parent said no: for the pathway and follow-up the offer was declined.
        offer.child_decision = Decision.DECLINED
        offer.decline_reason = offer.decline_reason or "Parent or carer declined"
    if not accepted:
        # The basis in force today is copied, so a later change to the programme's basis
        # does not rewrite what this child was told and kept under.
        offer.lawful_basis = (lawful_basis or referral.programme.follow_up_lawful_basis())[:200]
    offer.save()
    referral.stage = Stage.ACCEPTED if accepted else Stage.DECLINED
    referral.save(update_fields=["stage"])
    record_event(
        by=by, verb="recorded_consent", obj=offer, child=referral.child_id,
        details={"child": offer.child_decision, "parent": offer.parent_decision},
    )
    if accepted:
        open_episode(by=by, referral=referral, start_date=decided_on,
                     order_type=ORDER_TYPE_BY_SOURCE.get(referral.source, Disposal.PREVENTION))
    schedule_follow_up(by=by, referral=referral, group=follow_up_group(offer))
    return offer


@transaction.atomic
def withdraw_consent(*, by, episode: Episode, withdrawn_on: dt.date, today: dt.date, reason: str) -> Episode:
    """The child withdraws: support closes; the child stays a participant (intention to treat)."""
    check_processing_allowed(episode.child_id)
    offer = episode.referral.offer
    offer.withdrawn_on = withdrawn_on
    offer.withdrawal_reason = reason[:300]
    # The basis in force at withdrawal, for keeping the child's data for follow-up.
    offer.lawful_basis = episode.programme.follow_up_lawful_basis()[:200]
    offer.save(update_fields=["withdrawn_on", "withdrawal_reason", "lawful_basis"])
    record_event(by=by, verb="withdrew_consent", obj=offer, child=episode.child_id)
    close_episode(by=by, episode=episode, end_date=withdrawn_on, today=today,
                  reason=ClosureReason.DECLINED_TO_CONTINUE, successfully_completed=False)
    referral = episode.referral
    referral.stage = Stage.WITHDRAWN
    referral.save(update_fields=["stage"])
    return episode


@transaction.atomic
def correct_child_details(*, by, child, today: dt.date, reason: str = "", **changes):
    """Correct the child's details (people's rectification) and re-check their open referrals:
    a referral waiting on an area or date of birth is decided again from the corrected details."""
    return update_child_details(by=by, child=child, today=today, reason=reason,
                                after_change=[recheck_open_referrals], **changes)
