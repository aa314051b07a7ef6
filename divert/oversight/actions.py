"""Named actions for management oversight and case audits. Each checks that the person is a
team or service manager whose scope includes the child, and writes its audit event."""

from __future__ import annotations

import datetime as dt
import random
import re

from django.db import transaction
from django.utils import timezone

from divert.accounts.models import MANAGER_ROLES, Role
from divert.audit.actions import record_event, void_record
from divert.casework.models import Episode
from divert.core.errors import DomainError, check_choice
from divert.oversight.models import (
    DEFAULT_DOMAINS,
    DEFAULT_TEMPLATE_NAME,
    AuditAction,
    AuditDomain,
    AuditGrade,
    AuditStatus,
    AuditTemplate,
    AuditTheme,
    CaseAudit,
    ChosenBecause,
    Grade,
    Oversight,
)
from divert.oversight.quarters import Quarter
from divert.people.actions import check_processing_allowed
from divert.people.models import Child

MAX_RANDOM_PER_WORKER = 10
MAX_THEMES = 10


def _check_manager_of(by, child) -> None:
    """Only a team or service manager whose scope includes the child."""
    if not getattr(by, "pk", None) or not by.has_any_role(MANAGER_ROLES) or \
            not Child.objects.visible_to(by).filter(pk=child.pk).exists():
        raise DomainError("Only a team or service manager for this child can do this.")


def _check_day(day: dt.date, *, today: dt.date, what: str, field: str) -> None:
    if day > today:
        raise DomainError(f"{what} cannot be in the future.", field=field)


def _episode_of(child, episode) -> Episode | None:
    if episode is not None and (episode.child_id != child.pk or episode.is_void):
        raise DomainError("This support belongs to another child.", field="episode")
    return episode


@transaction.atomic
def record_oversight(*, by, child, decided_on: dt.date, decision: str, reasons: str, today: dt.date,
                     episode: Episode | None = None) -> Oversight:
    """A manager records oversight on the child's case: what was decided and why (both encrypted)."""
    _check_manager_of(by, child)
    check_processing_allowed(child.pk)
    episode = _episode_of(child, episode)
    _check_day(decided_on, today=today, what="The date of the decision", field="decided_on")
    if not (decision or "").strip():
        raise DomainError("Write what was decided.", field="decision")
    if not (reasons or "").strip():
        raise DomainError("Write why it was decided.", field="reasons")
    oversight = Oversight.objects.create(child=child, episode=episode, decided_on=decided_on,
                                         decision=decision.strip(), reasons=reasons.strip(), recorded_by=by)
    record_event(by=by, verb="recorded_oversight", obj=oversight, child=child.pk,
                 details={"episode": getattr(episode, "pk", None)})
    return oversight


def template_in_use(organisation) -> AuditTemplate | None:
    """The organisation's audit template in use, if it has defined one (no default is made)."""
    return AuditTemplate.objects.filter(organisation=organisation, retired_at__isnull=True).first()


@transaction.atomic
def define_audit_template(*, by, organisation, name: str, domains: list[str]) -> AuditTemplate:
    """A service manager defines the organisation's case audit: its name and the domains graded.
    It replaces the template in use; audits already chosen keep theirs."""
    if by is not None and (not by.has_any_role([Role.SERVICE_MANAGER]) or by.organisation_id != organisation.pk):
        raise DomainError("Only a service manager of the organisation can define its case audit.")
    name = (name or "").strip()
    if not name:
        raise DomainError("Give the audit a name.", field="name")
    names = [d.strip() for d in domains if d and d.strip()]
    if not names:
        raise DomainError("List at least one domain to grade, one a line.", field="domains")
    if len(names) > 20:
        raise DomainError("List at most 20 domains.", field="domains")
    if any(len(d) > 120 for d in names):
        raise DomainError("Keep each domain's name under 120 characters.", field="domains")
    if len({d.lower() for d in names}) != len(names):
        raise DomainError("Each domain must have a different name.", field="domains")
    now = timezone.now()
    previous = AuditTemplate.objects.select_for_update().filter(organisation=organisation, retired_at__isnull=True)
    replaced = [t.pk for t in previous]
    previous.update(retired_at=now)
    template = AuditTemplate.objects.create(organisation=organisation, name=name[:120], created_at=now,
                                            created_by=by if getattr(by, "pk", None) else None)
    AuditDomain.objects.bulk_create(AuditDomain(template=template, position=i, name=d)
                                    for i, d in enumerate(names, start=1))
    record_event(by=by, verb="defined_audit_template", obj=template, organisation=organisation.pk,
                 details={"domains": len(names), "replaced": replaced})
    return template


