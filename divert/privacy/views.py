"""Data protection pages: retention rules, dry run and runs; a child's subject access export;
merging a duplicate record of a child (it reaches every app's records, so it sits above them)."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from divert.accounts.models import MANAGER_ROLES, Role
from divert.core.access import allow, get_visible_or_404
from divert.core.errors import DomainError
from divert.core.pages import form_page
from divert.people.models import Child
from divert.privacy import actions
from divert.privacy.forms import ConfirmRunForm, MergeForm, RetentionRuleForm
from divert.privacy.models import RecordType, RetentionRun
from divert.privacy.retention import DEFAULTS, plan_retention, rules_for
from divert.privacy.sar import subject_access_data, subject_access_pdf

RETENTION_ROLES = (Role.ADMINISTRATOR, Role.SERVICE_MANAGER)
EXPORT_ROLES = (Role.TEAM_MANAGER, Role.SERVICE_MANAGER)
# Case workers reach the check too, so a child outside their scope answers 404 (as if it did
# not exist) before their role is refused.
EXPORT_PAGE_ROLES = (Role.CASE_WORKER, *EXPORT_ROLES)
FORMATS = {"json": "application/json", "pdf": "application/pdf"}


def _organisation(request: HttpRequest):
    organisation = request.user.organisation
    if organisation is None:
        raise Http404("Not found")
    return organisation


@allow(*RETENTION_ROLES)
def retention(request: HttpRequest) -> HttpResponse:
    """The organisation's rules, what they would do today (dry run), and past runs."""
    organisation = _organisation(request)
    as_at = timezone.localdate()
    rules = rules_for(organisation)
    plan = plan_retention(organisation, as_at)
    rows = [
        {"rule": rules[rule.record_type], "plan": rule, "default": DEFAULTS[rule.record_type]}
        for rule in plan.rules
    ]
    runs = RetentionRun.objects.filter(organisation=organisation).select_related("run_by")[:20]
    return render(request, "privacy/retention.html",
                  {"rows": rows, "plan": plan, "as_at": as_at, "runs": runs})


@allow(*RETENTION_ROLES)
def edit_rule(request: HttpRequest, record_type: str) -> HttpResponse:
    """Change how long one type of record is kept."""
    organisation = _organisation(request)
    if record_type not in RecordType.values:
        raise Http404("Not found")
    rule = rules_for(organisation)[record_type]
    back = reverse("privacy:retention")
    return form_page(
        request, RetentionRuleForm,
        heading=f"Retention: {RecordType(record_type).label}",
        intro=f"Default: {DEFAULTS[record_type].why}",
        form_kwargs={"initial": {"anchor": rule.anchor, "years": rule.years, "action": rule.action}},
        save=lambda data: actions.set_retention_rule(by=request.user, organisation=organisation,
                                                     record_type=record_type, **data),
        success_url=back, success_message="Retention rule saved.", back_url=back,
    )


@allow(*RETENTION_ROLES)
def run(request: HttpRequest) -> HttpResponse:
    """Confirm and carry out the retention rules as at today."""
    organisation = _organisation(request)
    as_at = timezone.localdate()
    plan = plan_retention(organisation, as_at)
    back = reverse("privacy:retention")
    return form_page(
        request, ConfirmRunForm,
        heading="Run the retention rules now",
        template="privacy/run.html", plan=plan, as_at=as_at,
        save=lambda data: actions.run_retention(by=request.user, organisation=organisation, as_at=as_at),
        success_url=back, success_message="Retention run finished; it is listed under past runs.",
        back_url=back, submit_label="Delete or anonymise these records", danger=True,
    )


def _exportable_child(request: HttpRequest, child_id: int):
    """The child, if in the user's scope (else 404) and the user is a manager (else 403)."""
    child = get_visible_or_404(Child, request.user, pk=child_id)
    if not request.user.has_any_role(EXPORT_ROLES):
        raise PermissionDenied("Only team and service managers can export a child's record.")
    return child


@allow(*EXPORT_PAGE_ROLES)
def subject_access(request: HttpRequest, child_id: int) -> HttpResponse:
    """A child's data protection page: subject access downloads (each download is audited)."""
    child = _exportable_child(request, child_id)
    return render(request, "privacy/subject_access.html", {"child": child})


@allow(*EXPORT_PAGE_ROLES)
def subject_access_download(request: HttpRequest, child_id: int, file_format: str) -> HttpResponse:
    """Everything held about the child, as JSON or PDF; the download is audited."""
    child = _exportable_child(request, child_id)
    if file_format not in FORMATS:
        raise Http404("Not found")
    now = timezone.now()
    data = subject_access_data(child, generated_by=request.user, generated_at=now)
    if file_format == "json":
        body = json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8")
    else:
        body = subject_access_pdf(data)
    actions.record_subject_access_export(by=request.user, child=child, file_format=file_format)
    response = HttpResponse(body, content_type=FORMATS[file_format])
    name = f"subject-access-{child.pk}-{timezone.localdate(now).isoformat()}.{file_format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "no-store"
    return response


@allow(*MANAGER_ROLES)
def merge(request: HttpRequest, child_id: int) -> HttpResponse:
    """Merge a duplicate record into this one (a manager's action, keeping both histories)."""
    child = get_visible_or_404(Child, request.user, pk=child_id)
    others = Child.objects.visible_to(request.user).exclude(pk=child.pk)

    def save(data):
        duplicate = others.filter(pk=data["duplicate_id"]).first()
        if duplicate is None:
            raise DomainError("There is no record with that number that you can see.", field="duplicate_id")
        return actions.merge_children(by=request.user, keep=child, duplicate=duplicate, reason=data["reason"])

    return form_page(request, MergeForm, heading="Merge a duplicate record", caption=child.full_name, save=save,
                     success_url=reverse("web:child_detail", args=[child.pk]),
                     success_message="Records merged. Both histories are on this record.",
                     back_url=reverse("web:child_detail", args=[child.pk]))
