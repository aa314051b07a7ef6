"""Pages for management oversight and case audits. They translate requests into the actions."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from divert.accounts.models import MANAGER_ROLES, PATHWAY_ROLES, Role, User
from divert.audit.actions import record_event
from divert.core.access import allow, get_visible_or_404
from divert.core.errors import DomainError
from divert.core.pages import form_page
from divert.oversight import actions
from divert.oversight.forms import (
    ACTION_ROWS,
    AuditForm,
    ChooseCasesForm,
    ConfirmForm,
    OversightForm,
    TemplateForm,
)
from divert.oversight.models import (
    DEFAULT_DOMAINS,
    DEFAULT_TEMPLATE_NAME,
    AuditAction,
    AuditStatus,
    CaseAudit,
)
from divert.oversight.quarters import parse_quarter, quarter_containing
from divert.people.models import Child


def _child(request: HttpRequest, child_id: int) -> Child:
    return get_visible_or_404(Child.objects.visible_to(request.user), request.user, pk=child_id)


def _audit(request: HttpRequest, audit_id: int) -> CaseAudit:
    return get_visible_or_404(
        CaseAudit.objects.visible_to(request.user).current().select_related("child", "worker", "auditor", "template"),
        request.user, pk=audit_id,
    )


def _child_url(child_id: int, anchor: str = "") -> str:
    return reverse("web:child_detail", args=[child_id]) + (f"#{anchor}" if anchor else "")


@allow(*MANAGER_ROLES)
def record_oversight(request: HttpRequest, child_id: int) -> HttpResponse:
    """A manager records oversight on the child's case: what was decided and why."""
    child = _child(request, child_id)
    episodes = list(child.episodes.current().select_related("programme").order_by("-start_date", "-pk"))
    by_id = {str(e.pk): e for e in episodes}

    def save(data):
        return actions.record_oversight(by=request.user, child=child, decided_on=data["decided_on"],
                                        decision=data["decision"], reasons=data["reasons"],
                                        episode=by_id.get(data.get("episode") or ""), today=timezone.localdate())

    return form_page(request, OversightForm, heading="Record management oversight", caption=child.full_name,
                     save=save, success_url=lambda o: _child_url(child.pk, f"oversight-{o.pk}"),
                     success_message="Management oversight recorded.", form_kwargs={"episodes": episodes},
                     back_url=_child_url(child.pk))


@allow(*MANAGER_ROLES)
def choose_case(request: HttpRequest, child_id: int) -> HttpResponse:
    """A manager chooses the child's case for audit this quarter, by hand."""
    child = _child(request, child_id)
    quarter = quarter_containing(timezone.localdate())
    return form_page(
        request, ConfirmForm, heading="Choose this case for audit", caption=child.full_name,
        intro=f"The case will be on the list of cases to audit in {quarter.label}.",
        save=lambda _: actions.choose_case(by=request.user, child=child, quarter=quarter),
        success_url=lambda a: reverse("oversight:audit", args=[a.pk]),
        success_message="Case chosen for audit.", submit_label="Choose for audit", back_url=_child_url(child.pk),
    )


@allow(*MANAGER_ROLES)
def audits(request: HttpRequest) -> HttpResponse:
    """The quarter's cases chosen for audit, in the manager's scope, with their status."""
    this_quarter = quarter_containing(timezone.localdate())
    quarter = parse_quarter(request.GET.get("quarter", ""), default=this_quarter)
    cases = list(CaseAudit.objects.visible_to(request.user).in_quarter(quarter)
                 .select_related("child", "worker", "auditor")
                 .order_by("status", "worker__last_name", "worker__first_name", "child__last_name", "pk"))
    record_event(by=request.user, verb="listed_children", details={"page": "case_audits"})
    counts = {s: sum(1 for c in cases if c.status == s) for s in AuditStatus.values}
    return render(request, "oversight/audits.html", {
        "quarter": quarter, "cases": cases, "counts": counts, "statuses": AuditStatus.choices,
        "previous": quarter.previous(), "next": quarter.next() if quarter < this_quarter else None,
        "can_define": request.user.has_any_role([Role.SERVICE_MANAGER]),
    })


@allow(*MANAGER_ROLES)
def choose_cases(request: HttpRequest) -> HttpResponse:
    """Choose the quarter's cases by rule: every child who offended during support, and a number
    of children at random for each worker."""
    quarter = parse_quarter(request.GET.get("quarter", ""), default=quarter_containing(timezone.localdate()))
    list_url = f"{reverse('oversight:audits')}?quarter={quarter.slug}"

    def save(data):
        chosen = actions.choose_cases(by=request.user, quarter=quarter, per_worker=data["per_worker"])
        messages.success(request, f"{len(chosen)} case{'' if len(chosen) == 1 else 's'} chosen for audit.")
        return chosen

    return form_page(request, ChooseCasesForm, heading=f"Choose cases to audit in {quarter.label}", save=save,
                     success_url=list_url, intro="Every child who offended while their support was open in the "
                     "quarter is chosen. Then, for each worker, children whose support was open in the quarter "
                     "are chosen at random. Running this again chooses the same children and only adds to them.",
                     submit_label="Choose cases", back_url=list_url)


