"""What is due on a worker's caseload ("my work"), in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max, OuterRef, Subquery
from django.urls import reverse

from divert.casework.codes import CheckpointStatus
from divert.casework.models import (
    ASSESSMENT_DUE_DAYS,
    Episode,
    FollowUpCheckpoint,
    Plan,
    PlanReview,
    last_contact_on,
)
from divert.core.dates import add_working_days
from divert.referrals.codes import Eligibility, ScreeningDecision, Stage
from divert.referrals.models import Referral

SESSION_GAP_DAYS = 14
REVIEW_EVERY_WEEKS = 6
FOLLOW_UP_LOOKAHEAD_DAYS = 14
ANCHOR_WORDS = {"offer": "the offer", "closure": "closure"}


@dataclass(frozen=True)
class Due:
    """One thing to do for a child."""

    child_id: int
    child_name: str
    task: str
    due_on: dt.date
    url: str
    overdue: bool


def _item(child, task, due_on, url, today) -> Due:
    return Due(child.pk, child.full_name, task, due_on, url, due_on < today)


def due_items(*, user, children, today: dt.date) -> tuple[list[Due], list[Due]]:
    """What is due for `children` (a queryset already scoped to `user`), soonest first.

    Returns the worker's tasks, and separately the follow-up checks, which police data
    completes (they are never the worker's overdue task).
    """
    items: list[Due] = []
    referrals = (
        Referral.objects.current().filter(child__in=children, stage__in=[Stage.RECEIVED, Stage.OFFERED])
        .select_related("child", "programme", "screening", "offer")
    )
    for r in referrals:
        screening = getattr(r, "screening", None)
        if r.stage == Stage.RECEIVED and screening is None:
            if r.released_at:
                hours = r.programme.custody_contact_hours
                due = (r.released_at + dt.timedelta(hours=hours)).date()
                items.append(_item(r.child, f"First contact (within {hours} hours of release)", due,
                                   reverse("referrals:screen", args=[r.pk]), today))
            # A referral that needs a manager's eligibility decision is screened after it.
            if r.eligibility == Eligibility.ELIGIBLE:
                due = add_working_days(r.received_on, r.programme.screening_days)
                items.append(_item(r.child, "Screening", due, reverse("referrals:screen", args=[r.pk]), today))
        elif r.stage == Stage.RECEIVED and screening.decision != ScreeningDecision.SCREENED_OUT:
            items.append(_item(r.child, "Offer support", add_working_days(screening.decided_on, 5),
                               reverse("referrals:offer", args=[r.pk]), today))
        elif r.stage == Stage.OFFERED:
            items.append(_item(r.child, "Record the child's answer", r.offer.offered_on + dt.timedelta(days=14),
                               reverse("referrals:consent", args=[r.pk]), today))

    latest_plan = Plan.objects.current().in_force().filter(episode=OuterRef("pk"))
    latest_review = (PlanReview.objects.current().filter(plan__episode=OuterRef("pk"))
                     .order_by("-reviewed_on").values("reviewed_on")[:1])
    episodes = (
        Episode.objects.open().filter(child__in=children).select_related("child")
        .annotate(
            last_contact=last_contact_on(OuterRef("child_id")),
            plan_agreed=Subquery(latest_plan.values("agreed_on")[:1]),
            plan_target=Subquery(latest_plan.values("target_end_date")[:1]),
            last_review=Subquery(latest_review),
            last_assessed=Max("assessments__assessed_on"),
        )
    )
    for e in episodes:
        if e.last_assessed is None:
            items.append(_item(e.child, "Assessment", e.start_date + dt.timedelta(days=ASSESSMENT_DUE_DAYS),
                               reverse("casework:assessment", args=[e.pk]), today))
        if e.plan_agreed is None:
            items.append(_item(e.child, "Plan", e.start_date + dt.timedelta(days=21),
                               reverse("casework:plan", args=[e.pk]), today))
        else:
            reviewed = max(filter(None, [e.plan_agreed, e.last_review]))
            items.append(_item(e.child, "Plan review", reviewed + dt.timedelta(weeks=REVIEW_EVERY_WEEKS),
                               reverse("web:child_detail", args=[e.child_id]), today))
        # A session or any contact with the child restarts the gap (the one "last contact" rule).
        base = max(e.start_date, e.last_contact or e.start_date)
        items.append(_item(e.child, "Session", base + dt.timedelta(days=SESSION_GAP_DAYS),
                           reverse("casework:session", args=[e.pk]), today))
        if e.plan_target and e.plan_target <= today + dt.timedelta(days=14):
            items.append(_item(e.child, "Closure (plan end date)", e.plan_target,
                               reverse("casework:close", args=[e.pk]), today))

    follow_ups: list[Due] = []
    checkpoints = (
        FollowUpCheckpoint.objects.current().filter(child__in=children)
        .exclude(status=CheckpointStatus.COMPLETE)
        .filter(due_on__lte=today + dt.timedelta(days=FOLLOW_UP_LOOKAHEAD_DAYS))
        .select_related("child")
    )
    for c in checkpoints:
        awaiting = c.status == CheckpointStatus.AWAITING_DATA or c.due_on <= today
        label = "awaiting police data" if awaiting else "due soon"
        follow_ups.append(Due(c.child_id, c.child.full_name,
                              f"{c.months}-month follow-up from {ANCHOR_WORDS[c.anchor]} ({label})",
                              c.due_on, reverse("web:child_detail", args=[c.child_id]), False))
    items.sort(key=lambda d: (d.due_on, d.child_name, d.task))
    follow_ups.sort(key=lambda d: (d.due_on, d.child_name), reverse=True)
    return items, follow_ups
