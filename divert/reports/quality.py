"""Data quality: is what the measures need recorded, recorded on time, and complete?

For a period (default: the latest complete financial quarter) and a set of children (those a
user may see, or an organisation's for the board pack), per team and programme:

- **completeness** of the fields the measures need (ethnicity, area, date of birth, school,
  accommodation and ETE at the start and at the end of support);
- **checkpoints**: assessments not done within ASSESSMENT_DUE_DAYS of the start of support
  (My work's rule), support closed without the end ratings its start ratings need, and
  follow-up checks (3/6/9/12 months, due when `follow_up_window` ends) due but not complete;
- **timeliness**: days between an event (a session, a contact, the end of support, a referral
  received) and the moment it was recorded: median, and the children with a record made more than N days late;
- **police data**: each source's "complete to" date, and rows waiting for a match decision.

Every count is of children (not records), so each number opens exactly the children behind
it (`children_behind`). Counting is done in the database in a fixed number of grouped queries
whatever the number of children. Children are grouped under their current team and under the
programme of the record counted; a child can appear under two programmes, so the total row
counts each child once and is not the sum of the rows.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from divert.accounts.models import Programme, Team
from divert.audit.models import AuditEvent
from divert.casework.codes import CheckpointStatus, Timepoint
from divert.casework.models import (
    ASSESSMENT_DUE_DAYS,
    Assessment,
    Contact,
    Episode,
    FollowUpCheckpoint,
    MeasureScore,
    Session,
)
from divert.core.models import RecordedQuerySet
from divert.imports.followup import complete_to_as_known
from divert.imports.models import MatchReview
from divert.kpis.measures.common import age_on, current_on, day_number
from divert.kpis.measures.yjb import _school_age
from divert.kpis.periods import Period, financial_quarter_containing
from divert.offending.models import DataSource
from divert.people.codes import EthnicGroup
from divert.people.models import Accommodation, Child, ETEStatus
from divert.referrals.models import Referral

# A record made more than this many days after the event counts as late (the page may ask for another).
LATE_DAYS = 7
LATE_DAYS_CHOICES = (1, 3, 5, 7, 14, 28)
# Ages at the start of support that suggest a wrong date of birth (prevention starts at 8 at the
# youngest; the YJB's measures count 10-17).
PLAUSIBLE_AGES = (8, 18)
NONE = "none"  # the key of "no team" / "no programme" in rows and links


def default_period(today: dt.date) -> Period:
    """The latest complete financial quarter (as the measures page defaults to)."""
    return financial_quarter_containing(today).previous()


@dataclass(frozen=True)
class Check:
    """One data-quality check: what is counted, of whom, and which measures it affects."""

    key: str
    section: str
    label: str  # short, for a column heading
    title: str  # a plain English heading
    of: str  # the children counted, in words
    why: str  # which measures it affects


SECTIONS = {
    "completeness": "Are the details the measures need recorded?",
    "checkpoints": "Are the expected steps recorded?",
    "timeliness": "Is work recorded soon after it happens?",
}

CHECKS = (
    Check("ethnicity", "completeness", "Ethnicity", "Ethnicity not known",
          "children with support during the period",
          "Disproportionality and every KPI's breakdown by ethnic group: shares are worked out over "
          "known ethnicity only, so each unknown weakens the comparison between groups."),
    Check("area", "completeness", "Area", "Area (ward or LSOA) not recorded",
          "children with support during the period",
          "Reporting by area and the first-time-entrant rates, which use the population of the area "
          "the child lives in."),
    Check("date_of_birth", "completeness", "Date of birth", "Date of birth looks wrong",
          "children with support during the period",
          f"Every measure that uses age: the YJB's KPIs count children aged 10-17 at the start, and "
          f"age bands break every KPI down. Counted when the age at the start of support is under "
          f"{PLAUSIBLE_AGES[0]} or over {PLAUSIBLE_AGES[1]}."),
    Check("school", "completeness", "School", "School not recorded for a child of school age",
          "children of compulsory school age at the start of support",
          "KPI 2 (education, training or employment) for children of school age, and following up "
          "attendance with the school."),
    Check("accommodation_start", "completeness", "Accommodation at start", "Accommodation at the start not known",
          "children with support during the period",
          "KPI 1 (suitable accommodation) at the start. No record, or a record that says 'Not known', "
          "counts as unsuitable."),
    Check("accommodation_end", "completeness", "Accommodation at end", "Accommodation at the end not known",
          "children whose support ended in the period",
          "KPI 1 (suitable accommodation) at the end: the headline. No record, or a record that says "
          "'Not known', counts as unsuitable."),
    Check("ete_start", "completeness", "ETE at start", "Education, training or employment at the start not known",
          "children with support during the period",
          "KPI 2 (suitable education, training or employment) at the start. No record, or a record "
          "that says 'Not known', counts as unsuitable."),
    Check("ete_end", "completeness", "ETE at end", "Education, training or employment at the end not known",
          "children whose support ended in the period",
          "KPI 2 (suitable education, training or employment) at the end: the headline. No record, "
          "or a record that says 'Not known', counts as unsuitable."),
    Check("assessment", "checkpoints", "Assessment",
          f"No assessment within {ASSESSMENT_DUE_DAYS} days of the start of support",
          f"children whose support started in the period, {ASSESSMENT_DUE_DAYS} days or more before the end of it",
          "KPIs 3-5 (SEND, mental health, substance misuse) start from needs identified at "
          "assessment; the plan and the measures of need depend on it."),
    Check("end_ratings", "checkpoints", "End ratings", "Support closed without end ratings",
          "children whose support ended in the period and who had ratings at the start",
          "The change in self-ratings (pre/post measures) needs the pair: a child without end "
          "ratings is lost from the measure."),
    Check("follow_up", "checkpoints", "Follow-up checks", "Follow-up checks due but not complete",
          "children with a 3, 6, 9 or 12-month follow-up check falling due in the period",
          "The local follow-up measure (further offending after the offer) counts only completed "
          "checks. A check waits for police data: see the police data coverage below."),
    Check("late_sessions", "timeliness", "Sessions", "Sessions recorded late",
          "children with a session in the period",
          "Engagement and completion measures, and 'last contact' on the team view, are only as "
          "current as the sessions recorded."),
    Check("late_contacts", "timeliness", "Contacts", "Contacts recorded late",
          "children with a contact in the period",
          "First-contact times and 'last contact' on the team view."),
    Check("late_closures", "timeliness", "Closures", "Closures recorded late",
          "children whose support ended in the period (closed in Divert: imported closures carry no "
          "time of recording)",
          "The KPIs count support in the quarter it ends: until its closure is recorded, a child is "
          "missing from that quarter's KPI figures, and figures already reported change later."),
    Check("late_referrals", "timeliness", "Referrals", "Referrals recorded late",
          "children referred in the period",
          "Referral numbers and the screening and first-contact clocks, which run from the day "
          "the referral was received."),
)
CHECKS_BY_KEY = {c.key: c for c in CHECKS}


@dataclass(frozen=True)
class Filters:
    """What the page is narrowed to: a team and a programme (None: all; NONE: without one)."""

    team: Team | str | None = None
    programme: Programme | str | None = None

    def narrow(self, queryset, team_path: str, programme_path: str):
        """`queryset` narrowed to the team (of the child) and the programme (of the record)."""
        for value, path in ((self.team, team_path), (self.programme, programme_path)):
            if value == NONE:
                queryset = queryset.filter(**{f"{path}__isnull": True})
            elif value is not None:
                queryset = queryset.filter(**{path: value})
        return queryset


@dataclass(frozen=True)
class Context:
    """Everything a count depends on: the period, "today", the late threshold, "as known on"."""

    period: Period
    today: dt.date
    late_days: int = LATE_DAYS
    known_on: dt.datetime | None = None

    @property
    def as_at(self) -> dt.date:
        """The period's end, or today while the period is still running."""
        return min(self.period.end, self.today)

    def records(self, queryset):
        """Records as known on `known_on` (or every record not voided)."""
        queryset = queryset.all()
        if self.known_on is not None:
            return RecordedQuerySet.known_on(queryset, self.known_on)
        return RecordedQuerySet.current(queryset)


