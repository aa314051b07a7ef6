"""What the child record and My work show of oversight and case audits, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch

from divert.oversight.models import AuditAction, AuditGrade, AuditStatus, CaseAudit, Oversight


@dataclass
class OversightOnRecord:
    """A child's management oversight and case audits, newest first."""

    oversights: list = field(default_factory=list)
    audits: list = field(default_factory=list)  # done, with grades, themes and actions
    chosen: list = field(default_factory=list)  # chosen for audit, not yet done


def on_record(child) -> OversightOnRecord:
    """Oversight and case audits of a child the caller may see: two queries, and three more
    (grades, themes, actions) when the child has an audit, whatever the length of the history."""
    oversights = list(Oversight.objects.current().filter(child=child).select_related("recorded_by", "episode")
                      .order_by("-decided_on", "-pk"))
    audits = list(
        CaseAudit.objects.current().filter(child=child).select_related("auditor", "worker")
        .prefetch_related(
            Prefetch("grades", AuditGrade.objects.select_related("domain").order_by("domain__position")),
            "themes",
            Prefetch("actions", AuditAction.objects.select_related("worker", "done_by").order_by("due_on", "pk")),
        )
        .order_by("-quarter_start", "-pk")
    )
    return OversightOnRecord(
        oversights=oversights,
        audits=[a for a in audits if a.status == AuditStatus.DONE],
        chosen=[a for a in audits if a.status != AuditStatus.DONE],
    )


@dataclass(frozen=True)
class ActionDue:
    """An action from a case audit, for the worker's My work."""

    action: AuditAction
    overdue: bool


def audit_work(user, *, today: dt.date) -> tuple[list[ActionDue], list[CaseAudit]]:
    """The user's open actions from case audits (soonest first, overdue flagged) and the latest
    audits of their cases: two queries. Only children the user may still see."""
    actions = (AuditAction.objects.open().visible_to(user).filter(worker=user)
               .select_related("audit__child").order_by("due_on", "pk"))
    audits = (CaseAudit.objects.done().visible_to(user).filter(worker=user).select_related("child")
              .order_by("-completed_on", "-pk")[:20])
    return [ActionDue(a, a.due_on < today) for a in actions], list(audits)
