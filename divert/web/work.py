"""What is due on a worker's caseload ("my work"), in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max, OuterRef, Subquery

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
from divert.web.links import urls_by_id

SESSION_GAP_DAYS = 14
REVIEW_EVERY_WEEKS = 6
FOLLOW_UP_LOOKAHEAD_DAYS = 14
ANCHOR_WORDS = {"offer": "the offer", "closure": "closure"}
CHILD_NAME = ("child__first_name", "child__preferred_name", "child__last_name")  # for Child.full_name


@dataclass(frozen=True)
class Due:
    """One thing to do for a child."""

    child_id: int
    child_name: str
    task: str
    due_on: dt.date
    url: str
    overdue: bool
    child_url: str = ""  # the child's record


class _Links:
    """The pages My work links to, each reversed once per page (a caseload has hundreds of links)."""

    def __init__(self) -> None:
        self.child = urls_by_id("web:child_detail")
        self.screen, self.offer = urls_by_id("referrals:screen"), urls_by_id("referrals:offer")
        self.consent = urls_by_id("referrals:consent")
        self.assessment, self.plan = urls_by_id("casework:assessment"), urls_by_id("casework:plan")
        self.session, self.close = urls_by_id("casework:session"), urls_by_id("casework:close")


def _item(child, task, due_on, url, today, links: _Links) -> Due:
    return Due(child.pk, child.full_name, task, due_on, url, due_on < today, links.child(child.pk))


def due_items(*, user, children, today: dt.date) -> tuple[list[Due], list[Due]]:
    """What is due for `children` (a queryset already scoped to `user`), soonest first.

    Returns the worker's tasks, and separately the follow-up checks, which police data
    completes (they are never the worker's overdue task).
    """
    items: list[Due] = []
    links = _Links()
    referrals = (
        Referral.objects.current().filter(child__in=children, stage__in=[Stage.RECEIVED, Stage.OFFERED])
        .select_related("child", "programme", "screening", "offer")
        # Only what the tasks need: a large caseload makes hundreds of these objects.
        .only("stage", "released_at", "eligibility", "received_on", *CHILD_NAME, "programme__custody_contact_hours",
              "programme__screening_days", "screening__decision", "screening__decided_on", "offer__offered_on")
    )
    for r in referrals:
        screening = getattr(r, "screening", None)
        if r.stage == Stage.RECEIVED and screening is None:
            if r.released_at:
                hours = r.programme.custody_contact_hours
                due = (r.released_at + dt.timedelta(hours=hours)).date()
                items.append(_item(r.child, f"First contact (within {hours} hours of release)", due,
                                   links.screen(r.pk), today, links))
            # A referral that needs a manager's eligibility decision is screened after it.
            if r.eligibility == Eligibility.ELIGIBLE:
                due = add_working_days(r.received_on, r.programme.screening_days)
                items.append(_item(r.child, "Screening", due, links.screen(r.pk), today, links))
        elif r.stage == Stage.RECEIVED and screening.decision != ScreeningDecision.SCREENED_OUT:
            items.append(_item(r.child, "Offer support", add_working_days(screening.decided_on, 5),
                               links.offer(r.pk), today, links))
        elif r.stage == Stage.OFFERED:
            items.append(_item(r.child, "Record the child's answer", r.offer.offered_on + dt.timedelta(days=14),
                               links.consent(r.pk), today, links))

    latest_plan = Plan.objects.current().in_force().filter(episode=OuterRef("pk"))
    latest_review = (PlanReview.objects.current().filter(plan__episode=OuterRef("pk"))
                     .order_by("-reviewed_on").values("reviewed_on")[:1])
    episodes = (
        Episode.objects.open().filter(child__in=children).select_related("child").only("start_date", *CHILD_NAME)
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
                               links.assessment(e.pk), today, links))
        if e.plan_agreed is None:
            items.append(_item(e.child, "Plan", e.start_date + dt.timedelta(days=21),
                               links.plan(e.pk), today, links))
        else:
            reviewed = max(filter(None, [e.plan_agreed, e.last_review]))
            items.append(_item(e.child, "Plan review", reviewed + dt.timedelta(weeks=REVIEW_EVERY_WEEKS),
                               links.child(e.child_id), today, links))
        # A session or any contact with the child restarts the gap (the one "last contact" rule).
        base = max(e.start_date, e.last_contact or e.start_date)
        items.append(_item(e.child, "Session", base + dt.timedelta(days=SESSION_GAP_DAYS),
                           links.session(e.pk), today, links))
        if e.plan_target and e.plan_target <= today + dt.timedelta(days=14):
            items.append(_item(e.child, "Closure (plan end date)", e.plan_target,
                               links.close(e.pk), today, links))

    follow_ups: list[Due] = []
    checkpoints = (
        FollowUpCheckpoint.objects.current().filter(child__in=children)
        .exclude(status=CheckpointStatus.COMPLETE)
        .filter(due_on__lte=today + dt.timedelta(days=FOLLOW_UP_LOOKAHEAD_DAYS))
        .select_related("child").only("months", "anchor", "status", "due_on", *CHILD_NAME)
    )
    for c in checkpoints:
        awaiting = c.status == CheckpointStatus.AWAITING_DATA or c.due_on <= today
        label = "awaiting police data" if awaiting else "due soon"
        follow_ups.append(Due(c.child_id, c.child.full_name,
                              f"{c.months}-month follow-up from {ANCHOR_WORDS[c.anchor]} ({label})",
                              c.due_on, links.child(c.child_id), False, links.child(c.child_id)))
    items.sort(key=lambda d: (d.due_on, d.child_name, d.task))
    follow_ups.sort(key=lambda d: (d.due_on, d.child_name), reverse=True)
    return items, follow_ups
