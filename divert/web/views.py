"""Pages that bring several apps together: sign in, home, my work, team, the child record."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from divert.accounts.auth_views import SignInView, sign_out  # noqa: F401 - web:login, web:logout
from divert.accounts.models import (
    CHILD_ROLES,
    MANAGER_ROLES,
    ORGANISATION_ROLES,
    PATHWAY_ROLES,
    Role,
)
from divert.audit.actions import record_event
from divert.casework.models import FollowUpCheckpoint, OnwardReferral, Session
from divert.core.access import SIGNED_IN, allow, get_visible_or_404, public
from divert.core.errors import DomainError
from divert.core.pages import form_page
from divert.people.actions import create_child, merge_children
from divert.people.forms import ChildForm, FindChildForm, MergeForm
from divert.people.models import Child, RecordRestriction
from divert.referrals.models import Referral
from divert.web.timeline import child_timeline
from divert.web.work import due_items


@public
def health(request: HttpRequest) -> JsonResponse:
    """Liveness check for load balancers: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@allow(SIGNED_IN)
def home(request: HttpRequest) -> HttpResponse:
    """Start page: case roles go to their work; others see what their role offers."""
    if request.user.has_any_role(PATHWAY_ROLES):
        return redirect("web:my_work")
    return render(request, "web/home.html", {"role_labels": request.user.role_labels})


@allow(*PATHWAY_ROLES)
def my_work(request: HttpRequest) -> HttpResponse:
    """The user's caseload with everything due, soonest first."""
    today = timezone.localdate()
    children = Child.objects.visible_to(request.user).allocated_to(request.user)
    items, follow_ups = due_items(user=request.user, children=children, today=today)
    # The caseload proper: children with open support or a referral still in progress.
    active_referral = Referral.objects.current().filter(child=OuterRef("pk"), stage__in=["received", "offered"])
    caseload = (
        children.annotate(
            open_episodes=Count("episodes", filter=Q(episodes__end_date__isnull=True,
                                                     episodes__voided_at__isnull=True)),
            in_progress=Exists(active_referral),
        )
        .filter(Q(open_episodes__gt=0) | Q(in_progress=True))
        .order_by("last_name", "first_name", "id")
    )
    # Lists of children are looks at child data too: one event per page, without names.
    record_event(by=request.user, verb="listed_children", details={"page": "my_work"})
    queue_count = None
    if request.user.has_any_role(MANAGER_ROLES):
        queue_count = (Referral.objects.visible_to(request.user).current()
                       .filter(child__worker__isnull=True, stage__in=["received", "offered", "accepted"]).count())
    return render(request, "web/my_work.html", {
        "items": items, "overdue": sum(1 for i in items if i.overdue), "caseload": caseload,
        "follow_ups": follow_ups[:20], "follow_up_count": len(follow_ups),
        "today": today, "queue_count": queue_count,
    })


@allow(*MANAGER_ROLES)
def team(request: HttpRequest) -> HttpResponse:
    """The team's caseload by worker."""
    children = Child.objects.visible_to(request.user)
    if not request.user.has_any_role([Role.SERVICE_MANAGER]):
        children = children.filter(team__in=request.user.teams.all())
    open_q = Q(episodes__end_date__isnull=True, episodes__voided_at__isnull=True)
    by_worker = (
        children.values("worker", "worker__first_name", "worker__last_name", "team__name")
        .annotate(children=Count("id", distinct=True), open=Count("episodes", filter=open_q, distinct=True))
        .order_by("team__name", "worker__first_name")
    )
    overdue_follow_ups = FollowUpCheckpoint.objects.current().filter(
        child__in=children, due_on__lt=timezone.localdate()).exclude(status="complete").count()
    return render(request, "web/team.html", {"rows": by_worker, "overdue_follow_ups": overdue_follow_ups})


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
    return render(request, "web/child_list.html", {"page": page, "query": query, "mine": mine})


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
    return render(request, "web/find_child.html", {"form": form, "results": results})