def audit_template_for(*, by, organisation) -> AuditTemplate:
    """The organisation's template in use; an organisation that has none gets the default
    (`DEFAULT_DOMAINS`), defined in its name by the person who first needs it."""
    template = template_in_use(organisation)
    if template is not None:
        return template
    template = AuditTemplate(organisation=organisation, name=DEFAULT_TEMPLATE_NAME, created_at=timezone.now(),
                             created_by=by if getattr(by, "pk", None) else None)
    template.save()
    AuditDomain.objects.bulk_create(AuditDomain(template=template, position=i, name=d)
                                    for i, d in enumerate(DEFAULT_DOMAINS, start=1))
    record_event(by=by, verb="defined_audit_template", obj=template, organisation=organisation.pk,
                 details={"domains": len(DEFAULT_DOMAINS), "default": True})
    return template


def _episode_in(child_id: int, quarter: Quarter) -> Episode | None:
    return (Episode.objects.overlapping(quarter.start, quarter.end).filter(child_id=child_id)
            .order_by("-start_date", "-pk").first())


def _choose(*, by, child_id: int, worker_id, quarter: Quarter, because: str, template, episode=None) -> CaseAudit:
    episode = episode or _episode_in(child_id, quarter)
    audit = CaseAudit.objects.create(child_id=child_id, episode=episode, worker_id=worker_id,
                                     quarter_start=quarter.start, chosen_because=because, template=template,
                                     recorded_by=by)
    record_event(by=by, verb="chose_case_for_audit", obj=audit, child=child_id,
                 details={"quarter": quarter.slug, "because": because})
    return audit


@transaction.atomic
def choose_case(*, by, child, quarter: Quarter) -> CaseAudit:
    """A manager chooses a child's case for audit in a quarter, by hand."""
    _check_manager_of(by, child)
    check_processing_allowed(child.pk)
    if CaseAudit.objects.in_quarter(quarter).filter(child=child).exists():
        raise DomainError(f"This child's case is already chosen for audit in {quarter.label}.")
    template = audit_template_for(by=by, organisation=child.organisation)
    return _choose(by=by, child_id=child.pk, worker_id=child.worker_id, quarter=quarter,
                   because=ChosenBecause.BY_HAND, template=template)


