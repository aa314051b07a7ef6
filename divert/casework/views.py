"""Pages for the work with a child: assessment, plan, sessions, onward referrals, closure."""

from __future__ import annotations

import datetime as dt
from operator import attrgetter

from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from divert.accounts.models import CHILD_ROLES, MANAGER_ROLES, PATHWAY_ROLES
from divert.audit.actions import void_record
from divert.casework import actions
from divert.casework.forms import (
    NEED_DOMAINS,
    RATINGS,
    AssessmentForm,
    CloseForm,
    ConfirmCompletionForm,
    ContactForm,
    OnwardReferralForm,
    OnwardStatusForm,
    PlanForm,
    PlanReviewForm,
    ReasonForm,
    SessionForm,
)
from divert.casework.models import (
    Assessment,
    Contact,
    Episode,
    MeasureScore,
    OnwardReferral,
    Plan,
    Session,
    Versioned,
)
from divert.casework.status_forms import apply_status_answers, current_statuses
from divert.casework.versions import answers, changes
from divert.core.access import allow, get_visible_or_404
from divert.core.pages import form_page
from divert.people.models import Child


def _episode(request, episode_id: int) -> Episode:
    return get_visible_or_404(
        Episode.objects.visible_to(request.user).select_related("child", "tier"), request.user, pk=episode_id
    )


def _child_url(episode: Episode) -> str:
    return reverse("web:child_detail", args=[episode.child_id])


def _ratings(data: dict) -> dict[str, int]:
    return {code: int(data[f"rating_{code}"]) for code, _ in RATINGS if data.get(f"rating_{code}")}


def _in_force(model: type[Assessment] | type[Plan], episode: Episode):
    """The version in force of the episode's assessment or plan, with who changed it, or None."""
    return model.objects.current().in_force().filter(episode=episode).select_related("recorded_by").first()


def _version_context(kind: str, current: Versioned | None, episode: Episode) -> dict:
    """What the form page says about the version it starts from."""
    if current is None:
        return {"template": "casework/versioned_form.html"}
    return {"template": "casework/versioned_form.html", "current": current,
            "versions_url": reverse(f"casework:{kind}_versions", args=[episode.pk]),
            "submit_label": "Save as a new version"}


def _assessment_initial(current: Assessment | None, start_scores: dict[str, int]) -> dict:
    if current is None:
        return {}
    return {
        "assessed_on": current.assessed_on, "child_view": current.child_view, "strengths": current.strengths,
        "exploitation_risk": current.exploitation_risk, "summary": current.summary,
        **{f"need_{code}": str(level) for code, level in (current.needs or {}).items()},
        **{f"rating_{code}": str(value) for code, value in start_scores.items()},
    }


def _start_scores(episode: Episode) -> dict[str, int]:
    """The latest self-ratings taken at the start of support, by item."""
    rows = (MeasureScore.objects.current().filter(episode=episode, timepoint="start",
                                                  instrument__code=actions.SELF_RATINGS_CODE)
            .order_by("item", "-taken_on", "-pk").values_list("item", "value"))
    scores: dict[str, int] = {}
    for item, value in rows:
        scores.setdefault(item, value)
    return scores


@allow(*PATHWAY_ROLES)
def assessment(request: HttpRequest, episode_id: int) -> HttpResponse:
    """Record an assessment with the child's view and baseline self-ratings; once recorded,
    the page opens it filled in and saving makes its next version."""
    episode = _episode(request, episode_id)
    today = timezone.localdate()
    current = _in_force(Assessment, episode)
    start_scores = _start_scores(episode)

    @transaction.atomic
    def save(data):
        # Need codes the form does not ask (from an import or older records) are carried over.
        needs = {**(current.needs if current else {}),
                 **{code: int(data[f"need_{code}"]) for code, _ in NEED_DOMAINS}}
        result = actions.record_assessment(
            by=request.user, episode=episode, assessed_on=data["assessed_on"], today=today, needs=needs,
            strengths=data.get("strengths", ""), child_view=data.get("child_view", ""),
            exploitation_risk=data["exploitation_risk"], summary=data.get("summary", ""),
        )
        scores = _ratings(data)
        # Unchanged self-ratings shown from before are not recorded a second time.
        if scores and scores != start_scores:
            actions.record_scores(by=request.user, episode=episode, instrument=actions.self_ratings_instrument(),
                                  timepoint="start", taken_on=data["assessed_on"], today=today, scores=scores)
        apply_status_answers(by=request.user, child=episode.child, data=data, day=data["assessed_on"],
                             today=today, source="assessment")
        return result

    return form_page(request, AssessmentForm, heading="Assessment", caption=episode.child.full_name, save=save,
                     form_kwargs={"current": current_statuses(episode.child, today),
                                  "initial": _assessment_initial(current, start_scores)},
                     success_url=_child_url(episode), success_message="Assessment saved.",
                     back_url=_child_url(episode), **_version_context("assessment", current, episode))


