"""Pages about the audit trail: who has seen or changed a child's record."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from divert.accounts.models import Role
from divert.audit.actions import record_event
from divert.audit.models import AuditEvent
from divert.core.access import allow, get_visible_or_404
from divert.people.models import Child


@allow(Role.TEAM_MANAGER, Role.SERVICE_MANAGER)
def child_audit(request: HttpRequest, child_id: int) -> HttpResponse:
    """Everyone who has seen or changed this child's record, newest first. Looking is audited too."""
    child = get_visible_or_404(Child, request.user, pk=child_id)
    record_event(by=request.user, verb="viewed_audit_trail", obj=child, child=child)
    events = (
        AuditEvent.objects.filter(organisation_id=child.organisation_id, child_id=child.pk)
        .select_related("actor")
        .order_by("-at", "-id")
    )
    page = Paginator(events, 50).get_page(request.GET.get("page"))
    return render(request, "audit/child_audit.html", {"child": child, "page": page})
