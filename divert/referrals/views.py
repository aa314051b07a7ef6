"""Pages for the front of the pathway: referral, screening, offer, consent, allocation."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from divert.accounts.models import MANAGER_ROLES, PATHWAY_ROLES, Programme, Team, User
from divert.audit.actions import record_event
from divert.casework.models import Episode
from divert.core.access import allow, get_visible_or_404
from divert.core.dates import add_working_days
from divert.core.pages import form_page
from divert.offending.actions import record_offence
from divert.offending.models import OffenceType
from divert.people.actions import allocate_child
from divert.people.forms import CorrectDetailsForm
from divert.people.models import Child
from divert.referrals import actions
from divert.referrals.codes import Decision, Eligibility, Stage
from divert.referrals.forms import (
    AllocateForm,
    ConsentForm,
    EligibilityDecisionForm,
    OfferForm,
    ReferralForm,
    ScreeningForm,
    WithdrawForm,
)
from divert.referrals.models import Referral


def _child_url(child_id: int) -> str:
    return reverse("web:child_detail", args=[child_id])


@allow(*PATHWAY_ROLES)
def new_referral(request: HttpRequest, child_id: int) -> HttpResponse:
    """Record a referral for a child already found or created."""
    child = get_visible_or_404(Child, request.user, pk=child_id)
    today = timezone.localdate()
    programmes = Programme.objects.filter(organisation_id=child.organisation_id, active=True)
    offence_types = OffenceType.objects.filter(
        Q(organisation__isnull=True) | Q(organisation_id=child.organisation_id)
    ).order_by("description")

    @transaction.atomic
    def save(data):
        offences = []
        if data.get("offence_type"):
            offences.append(record_offence(
                by=request.user, child=child, committed_on=data["offence_date"], today=today,
                offence_type=data["offence_type"], gravity_score=data.get("gravity_score"),
            ))
        return actions.create_referral(
            by=request.user, child=child, programme=data["programme"], source=data["source"],
            received_on=data["received_on"], today=today, reason=data.get("reason", ""),
            offences=offences, exclusion=data.get("exclusion") or "",
        )

    return form_page(
        request, ReferralForm, heading="Record a referral", caption=child.full_name, save=save,
        form_kwargs={"programmes": programmes, "offence_types": offence_types},
        success_url=lambda r: _child_url(child.pk),
        success_message="Referral recorded.", back_url=_child_url(child.pk),
    )


@allow(*PATHWAY_ROLES)
def screen(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Record the screening decision."""
    referral = get_visible_or_404(Referral.objects.visible_to(request.user).select_related("child"),
                                  request.user, pk=referral_id)
    today = timezone.localdate()

    def save(data):
        return actions.screen_referral(
            by=request.user, referral=referral, decision=data["decision"], decided_on=data["decided_on"],
            today=today, concerns=data.get("concerns", []), agency=data.get("agency", ""),
            tier=data.get("tier") or None, notes=data.get("notes", ""),
        )

    return form_page(
        request, ScreeningForm, heading="Screening", caption=referral.child.full_name, save=save,
        form_kwargs={"tiers": referral.programme.tiers.all()},
        success_url=lambda s: _child_url(referral.child_id), success_message="Screening decision recorded.",
        back_url=_child_url(referral.child_id),
        intro="Decide the most appropriate agency. Children with no concerns can be given a light-touch offer.",
    )