@allow(*PATHWAY_ROLES)
def plan(request: HttpRequest, episode_id: int) -> HttpResponse:
    """Record the plan agreed with the child; once agreed, the page opens it filled in and
    saving makes its next version."""
    episode = _episode(request, episode_id)
    today = timezone.localdate()
    current = _in_force(Plan, episode)
    initial = {}
    if current is not None:
        initial = {"agreed_on": current.agreed_on, "goals": current.goals,
                   "planned_sessions": current.planned_sessions, "target_end_date": current.target_end_date}
    intro = ""
    if episode.tier:
        intro = (f"{episode.tier}: usually {episode.tier.planned_sessions} sessions over "
                 f"{episode.tier.planned_weeks} weeks.")
    return form_page(
        request, PlanForm, heading="Plan", caption=episode.child.full_name, intro=intro,
        save=lambda d: actions.agree_plan(
            by=request.user, episode=episode, agreed_on=d["agreed_on"], today=today, goals=d["goals"],
            planned_sessions=d.get("planned_sessions"), target_end_date=d.get("target_end_date")),
        form_kwargs={"initial": initial},
        success_url=_child_url(episode), success_message="Plan saved.", back_url=_child_url(episode),
        **_version_context("plan", current, episode),
    )


# The records edited by versions, by the word in their URLs.
VERSIONED: dict[str, type[Assessment] | type[Plan]] = {"assessment": Assessment, "plan": Plan}


def _versioned(kind: str) -> type[Assessment] | type[Plan]:
    if kind not in VERSIONED:
        raise Http404("Not found")
    return VERSIONED[kind]


@allow(*CHILD_ROLES)
def versions(request: HttpRequest, episode_id: int, kind: str) -> HttpResponse:
    """Every version of the episode's assessment or plan, newest first (one query)."""
    model = _versioned(kind)
    episode = _episode(request, episode_id)
    rows = list(model.objects.filter(episode=episode).select_related("recorded_by").order_by("-recorded_at", "-pk"))
    return render(request, "casework/versions.html", {
        "episode": episode, "child": episode.child, "kind": kind, "noun": kind.capitalize(), "rows": rows,
        "version_url_name": f"casework:{kind}_version",
        "back_url": _child_url(episode),
    })


