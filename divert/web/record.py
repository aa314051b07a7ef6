"""Everything recorded about a child for the child record, in a fixed number of queries.

One query per kind of record, whatever the length of the history. Each kind is fetched
once, with the items recorded in error: the record's sections show the items in force,
the timeline (web/timeline.py) is built from the same objects and shows every item, those
recorded in error marked. `web/tests/test_child_record.py` pins the query count.

To add a kind of record: fetch it in `child_record`, put it on `ChildRecord` (or on each
`EpisodeStory`), show it in the template, and give the timeline its entries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import F
from django.template.defaultfilters import linebreaksbr
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString

from divert.casework.models import (
    Assessment,
    Contact,
    Episode,
    MeasureScore,
    OnwardReferral,
    Plan,
    PlanReview,
    Session,
)
from divert.core.templatetags.dates import short_date
from divert.offending.models import Outcome
from divert.referrals.models import Referral
from divert.web.links import urls_by_id

NARRATIVE_FOLDS_AT = 200  # characters: a longer narrative folds (GOV.UK details), as web/_narrative.html


@dataclass(frozen=True)
class SessionRow:
    """A session as a row of the record's table. A long history has hundreds of sessions, and the
    template spent more on one variable than this spends on a whole row, so the row's markup is
    built here (`html`, and `html_with_void_link` for those who may mark it recorded in error)."""

    id: int
    day: str  # "2 Dec 2026"
    what: str  # "One-to-one, attended"
    where: str  # "Youth centre, 60 minutes"
    topics: str
    notes: str
    void_url: str  # where to mark it as recorded in error

    @classmethod
    def of(cls, s: Session, void_url: Callable[[int], str]) -> SessionRow:
        """The row for session `s`."""
        where = s.get_place_display() or "Not recorded"
        if s.duration_minutes:
            where = f"{where}, {s.duration_minutes} minutes"
        return cls(id=s.pk, day=short_date(s.date), what=f"{s.get_type_display()}, {s.get_attendance_display().lower()}",
                   where=where, topics=", ".join(s.topic_labels), notes=s.notes, void_url=void_url(s.pk))

    @property
    def html(self) -> SafeString:
        """The row."""
        return self._html(void_link="")

    @property
    def html_with_void_link(self) -> SafeString:
        """The row with a link to mark the session as recorded in error."""
        return self._html(void_link=format_html(
            '<span class="divert-no-print"><br><a class="govuk-link govuk-body-s" href="{}">Recorded in error'
            '<span class="govuk-visually-hidden">: session on {}</span></a></span>', self.void_url, self.day))

    def _html(self, *, void_link: str) -> SafeString:
        notes = linebreaksbr(self.notes)
        if len(self.notes) > NARRATIVE_FOLDS_AT:
            notes = format_html(
                '<details class="govuk-details govuk-!-margin-bottom-0"><summary class="govuk-details__summary">'
                '<span class="govuk-details__summary-text">Read in full<span class="govuk-visually-hidden">: notes of '
                'the session</span></span></summary><div class="govuk-details__text">{}</div></details>', notes)
        return format_html(
            '<tr class="govuk-table__row" id="session-{}"><td class="govuk-table__cell">{}</td>'
            '<td class="govuk-table__cell">{}{}</td><td class="govuk-table__cell">{}</td>'
            '<td class="govuk-table__cell">{}</td><td class="govuk-table__cell">{}</td></tr>\n',
            self.id, self.day, self.what, void_link, self.where, self.topics, notes)


@dataclass(frozen=True)
class ContactRow:
    """A contact as the record shows it, put in words once here (see SessionRow)."""

    id: str  # (see SessionRow)
    when: str  # "2 Dec 2026, 14:05"
    day: str  # "2 Dec 2026"
    type: str
    with_whom: str
    worker: str
    others_present: str
    duration: str  # "10 minutes", or blank
    summary: str
    void_url: str

    @classmethod
    def of(cls, c: Contact, void_url: Callable[[int], str]) -> ContactRow:
        """The row for contact `c`."""
        at = timezone.localtime(c.contacted_at)
        day = short_date(at)
        return cls(id=str(c.pk), when=f"{day}, {at:%H:%M}", day=day, type=c.get_type_display(),
                   with_whom=c.get_with_whom_display(), worker=c.worker.display_name if c.worker else "",
                   others_present=c.others_present, summary=c.summary,
                   duration=f"{c.duration_minutes} minutes" if c.duration_minutes else "",
                   void_url=void_url(c.pk))


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

    @cached_property
    def session_rows(self) -> list[SessionRow]:
        """The sessions as the record's table shows them."""
        void_url = urls_by_id("casework:void", "session")
        return [SessionRow.of(s, void_url) for s in self.sessions]


