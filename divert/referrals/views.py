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
from divert.people.models import Child
from divert.referrals import actions
from divert.referrals.codes import Decision, Stage
from divert.referrals.forms import (
    AllocateForm,
    ConsentForm,
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


@allow(*MANAGER_ROLES)
def allocate(request: HttpRequest, child_id: int) -> HttpResponse:
    """Allocate, reallocate or transfer a child to a team and worker."""
    child = get_visible_or_404(Child, request.user, pk=child_id)
    teams = Team.objects.filter(organisation_id=child.organisation_id)
    workers = User.objects.filter(organisation_id=child.organisation_id, is_active=True,
                                  role_grants__role__in=PATHWAY_ROLES).distinct().order_by("first_name", "last_name")
    # People the record is restricted from cannot be allocated it (allocate_child refuses too).
    workers = workers.exclude(pk__in=child.record_restrictions.active().values("user_id"))
    return form_page(
        request, AllocateForm, heading="Allocate", caption=child.full_name,
        save=lambda d: allocate_child(by=request.user, child=child, team=d["team"], worker=d.get("worker")),
        form_kwargs={"teams": teams, "workers": workers, "initial": {"team": child.team, "worker": child.worker}},
        success_url=reverse("referrals:queue"), success_message="Allocation saved.",
        back_url=_child_url(child.pk),
    )


@allow(*MANAGER_ROLES)
def queue(request: HttpRequest) -> HttpResponse:
    """Referrals waiting for a worker, oldest first."""
    waiting = (
        Referral.objects.visible_to(request.user).current()
        .filter(child__worker__isnull=True, stage__in=[Stage.RECEIVED, Stage.OFFERED, Stage.ACCEPTED])
        .select_related("child", "programme", "team").order_by("received_on", "id")
    )
    record_event(by=request.user, verb="listed_children", details={"page": "queue"})
    today = timezone.localdate()
    rows = []
    for r in waiting[:200]:
        due = add_working_days(r.received_on, r.programme.screening_days) if r.stage == Stage.RECEIVED else None
        rows.append({"referral": r, "screening_due": due, "overdue": bool(due and due < today)})
    return render(request, "referrals/queue.html", {"rows": rows, "count": waiting.count()})


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
