"""Pages for the work with a child: assessment, plan, sessions, onward referrals, closure."""

from __future__ import annotations

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from divert.accounts.models import MANAGER_ROLES, PATHWAY_ROLES
from divert.audit.actions import void_record
from divert.casework import actions
from divert.casework.forms import (
    NEED_DOMAINS,
    RATINGS,
    AssessmentForm,
    CloseForm,
    OnwardReferralForm,
    OnwardStatusForm,
    PlanForm,
    PlanReviewForm,
    ReasonForm,
    SessionForm,
)
from divert.casework.models import Assessment, Episode, OnwardReferral, Plan, Session
from divert.casework.status_forms import apply_status_answers, current_statuses
from divert.core.access import allow, get_visible_or_404
from divert.core.pages import form_page


def _episode(request, episode_id: int) -> Episode:
    return get_visible_or_404(
        Episode.objects.visible_to(request.user).select_related("child", "tier"), request.user, pk=episode_id
    )


def _child_url(episode: Episode) -> str:
    return reverse("web:child_detail", args=[episode.child_id])


def _ratings(data: dict) -> dict[str, int]:
    return {code: int(data[f"rating_{code}"]) for code, _ in RATINGS if data.get(f"rating_{code}")}


@allow(*PATHWAY_ROLES)
def assessment(request: HttpRequest, episode_id: int) -> HttpResponse:
    """Record an assessment with the child's view and baseline self-ratings."""
    episode = _episode(request, episode_id)
    today = timezone.localdate()

    @transaction.atomic
    def save(data):
        result = actions.record_assessment(
            by=request.user, episode=episode, assessed_on=data["assessed_on"], today=today,
            needs={code: int(data[f"need_{code}"]) for code, _ in NEED_DOMAINS},
            strengths=data.get("strengths", ""), child_view=data.get("child_view", ""),
            exploitation_risk=data["exploitation_risk"], summary=data.get("summary", ""),
        )
        scores = _ratings(data)
        if scores:
            actions.record_scores(by=request.user, episode=episode, instrument=actions.self_ratings_instrument(),
                                  timepoint="start", taken_on=data["assessed_on"], today=today, scores=scores)
        apply_status_answers(by=request.user, child=episode.child, data=data, day=data["assessed_on"],
                             today=today, source="assessment")
        return result

    return form_page(request, AssessmentForm, heading="Assessment", caption=episode.child.full_name, save=save,
                     form_kwargs={"current": current_statuses(episode.child, today)},
                     success_url=_child_url(episode), success_message="Assessment saved.",
                     back_url=_child_url(episode))


@allow(*PATHWAY_ROLES)
def plan(request: HttpRequest, episode_id: int) -> HttpResponse:
    """Record the plan agreed with the child."""
    episode = _episode(request, episode_id)
    today = timezone.localdate()
    intro = ""
    if episode.tier:
        intro = (f"{episode.tier}: usually {episode.tier.planned_sessions} sessions over "
                 f"{episode.tier.planned_weeks} weeks.")
    return form_page(
        request, PlanForm, heading="Plan", caption=episode.child.full_name, intro=intro,
        save=lambda d: actions.agree_plan(
            by=request.user, episode=episode, agreed_on=d["agreed_on"], today=today, goals=d["goals"],
            planned_sessions=d.get("planned_sessions"), target_end_date=d.get("target_end_date")),
        success_url=_child_url(episode), success_message="Plan saved.", back_url=_child_url(episode),
    )


@allow(*PATHWAY_ROLES)
def session(request: HttpRequest, episode_id: int) -> HttpResponse:
    """Record a session or contact."""
    episode = _episode(request, episode_id)
    today = timezone.localdate()
    return form_page(
        request, SessionForm, heading="Record a session", caption=episode.child.full_name,
        save=lambda d: actions.record_session(
            by=request.user, episode=episode, date=d["date"], today=today, type=d["type"],
            attendance=d["attendance"], duration_minutes=d.get("duration_minutes"), place=d.get("place", ""),
            topics=d.get("topics", []), notes=d.get("notes", "")),
        success_url=_child_url(episode), success_message="Session recorded.", back_url=_child_url(episode),
    )


@allow(*PATHWAY_ROLES)
def onward(request: HttpRequest, episode_id: int) -> HttpResponse:
    """Record a referral on to another service."""
    episode = _episode(request, episode_id)
    today = timezone.localdate()
    return form_page(
        request, OnwardReferralForm, heading="Refer to another service", caption=episode.child.full_name,
        save=lambda d: actions.make_onward_referral(
            by=request.user, episode=episode, service=d["service"], referred_on=d["referred_on"], today=today),
        success_url=_child_url(episode), success_message="Onward referral recorded.", back_url=_child_url(episode),
    )