@allow(*MANAGER_ROLES)
def audit(request: HttpRequest, audit_id: int) -> HttpResponse:
    """One chosen case: why it was chosen, its status, and the audit once done."""
    case = _audit(request, audit_id)
    record_event(by=request.user, verb="viewed_child", obj=case, child=case.child_id,
                 details={"page": "case_audit"})
    return render(request, "oversight/audit.html", {
        "case": case, "domains": list(case.template.domains.all()),
        "grades": list(case.grades.select_related("domain").order_by("domain__position")),
        "themes": list(case.themes.order_by("theme")),
        "audit_actions": list(case.actions.select_related("worker", "done_by").order_by("due_on", "pk")),
        "today": timezone.localdate(),
    })


@allow(*MANAGER_ROLES)
@require_POST
def start_audit(request: HttpRequest, audit_id: int) -> HttpResponse:
    """Start auditing a chosen case (it shows as in progress), then go to the audit form."""
    case = _audit(request, audit_id)
    try:
        actions.start_case_audit(by=request.user, audit=case)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("oversight:audit", audit_id=case.pk)
    return redirect("oversight:record_audit", audit_id=case.pk)


def _audit_workers(child) -> list:
    """Who an action may be for: active people in the child's team, and the child's worker."""
    people = User.objects.filter(is_active=True, organisation_id=child.organisation_id).filter(
        Q(teams=child.team_id, role_grants__role__in=PATHWAY_ROLES) | Q(pk=child.worker_id))
    return list(people.distinct().order_by("last_name", "first_name", "pk"))


def _actions_given(data: dict, workers: dict) -> list[dict]:
    """The action rows that were filled in (any part), numbered as on the form."""
    given = []
    for n in range(1, ACTION_ROWS + 1):
        text, worker, due_on = data.get(f"action_{n}_text", ""), data.get(f"action_{n}_worker"), \
            data.get(f"action_{n}_due_on")
        if (text or "").strip() or worker or due_on:
            given.append({"n": n, "text": text, "worker": workers.get(worker or ""), "due_on": due_on})
    return given


@allow(*MANAGER_ROLES)
def record_audit(request: HttpRequest, audit_id: int) -> HttpResponse:
    """The audit form: a grade for each domain, strengths, themes and actions for the worker."""
    case = _audit(request, audit_id)
    if case.status == AuditStatus.DONE:
        messages.info(request, "This audit is already done.")
        return redirect("oversight:audit", audit_id=case.pk)
    domains = list(case.template.domains.all())
    workers = _audit_workers(case.child)
    by_id = {str(w.pk): w for w in workers}

    def save(data):
        return actions.complete_case_audit(
            by=request.user, audit=case, today=timezone.localdate(),
            grades={d.pk: data.get(f"grade_{d.pk}") for d in domains}, strengths=data.get("strengths", ""),
            themes=(data.get("themes") or "").splitlines(), actions=_actions_given(data, by_id))

    return form_page(request, AuditForm, heading=f"{case.template.name}: {case.child.full_name}",
                     caption=case.quarter.label, save=save,
                     success_url=lambda a: _child_url(a.child_id, f"case-audit-{a.pk}"),
                     success_message="Audit recorded.", form_kwargs={"domains": domains, "workers": workers},
                     template="oversight/audit_form.html", submit_label="Save the audit",
                     back_url=reverse("oversight:audit", args=[case.pk]), child=case.child)


@allow(*PATHWAY_ROLES)
def action_done(request: HttpRequest, action_id: int) -> HttpResponse:
    """The worker marks an action from a case audit done."""
    action = get_visible_or_404(
        AuditAction.objects.visible_to(request.user).select_related("audit__child"), request.user, pk=action_id)
    return form_page(
        request, ConfirmForm, heading="Mark this action done", caption=action.audit.child.full_name,
        intro=action.text, save=lambda _: actions.complete_audit_action(by=request.user, action=action,
                                                                       today=timezone.localdate()),
        success_url=reverse("web:my_work"), success_message="Action marked done.", submit_label="Mark as done",
        back_url=reverse("web:my_work"),
    )


@allow(Role.SERVICE_MANAGER)
def audit_template(request: HttpRequest) -> HttpResponse:
    """The organisation's case audit: the domains graded now, and a form to define a new version."""
    organisation = request.user.organisation
    if organisation is None:
        raise Http404("No organisation")
    in_use = actions.template_in_use(organisation)
    domains = [d.name for d in in_use.domains.all()] if in_use else list(DEFAULT_DOMAINS)

    def save(data):
        return actions.define_audit_template(by=request.user, organisation=organisation, name=data["name"],
                                             domains=data["domains"].splitlines())

    return form_page(request, TemplateForm, heading="Case audit template", save=save,
                     success_url=reverse("oversight:template"), success_message="Case audit template saved.",
                     template="oversight/template.html", submit_label="Save as the new template",
                     in_use=in_use, domains=domains, default_name=DEFAULT_TEMPLATE_NAME,
                     back_url=reverse("oversight:audits"))
