"""A few management oversight entries and case audits for the demo, written through the actions
(not the bulk tables: a handful of rows per organisation). Deterministic: the same children,
grades and actions every time for the same data."""

from __future__ import annotations

import datetime as dt

from divert.accounts.models import Role, User
from divert.casework.models import Episode
from divert.oversight.actions import (
    choose_cases,
    complete_case_audit,
    record_oversight,
    start_case_audit,
)
from divert.oversight.models import AuditStatus, CaseAudit, Grade
from divert.oversight.quarters import quarter_containing
from divert.people.models import Child

DECISIONS = (
    ("Keep support open for six more weeks and review the plan with the child.",
     "Attendance at school is improving, but the plan has not been reviewed since support started."),
    ("Step down to light-touch support from next month.",
     "The child has met most of their goals and wants fewer sessions; their parent agrees."),
    ("Refer to the exploitation panel before the next session.",
     "New concerns from school about older peers; the worker and I agreed the risk needs a multi-agency view."),
)
GRADE_CYCLE = (Grade.GOOD, Grade.REQUIRES_IMPROVEMENT, Grade.GOOD, Grade.OUTSTANDING, Grade.INADEQUATE)
THEMES = (("Child's voice missing",), ("Plan not reviewed", "Good partnership working"), ("Child's voice missing",))
ACTION_TEXT = "Add the child's own words to the plan and review it with them."


def record_demo_oversight(organisation, *, today: dt.date) -> dict[str, int]:
    """Oversight on three children with open support, and last quarter's cases chosen by rule
    (one per worker) with up to three audited; returns counts."""
    manager = (User.objects.filter(organisation=organisation, is_active=True, role_grants__role=Role.SERVICE_MANAGER)
               .order_by("pk").first())
    if manager is None:
        return {"oversight": 0, "case_audits": 0}
    children = Child.objects.visible_to(manager).processing_allowed()
    episodes = (Episode.objects.open().filter(child__in=children, start_date__lt=today - dt.timedelta(days=42))
                .order_by("start_date", "pk")[:len(DECISIONS)])
    for n, (episode, (decision, reasons)) in enumerate(zip(episodes, DECISIONS, strict=False)):
        record_oversight(by=manager, child=episode.child, episode=episode, decision=decision, reasons=reasons,
                         decided_on=today - dt.timedelta(days=7 * (n + 1)), today=today)
    quarter = quarter_containing(today).previous()
    choose_cases(by=manager, quarter=quarter, per_worker=1)
    audits = (CaseAudit.objects.in_quarter(quarter).filter(child__organisation=organisation)
              .select_related("child", "template").order_by("pk")[:len(THEMES)])
    for n, audit in enumerate(audits):
        start_case_audit(by=manager, audit=audit)
        grades = {d.pk: GRADE_CYCLE[(n + i) % len(GRADE_CYCLE)] for i, d in enumerate(audit.template.domains.all())}
        worker = audit.child.worker
        actions = [{"worker": worker, "due_on": today + dt.timedelta(days=14 * (n + 1)), "text": ACTION_TEXT}] \
            if worker is not None and worker.is_active else []
        complete_case_audit(by=manager, audit=audit, grades=grades, today=today, strengths="A trusting relationship "
                            "with the child and regular contact with their family.", themes=list(THEMES[n]),
                            actions=actions)
    done = CaseAudit.objects.in_quarter(quarter).filter(child__organisation=organisation, status=AuditStatus.DONE)
    return {"oversight": len(episodes), "case_audits": done.count()}