@allow(*PATHWAY_ROLES)
def offer(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Record that support was offered."""
    referral = get_visible_or_404(Referral.objects.visible_to(request.user).select_related("child"),
                                  request.user, pk=referral_id)
    today = timezone.localdate()
    return form_page(
        request, OfferForm, heading="Offer support", caption=referral.child.full_name,
        save=lambda d: actions.offer_support(by=request.user, referral=referral, offered_on=d["offered_on"], today=today),
        success_url=_child_url(referral.child_id), success_message="Offer recorded.",
        back_url=_child_url(referral.child_id),
        intro="Support is voluntary. The date of the offer is when follow-up is counted from, "
              "whether or not the child accepts.",
    )


@allow(*PATHWAY_ROLES)
def consent(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Record the child's (and parent's) answer to the offer."""
    referral = get_visible_or_404(Referral.objects.visible_to(request.user).select_related("child", "offer"),
                                  request.user, pk=referral_id)
    today = timezone.localdate()
    the_offer = getattr(referral, "offer", None)
    parent_needed = the_offer is not None and the_offer.parent_decision != Decision.NOT_REQUIRED

    def save(data):
        return actions.record_consent(
            by=request.user, referral=referral, child_decision=data["child_decision"],
            parent_decision=data.get("parent_decision"), decided_on=data["decided_on"], today=today,
            reason=data.get("reason", ""),
        )

    return form_page(
        request, ConsentForm, heading="The child's answer", caption=referral.child.full_name, save=save,
        form_kwargs={"parent_needed": parent_needed},
        success_url=_child_url(referral.child_id), success_message="Answer recorded.",
        back_url=_child_url(referral.child_id),
    )


def _allocation_team(request: HttpRequest, child: Child, teams):
    """The team whose workers the page offers: the one chosen (the form, or a link), else the
    child's, else the team whose queue holds the child's waiting referral."""
    chosen = request.POST.get("team") or request.GET.get("team")
    if chosen and str(chosen).isdigit() and len(str(chosen)) < 19:
        team = teams.filter(pk=int(chosen)).first()
        if team is not None:
            return team
    if child.team_id:
        return child.team
    waiting = child.referrals.on_queue().exclude(team__isnull=True).order_by("-received_on").first()
    return waiting.team if waiting else teams.first()


@allow(*MANAGER_ROLES)
def allocate(request: HttpRequest, child_id: int) -> HttpResponse:
    """Allocate, reallocate or transfer a child to a team and one of that team's workers."""
    child = get_visible_or_404(Child, request.user, pk=child_id)
    teams = Team.objects.filter(organisation_id=child.organisation_id).order_by("name")
    team = _allocation_team(request, child, teams)
    workers = User.objects.filter(teams=team, is_active=True, role_grants__role__in=PATHWAY_ROLES).distinct()
    # People the record is restricted from cannot be allocated it (allocate_child refuses too).
    workers = workers.exclude(pk__in=child.record_restrictions.active().values("user_id")).order_by(
        "first_name", "last_name")
    worker = child.worker if child.worker_id and child.team_id == getattr(team, "pk", None) else None
    return form_page(
        request, AllocateForm, heading="Allocate", caption=child.full_name,
        save=lambda d: allocate_child(by=request.user, child=child, team=d["team"], worker=d.get("worker"),
                                      reason=d.get("reason", "")),
        form_kwargs={"teams": teams, "workers": workers, "initial": {"team": team, "worker": worker}},
        success_url=reverse("referrals:queue"), success_message="Allocation saved.",
        back_url=_child_url(child.pk), template="referrals/allocate.html",
        team=team, other_teams=[t for t in teams if t != team], child=child,
    )


@allow(*MANAGER_ROLES)
def decide(request: HttpRequest, referral_id: int) -> HttpResponse:
    """A manager decides eligibility the rules could not (a detail not recorded)."""
    referral = get_visible_or_404(Referral.objects.visible_to(request.user).select_related("child"),
                                  request.user, pk=referral_id)
    today = timezone.localdate()
    return form_page(
        request, EligibilityDecisionForm, heading="Decide eligibility", caption=referral.child.full_name,
        save=lambda d: actions.decide_eligibility(by=request.user, referral=referral, eligible=d["eligible"] == "yes",
                                                  reason=d["reason"], today=today),
        success_url=reverse("referrals:queue"), success_message="Eligibility decided.",
        back_url=reverse("referrals:queue"),
        intro=f"The rules could not decide: {referral.undecided_reason or 'nothing is missing.'}",
    )


@allow(*MANAGER_ROLES)
def queue(request: HttpRequest) -> HttpResponse:
    """Referrals waiting for a worker or an eligibility decision, oldest first."""
    waiting = (
        Referral.objects.visible_to(request.user).on_queue()
        .select_related("child", "programme", "team").order_by("received_on", "id")
    )
    record_event(by=request.user, verb="listed_children", details={"page": "queue"})
    today = timezone.localdate()
    rows = [queue_row(r, today) for r in waiting[:200]]
    return render(request, "referrals/queue.html", {"rows": rows, "count": waiting.count()})


def queue_row(referral: Referral, today) -> dict:
    """One line of the queue: its age in days and the programme's timeliness flags."""
    programme = referral.programme
    screening_due = None
    if referral.stage == Stage.RECEIVED and referral.eligibility == Eligibility.ELIGIBLE:
        screening_due = add_working_days(referral.received_on, programme.screening_days)
    allocation_due = add_working_days(referral.received_on, programme.allocation_days)
    return {
        "referral": referral, "age_days": (today - referral.received_on).days,
        "needs_decision": referral.eligibility == Eligibility.UNDECIDED,
        "screening_due": screening_due, "screening_overdue": bool(screening_due and screening_due < today),
        "allocation_due": allocation_due, "allocation_overdue": allocation_due < today,
    }


@allow(*PATHWAY_ROLES)
def correct_details(request: HttpRequest, child_id: int) -> HttpResponse:
    """Correct the child's details, with a reason kept alongside the old and new values; the
    child's referrals waiting on their eligibility are checked again."""
    child = get_visible_or_404(Child, request.user, pk=child_id)
    if request.method == "GET":
        # Opening the page shows the child's details: audited like the record page.
        record_event(by=request.user, verb="viewed_child", obj=child, child=child, details={"page": "details"})
    fields = [f for f in CorrectDetailsForm.base_fields if f != "reason" and f != "confirm_not_duplicate"]

    def save(data):
        changes = {f: data[f] for f in fields}
        return actions.correct_child_details(by=request.user, child=child, today=timezone.localdate(),
                                             reason=data["reason"], **changes)

    return form_page(
        request, CorrectDetailsForm, heading="Correct details", caption=child.full_name, save=save,
        form_kwargs={"initial": {f: getattr(child, f) for f in fields}},
        success_url=_child_url(child.pk), success_message="Details corrected. The previous values are kept.",
        back_url=_child_url(child.pk), submit_label="Save the correction",
    )


@allow(*PATHWAY_ROLES)
def withdraw(request: HttpRequest, episode_id: int) -> HttpResponse:
    """The child withdraws from support; they stay a participant for follow-up."""
    episode = get_visible_or_404(
        Episode.objects.visible_to(request.user).select_related("child", "referral__offer"),
        request.user, pk=episode_id,
    )
    today = timezone.localdate()
    return form_page(
        request, WithdrawForm, heading="The child withdraws from support", caption=episode.child.full_name,
        intro="Support closes. For follow-up the child stays in the participant group, because they accepted "
              "the offer.",
        save=lambda d: actions.withdraw_consent(by=request.user, episode=episode, withdrawn_on=d["withdrawn_on"],
                                                today=today, reason=d["reason"]),
        success_url=_child_url(episode.child_id), success_message="Withdrawal recorded and support closed.",
        back_url=_child_url(episode.child_id),
    )