# ---- The checks as conditions on rows ----------------------------------------------------


def _unknown_on(ctx: Context, model, day: str, field_name: str) -> Q:
    """No record current on the row's `day`, or a current one that says 'Not known'."""
    current = ctx.records(model.objects).filter(current_on(OuterRef(day)), child=OuterRef("child"))
    unknown = current.filter(Q(suitability="unknown") | Q(**{field_name: "unknown"}))
    return ~Q(Exists(current)) | Q(Exists(unknown))


def _episode_checks(ctx: Context) -> dict[str, tuple[Q, Q]]:
    """For each episode check: (the rows counted, the rows that fail it)."""
    period, as_at = ctx.period, ctx.as_at
    scores = ctx.records(MeasureScore.objects).filter(episode=OuterRef("pk"))
    # Day numbers, not core.dates.AddDays: its SQLite SQL has a bare '%' that breaks Django's
    # query logging (DEBUG, assertNumQueries).
    assessed = ctx.records(Assessment.objects).alias(day=day_number("assessed_on")).filter(
        episode=OuterRef("pk"), day__lte=day_number(OuterRef("start_date")) + ASSESSMENT_DUE_DAYS)
    ended = Q(end_date__isnull=False, end_date__lte=as_at)
    every = Q(pk__isnull=False)
    return {
        "ethnicity": (every, Q(child__ethnic_group=EthnicGroup.NOT_KNOWN)),
        "area": (every, Q(child__area_code="")),
        "date_of_birth": (every, Q(start_age__lt=PLAUSIBLE_AGES[0]) | Q(start_age__gt=PLAUSIBLE_AGES[1])),
        "school": (Q(start_key__lte=F("leaving_key")), Q(child__school="")),
        "accommodation_start": (every, _unknown_on(ctx, Accommodation, "start_date", "type")),
        "accommodation_end": (ended, _unknown_on(ctx, Accommodation, "end_date", "type")),
        "ete_start": (every, _unknown_on(ctx, ETEStatus, "start_date", "provision")),
        "ete_end": (ended, _unknown_on(ctx, ETEStatus, "end_date", "provision")),
        "assessment": (Q(start_date__gte=period.start, start_date__lte=as_at - dt.timedelta(days=ASSESSMENT_DUE_DAYS)),
                       ~Q(Exists(assessed))),
        "end_ratings": (ended & Q(Exists(scores.filter(timepoint=Timepoint.START))),
                        ~Q(Exists(scores.filter(timepoint=Timepoint.END)))),
    }