@dataclass
class ChildRecord:
    """What the child record shows: the items in force of each kind, newest first (within an
    episode, oldest first), and the items recorded in error, which only the timeline lists."""

    referrals: list[Referral]
    stories: list[EpisodeStory]
    contacts: list[Contact]
    outcomes: list[Outcome]
    # Recorded in error: voided items, and every item of an episode recorded in error.
    in_error: list = field(default_factory=list)

    @cached_property
    def contact_rows(self) -> list[ContactRow]:
        """The contacts as the record shows them."""
        void_url = urls_by_id("casework:void", "contact")
        return [ContactRow.of(c, void_url) for c in self.contacts]


def child_record(child) -> ChildRecord:
    """Everything recorded about `child` (whom the caller may see), from one query per kind."""
    in_error: list = []
    referrals = _in_force(
        Referral.objects.filter(child=child).select_related("programme", "screening__tier", "offer")
        .order_by("-received_on", "-pk"), in_error)
    contacts = _in_force(Contact.objects.filter(child=child).select_related("worker")
                         .order_by("-contacted_at", "-id"), in_error)
    outcomes = _in_force(Outcome.objects.filter(child=child).select_related("offence")
                         .order_by("-outcome_date", "-pk"), in_error)
    return ChildRecord(referrals=referrals, stories=_episode_stories(child, in_error), contacts=contacts,
                       outcomes=outcomes, in_error=in_error)


def _in_force(items, in_error: list) -> list:
    """The items not recorded in error; those that are go on `in_error`."""
    kept = []
    for item in items:
        (in_error if item.is_void else kept).append(item)
    return kept


def _episode_stories(child, in_error: list) -> list[EpisodeStory]:
    """The child's episodes, newest first, each with its assessments and plans (the versions in
    force), plan reviews, sessions, onward referrals and measures."""
    episodes = (child.episodes.select_related("programme", "worker", "tier", "completion_decided_by")
                .order_by("-start_date", "-pk"))
    stories = {e.pk: EpisodeStory(e) for e in _in_force(episodes, in_error)}
    voided = {e.pk for e in in_error if isinstance(e, Episode)}
    ids = [*stories, *voided]
    if not ids:
        return []

    def place(items, kind: str) -> None:
        for item in items:
            story = stories.get(item.episode_id)
            if story is None or item.is_void:
                in_error.append(item)
            else:
                getattr(story, kind).append(item)

    place(Assessment.objects.in_force().filter(episode_id__in=ids).select_related("recorded_by")
          .order_by("assessed_on", "pk"), "assessments")
    place(Plan.objects.in_force().filter(episode_id__in=ids).select_related("recorded_by")
          .order_by("agreed_on", "pk"), "plans")
    # Reviews belong to the episode's plan whichever version of it they were recorded against.
    place(PlanReview.objects.filter(plan__episode_id__in=ids).annotate(episode_id=F("plan__episode_id"))
          .order_by("reviewed_on", "pk"), "reviews")
    place(Session.objects.filter(episode_id__in=ids).order_by("date", "pk"), "sessions")
    place(OnwardReferral.objects.filter(episode_id__in=ids).order_by("referred_on", "pk"), "onward")
    scores = (MeasureScore.objects.current().filter(episode_id__in=list(stories)).select_related("instrument")
              .order_by("taken_on", "instrument_id", "pk"))
    for m in scores:
        stories[m.episode_id].scores.setdefault(m.get_timepoint_display(), []).append(m)
    return list(stories.values())
