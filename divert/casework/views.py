"""Pages for the work with a child: assessment, plan, sessions, onward referrals, closure."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse
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
    PlanForm,
    ReasonForm,
    SessionForm,
)
from divert.casework.models import Episode, Session
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
        return result

    return form_page(request, AssessmentForm, heading="Assessment", caption=episode.child.full_name, save=save,
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
        return actions.close_episode(
            by=request.user, episode=episode, end_date=data["end_date"], today=today, reason=data["reason"],
            successfully_completed=data["successfully_completed"], exit_plan=data.get("exit_plan", ""))

    return form_page(request, CloseForm, heading="Close support", caption=episode.child.full_name, save=save,
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


@allow(*PATHWAY_ROLES)
def void_session(request: HttpRequest, session_id: int) -> HttpResponse:
    """Void a session recorded in error (it is kept, marked void)."""
    record = get_visible_or_404(
        Session.objects.filter(episode__in=Episode.objects.visible_to(request.user)).select_related("episode__child"),
        request.user, pk=session_id,
    )
    return form_page(
        request, ReasonForm, heading="Remove a session recorded in error", caption=record.episode.child.full_name,
        intro="The session will be kept on the record, marked as recorded in error, and left out of all figures.",
        save=lambda d: void_record(by=request.user, record=record, reason=d["reason"]),
        success_url=_child_url(record.episode), success_message="Session marked as recorded in error.",
        back_url=_child_url(record.episode), danger=True, submit_label="Mark as recorded in error",
    )