def _lag(event_day) -> object:
    """Days from the event to the day it was recorded (in local time)."""
    return day_number(TruncDate("recorded_at")) - day_number(event_day)


@dataclass(frozen=True)
class Family:
    """Checks counted from one kind of record: its rows in the period, and the paths to the
    child, the child's team and the programme."""

    keys: tuple[str, ...]
    rows: Callable[[Context, QuerySet], QuerySet]
    checks: Callable[[Context], dict[str, tuple[Q, Q]]]
    child: str = "child"
    programme: str = "programme"
    timed: bool = False  # a timeliness family: rows carry `lag`

    @property
    def team(self) -> str:
        """The path to the child's team."""
        return f"{self.child}__team"


def _episodes(ctx: Context, children: QuerySet) -> QuerySet:
    """Support open at some time in the period (started by its end, not ended before its start),
    with the child's age and school-age keys at the start (the KPIs' own expressions)."""
    leaving_key, start_key = _school_age("child__date_of_birth", "start_date")
    return ctx.records(Episode.objects).filter(
        child__in=children, start_date__lte=ctx.as_at
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=ctx.period.start)).annotate(
        start_age=age_on("child__date_of_birth", "start_date"), leaving_key=leaving_key, start_key=start_key)


def _checkpoints(ctx: Context, children: QuerySet) -> QuerySet:
    return ctx.records(FollowUpCheckpoint.objects).filter(
        child__in=children, due_on__gte=ctx.period.start, due_on__lte=ctx.as_at)


