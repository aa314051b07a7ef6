"""The child's timeline: everything that happened, newest first, from one query per record type."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from divert.casework.models import (
    Assessment,
    Contact,
    Episode,
    OnwardReferral,
    Plan,
    PlanReview,
    Session,
)
from divert.offending.models import Outcome
from divert.oversight.reading import OversightOnRecord, on_record
from divert.referrals.models import Offer, Referral, Screening


@dataclass(frozen=True)
class Entry:
    """One line on the timeline."""

    date: dt.date
    kind: str
    title: str
    detail: str = ""
    void: bool = False
    url: str = ""  # the item on the child record ("#session-12"); none for an item recorded in error


def _at(kind: str, obj) -> str:
    """The link to an item on the child record (items recorded in error are not shown there)."""
    return "" if obj.is_void else f"#{kind}-{obj.pk}"


def child_timeline(child, oversight: OversightOnRecord | None = None) -> list[Entry]:
    """Build the timeline for a child the caller is already allowed to see (`oversight`: the
    child's oversight and case audits when the caller has them already)."""
    entries: list[Entry] = []
    for r in Referral.objects.filter(child=child).select_related("programme"):
        entries.append(Entry(r.received_on, "referral", f"Referral from {r.get_source_display()}",
                             r.programme.name, r.is_void, _at("referral", r)))
        if r.ineligible_reason:
            entries.append(Entry(r.received_on, "referral", "Not eligible", r.ineligible_reason, r.is_void,
                                 _at("referral", r)))
    for s in Screening.objects.filter(referral__child=child).select_related("tier"):
        detail = s.get_agency_display() if s.agency else (str(s.tier) if s.tier else "")
        entries.append(Entry(s.decided_on, "screening", f"Screening: {s.get_decision_display()}", detail, s.is_void,
                             _at("screening", s)))
    for o in Offer.objects.filter(referral__child=child):
        entries.append(Entry(o.offered_on, "offer", "Support offered", "", o.is_void, _at("offer", o)))
        if o.child_decided_on:
            entries.append(Entry(o.child_decided_on, "consent", f"Child's answer: {o.get_child_decision_display()}",
                                 o.decline_reason, o.is_void, _at("offer", o)))
        if o.withdrawn_on:
            entries.append(Entry(o.withdrawn_on, "consent", "Withdrew from support", o.withdrawal_reason, o.is_void,
                                 _at("offer", o)))
    entries.extend(_episode_entries(Episode.objects.filter(child=child)))
    for a in Assessment.objects.in_force().filter(episode__child=child).only("assessed_on", "voided_at"):
        entries.append(Entry(a.assessed_on, "assessment", "Assessment", "", a.is_void, _at("assessment", a)))
    for p in Plan.objects.in_force().filter(episode__child=child).only("agreed_on", "planned_sessions", "voided_at"):
        entries.append(Entry(p.agreed_on, "plan", "Plan agreed", f"{p.planned_sessions} sessions planned", p.is_void,
                             _at("plan", p)))
    for r in PlanReview.objects.filter(plan__episode__child=child).only("reviewed_on", "voided_at"):
        entries.append(Entry(r.reviewed_on, "plan", "Plan reviewed", "", r.is_void, _at("review", r)))
    for s in Session.objects.filter(episode__child=child).only("date", "type", "attendance", "voided_at"):
        entries.append(Entry(s.date, "session", f"Session ({s.get_type_display()})", s.get_attendance_display(), s.is_void,
                             _at("session", s)))
    for c in Contact.objects.filter(child=child).only("contacted_at", "type", "with_whom", "voided_at"):
        entries.append(Entry(timezone.localdate(c.contacted_at), "contact", f"Contact: {c.get_type_display()}",
                             c.get_with_whom_display(), c.is_void, _at("contact", c)))
    for o in OnwardReferral.objects.filter(episode__child=child):
        entries.append(Entry(o.referred_on, "onward", f"Referred to {o.get_service_display()}", o.get_status_display(), o.is_void,
                             _at("onward", o)))
    for o in Outcome.objects.filter(child=child).select_related("offence"):
        entries.append(Entry(o.outcome_date, "outcome", f"Police outcome: {o.get_disposal_display()}",
                             o.offence.description, o.is_void, _at("outcome", o)))
    entries.extend(_oversight_entries(oversight if oversight is not None else on_record(child)))
    entries.sort(key=lambda e: (e.date, e.kind), reverse=True)
    return entries


def _oversight_entries(oversight: OversightOnRecord) -> list[Entry]:
    """A manager's oversight, and case audits once done."""
    out = [Entry(o.decided_on, "oversight", "Management oversight",
                 o.recorded_by.display_name if o.recorded_by else "", False, _at("oversight", o))
           for o in oversight.oversights]
    out += [Entry(a.completed_on, "oversight", "Case audit done", a.quarter.label, False, _at("case-audit", a))
            for a in oversight.audits]
    return out


def _episode_entries(episodes) -> list[Entry]:
    """Support started and closed, and a manager's decision on a completion below the programme's requirements."""
    out: list[Entry] = []
    for e in episodes:
        out.append(Entry(e.start_date, "episode", f"Support started: {e.get_order_type_display()}", "", e.is_void,
                         _at("episode", e)))
        if e.end_date:
            done = ("successfully completed" if e.successfully_completed
                    else "completed, waiting for a manager to confirm" if e.completion_pending else "not completed")
            out.append(Entry(e.end_date, "episode", f"Support closed: {e.get_closure_reason_display()}", done,
                             e.is_void, _at("closure", e)))
        if e.completion_decided_on:
            verdict = "confirmed" if e.successfully_completed else "not confirmed"
            out.append(Entry(e.completion_decided_on, "episode", f"Successful completion {verdict} by a manager",
                             "", e.is_void, _at("closure", e)))
    return out