@allow(*PATHWAY_ROLES)
def new_child(request: HttpRequest) -> HttpResponse:
    """Record a new child; warns first when a child with the same name and birth date exists."""
    user = request.user
    duplicates = []
    if request.method == "POST":
        form = ChildForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            duplicates = list(
                Child.objects.current().filter(organisation_id=user.organisation_id, merged_into__isnull=True,
                                     date_of_birth=data["date_of_birth"], last_name__iexact=data["last_name"])
                .filter(Q(first_name__iexact=data["first_name"]) | Q(preferred_name__iexact=data["first_name"]))
            )
            # Children known only from police data are not counted: a case worker must not learn
            # from this check whether the police know a child.
            duplicates = [d for d in duplicates if not d.police_only]
            record_event(by=user, verb="checked_duplicates", details={"matches": len(duplicates)})
            restricted = set(RecordRestriction.objects.active().filter(user=user, child__in=duplicates)
                             .values_list("child_id", flat=True))
            if restricted:
                # A record restricted from this person: they must not learn it exists, and must
                # not make a second record of the same child either. Neutral words, no way past.
                form.add_error(None, "This child cannot be recorded from your account. "
                                     "Check with your manager before recording them.")
                return render(request, "web/new_child.html", {"form": form, "duplicates": []})
            if duplicates and not data.get("confirm_not_duplicate"):
                visible = set(Child.objects.visible_to(user).filter(pk__in=[d.pk for d in duplicates])
                              .values_list("pk", flat=True))
                form.data = form.data.copy()
                form.data["confirm_not_duplicate"] = "True"
                return render(request, "web/new_child.html", {
                    "form": form, "duplicates": [d for d in duplicates if d.pk in visible],
                    "hidden_duplicates": len(duplicates) - len(visible),
                })
            try:
                details = {k: v for k, v in data.items() if k != "confirm_not_duplicate"}
                team = user.teams.first()
                if team is None and not user.has_any_role(ORGANISATION_ROLES):
                    raise DomainError("You are not in a team, so the child would not be on anyone's caseload. "
                                      "Ask your administrator to add you to a team.")
                child = create_child(by=user, organisation=user.organisation, today=timezone.localdate(),
                                     team=team, **details)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, "Child recorded. Now record the referral.")
                return redirect("referrals:new", child_id=child.pk)
    else:
        form = ChildForm(initial={"first_name": request.GET.get("first_name", ""),
                                  "last_name": request.GET.get("last_name", "")})
    return render(request, "web/new_child.html", {"form": form, "duplicates": duplicates})


@allow(*CHILD_ROLES)
def child_detail(request: HttpRequest, child_id: int) -> HttpResponse:
    """The child's record with a timeline of everything that happened. Every view is audited."""
    child = get_visible_or_404(
        Child.objects.visible_to(request.user).select_related("team", "worker"), request.user, pk=child_id
    )
    record_event(by=request.user, verb="viewed_child", obj=child, child=child)
    referrals = list(child.referrals.current().select_related("programme", "screening", "offer", "episode")
                     .order_by("-received_on"))
    episodes = list(child.episodes.current().select_related("programme", "worker", "tier").order_by("-start_date"))
    sessions = list(Session.objects.current().filter(episode__child=child).order_by("-date")[:20])
    checkpoints = list(FollowUpCheckpoint.objects.current().filter(child=child).order_by("-anchor", "months"))
    onward = list(OnwardReferral.objects.current().filter(episode__child=child).order_by("-referred_on"))
    can_manage = request.user.has_any_role(MANAGER_ROLES)
    processing_restriction = child.processing_restrictions.active().first()
    # While processing is restricted the record is kept and viewable, but nothing new is recorded.
    can_write = request.user.has_any_role(PATHWAY_ROLES) and processing_restriction is None
    return render(request, "web/child_detail.html", {
        "child": child, "referrals": referrals, "episodes": episodes, "sessions": sessions,
        "checkpoints": checkpoints, "onward": onward, "timeline": child_timeline(child), "can_write": can_write,
        "can_manage": can_manage, "today": timezone.localdate(),
        "care_statuses": child.care_statuses.current().order_by("-start_date"),
        "can_correct": request.user.has_any_role(PATHWAY_ROLES),
        "processing_restriction": processing_restriction,
        "access_restrictions": child.record_restrictions.active().count() if can_manage else 0,
        "detail_changes": list(child.detail_changes.select_related("changed_by")[:50]) if can_manage else [],
    })


@allow(*MANAGER_ROLES)
def merge(request: HttpRequest, child_id: int) -> HttpResponse:
    """Merge a duplicate record into this one (a manager's action, keeping both histories)."""
    child = get_visible_or_404(Child, request.user, pk=child_id)
    others = Child.objects.visible_to(request.user).exclude(pk=child.pk)

    def save(data):
        duplicate = others.filter(pk=data["duplicate_id"]).first()
        if duplicate is None:
            raise DomainError("There is no record with that number that you can see.", field="duplicate_id")
        return merge_children(by=request.user, keep=child, duplicate=duplicate, reason=data["reason"])

    return form_page(request, MergeForm, heading="Merge a duplicate record", caption=child.full_name, save=save,
                     success_url=reverse("web:child_detail", args=[child.pk]),
                     success_message="Records merged. Both histories are on this record.",
                     back_url=reverse("web:child_detail", args=[child.pk]))



@allow(*CHILD_ROLES)
def follow_up(request: HttpRequest) -> HttpResponse:
    """Children being followed up after an offer, by group (participants and comparison)."""
    group = request.GET.get("group", "")
    rows = (
        FollowUpCheckpoint.objects.visible_to(request.user).current()
        .filter(anchor="offer", months=12).select_related("child", "referral__offer")
        .order_by("-anchor_date", "id")
    )
    if group in {"participant", "comparison"}:
        rows = rows.filter(group=group)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    record_event(by=request.user, verb="listed_children", details={"page": "follow_up", "number": page.number})
    return render(request, "web/follow_up.html", {"page": page, "group": group, "today": timezone.localdate()})