@transaction.atomic
def choose_cases(*, by, quarter: Quarter, per_worker: int) -> list[CaseAudit]:
    """Choose the quarter's cases by rule, among the children the manager may see:

    (a) every child who offended during support in the quarter (an offence dated within
        the support's dates and the quarter: `Episode.objects.offended_during_support`);
    (b) `per_worker` children at random for each worker, among their children whose support
        was open in the quarter. The draw is seeded by the organisation, quarter and worker,
        so running it again chooses the same children; it only tops up to `per_worker`,
        skipping children already chosen for the quarter.

    Children whose processing is restricted are left out. Returns the cases newly chosen.
    """
    if not getattr(by, "pk", None) or not by.has_any_role(MANAGER_ROLES):
        raise DomainError("Only a team or service manager can choose cases for audit.")
    if not 0 <= per_worker <= MAX_RANDOM_PER_WORKER:
        raise DomainError(f"Choose between 0 and {MAX_RANDOM_PER_WORKER} cases per worker.", field="per_worker")
    children = Child.objects.visible_to(by).processing_allowed()
    template = audit_template_for(by=by, organisation=by.organisation)
    chosen = dict(CaseAudit.objects.in_quarter(quarter).filter(child__in=children)
                  .values_list("child_id", "chosen_because"))
    new: list[CaseAudit] = []
    in_quarter = Episode.objects.overlapping(quarter.start, quarter.end).filter(child__in=children)
    offended = (in_quarter.offended_during_support(committed_from=quarter.start, committed_to=quarter.end)
                .order_by("child_id", "-start_date", "-pk").select_related("child"))
    for episode in offended:
        if episode.child_id not in chosen:
            new.append(_choose(by=by, child_id=episode.child_id, worker_id=episode.child.worker_id, quarter=quarter,
                               because=ChosenBecause.REOFFENDED, template=template, episode=episode))
            chosen[episode.child_id] = ChosenBecause.REOFFENDED
    caseloads: dict[int, list[int]] = {}
    for child_id, worker_id in (children.filter(worker__isnull=False, pk__in=in_quarter.values("child_id"))
                                .values_list("pk", "worker_id").order_by("pk")):
        caseloads.setdefault(worker_id, []).append(child_id)
    already_random = {}
    for worker_id in (CaseAudit.objects.in_quarter(quarter).filter(child__in=children, chosen_because=ChosenBecause.RANDOM)
                      .values_list("worker_id", flat=True)):
        already_random[worker_id] = already_random.get(worker_id, 0) + 1
    for worker_id, child_ids in sorted(caseloads.items()):
        wanted = per_worker - already_random.get(worker_id, 0)
        # The same seed every time for this organisation, quarter and worker: no reshuffle.
        order = random.Random(f"{by.organisation_id}:{quarter.slug}:{worker_id}").sample(child_ids, len(child_ids))
        for child_id in order:
            if wanted <= 0:
                break
            if child_id in chosen:
                continue
            new.append(_choose(by=by, child_id=child_id, worker_id=worker_id, quarter=quarter,
                               because=ChosenBecause.RANDOM, template=template))
            chosen[child_id] = ChosenBecause.RANDOM
            wanted -= 1
    return new


def _check_auditor(by, audit: CaseAudit) -> None:
    if audit.is_void:
        raise DomainError("This case audit was voided.")
    _check_manager_of(by, audit.child)
    check_processing_allowed(audit.child_id)


@transaction.atomic
def start_case_audit(*, by, audit: CaseAudit) -> CaseAudit:
    """A manager starts auditing a chosen case: it is in progress, with them as the auditor."""
    audit = CaseAudit.objects.select_for_update().select_related("child").get(pk=audit.pk)
    _check_auditor(by, audit)
    if audit.status != AuditStatus.TO_AUDIT:
        raise DomainError(f"This audit is already {audit.get_status_display().lower()}.")
    audit.status, audit.auditor = AuditStatus.IN_PROGRESS, by
    audit.save(update_fields=["status", "auditor"])
    record_event(by=by, verb="started_case_audit", obj=audit, child=audit.child_id)
    return audit


def _clean_themes(themes: list[str]) -> list[str]:
    out: list[str] = []
    for theme in themes:
        words = re.sub(r"\s+", " ", theme or "").strip(" .;,")
        if not words:
            continue
        if len(words) > 80:
            raise DomainError("Keep each theme short (80 characters at most).", field="themes")
        words = words[0].upper() + words[1:]
        if words.lower() not in {t.lower() for t in out}:
            out.append(words)
    if len(out) > MAX_THEMES:
        raise DomainError(f"Give at most {MAX_THEMES} themes.", field="themes")
    return out


def _check_worker_action(audit: CaseAudit, action: dict, today: dt.date, n: int) -> None:
    worker, due_on, text = action.get("worker"), action.get("due_on"), (action.get("text") or "").strip()
    if worker is None or worker.organisation_id != audit.child.organisation_id or not worker.is_active:
        raise DomainError(f"Action {n}: choose the worker.", field=f"action_{n}_worker")
    if not Child.objects.visible_to(worker).filter(pk=audit.child_id).exists():
        raise DomainError(f"Action {n}: this worker cannot see the child's record. Choose a worker who can.",
                          field=f"action_{n}_worker")
    if due_on is None:
        raise DomainError(f"Action {n}: enter the date it is due.", field=f"action_{n}_due_on")
    if due_on < today:
        raise DomainError(f"Action {n}: the due date cannot be in the past.", field=f"action_{n}_due_on")
    if not text:
        raise DomainError(f"Action {n}: write what the worker should do.", field=f"action_{n}_text")


