"""The child's pages: the list and search, finding a child before recording one, recording a
new child, correcting details (with the reason kept in the rectification history), the
audit trail, managers' data-protection pages (restrict access, restrict processing) and the
new children held for a manager because they matched a record outside the worker's scope.

The child's record itself (`web.views.child_detail`) brings every pathway app together, so it
lives in `web`, above them; merging moves every app's records, so its page is in `privacy`.

Scope is checked before role on the managers' pages: a child outside the user's scope is 404
for everyone, and only then is a non-manager refused (403).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from divert.accounts.models import (
    CHILD_ROLES,
    MANAGER_ROLES,
    PATHWAY_ROLES,
    Role,
    User,
)
from divert.audit.actions import record_event
from divert.audit.models import AuditEvent
from divert.core.access import allow, get_visible_or_404
from divert.core.errors import DomainError
from divert.core.pages import form_page
from divert.core.submissions import (
    ALREADY_RECORDED,
    already_recorded,
    earlier_submission,
    form_token,
    save_once,
)
from divert.people import actions
from divert.people.actions import create_child
from divert.people.forms import (
    ChildForm,
    FindChildForm,
    LiftRestrictionForm,
    ProcessingRestrictionForm,
    ResolveAttemptForm,
    RestrictRecordForm,
)
from divert.people.models import Child, DuplicateAttempt, RecordRestriction


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


@allow(*CHILD_ROLES)
def child_list(request: HttpRequest) -> HttpResponse:
    """The children this user may see, searchable; 'mine' shows the user's own caseload."""
    query = request.GET.get("q", "").strip()
    mine = request.GET.get("mine") == "1"
    children = Child.objects.visible_to(request.user).search(query)
    if mine:
        children = children.allocated_to(request.user)
    children = children.select_related("team", "worker").order_by("last_name", "first_name", "id")
    page = Paginator(children, 50).get_page(request.GET.get("page"))
    if query:
        # Searches reveal who the user looked for: audited, without the search text.
        record_event(by=request.user, verb="searched_children", details={"results_page": page.number})
    else:
        record_event(by=request.user, verb="listed_children", details={"page": "children", "number": page.number})
    return render(request, "people/child_list.html", {"page": page, "query": query, "mine": mine})


def _possible_duplicates(user, data):
    """Children in the user's organisation who may be the same child (scoped to what they may see)."""
    children = Child.objects.visible_to(user)
    q = Q()
    if data.get("identifier"):
        q |= Q(local_id__iexact=data["identifier"]) | Q(police_id__iexact=data["identifier"])
    if data.get("date_of_birth"):
        dob_q = Q(date_of_birth=data["date_of_birth"])
        if data.get("name"):
            dob_q &= Q(last_name__iexact=data["name"].split()[-1]) | Q(first_name__iexact=data["name"].split()[0])
        q |= dob_q
    elif data.get("name"):
        parts = data["name"].split()
        name_q = Q(last_name__iexact=parts[-1])
        if len(parts) > 1:
            name_q &= Q(first_name__iexact=parts[0])
        q |= name_q
    return children.filter(q).order_by("last_name", "first_name")[:20] if q else children.none()


@allow(*PATHWAY_ROLES)
def find_or_add_child(request: HttpRequest) -> HttpResponse:
    """Search before creating a child so the same child is not recorded twice."""
    form = FindChildForm(request.GET or None)
    results = None
    if request.GET and form.is_valid():
        results = _possible_duplicates(request.user, form.cleaned_data)
        record_event(by=request.user, verb="searched_children", details={"results": len(results)})
    return render(request, "people/find_child.html", {"form": form, "results": results})


@allow(*PATHWAY_ROLES)
def new_child(request: HttpRequest) -> HttpResponse:
    """Record a new child; warns first when a child with the same name and birth date exists.

    The rules (the recorder's team, the duplicate checks, holding a match outside the
    person's scope for their manager) are `create_child`'s; this page only shows its answers.
    """
    duplicates: list[Child] = []
    if request.method == "POST":
        earlier = earlier_submission(request)
        if earlier is not None:
            return already_recorded(request, earlier)
        form = ChildForm(request.POST)
        if form.is_valid():
            details = dict(form.cleaned_data)
            confirmed = details.pop("confirm_not_duplicate", False)
            try:
                first, url = save_once(
                    request,
                    lambda: create_child(by=request.user, organisation=request.user.organisation,
                                         today=timezone.localdate(), confirmed_not_duplicate=confirmed, **details),
                    lambda child: reverse("referrals:new", kwargs={"child_id": child.pk}))
            except actions.PossibleDuplicates as possible:
                duplicates = possible.children
                form.data = form.data.copy()
                form.data["confirm_not_duplicate"] = "True"
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, "Child recorded. Now record the referral." if first else ALREADY_RECORDED)
                return redirect(url)
    else:
        form = ChildForm(initial={"first_name": request.GET.get("first_name", ""),
                                  "last_name": request.GET.get("last_name", "")})
    return render(request, "people/new_child.html", {"form": form, "duplicates": duplicates,
                                                     "form_token": form_token(request)})


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
    return render(request, "people/child_audit.html", {"child": child, "page": page})


@allow(*MANAGER_ROLES)
def duplicate_attempts(request: HttpRequest) -> HttpResponse:
    """New children held because they matched a record outside the worker's scope, for the
    managers who can see that record to decide."""
    attempts = list(
        DuplicateAttempt.objects.for_manager(request.user).open()
        .select_related("attempted_by", "team", "matched").order_by("attempted_at", "pk")
    )
    record_event(by=request.user, verb="listed_children", details={"page": "duplicate_attempts"})
    return render(request, "people/duplicate_attempts.html", {"attempts": attempts})


@allow(*MANAGER_ROLES)
def resolve_attempt(request: HttpRequest, attempt_id: int) -> HttpResponse:
    """Decide one held attempt: the same child (allocate or leave the record) or a new child."""
    attempt = get_visible_or_404(
        DuplicateAttempt.objects.for_manager(request.user).open().select_related("attempted_by", "team", "matched"),
        request.user, pk=attempt_id,
    )
    if request.method == "GET":
        # The page shows the details entered and the matching record: a look at child data.
        record_event(by=request.user, verb="viewed_duplicate_attempt", obj=attempt, child=attempt.matched_id)
    back = reverse("people:duplicate_attempts")
    return form_page(
        request, ResolveAttemptForm, heading="A new child that matches a record",
        caption=attempt.attempted_by.display_name, template="people/resolve_attempt.html",
        save=lambda d: actions.resolve_duplicate_attempt(by=request.user, attempt=attempt,
                                                         resolution=d["resolution"], note=d.get("note", ""),
                                                         today=timezone.localdate()),
        success_url=back, success_message="Decision saved.", back_url=back, submit_label="Save the decision",
        attempt=attempt, entered=attempt.entered,
    )
