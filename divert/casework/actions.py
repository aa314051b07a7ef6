"""Named actions for the work with a child: episode, assessment, plan, sessions, closure,
follow-up. Pathway rules for an episode live here (no session before consent, no closure
without a reason, nothing recorded on a closed episode)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import TypeVar

from django.db import transaction
from django.utils import timezone

from divert.accounts.models import MANAGER_ROLES
from divert.audit.actions import record_event
from divert.casework.codes import (
    Anchor,
    Attendance,
    ClosureReason,
    ContactType,
    ContactWith,
    FollowUpGroup,
    OnwardService,
    OnwardStatus,
    Place,
    SessionType,
    Timepoint,
    Topic,
)
from divert.casework.models import (
    Assessment,
    Contact,
    Episode,
    FollowUpCheckpoint,
    Instrument,
    MeasureScore,
    OnwardReferral,
    Plan,
    PlanReview,
    Session,
    Versioned,
)
from divert.core.dates import follow_up_window
from divert.core.errors import DomainError, check_choice
from divert.people.actions import check_processing_allowed

FOLLOW_UP_MONTHS = (3, 6, 9, 12)

SELF_RATINGS_CODE = "self-ratings"
SELF_RATINGS_ITEMS = [
    {"code": "confidence", "label": "Confidence"},
    {"code": "self_esteem", "label": "How I feel about myself"},
    {"code": "relationships", "label": "Positive relationships"},
    {"code": "managing_anger", "label": "Managing anger"},
]


def self_ratings_instrument() -> Instrument:
    """The shipped 1-10 self-ratings instrument (created if missing)."""
    instrument, _ = Instrument.objects.get_or_create(
        organisation=None, code=SELF_RATINGS_CODE,
        defaults={"name": "Self-ratings (1-10)", "items": SELF_RATINGS_ITEMS, "min_score": 1, "max_score": 10,
                  "licence_note": "Divert's own simple self-ratings; free to use."},
    )
    return instrument


def _by(user):
    return user if getattr(user, "pk", None) else None


def _check_day(day: dt.date, *, episode: Episode, today: dt.date, what: str, field: str) -> None:
    if day > today:
        raise DomainError(f"{what} cannot be in the future.", field=field)
    if day < episode.start_date:
        raise DomainError(
            f"{what} cannot be before support started ({episode.start_date:%-d %B %Y}).", field=field
        )


def _require_open(episode: Episode, doing: str) -> None:
    check_processing_allowed(episode.child_id)
    if episode.is_void:
        raise DomainError("This episode was voided; it cannot be changed.")
    if episode.end_date is not None:
        raise DomainError(f"You cannot {doing}: support was closed on {episode.end_date:%-d %B %Y}. "
                          "Reopen it first if this is needed.")


@transaction.atomic
def open_episode(*, by, referral, start_date: dt.date, order_type: str) -> Episode:
    """Open the episode of work that follows an accepted offer (called by record_consent)."""
    if hasattr(referral, "episode"):
        raise DomainError("Support has already started for this referral.")
    screening = referral.screening
    child = referral.child
    episode = Episode.objects.create(
        child=child,
        programme=referral.programme,
        referral=referral,
        team=child.team,
        worker=child.worker,
        order_type=order_type,
        tier=screening.tier,
        start_date=start_date,
        recorded_by=_by(by),
    )
    episode.offences.set(referral.offences.all())
    record_event(by=by, verb="opened_episode", obj=episode, child=child)
    return episode


@transaction.atomic
def schedule_follow_up(*, by, referral, group: str) -> list[FollowUpCheckpoint]:
    """Set checkpoints at 3, 6, 9 and 12 months from the offer date (both groups).

    `group` is the referral's (FollowUpGroup), decided by the offer's answer in referrals."""
    return _schedule(by=by, referral=referral, anchor=Anchor.OFFER, anchor_date=referral.offer.offered_on,
                     group=group)


def new_checkpoints(*, child_id: int, referral_id: int, anchor: str, anchor_date: dt.date, group: str,
                    **recorded) -> list[FollowUpCheckpoint]:
    """The (unsaved) checkpoints at 3, 6, 9 and 12 months from an anchor, each due when its
    window ends. Also used by the bundle import for a bundle that carries none."""
    return [
        FollowUpCheckpoint(
            child_id=child_id,
            referral_id=referral_id,
            anchor=anchor,
            anchor_date=anchor_date,
            months=months,
            due_on=follow_up_window(anchor_date, months).end,
            group=group,
            **recorded,
        )
        for months in FOLLOW_UP_MONTHS
    ]


def _schedule(*, by, referral, anchor: str, anchor_date: dt.date, group: str) -> list[FollowUpCheckpoint]:
    checkpoints = new_checkpoints(child_id=referral.child_id, referral_id=referral.pk, anchor=anchor,
                                  anchor_date=anchor_date, group=group, recorded_by=_by(by))
    FollowUpCheckpoint.objects.bulk_create(checkpoints)
    record_event(by=by, verb="scheduled_follow_up", obj=referral, child=referral.child_id,
                 details={"anchor": anchor, "group": group})
    return checkpoints


V = TypeVar("V", bound=Versioned)


def _next_version(model: type[V], episode: Episode, now) -> tuple[int, V | None]:
    """The number of the next version and the version it supersedes (marked superseded now).

    Locks the version in force so two edits at once cannot both supersede it."""
    previous = model.objects.current().in_force().select_for_update().filter(episode=episode).first()
    if previous is None:
        return 1, None
    previous.superseded_at = now
    previous.save(update_fields=["superseded_at"])
    return previous.version + 1, previous


def _version_details(version: int, previous: Versioned | None) -> dict:
    return {"version": version, "supersedes": previous.pk if previous else None}


@transaction.atomic
def record_assessment(
    *,
    by,
    episode: Episode,
    assessed_on: dt.date,
    today: dt.date,
    needs: dict[str, int] | None = None,
    strengths: str = "",
    child_view: str = "",
    exploitation_risk: str = Assessment.ExploitationRisk.NONE,
    summary: str = "",
) -> Assessment:
    """Record an assessment of needs and strengths, with the child's own view.

    If the episode has one already, this is its next version: the earlier one is kept,
    marked superseded, and stays readable."""
    _require_open(episode, "add an assessment")
    _check_day(assessed_on, episode=episode, today=today, what="The assessment date", field="assessed_on")
    check_choice(exploitation_risk, Assessment.ExploitationRisk.values, "Choose the risk of exploitation from the list.",
                 field="exploitation_risk")
    needs = needs or {}
    if any(not 0 <= int(level) <= 3 for level in needs.values()):
        raise DomainError("Each need level must be between 0 (none) and 3 (high).", field="needs")
    now = timezone.now()
    version, previous = _next_version(Assessment, episode, now)
    assessment = Assessment.objects.create(
        episode=episode, assessed_on=assessed_on, needs=needs, strengths=strengths,
        child_view=child_view, exploitation_risk=exploitation_risk, summary=summary,
        recorded_by=_by(by), recorded_at=now, version=version, supersedes=previous,
    )
    record_event(by=by, verb="recorded_assessment", obj=assessment, child=episode.child_id,
                 details=_version_details(version, previous))
    return assessment


@transaction.atomic
def record_scores(
    *,
    by,
    episode: Episode,
    instrument: Instrument,
    timepoint: str,
    taken_on: dt.date,
    today: dt.date,
    scores: dict[str, int],
) -> list[MeasureScore]:
    """Record one score per item of an instrument at a timepoint (start, during, end)."""
    if timepoint != Timepoint.END:
        _require_open(episode, "record scores")
    else:
        check_processing_allowed(episode.child_id)
        if episode.is_void:
            raise DomainError("This episode was voided; it cannot be changed.")
    _check_day(taken_on, episode=episode, today=today, what="The date of the scores", field="taken_on")
    if timepoint not in Timepoint.values:
        raise DomainError("Choose start, during or end.", field="timepoint")
    item_codes = [item["code"] for item in instrument.items]
    unknown = set(scores) - set(item_codes)
    if unknown:
        raise DomainError(f"Unknown items for {instrument.name}: {', '.join(sorted(unknown))}.")
    for code, value in scores.items():
        if not instrument.min_score <= int(value) <= instrument.max_score:
            raise DomainError(
                f"Scores must be between {instrument.min_score} and {instrument.max_score}.", field=code
            )
    rows = MeasureScore.objects.bulk_create(
        MeasureScore(episode=episode, instrument=instrument, item=code, timepoint=timepoint,
                     taken_on=taken_on, value=int(value), recorded_by=_by(by))
        for code, value in scores.items()
    )
    record_event(by=by, verb="recorded_scores", obj=episode, child=episode.child_id,
                 details={"instrument": instrument.code, "timepoint": timepoint})
    return rows


@transaction.atomic
def agree_plan(
    *,
    by,
    episode: Episode,
    agreed_on: dt.date,
    today: dt.date,
    goals: str,
    planned_sessions: int | None = None,
    target_end_date: dt.date | None = None,
) -> Plan:
    """Record the plan agreed with the child; sessions and end date default from the tier.

    If the episode has a plan already, this is its next version (the earlier one is kept)."""
    _require_open(episode, "agree a plan")
    _check_day(agreed_on, episode=episode, today=today, what="The date the plan was agreed", field="agreed_on")
    if not goals.strip():
        raise DomainError("Write the goals, in the child's own words where you can.", field="goals")
    tier = episode.tier
    if planned_sessions is None:
        planned_sessions = tier.planned_sessions if tier else 10
    if target_end_date is None:
        weeks = tier.planned_weeks if tier else 12
        target_end_date = agreed_on + dt.timedelta(weeks=weeks)
    if target_end_date < agreed_on:
        raise DomainError("The target end date must be after the plan was agreed.", field="target_end_date")
    if not 1 <= planned_sessions <= 60:
        raise DomainError("Planned sessions must be between 1 and 60.", field="planned_sessions")
    now = timezone.now()
    version, previous = _next_version(Plan, episode, now)
    plan = Plan.objects.create(
        episode=episode, agreed_on=agreed_on, goals=goals, planned_sessions=planned_sessions,
        target_end_date=target_end_date, recorded_by=_by(by), recorded_at=now, version=version,
        supersedes=previous,
    )
    record_event(by=by, verb="agreed_plan", obj=plan, child=episode.child_id, details=_version_details(version, previous))
    return plan


@transaction.atomic
def review_plan(*, by, plan: Plan | None = None, episode: Episode | None = None, reviewed_on: dt.date,
                today: dt.date, notes: str = "") -> PlanReview:
    """Record a review of the plan with the child (the plan given, or the episode's latest)."""
    if plan is None and episode is not None:
        plan = Plan.objects.current().in_force().filter(episode=episode).first()
    if plan is None:
        raise DomainError("Agree a plan with the child before reviewing it.")
    _require_open(plan.episode, "review the plan")
    if reviewed_on < plan.agreed_on or reviewed_on > today:
        raise DomainError("The review date must be between the plan date and today.", field="reviewed_on")
    review = PlanReview.objects.create(plan=plan, reviewed_on=reviewed_on, notes=notes, recorded_by=_by(by))
    record_event(by=by, verb="reviewed_plan", obj=review, child=plan.episode.child_id)
    return review


@transaction.atomic
def record_session(
    *,
    by,
    episode: Episode,
    date: dt.date,
    today: dt.date,
    type: str,
    attendance: str,
    duration_minutes: int | None = None,
    place: str = "",
    topics: Iterable[str] = (),
    notes: str = "",
    worker=None,
) -> Session:
    """Record a session or contact. Only after consent, on an open episode, never in the future."""
    _require_open(episode, "record a session")
    _check_day(date, episode=episode, today=today, what="The session date", field="date")
    if type not in SessionType.values:
        raise DomainError("Choose the type of session.", field="type")
    if attendance not in Attendance.values:
        raise DomainError("Say whether the child attended.", field="attendance")
    topics = sorted(set(topics))
    if set(topics) - set(Topic.values):
        raise DomainError("Unknown session topic.", field="topics")
    if duration_minutes is not None and not 1 <= duration_minutes <= 600:
        raise DomainError("The duration must be between 1 minute and 10 hours.", field="duration_minutes")
    if attendance != Attendance.ATTENDED and topics:
        raise DomainError("A session the child did not attend, or that was cancelled, has no topics. "
                          "Clear the topics, or record that the child attended.", field="topics")
    if attendance != Attendance.ATTENDED and duration_minutes is not None:
        raise DomainError("A session the child did not attend, or that was cancelled, has no length. "
                          "Clear the length, or record that the child attended.", field="duration_minutes")
    check_choice(place, Place.values, "Choose where the session took place from the list.", field="place",
                 blank=True)
    session = Session.objects.create(
        episode=episode, date=date, type=type, attendance=attendance, duration_minutes=duration_minutes,
        place=place, topics=topics, notes=notes, worker=worker or _by(by), recorded_by=_by(by),
    )
    record_event(by=by, verb="recorded_session", obj=session, child=episode.child_id,
                 details={"attendance": attendance})
    return session


@transaction.atomic
def record_contact(
    *,
    by,
    child,
    contacted_at: dt.datetime,
    now: dt.datetime,
    type: str,
    with_whom: str,
    summary: str,
    duration_minutes: int | None = None,
    others_present: str = "",
    episode: Episode | None = None,
    worker=None,
) -> Contact:
    """Record a contact with the child, their family or a partner agency.

    The contact joins the child's open episode unless one is given; it counts as the
    child's last contact (`last_contact_on`). Never in the future; not on closed support.
    """
    check_processing_allowed(child.pk)
    if child.merged_into_id:
        raise DomainError("This record was merged into another; record the contact there.")
    chosen = episode is None
    if episode is None:
        episode = Episode.objects.open().filter(child=child).order_by("-start_date", "-id").first()
    elif episode.child_id != child.pk:
        raise DomainError("This support belongs to another child.", field="episode")
    else:
        _require_open(episode, "record a contact on this support")
    if contacted_at > now:
        raise DomainError("The date and time of the contact cannot be in the future.", field="contacted_at")
    day = timezone.localtime(contacted_at).date() if timezone.is_aware(contacted_at) else contacted_at.date()
    if episode is not None and day < episode.start_date:
        if not chosen:
            raise DomainError(f"The contact cannot be before support started ({episode.start_date:%-d %B %Y}).",
                              field="contacted_at")
        episode = None  # A contact before support started belongs to the child, not the episode.
    check_choice(type, ContactType.values, "Choose how the contact took place from the list.", field="type")
    check_choice(with_whom, ContactWith.values, "Choose who the contact was with from the list.", field="with_whom")
    if duration_minutes is not None and not 1 <= duration_minutes <= 600:
        raise DomainError("The duration must be between 1 minute and 10 hours.", field="duration_minutes")
    if not (summary or "").strip():
        raise DomainError("Write a summary of the contact.", field="summary")
    contact = Contact.objects.create(
        child=child, episode=episode, contacted_at=contacted_at, type=type, with_whom=with_whom,
        duration_minutes=duration_minutes, summary=summary, others_present=others_present,
        worker=worker or _by(by), recorded_by=_by(by),
    )
    record_event(by=by, verb="recorded_contact", obj=contact, child=child.pk,
                 details={"type": type, "with": with_whom})
    return contact


@transaction.atomic
def make_onward_referral(*, by, episode: Episode, service: str, referred_on: dt.date, today: dt.date) -> OnwardReferral:
    """Refer the child on to another service."""
    _require_open(episode, "make an onward referral")
    _check_day(referred_on, episode=episode, today=today, what="The referral date", field="referred_on")
    if service not in OnwardService.values:
        raise DomainError("Choose the service.", field="service")
    onward = OnwardReferral.objects.create(
        episode=episode, service=service, referred_on=referred_on, status=OnwardStatus.MADE,
        status_on=referred_on, recorded_by=_by(by),
    )
    record_event(by=by, verb="made_onward_referral", obj=onward, child=episode.child_id,
                 details={"service": service})
    return onward


@transaction.atomic
def update_onward_referral(*, by, onward: OnwardReferral, status: str, status_on: dt.date, today: dt.date) -> OnwardReferral:
    """Record where an onward referral has got to."""
    check_processing_allowed(onward.episode.child_id)
    if status not in OnwardStatus.values:
        raise DomainError("Choose a status.", field="status")
    if status_on < onward.referred_on or status_on > today:
        raise DomainError("The date must be between the referral date and today.", field="status_on")
    onward.status, onward.status_on = status, status_on
    onward.save(update_fields=["status", "status_on"])
    record_event(by=by, verb="updated_onward_referral", obj=onward, child=onward.episode.child_id,
                 details={"status": status})
    return onward


# The referral's stage follows its episode. These are the referrals app's Stage codes, written
# as strings because referrals sits above casework (a test in referrals checks they exist).
REFERRAL_STAGE_CLOSED = "closed"
REFERRAL_STAGE_ACCEPTED = "accepted"


def _referral_follows(episode: Episode, stage: str) -> None:
    referral = episode.referral if episode.referral_id else None
    if referral is not None:
        referral.stage = stage
        referral.save(update_fields=["stage"])


def completion_shortfall(episode: Episode) -> list[str]:
    """What the episode's programme requires for "successfully completed" that is not met, in plain words.

    Empty when the requirements are met. The share of planned sessions attended is counted against the
    plan in force (the latest agreed); without a plan, nothing was planned to attend.
    """
    programme = episode.programme
    share = programme.completion_min_attended_percent
    if not share and not programme.completion_needs_review:
        return []
    plan = Plan.objects.current().in_force().filter(episode=episode).order_by("-agreed_on", "-id").first()
    if plan is None:
        return ["No plan was agreed with the child."]
    missing = []
    attended = episode.sessions.current().filter(attendance=Attendance.ATTENDED).count()
    needed = -(-plan.planned_sessions * share // 100)  # rounded up
    if attended < needed:
        missing.append(f"The child attended {attended} of {plan.planned_sessions} planned sessions; "
                       f"{programme.name} asks for {share}% ({needed}).")
    # A review of any version of the plan counts (a new version keeps the reviews of the one it replaced).
    reviewed = PlanReview.objects.current().filter(plan__episode=episode).exists()
    if programme.completion_needs_review and not reviewed:
        missing.append("The plan was not reviewed with the child.")
    return missing


@transaction.atomic
def close_episode(
    *,
    by,
    episode: Episode,
    end_date: dt.date,
    today: dt.date,
    reason: str,
    successfully_completed: bool | None,
    exit_plan: str = "",
    completion_reason: str = "",
) -> Episode:
    """Close an episode with a reason and the 'successfully completed' flag.

    "Successfully completed" below what the programme requires (completion_shortfall) needs the
    worker's reason, and then waits for a manager (confirm_completion): until confirmed the episode
    counts as not successfully completed. Completers also get follow-up checkpoints counted from
    closure (the secondary view). The referral's stage becomes "Support ended".
    """
    _require_open(episode, "close this support")
    _check_day(end_date, episode=episode, today=today, what="The closure date", field="end_date")
    if reason not in ClosureReason.values:
        raise DomainError("Choose the reason support ended.", field="reason")
    if successfully_completed is None:
        raise DomainError("Say whether the child successfully completed the programme.",
                          field="successfully_completed")
    last_session = episode.sessions.current().order_by("-date").values_list("date", flat=True).first()
    if last_session and end_date < last_session:
        raise DomainError("The closure date cannot be before the last session.", field="end_date")
    pending = False
    if successfully_completed:
        shortfall = completion_shortfall(episode)
        if shortfall and not completion_reason.strip():
            raise DomainError(
                " ".join(shortfall) + " To record it as successfully completed, give the reason; "
                "a team or service manager then confirms it.", field="completion_reason")
        pending = bool(shortfall)
    episode.end_date = end_date
    episode.closure_reason = reason
    episode.successfully_completed = successfully_completed and not pending
    episode.completion_pending = pending
    episode.completion_reason = completion_reason.strip() if pending else ""
    episode.completion_asked_by = _by(by) if pending else None
    episode.exit_plan = exit_plan
    episode.save(update_fields=["end_date", "closure_reason", "successfully_completed", "exit_plan",
                                "completion_pending", "completion_reason", "completion_asked_by"])
    _referral_follows(episode, REFERRAL_STAGE_CLOSED)
    record_event(by=by, verb="closed_episode", obj=episode, child=episode.child_id,
                 details={"reason": reason, "completed": episode.successfully_completed,
                          "completion_pending": pending})
    if episode.successfully_completed and episode.referral_id:
        _schedule(by=by, referral=episode.referral, anchor=Anchor.CLOSURE, anchor_date=end_date,
                  group=FollowUpGroup.PARTICIPANT)
    return episode


@transaction.atomic
def confirm_completion(*, by, episode: Episode, confirmed: bool, today: dt.date) -> Episode:
    """A team or service manager decides a closure recorded as completed below the programme's requirements.

    Confirmed: the episode counts as successfully completed (and follow-up from closure starts).
    Not confirmed: it stays not successfully completed.
    """
    check_processing_allowed(episode.child_id)
    if not getattr(by, "pk", None) or not by.has_any_role(MANAGER_ROLES) or \
            not Episode.objects.visible_to(by).filter(pk=episode.pk).exists():
        raise DomainError("Only a team or service manager for this child can confirm a completion.")
    if not episode.completion_pending:
        raise DomainError("There is no completion waiting for a manager's decision on this support.")
    if episode.completion_asked_by_id == by.pk:
        raise DomainError("You asked for this completion: another team or service manager must confirm it.")
    episode.completion_pending = False
    episode.successfully_completed = confirmed
    episode.completion_decided_by = by
    episode.completion_decided_on = today
    episode.save(update_fields=["completion_pending", "successfully_completed", "completion_decided_by",
                                "completion_decided_on"])
    record_event(by=by, verb="decided_completion", obj=episode, child=episode.child_id,
                 details={"confirmed": confirmed})
    if confirmed and episode.referral_id and episode.end_date:
        _schedule(by=by, referral=episode.referral, anchor=Anchor.CLOSURE, anchor_date=episode.end_date,
                  group=FollowUpGroup.PARTICIPANT)
    return episode


@transaction.atomic
def reopen_episode(*, by, episode: Episode, reason: str) -> Episode:
    """Reopen a closed episode, recording why. Follow-up from closure is voided."""
    check_processing_allowed(episode.child_id)
    if episode.is_void:
        raise DomainError("This episode was voided; it cannot be reopened.")
    if episode.end_date is None:
        raise DomainError("This support is already open.")
    offer = getattr(episode.referral, "offer", None) if episode.referral_id else None
    if offer is not None and offer.withdrawn_on:
        raise DomainError(f"The child withdrew on {offer.withdrawn_on:%-d %B %Y}. If they want support again, "
                          "record a new referral.")
    if not reason.strip():
        raise DomainError("Give the reason for reopening.", field="reason")
    previous = {"end_date": episode.end_date.isoformat(), "reason": episode.closure_reason,
                "completed": episode.successfully_completed}
    episode.end_date = None
    episode.closure_reason = ""
    episode.successfully_completed = None
    episode.completion_pending = False
    episode.completion_reason = ""
    episode.completion_asked_by = episode.completion_decided_by = episode.completion_decided_on = None
    episode.reopened_count += 1
    episode.save(update_fields=["end_date", "closure_reason", "successfully_completed", "reopened_count",
                                "completion_pending", "completion_reason", "completion_asked_by",
                                "completion_decided_by", "completion_decided_on"])
    _referral_follows(episode, REFERRAL_STAGE_ACCEPTED)
    FollowUpCheckpoint.objects.current().filter(referral_id=episode.referral_id, anchor=Anchor.CLOSURE).update(
        voided_at=timezone.now(), voided_by=_by(by), void_reason="Episode reopened"
    )
    record_event(by=by, verb="reopened_episode", obj=episode, child=episode.child_id,
                 details={"previous": previous, "reason_given": True})
    return episode
