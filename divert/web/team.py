"""A manager's team view: per worker, the numbers that need a manager's eye, each one a way
into the children behind it. Every number is counted in the database from one queryset of
the manager's children (a fixed number of queries however many workers or children).

The measures, for children whose record the manager may see:

- open: children with open support (an open episode);
- sessions due: open support whose next session falls due in the next week (the last
  session, or the start of support, plus SESSION_GAP_DAYS, as on My work);
- sessions overdue: that date has passed;
- screening overdue: a referral waiting for screening past the programme's working days;
- contact overdue: a referral in progress (received, offered or accepted with support open)
  with no contact since it was received, past the programme's first-contact days (or its
  hours from release from custody);
- last contact: the latest session or contact with the child (casework's `last_contact_on`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from divert.accounts.models import Programme, Role, Team
from divert.casework.models import Episode, Session, last_contact_on
from divert.core.dates import add_working_days
from divert.people.models import Child
from divert.referrals.codes import Stage
from divert.referrals.models import Referral
from divert.web.work import SESSION_GAP_DAYS

DUE_AHEAD_DAYS = 7

MEASURES = {
    "open": "Open support",
    "sessions_due": "Sessions due this week",
    "sessions_overdue": "Sessions overdue",
    "screening_overdue": "Screening overdue",
    "contact_overdue": "First contact overdue",
}


@dataclass(frozen=True)
class Filters:
    """The team view's filters: a team and a programme the manager may choose (None: all)."""

    team: Team | None = None
    programme: Programme | None = None

    def query(self) -> str:
        """The filters as a query string fragment (for the links into the children)."""
        parts = []
        if self.team:
            parts.append(f"team={self.team.pk}")
        if self.programme:
            parts.append(f"programme={self.programme.pk}")
        return "&".join(parts)


def manager_teams(user) -> QuerySet[Team]:
    """The teams a manager looks after: a service manager's whole organisation, a team manager's teams."""
    if user.has_any_role([Role.SERVICE_MANAGER]):
        return Team.objects.filter(organisation_id=user.organisation_id).order_by("name")
    return user.teams.all().order_by("name")


def manager_programmes(user) -> QuerySet[Programme]:
    """The programmes of the manager's organisation."""
    return Programme.objects.filter(organisation_id=user.organisation_id).order_by("name")


def read_filters(user, params) -> Filters:
    """The filters from the query string, kept only when the manager may choose them."""
    team = programme = None
    if str(params.get("team", "")).isdigit():
        team = manager_teams(user).filter(pk=params["team"]).first()
    if str(params.get("programme", "")).isdigit():
        programme = manager_programmes(user).filter(pk=params["programme"]).first()
    return Filters(team=team, programme=programme)


def team_children(user, filters: Filters) -> QuerySet[Child]:
    """The children a manager's team view counts: visible to them, on their teams (or all, for a
    service manager), narrowed by the filters."""
    children = Child.objects.visible_to(user)
    if not user.has_any_role([Role.SERVICE_MANAGER]):
        children = children.filter(team__in=user.teams.all())
    if filters.team:
        children = children.filter(team=filters.team)
    if filters.programme:
        children = children.filter(
            Q(Exists(Referral.objects.current().filter(child=OuterRef("pk"), programme=filters.programme)))
            | Q(Exists(Episode.objects.current().filter(child=OuterRef("pk"), programme=filters.programme)))
        )
    return children


def _cutoffs(values: set[int], latest_overdue) -> dict[int, dt.date]:
    """For each programme setting, the latest date from which the clock has run out."""
    return {v: latest_overdue(v) for v in values}


def _screening_cutoff(days: int, today: dt.date) -> dt.date:
    day = today - dt.timedelta(days=1)
    while add_working_days(day, days) >= today:
        day -= dt.timedelta(days=1)
    return day