@allow(*PATHWAY_ROLES)
def close(request: HttpRequest, episode_id: int) -> HttpResponse:
    """Close support: reason, completion, end self-ratings, exit plan."""
    episode = _episode(request, episode_id)
    today = timezone.localdate()

    @transaction.atomic
    def save(data):
        scores = _ratings(data)
        if scores:
            actions.record_scores(by=request.user, episode=episode, instrument=actions.self_ratings_instrument(),
                                  timepoint="end", taken_on=data["end_date"], today=today, scores=scores)
        apply_status_answers(by=request.user, child=episode.child, data=data, day=data["end_date"],
                             today=today, source="closure")
        return actions.close_episode(
            by=request.user, episode=episode, end_date=data["end_date"], today=today, reason=data["reason"],
            successfully_completed=data["successfully_completed"], exit_plan=data.get("exit_plan", ""))

    return form_page(request, CloseForm, heading="Close support", caption=episode.child.full_name, save=save,
                     form_kwargs={"current": current_statuses(episode.child, today)},
                     success_url=_child_url(episode),
                     success_message="Support closed. Follow-up checks are on the child's record.",
                     back_url=_child_url(episode))


@allow(*MANAGER_ROLES)
def reopen(request: HttpRequest, episode_id: int) -> HttpResponse:
    """Reopen closed support, recording why."""
    episode = _episode(request, episode_id)
    return form_page(
        request, ReasonForm, heading="Reopen support", caption=episode.child.full_name,
        save=lambda d: actions.reopen_episode(by=request.user, episode=episode, reason=d["reason"]),
        success_url=_child_url(episode), success_message="Support reopened.", back_url=_child_url(episode),
    )


# Records a worker may mark as recorded in error, and how each reaches its episode.
VOIDABLE = {
    "session": (Session, "episode", "session"),
    "onward": (OnwardReferral, "episode", "onward referral"),
    "assessment": (Assessment, "episode", "assessment"),
    "plan": (Plan, "episode", "plan"),
}


@allow(*PATHWAY_ROLES)
def void(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    """Mark a record made in error as void (it is kept, marked, and left out of all figures)."""
    if kind not in VOIDABLE:
        raise Http404("Not found")
    model, path, noun = VOIDABLE[kind]
    record = get_visible_or_404(
        model.objects.current().filter(**{f"{path}__in": Episode.objects.visible_to(request.user)})
        .select_related(f"{path}__child"), request.user, pk=record_id,
    )
    episode = getattr(record, path)
    return form_page(
        request, ReasonForm, heading=f"Mark this {noun} as recorded in error", caption=episode.child.full_name,
        intro=f"The {noun} will be kept on the record, marked as recorded in error, and left out of all figures.",
        save=lambda d: void_record(by=request.user, record=record, reason=d["reason"]),
        success_url=_child_url(episode), success_message=f"The {noun} is marked as recorded in error.",
        back_url=_child_url(episode), danger=True, submit_label="Mark as recorded in error",
    )


@allow(*PATHWAY_ROLES)
def review(request: HttpRequest, episode_id: int) -> HttpResponse:
    """Record a review of the latest plan."""
    episode = _episode(request, episode_id)
    today = timezone.localdate()

    def save(data):
        return actions.review_plan(by=request.user, episode=episode, reviewed_on=data["reviewed_on"], today=today,
                                   notes=data.get("notes", ""))

    return form_page(request, PlanReviewForm, heading="Review the plan", caption=episode.child.full_name, save=save,
                     success_url=_child_url(episode), success_message="Plan review recorded.",
                     back_url=_child_url(episode))


@allow(*PATHWAY_ROLES)
def onward_status(request: HttpRequest, onward_id: int) -> HttpResponse:
    """Update where an onward referral has got to."""
    onward = get_visible_or_404(
        OnwardReferral.objects.current().filter(episode__in=Episode.objects.visible_to(request.user))
        .select_related("episode__child"), request.user, pk=onward_id)
    today = timezone.localdate()
    return form_page(
        request, OnwardStatusForm, heading=f"Referral to {onward.get_service_display()}",
        caption=onward.episode.child.full_name,
        save=lambda d: actions.update_onward_referral(by=request.user, onward=onward, status=d["status"],
                                                      status_on=d["status_on"], today=today),
        form_kwargs={"initial": {"status": onward.status}},
        success_url=_child_url(onward.episode), success_message="Onward referral updated.",
        back_url=_child_url(onward.episode),
    )