@allow(*CHILD_ROLES)
def assessment_version(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """One version of an assessment and what changed from the version before."""
    return _version_page(request, "assessment", assessment_id)


@allow(*CHILD_ROLES)
def plan_version(request: HttpRequest, plan_id: int) -> HttpResponse:
    """One version of a plan and what changed from the version before."""
    return _version_page(request, "plan", plan_id)


def _version_page(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    """One version's answers and what changed from the version it superseded."""
    model = _versioned(kind)
    record = get_visible_or_404(
        model.objects.filter(episode__in=Episode.objects.visible_to(request.user))
        .select_related("episode__child", "recorded_by", "supersedes", "superseded_by"),
        request.user, pk=record_id,
    )
    previous = record.supersedes
    return render(request, "casework/version.html", {
        "record": record, "child": record.episode.child, "kind": kind, "noun": kind.capitalize(),
        "version_url_name": f"casework:{kind}_version",
        "answers": answers(record), "previous": previous, "next": getattr(record, "superseded_by", None),
        "changes": changes(previous, record) if previous is not None else None,
        "versions_url": reverse(f"casework:{kind}_versions", args=[record.episode_id]),
        "back_url": reverse(f"casework:{kind}_versions", args=[record.episode_id]),
    })


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
def contact(request: HttpRequest, child_id: int) -> HttpResponse:
    """Record a contact with the child, their family or a partner agency."""
    child = get_visible_or_404(Child.objects.visible_to(request.user), request.user, pk=child_id)
    child_url = reverse("web:child_detail", args=[child.pk])

    def save(data):
        contacted_at = timezone.make_aware(dt.datetime.combine(data["contacted_at"], data["time"]))
        return actions.record_contact(
            by=request.user, child=child, contacted_at=contacted_at, now=timezone.now(), type=data["type"],
            with_whom=data["with_whom"], duration_minutes=data.get("duration_minutes"),
            others_present=data.get("others_present", ""), summary=data["summary"])

    return form_page(request, ContactForm, heading="Record a contact", caption=child.full_name, save=save,
                     success_url=lambda c: f"{child_url}#contact-{c.pk}", success_message="Contact recorded.",
                     back_url=child_url)


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
            successfully_completed=data["successfully_completed"], exit_plan=data.get("exit_plan", ""),
            completion_reason=data.get("completion_reason", ""))

    return form_page(request, CloseForm, heading="Close support", caption=episode.child.full_name, save=save,
                     form_kwargs={"current": current_statuses(episode.child, today)},
                     success_url=_child_url(episode),
                     success_message="Support closed. Follow-up checks are on the child's record.",
                     back_url=_child_url(episode))


@allow(*MANAGER_ROLES)
def confirm_completion(request: HttpRequest, episode_id: int) -> HttpResponse:
    """A manager confirms (or not) a completion recorded below the programme's requirements."""
    episode = _episode(request, episode_id)
    return form_page(
        request, ConfirmCompletionForm, heading="Confirm successful completion", caption=episode.child.full_name,
        intro=f"The worker's reason: {episode.completion_reason}" if episode.completion_pending else "",
        save=lambda d: actions.confirm_completion(by=request.user, episode=episode, confirmed=d["confirmed"],
                                                  today=timezone.localdate()),
        success_url=_child_url(episode), success_message="Completion decided.", back_url=_child_url(episode),
    )


@allow(*MANAGER_ROLES)
def reopen(request: HttpRequest, episode_id: int) -> HttpResponse:
    """Reopen closed support, recording why."""
    episode = _episode(request, episode_id)
    return form_page(
        request, ReasonForm, heading="Reopen support", caption=episode.child.full_name,
        save=lambda d: actions.reopen_episode(by=request.user, episode=episode, reason=d["reason"]),
        success_url=_child_url(episode), success_message="Support reopened.", back_url=_child_url(episode),
    )


# Records a worker may mark as recorded in error, and how each reaches its child.
VOIDABLE = {
    "session": (Session, "episode__child", "session"),
    "contact": (Contact, "child", "contact"),
    "onward": (OnwardReferral, "episode__child", "onward referral"),
    "assessment": (Assessment, "episode__child", "assessment"),
    "plan": (Plan, "episode__child", "plan"),
}


@allow(*PATHWAY_ROLES)
def void(request: HttpRequest, kind: str, record_id: int) -> HttpResponse:
    """Mark a record made in error as void (it is kept, marked, and left out of all figures)."""
    if kind not in VOIDABLE:
        raise Http404("Not found")
    model, path, noun = VOIDABLE[kind]
    record = get_visible_or_404(
        model.objects.current().filter(**{f"{path}__in": Child.objects.visible_to(request.user)})
        .select_related(path), request.user, pk=record_id,
    )
    child = attrgetter(path.replace("__", "."))(record)
    child_url = reverse("web:child_detail", args=[child.pk])
    return form_page(
        request, ReasonForm, heading=f"Mark this {noun} as recorded in error", caption=child.full_name,
        intro=f"The {noun} will be kept on the record, marked as recorded in error, and left out of all figures.",
        save=lambda d: void_record(by=request.user, record=record, reason=d["reason"]),
        success_url=child_url, success_message=f"The {noun} is marked as recorded in error.",
        back_url=child_url, danger=True, submit_label="Mark as recorded in error",
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