def conditions(*, today: dt.date, now: dt.datetime, filters: Filters) -> dict[str, Q]:
    """One condition per measure, on Child rows, evaluated in the database."""
    episodes = Episode.objects.open().filter(child=OuterRef("pk"))
    referrals = Referral.objects.current().filter(child=OuterRef("pk"))
    if filters.programme:
        episodes = episodes.filter(programme=filters.programme)
        referrals = referrals.filter(programme=filters.programme)
    last_session = (Session.objects.current().filter(episode=OuterRef("pk")).order_by("-date").values("date")[:1])
    next_base = episodes.annotate(base=Coalesce(Subquery(last_session), F("start_date"))).values("base")
    gap = dt.timedelta(days=SESSION_GAP_DAYS)

    settings = Programme.objects.values_list("screening_days", "first_contact_days", "custody_contact_hours")
    rows = list(settings.distinct())
    screening = _cutoffs({r[0] for r in rows}, lambda d: _screening_cutoff(d, today))
    contact = _cutoffs({r[1] for r in rows}, lambda d: today - dt.timedelta(days=d + 1))
    custody = _cutoffs({r[2] for r in rows}, lambda h: now - dt.timedelta(hours=h))

    screening_late = Q()
    for days, cutoff in screening.items():
        screening_late |= Q(programme__screening_days=days, received_on__lte=cutoff)
    contact_late = Q()
    for days, cutoff in contact.items():
        contact_late |= Q(programme__first_contact_days=days, received_on__lte=cutoff)
    for hours, cutoff in custody.items():
        contact_late |= Q(programme__custody_contact_hours=hours, released_at__lte=cutoff)
    in_progress = Q(stage__in=[Stage.RECEIVED, Stage.OFFERED]) | Q(stage=Stage.ACCEPTED, episode__end_date__isnull=True)

    return {
        "open": Q(Exists(episodes)),
        "sessions_due": Q(Exists(next_base.filter(base__gte=today - gap, base__lte=today - gap
                                                  + dt.timedelta(days=DUE_AHEAD_DAYS)))),
        "sessions_overdue": Q(Exists(next_base.filter(base__lt=today - gap))),
        "screening_overdue": Q(Exists(referrals.filter(screening_late, stage=Stage.RECEIVED,
                                                       screening__isnull=True))) if rows else Q(pk__in=[]),
        "contact_overdue": Q(Exists(referrals.filter(in_progress).filter(contact_late)
                                    .annotate(contact_on=last_contact_on(OuterRef("child")))
                                    .filter(Q(contact_on__isnull=True) | Q(contact_on__lt=F("received_on")))))
        if rows else Q(pk__in=[]),
    }


def rows_by_worker(user, filters: Filters, *, today: dt.date | None = None) -> list[dict]:
    """One row per worker (and one for children not allocated): each measure's count and the last contact."""
    today = today or timezone.localdate()
    conds = conditions(today=today, now=timezone.now(), filters=filters)
    counts = {name: Count("pk", filter=cond) for name, cond in conds.items()}
    return list(
        team_children(user, filters)
        .annotate(contact_on=last_contact_on())
        .values("worker", "worker__first_name", "worker__last_name")
        .annotate(children=Count("pk"), last_contact=Max("contact_on"), **counts)
        .order_by("worker__first_name", "worker__last_name", "worker")
    )


def children_behind(user, filters: Filters, *, measure: str, worker: str, today: dt.date | None = None):
    """The children behind one number of the team view (worker: a user id, or "none" for not allocated)."""
    today = today or timezone.localdate()
    children = team_children(user, filters).annotate(contact_on=last_contact_on())
    if measure in MEASURES:
        children = children.filter(conditions(today=today, now=timezone.now(), filters=filters)[measure])
    if worker == "none":
        children = children.filter(worker__isnull=True)
    elif worker.isdigit():
        children = children.filter(worker_id=int(worker))
    return children.select_related("team", "worker").order_by("last_name", "first_name", "id")
