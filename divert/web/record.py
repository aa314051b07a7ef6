"""Everything recorded about a child for the child record, in a fixed number of queries.

One query per kind of record, whatever the length of the history; each episode gets its
items attached in date order (`web/tests/test_child_record.py` pins the query count)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F

from divert.casework.models import (
    Assessment,
    Episode,
    MeasureScore,
    OnwardReferral,
    Plan,
    PlanReview,
    Session,
)


@dataclass
class EpisodeStory:
    """One episode of support with everything recorded in it, oldest first."""

    episode: Episode
    assessments: list = field(default_factory=list)
    plans: list = field(default_factory=list)
    reviews: list = field(default_factory=list)
    sessions: list = field(default_factory=list)
    onward: list = field(default_factory=list)
    scores: dict = field(default_factory=dict)  # timepoint label -> scores

    @property
    def attended(self) -> int:
        """Sessions the child attended."""
        return sum(1 for s in self.sessions if s.attendance == "attended")


def episode_stories(child) -> list[EpisodeStory]:
    """The child's episodes, newest first, each with its assessments, plans (and reviews),
    sessions, onward referrals and measures, from one query per kind of record."""
    stories = {
        e.pk: EpisodeStory(e)
        for e in child.episodes.current().select_related("programme", "worker", "tier", "completion_decided_by").order_by("-start_date", "-pk")
    }
    if not stories:
        return []
    ids = list(stories)
    assessments = (Assessment.objects.current().in_force().filter(episode_id__in=ids)
                   .select_related("recorded_by").order_by("assessed_on", "pk"))
    for a in assessments:
        stories[a.episode_id].assessments.append(a)
    # Reviews belong to the episode's plan whichever version of it they were recorded against.
    reviews = (PlanReview.objects.current().filter(plan__episode_id__in=ids)
               .annotate(episode_id=F("plan__episode_id")).order_by("reviewed_on", "pk"))
    for r in reviews:
        stories[r.episode_id].reviews.append(r)
    plans = (Plan.objects.current().in_force().filter(episode_id__in=ids)
             .select_related("recorded_by").order_by("agreed_on", "pk"))
    for p in plans:
        stories[p.episode_id].plans.append(p)
    for s in Session.objects.current().filter(episode_id__in=ids).select_related("worker").order_by("date", "pk"):
        stories[s.episode_id].sessions.append(s)
    for o in OnwardReferral.objects.current().filter(episode_id__in=ids).order_by("referred_on", "pk"):
        stories[o.episode_id].onward.append(o)
    scores = (MeasureScore.objects.current().filter(episode_id__in=ids).select_related("instrument")
              .order_by("taken_on", "instrument_id", "pk"))
    for m in scores:
        stories[m.episode_id].scores.setdefault(m.get_timepoint_display(), []).append(m)
    return list(stories.values())
