"""The child's timeline: everything that happened, newest first, built from the items the child
record already holds (web/record.py), so it costs no query of its own.

Each kind of item has a function giving its lines; an item recorded in error keeps its lines,
marked, with no link (it is not shown on the record)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from divert.casework.models import (
    Assessment,
    Contact,
    Episode,
    OnwardReferral,
    Plan,
    PlanReview,
    Session,
)
from divert.core.templatetags.dates import short_date
from divert.offending.models import Outcome
from divert.oversight.reading import OversightOnRecord
from divert.referrals.models import Referral
from divert.web.record import ChildRecord


@dataclass(frozen=True)
class Entry:
    """One line on the timeline."""

    date: dt.date
    kind: str
    title: str
    detail: str = ""
    void: bool = False
    url: str = ""  # the item on the child record ("#session-12"); none for an item recorded in error

    @property
    def html(self) -> SafeString:
        """The line as the timeline shows it. Built here rather than in the template: a long history
        has hundreds of lines, and a template spends more on one variable than this on a whole line."""
        title = format_html('<a class="govuk-link" href="{}">{}</a>', self.url, self.title) if self.url else self.title
        return format_html(
            '<li class="divert-timeline__item{}"><p class="govuk-body govuk-!-margin-bottom-0"><strong>{}</strong>{}</p>'
            '<p class="govuk-body-s govuk-!-margin-bottom-2">{}{}</p></li>\n',
            " divert-timeline__item--void" if self.void else "", title, VOID_TAG if self.void else "",
            short_date(self.date), f" · {self.detail}" if self.detail else "",
        )


VOID_TAG = mark_safe(' <strong class="govuk-tag govuk-tag--grey">Recorded in error</strong>')  # noqa: S308 - fixed markup


def child_timeline(record: ChildRecord, extra: Iterable[Entry] = ()) -> list[Entry]:
    """The timeline of a child's record, newest first, with `extra` lines from items fetched
    elsewhere (for a kind fetched in web/record.py, add its function to LINES instead)."""
    entries: list[Entry] = list(extra)
    for item, void in _every_item(record):
        entries.extend(LINES[type(item)](item, void))
    entries.sort(key=lambda e: (e.date, e.kind), reverse=True)
    return entries


def _every_item(record: ChildRecord) -> Iterator[tuple[object, bool]]:
    """Each item with whether it was recorded in error."""
    for item in record.referrals:
        yield item, False
    for story in record.stories:
        yield story.episode, False
        for kind in (story.assessments, story.plans, story.reviews, story.sessions, story.onward):
            for item in kind:
                yield item, False
    for item in [*record.contacts, *record.outcomes]:
        yield item, False
    for item in record.in_error:
        yield item, True


def oversight_lines(oversight: OversightOnRecord) -> list[Entry]:
    """A manager's oversight, and case audits once done (fetched by oversight.reading.on_record)."""
    out = [_entry(o.decided_on, "oversight", "Management oversight",
                  o.recorded_by.display_name if o.recorded_by else "", False, f"oversight-{o.pk}")
           for o in oversight.oversights]
    out += [_entry(a.completed_on, "oversight", "Case audit done", a.quarter.label, False, f"case-audit-{a.pk}")
            for a in oversight.audits]
    return out


def _entry(date: dt.date, kind: str, title: str, detail: str, void: bool, anchor: str) -> Entry:
    """A line linking to `anchor` on the record (no link for an item recorded in error)."""
    return Entry(date, kind, title, detail or "", void, "" if void else f"#{anchor}")


def _referral(r: Referral, void: bool) -> Iterable[Entry]:
    """The referral, and its screening and offer with the answers to it."""
    yield _entry(r.received_on, "referral", f"Referral from {r.get_source_display()}", r.programme.name, void,
                 f"referral-{r.pk}")
    if r.ineligible_reason:
        yield _entry(r.received_on, "referral", "Not eligible", r.ineligible_reason, void, f"referral-{r.pk}")
    s = getattr(r, "screening", None)
    if s is not None:
        detail = s.get_agency_display() if s.agency else (str(s.tier) if s.tier else "")
        yield _entry(s.decided_on, "screening", f"Screening: {s.get_decision_display()}", detail, void or s.is_void,
                     f"screening-{s.pk}")
    o = getattr(r, "offer", None)
    if o is not None:
        void = void or o.is_void
        yield _entry(o.offered_on, "offer", "Support offered", "", void, f"offer-{o.pk}")
        if o.child_decided_on:
            yield _entry(o.child_decided_on, "consent", f"Child's answer: {o.get_child_decision_display()}",
                         o.decline_reason, void, f"offer-{o.pk}")
        if o.withdrawn_on:
            yield _entry(o.withdrawn_on, "consent", "Withdrew from support", o.withdrawal_reason, void, f"offer-{o.pk}")


def _episode(e: Episode, void: bool) -> Iterable[Entry]:
    """Support started and closed, and a manager's decision on a completion below the programme's requirements."""
    yield _entry(e.start_date, "episode", f"Support started: {e.get_order_type_display()}", "", void, f"episode-{e.pk}")
    if e.end_date:
        done = ("successfully completed" if e.successfully_completed
                else "completed, waiting for a manager to confirm" if e.completion_pending else "not completed")
        yield _entry(e.end_date, "episode", f"Support closed: {e.get_closure_reason_display()}", done, void,
                     f"closure-{e.pk}")
    if e.completion_decided_on:
        verdict = "confirmed" if e.successfully_completed else "not confirmed"
        yield _entry(e.completion_decided_on, "episode", f"Successful completion {verdict} by a manager", "", void,
                     f"closure-{e.pk}")


def _assessment(a: Assessment, void: bool) -> Iterable[Entry]:
    yield _entry(a.assessed_on, "assessment", "Assessment", "", void, f"assessment-{a.pk}")


def _plan(p: Plan, void: bool) -> Iterable[Entry]:
    yield _entry(p.agreed_on, "plan", "Plan agreed", f"{p.planned_sessions} sessions planned", void, f"plan-{p.pk}")


def _review(r: PlanReview, void: bool) -> Iterable[Entry]:
    yield _entry(r.reviewed_on, "plan", "Plan reviewed", "", void, f"review-{r.pk}")


def _session(s: Session, void: bool) -> Iterable[Entry]:
    yield _entry(s.date, "session", f"Session ({s.get_type_display()})", s.get_attendance_display(), void,
                 f"session-{s.pk}")


def _contact(c: Contact, void: bool) -> Iterable[Entry]:
    yield _entry(timezone.localdate(c.contacted_at), "contact", f"Contact: {c.get_type_display()}",
                 c.get_with_whom_display(), void, f"contact-{c.pk}")


def _onward(o: OnwardReferral, void: bool) -> Iterable[Entry]:
    yield _entry(o.referred_on, "onward", f"Referred to {o.get_service_display()}", o.get_status_display(), void,
                 f"onward-{o.pk}")


def _outcome(o: Outcome, void: bool) -> Iterable[Entry]:
    yield _entry(o.outcome_date, "outcome", f"Police outcome: {o.get_disposal_display()}", o.offence.description,
                 void, f"outcome-{o.pk}")


# The lines of each kind of item on the child record.
LINES: dict[type, Callable[..., Iterable[Entry]]] = {
    Referral: _referral, Episode: _episode, Assessment: _assessment, Plan: _plan, PlanReview: _review,
    Session: _session, Contact: _contact, OnwardReferral: _onward, Outcome: _outcome,
}