@transaction.atomic
def complete_case_audit(*, by, audit: CaseAudit, grades: dict[int, str], today: dt.date, strengths: str = "",
                        themes: list[str] | None = None, actions: list[dict] | None = None) -> CaseAudit:
    """Record the audit of a chosen case: a grade for every domain of its template, strengths,
    themes and actions for the worker (worker, due date, what to do). It is then done."""
    audit = CaseAudit.objects.select_for_update().select_related("child", "template").get(pk=audit.pk)
    _check_auditor(by, audit)
    if audit.status == AuditStatus.DONE:
        raise DomainError("This audit is already done.")
    domains = list(audit.template.domains.all())
    for domain in domains:
        check_choice(grades.get(domain.pk), Grade.values, f"Select a grade for {domain.name.lower()}.",
                     field=f"grade_{domain.pk}")
    themes = _clean_themes(themes or [])
    actions = actions or []
    for n, action in enumerate(actions, start=1):
        _check_worker_action(audit, action, today, action.get("n", n))
    AuditGrade.objects.bulk_create(AuditGrade(audit=audit, domain=d, grade=grades[d.pk]) for d in domains)
    AuditTheme.objects.bulk_create(AuditTheme(audit=audit, theme=t) for t in themes)
    AuditAction.objects.bulk_create(AuditAction(audit=audit, worker=a["worker"], due_on=a["due_on"],
                                                text=a["text"].strip()) for a in actions)
    audit.status, audit.completed_on, audit.strengths = AuditStatus.DONE, today, (strengths or "").strip()
    audit.auditor = by
    audit.save(update_fields=["status", "completed_on", "strengths", "auditor"])
    record_event(by=by, verb="completed_case_audit", obj=audit, child=audit.child_id,
                 details={"grades": {str(d.pk): grades[d.pk] for d in domains}, "themes": len(themes),
                          "actions": len(actions)})
    return audit


@transaction.atomic
def complete_audit_action(*, by, action: AuditAction, today: dt.date) -> AuditAction:
    """The worker (or a manager for the child) marks an action from a case audit done."""
    action = AuditAction.objects.select_for_update().select_related("audit").get(pk=action.pk)
    if not getattr(by, "pk", None) or not AuditAction.objects.visible_to(by).filter(pk=action.pk).exists() or \
            not (action.worker_id == by.pk or by.has_any_role(MANAGER_ROLES)):
        raise DomainError("Only the worker it is for, or a manager for the child, can mark this action done.")
    if action.audit.is_void:
        raise DomainError("This case audit was voided.")
    if action.done_on is not None:
        raise DomainError(f"This action was already marked done on {action.done_on:%-d %B %Y}.")
    action.done_on, action.done_by = today, by
    action.save(update_fields=["done_on", "done_by"])
    record_event(by=by, verb="completed_audit_action", obj=action, child=action.audit.child_id,
                 details={"audit": action.audit_id})
    return action


def fold_same_quarter_audits(*, keep, duplicate, by) -> None:
    """Merging two records of a child: a child is chosen for audit once a quarter, so where both
    records were chosen for the same quarter one choice stays (a done audit before one not done,
    else the kept record's) and the other is voided, kept with the reason. Called by
    `privacy.actions.merge_children` before the records move."""
    kept = {a.quarter_start: a for a in CaseAudit.objects.current().filter(child=keep)}
    for audit in CaseAudit.objects.current().filter(child=duplicate, quarter_start__in=list(kept)):
        other = kept[audit.quarter_start]
        loser = other if audit.status == AuditStatus.DONE and other.status != AuditStatus.DONE else audit
        void_record(by=by, record=loser, reason="Merged records: the other record's case audit of this quarter "
                                                "stands.")