def _late(key: str) -> Callable[[Context], dict[str, tuple[Q, Q]]]:
    return lambda ctx: {key: (Q(pk__isnull=False), Q(lag__gt=ctx.late_days))}


def _sessions(ctx: Context, children: QuerySet) -> QuerySet:
    return ctx.records(Session.objects).filter(
        episode__child__in=children, date__gte=ctx.period.start, date__lte=ctx.as_at).annotate(lag=_lag("date"))


def _contacts(ctx: Context, children: QuerySet) -> QuerySet:
    return ctx.records(Contact.objects).alias(day=TruncDate("contacted_at")).filter(
        child__in=children, day__gte=ctx.period.start, day__lte=ctx.as_at).annotate(lag=_lag("day"))


def _closures(ctx: Context, children: QuerySet) -> QuerySet:
    """Support ended in the period, with the day its closure was recorded (its latest audit
    event: closures written by an import or the generator carry none and are left out)."""
    closed = AuditEvent.objects.filter(
        organisation_id=OuterRef("child__organisation_id"), child_id=OuterRef("child_id"),
        verb="closed_episode", object_type="casework.episode", object_id=OuterRef("pk"))
    if ctx.known_on is not None:
        closed = closed.filter(at__lte=ctx.known_on)
    closed_on = Subquery(closed.order_by("-at").annotate(day=TruncDate("at")).values("day")[:1])
    return ctx.records(Episode.objects).filter(
        child__in=children, end_date__gte=ctx.period.start, end_date__lte=ctx.as_at,
    ).annotate(closed_on=closed_on).filter(closed_on__isnull=False).annotate(
        lag=day_number("closed_on") - day_number("end_date"))


def _referrals(ctx: Context, children: QuerySet) -> QuerySet:
    return ctx.records(Referral.objects).filter(
        child__in=children, received_on__gte=ctx.period.start, received_on__lte=ctx.as_at,
    ).annotate(lag=_lag("received_on"))


FAMILIES = (
    Family(tuple(c.key for c in CHECKS if c.section == "completeness") + ("assessment", "end_ratings"),
           _episodes, _episode_checks),
    Family(("follow_up",), _checkpoints,
           lambda ctx: {"follow_up": (Q(pk__isnull=False), ~Q(status=CheckpointStatus.COMPLETE))},
           programme="referral__programme"),
    Family(("late_sessions",), _sessions, _late("late_sessions"), child="episode__child",
           programme="episode__programme", timed=True),
    Family(("late_contacts",), _contacts, _late("late_contacts"), programme="episode__programme", timed=True),
    Family(("late_closures",), _closures, _late("late_closures"), timed=True),
    Family(("late_referrals",), _referrals, _late("late_referrals"), timed=True),
)
FAMILY_OF = {key: f for f in FAMILIES for key in f.keys}


# ---- Counting ----------------------------------------------------------------------------


@dataclass
class Cell:
    """One check for one row: children failing it, of children counted."""

    missing: int = 0
    of: int = 0
    median_days: float | None = None  # timeliness only
    records: int = 0  # timeliness only

    @property
    def percent(self) -> float | None:
        """Children failing as a percentage (None when none were counted)."""
        return round(100 * self.missing / self.of, 1) if self.of else None


@dataclass
class Row:
    """A team and programme (or the total) with a cell per check."""

    team: str | None  # a team id as text, NONE, or None for the total
    programme: str | None
    team_name: str = ""
    programme_name: str = ""
    cells: dict[str, Cell] = field(default_factory=dict)


def _key(value) -> str:
    return NONE if value is None else str(value)


def _median(histogram: dict[int, int]) -> float | None:
    """The median of values given as {value: how many}."""
    n = sum(histogram.values())
    if not n:
        return None
    middle, seen, low = (n - 1) // 2, 0, None
    for value in sorted(histogram):
        seen += histogram[value]
        if low is None and seen > middle:
            low = value
        if seen > n // 2:
            return (low + value) / 2
    return None  # not reached


