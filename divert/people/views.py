"""Managers' data-protection pages on a child's record: restrict access, restrict processing,
and correcting a child's details (with the reason kept in the rectification history).

Scope is checked before role on these pages: a child outside the user's scope is 404 for
everyone, and only then is a non-manager refused (403).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone

from divert.accounts.models import CHILD_ROLES, MANAGER_ROLES, PATHWAY_ROLES, User
from divert.audit.actions import record_event
from divert.core.access import allow, get_visible_or_404
from divert.core.pages import form_page
from divert.people import actions
from divert.people.forms import (
    CorrectDetailsForm,
    LiftRestrictionForm,
    ProcessingRestrictionForm,
    RestrictRecordForm,
)
from divert.people.models import Child, RecordRestriction


def _child_url(child_id: int) -> str:
    return reverse("web:child_detail", args=[child_id])


def _managed_child(request: HttpRequest, child_id: int) -> Child:
    child = get_visible_or_404(Child, request.user, pk=child_id)
    if not request.user.has_any_role(MANAGER_ROLES):
        raise PermissionDenied("Only a team or service manager can do this.")
    return child


def _audit_look(request: HttpRequest, child: Child, page: str) -> None:
    """Opening one of these pages shows the child's details: audited like the record page."""
    if request.method == "GET":
        record_event(by=request.user, verb="viewed_child", obj=child, child=child, details={"page": page})


@allow(*PATHWAY_ROLES)
def restrict_access(request: HttpRequest, child_id: int) -> HttpResponse:
    """Restrict the record from named people, and list the restrictions in force."""
    child = _managed_child(request, child_id)
    _audit_look(request, child, "restrict_access")
    restrictions = list(child.record_restrictions.active().select_related("user", "created_by")
                        .order_by("created_at"))
    users = (
        User.objects.filter(organisation_id=child.organisation_id, is_active=True,
                            role_grants__role__in=CHILD_ROLES)
        .exclude(pk=request.user.pk).exclude(pk__in=[r.user_id for r in restrictions])
        .distinct().order_by("first_name", "last_name")
    )
    return form_page(
        request, RestrictRecordForm, heading="Restrict access", caption=child.full_name,
        save=lambda d: actions.restrict_record(by=request.user, child=child, user=d["user"], reason=d["reason"]),
        form_kwargs={"users": users}, template="people/restrict_access.html",
        success_url=reverse("people:restrict_access", args=[child.pk]),
        success_message="Record restricted. That person can no longer see it anywhere in Divert.",
        back_url=_child_url(child.pk), submit_label="Restrict access", restrictions=restrictions, child=child,
        intro="A restricted record is hidden from the person named, everywhere in Divert, as if the child "
              "were not on the system. Use this for a conflict of interest, or a worker who knows the family.",
    )


@allow(*PATHWAY_ROLES)
def lift_restriction(request: HttpRequest, restriction_id: int) -> HttpResponse:
    """Lift a restriction on access to a record (kept, dated)."""
    restriction = RecordRestriction.objects.filter(
        pk=restriction_id, child__in=Child.objects.visible_to(request.user)
    ).select_related("user", "child").first()
    if restriction is None:
        raise Http404("Not found")
    child = _managed_child(request, restriction.child_id)
    back = reverse("people:restrict_access", args=[child.pk])
    return form_page(
        request, LiftRestrictionForm, heading=f"Lift the restriction on {restriction.user.display_name}",
        caption=child.full_name,
        save=lambda d: actions.lift_restriction(by=request.user, restriction=restriction, reason=d["reason"]),
        success_url=back, success_message="Restriction lifted.", back_url=back, submit_label="Lift the restriction",
        intro=f"{restriction.user.display_name} will be able to see this record again if it is in their scope.",
    )


@allow(*PATHWAY_ROLES)
def restrict_processing(request: HttpRequest, child_id: int) -> HttpResponse:
    """Restrict processing of the child's data (UK GDPR art. 18), or lift the restriction."""
    child = _managed_child(request, child_id)
    _audit_look(request, child, "restrict_processing")
    active = child.processing_restrictions.active().first()
    if active is None:
        return form_page(
            request, ProcessingRestrictionForm, heading="Restrict processing", caption=child.full_name,
            save=lambda d: actions.restrict_processing(by=request.user, child=child, reason=d["reason"]),
            success_url=_child_url(child.pk), success_message="Processing restricted.",
            back_url=_child_url(child.pk), submit_label="Restrict processing", danger=True,
            intro="Use this when the child or their family has asked for processing to be restricted, for example "
                  "while the accuracy of the record is checked. The record is kept and can still be viewed, but "
                  "nothing new can be recorded and the child is left out of research extracts. They are still "
                  "counted in statutory returns.",
        )
    return form_page(
        request, ProcessingRestrictionForm, heading="Lift the restriction of processing", caption=child.full_name,
        save=lambda d: actions.lift_processing_restriction(by=request.user, child=child, reason=d["reason"]),
        success_url=_child_url(child.pk), success_message="Restriction of processing lifted.",
        back_url=_child_url(child.pk), submit_label="Lift the restriction",
        intro=f"Processing has been restricted since {timezone.localtime(active.created_at):%-d %B %Y}. "
              f"Reason: {active.reason}",
    )


@allow(*PATHWAY_ROLES)
def correct_details(request: HttpRequest, child_id: int) -> HttpResponse:
    """Correct the child's details, with a reason kept alongside the old and new values."""
    child = get_visible_or_404(Child, request.user, pk=child_id)
    _audit_look(request, child, "details")
    fields = [f for f in CorrectDetailsForm.base_fields if f != "reason" and f != "confirm_not_duplicate"]

    def save(data):
        changes = {f: data[f] for f in fields}
        return actions.update_child_details(by=request.user, child=child, today=timezone.localdate(),
                                            reason=data["reason"], **changes)

    return form_page(
        request, CorrectDetailsForm, heading="Correct details", caption=child.full_name, save=save,
        form_kwargs={"initial": {f: getattr(child, f) for f in fields}},
        success_url=_child_url(child.pk), success_message="Details corrected. The previous values are kept.",
        back_url=_child_url(child.pk), submit_label="Save the correction",
    )