def _count_family(family: Family, ctx: Context, children: QuerySet, filters: Filters,
                  grouped: dict, total: dict) -> None:
    """Fill the grouped and total cells of one family's checks (two queries, three when timed)."""
    rows = filters.narrow(family.rows(ctx, children), family.team, family.programme).order_by()
    aggregates = {}
    for key, (counted, failing) in family.checks(ctx).items():
        aggregates[f"{key}__of"] = Count(family.child, distinct=True, filter=counted)
        aggregates[f"{key}__missing"] = Count(family.child, distinct=True, filter=counted & failing)
        if family.timed:
            aggregates[f"{key}__records"] = Count("pk", filter=counted)
    paths = (family.team, family.programme)
    for got in rows.values(*paths).annotate(**aggregates):
        _fill(grouped[(_key(got[paths[0]]), _key(got[paths[1]]))], got, aggregates)
    _fill(total, rows.aggregate(**aggregates), aggregates)
    if family.timed:
        histograms: dict = defaultdict(lambda: defaultdict(int))
        for got in rows.values(*paths, lag_days=F("lag")).annotate(n=Count("pk")):
            histograms[(_key(got[paths[0]]), _key(got[paths[1]]))][got["lag_days"]] += got["n"]
            histograms[None][got["lag_days"]] += got["n"]
        (key,) = family.keys
        for where, histogram in histograms.items():
            cells = total if where is None else grouped[where]
            cells.setdefault(key, Cell()).median_days = _median(histogram)


def _fill(cells: dict[str, Cell], got: dict, names) -> None:
    for name in names:
        value = got[name]
        key, part = name.rsplit("__", 1)
        setattr(cells.setdefault(key, Cell()), part, value or 0)


@dataclass
class Table:
    """The page's table: a row per team and programme, and the total."""

    rows: list[Row]
    total: Row
    ctx: Context


def quality_table(children: QuerySet, ctx: Context, filters: Filters = Filters()) -> Table:
    """Every check per team and programme for `children` (already scoped): a fixed number of queries."""
    grouped: dict = defaultdict(dict)
    total: dict[str, Cell] = {}
    for family in FAMILIES:
        _count_family(family, ctx, children, filters, grouped, total)
    team_ids = {int(t) for t, _ in grouped if t != NONE}
    programme_ids = {int(p) for _, p in grouped if p != NONE}
    teams = dict(Team.objects.filter(pk__in=team_ids).values_list("pk", "name"))
    programmes = dict(Programme.objects.filter(pk__in=programme_ids).values_list("pk", "name"))
    rows = [
        Row(team, programme, teams.get(int(team), "") if team != NONE else "No team",
            programmes.get(int(programme), "") if programme != NONE else "No programme",
            {c.key: cells.get(c.key, Cell()) for c in CHECKS})
        for (team, programme), cells in grouped.items()
    ]
    rows.sort(key=lambda r: (r.team == NONE, r.team_name, r.programme == NONE, r.programme_name))
    return Table(rows, Row(None, None, "All teams", "All programmes",
                           {c.key: total.get(c.key, Cell()) for c in CHECKS}), ctx)


def children_behind(children: QuerySet, ctx: Context, filters: Filters, check: str) -> QuerySet:
    """The children behind one number: those among `children` failing `check` (or, for an
    unknown check, none)."""
    family = FAMILY_OF.get(check)
    if family is None:
        return children.none()
    counted, failing = family.checks(ctx)[check]
    rows = filters.narrow(family.rows(ctx, children), family.team, family.programme).filter(counted & failing)
    return children.filter(pk__in=rows.values(family.child))


# ---- Police data -------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceCoverage:
    """One police data source: how far its data reaches and what waits for a person."""

    name: str
    kind: str
    complete_to: dt.date | None
    days_short: int | None  # days between complete_to and the end of the period (0: covered)
    waiting_reviews: int
    waiting_rows: int
    oldest_waiting: dt.date | None


def police_coverage(organisation_id: int, ctx: Context) -> list[SourceCoverage]:
    """Each source of the organisation with its 'complete to' date and undecided match reviews
    (two queries; organisation-wide: rows waiting for a match belong to no child yet)."""
    sources = complete_to_as_known(
        list(DataSource.objects.filter(organisation_id=organisation_id).order_by("name")
             .values_list("pk", "name", "kind", "complete_to")), ctx.known_on)
    reviews = MatchReview.objects.filter(organisation_id=organisation_id)
    if ctx.known_on is None:
        reviews = reviews.pending()
    else:
        reviews = reviews.filter(created_at__lte=ctx.known_on).filter(
            Q(decision=MatchReview.Decision.PENDING) | Q(decided_at__gt=ctx.known_on))
    waiting: dict = defaultdict(lambda: [0, 0, None])
    for source_id, references, created in reviews.values_list("source_id", "source_references", "created_at"):
        got = waiting[source_id]
        got[0] += 1
        got[1] += len(references or ()) or 1
        got[2] = min(filter(None, [got[2], timezone.localtime(created).date()]))
    labels = dict(DataSource.Kind.choices)
    return [
        SourceCoverage(name, labels.get(kind, kind), complete_to,
                       None if complete_to is None else max(0, (ctx.as_at - complete_to).days),
                       *waiting[pk])
        for pk, name, kind, complete_to in sources
    ]


# ---- For the board pack ------------------------------------------------------------------


def organisation_children(organisation) -> QuerySet:
    """An organisation's children (not merged away, not voided): the board pack's scope."""
    return Child.objects.filter(organisation=organisation, merged_into__isnull=True, voided_at__isnull=True)


def data_quality_summary(organisation, period: Period, *, today: dt.date | None = None,
                         known_on: dt.datetime | None = None, late_days: int = LATE_DAYS) -> dict:
    """The data-quality section of the board pack: aggregate counts and percentages only.

    No child identifiers and no per-team rows (the pack is read by people without child-level
    access; suppressing small counts is the pack's job). `today` defaults to the period's end
    (a past quarter's figures then do not depend on the day they are asked for); `known_on`
    counts only records made by then (as the KPI engine does: a record changed in place, such
    as support closed later, is read as it is now). The shape (plain JSON types):

        {"period": {"label", "kind", "start", "end"}, "as_at": "YYYY-MM-DD", "late_days": int,
         "sections": {key: heading},
         "checks": [{"key", "section", "title", "of", "why", "missing": int, "denominator": int,
                     "percent": float | None,
                     # timeliness checks also: "records": int, "median_days": float | None}],
         "police_sources": [{"name", "kind", "complete_to": "YYYY-MM-DD" | None,
                             "days_short": int | None, "waiting_reviews": int, "waiting_rows": int}]}
    """
    ctx = Context(period, today or period.end, late_days, known_on)
    children = organisation_children(organisation)
    if known_on is not None:
        children = RecordedQuerySet.known_on(children, known_on)
    table = quality_table(children, ctx)
    checks = []
    for check in CHECKS:
        cell = table.total.cells[check.key]
        item = {"key": check.key, "section": check.section, "title": check.title, "of": check.of,
                "why": check.why, "missing": cell.missing, "denominator": cell.of, "percent": cell.percent}
        if check.section == "timeliness":
            item.update(records=cell.records, median_days=cell.median_days)
        checks.append(item)
    sources = [
        {"name": s.name, "kind": s.kind, "complete_to": s.complete_to.isoformat() if s.complete_to else None,
         "days_short": s.days_short, "waiting_reviews": s.waiting_reviews, "waiting_rows": s.waiting_rows}
        for s in police_coverage(organisation.pk, ctx)
    ]
    return {"period": period.as_dict(), "as_at": ctx.as_at.isoformat(), "late_days": late_days,
            "sections": dict(SECTIONS), "checks": checks, "police_sources": sources}

