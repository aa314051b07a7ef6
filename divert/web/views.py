"""Pages that bring several apps together: sign in, home, my work, team, follow-up and the child's
record. The other child pages (list, find, new, merge, corrections, restrictions) are in people."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from divert.accounts.auth_views import SignInView, sign_out  # noqa: F401 - web:login, web:logout
from divert.accounts.models import (
    CHILD_ROLES,
    MANAGER_ROLES,
    PATHWAY_ROLES,
)
from divert.audit.actions import record_event
from divert.casework.models import FollowUpCheckpoint, last_contact_on
from divert.core.access import SIGNED_IN, allow, get_visible_or_404, public
from divert.core.exports import csv_bytes
from divert.oversight.reading import audit_work, on_record
from divert.people.actions import open_allocated_record
from divert.people.models import Allocation, Child, DuplicateAttempt
from divert.referrals.models import Referral
from divert.web import team as team_view
from divert.web.links import urls_by_id
from divert.web.record import child_record
from divert.web.timeline import child_timeline, oversight_lines
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
            # Allocated or transferred to this worker, and not opened by them since.
            new_to_you=Exists(Allocation.objects.filter(child=OuterRef("pk"), worker=request.user,
                                                        opened_at__isnull=True)),
        )
        .filter(Q(open_episodes__gt=0) | Q(in_progress=True))
        .only("first_name", "preferred_name", "last_name", "date_of_birth")
        .order_by("last_name", "first_name", "id")
    )
    # Lists of children are looks at child data too: one event per page, without names.
    record_event(by=request.user, verb="listed_children", details={"page": "my_work"})
    queue_count = held_count = None
    if request.user.has_any_role(MANAGER_ROLES):
        queue_count = Referral.objects.visible_to(request.user).on_queue().count()
        held_count = DuplicateAttempt.objects.for_manager(request.user).open().count()
    audit_actions, my_audits = audit_work(request.user, today=today)
    record_url = urls_by_id("web:child_detail")
    return render(request, "web/my_work.html", {
        "audit_actions": audit_actions, "my_audits": my_audits,
        "items": items, "overdue": sum(1 for i in items if i.overdue),
        "caseload": [(child, record_url(child.pk)) for child in caseload],
        "follow_ups": follow_ups[:20], "follow_up_count": len(follow_ups),
        "today": today, "queue_count": queue_count, "held_count": held_count,
    })


@allow(*MANAGER_ROLES)
def team(request: HttpRequest) -> HttpResponse:
    """The team view: per worker, open children, sessions due and overdue, screening and contact
    overdue and last contact; each number opens the children behind it. CSV with ?format=csv."""
    filters = team_view.read_filters(request.user, request.GET)
    rows = team_view.rows_by_worker(request.user, filters)
    record_event(by=request.user, verb="listed_children", details={"page": "team"})
    if request.GET.get("format") == "csv":
        header = ["Worker", "Children", *team_view.MEASURES.values(), "Last contact"]
        body = [[_worker_name(r), r["children"], *(r[m] for m in team_view.MEASURES), r["last_contact"]]
                for r in rows]
        response = HttpResponse(csv_bytes([header, *body]), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="team-{timezone.localdate():%Y-%m-%d}.csv"'
        return response
    overdue_follow_ups = FollowUpCheckpoint.objects.current().filter(
        child__in=team_view.team_children(request.user, filters), due_on__lt=timezone.localdate(),
    ).exclude(status="complete").count()
    return render(request, "web/team.html", {
        "rows": [{**r, "name": _worker_name(r), "key": r["worker"] or "none",
                  "counts": [(m, r[m]) for m in team_view.MEASURES]} for r in rows],
        "measures": team_view.MEASURES, "filters": filters, "query": filters.query(),
        "teams": team_view.manager_teams(request.user), "programmes": team_view.manager_programmes(request.user),
        "overdue_follow_ups": overdue_follow_ups,
    })


def _worker_name(row) -> str:
    if not row["worker"]:
        return "Not allocated"
    return f"{row['worker__first_name']} {row['worker__last_name']}".strip()


@allow(*MANAGER_ROLES)
def team_children(request: HttpRequest) -> HttpResponse:
    """The children behind one number of the team view."""
    filters = team_view.read_filters(request.user, request.GET)
    measure = request.GET.get("measure", "")
    children = team_view.children_behind(request.user, filters, measure=measure,
                                         worker=request.GET.get("worker", ""))
    page = Paginator(children, 50).get_page(request.GET.get("page"))
    record_event(by=request.user, verb="listed_children", details={"page": "team_children", "number": page.number})
    return render(request, "web/team_children.html", {
        "page": page, "measure": team_view.MEASURES.get(measure, "All children"), "query": filters.query(),
    })


@allow(*CHILD_ROLES)
def child_detail(request: HttpRequest, child_id: int) -> HttpResponse:
    """The child's story on one page: every item recorded, in full, and a timeline linking to each.

    The number of queries does not depend on the length of the history. Every view is audited."""
    new_to_user = Allocation.objects.filter(child=OuterRef("pk"), worker=request.user, opened_at__isnull=True)
    child = get_visible_or_404(
        Child.objects.visible_to(request.user).select_related("team", "worker").annotate(new_to_user=Exists(new_to_user)),
        request.user, pk=child_id,
    )
    record_event(by=request.user, verb="viewed_child", obj=child, child=child)
    # Opened by the worker it was allocated to: no longer "new to you" on their My work (asked
    # with the child above, so most views write nothing more).
    if child.new_to_user:
        open_allocated_record(by=request.user, child=child)
    record = child_record(child)
    checkpoints = list(FollowUpCheckpoint.objects.current().filter(child=child).order_by("-anchor", "months"))
    can_manage = request.user.has_any_role(MANAGER_ROLES)
    oversight = on_record(child)
    processing_restriction = child.processing_restrictions.active().first()
    # While processing is restricted the record is kept and viewable, but nothing new is recorded.
    can_write = request.user.has_any_role(PATHWAY_ROLES) and processing_restriction is None
    return render(request, "web/child_detail.html", {
        "child": child, "referrals": record.referrals, "stories": record.stories, "outcomes": record.outcomes,
        "checkpoints": checkpoints, "contacts": record.contact_rows, "oversight": oversight,
        "timeline": child_timeline(record, extra=oversight_lines(oversight)), "can_write": can_write,
        "can_manage": can_manage, "today": timezone.localdate(),
        "care_statuses": child.care_statuses.current().order_by("-start_date"),
        "can_correct": request.user.has_any_role(PATHWAY_ROLES),
        "processing_restriction": processing_restriction,
        "access_restrictions": child.record_restrictions.active().count() if can_manage else 0,
        "detail_changes": list(child.detail_changes.select_related("changed_by")[:50]) if can_manage else [],
    })


@allow(*CHILD_ROLES)
def follow_up(request: HttpRequest) -> HttpResponse:
    """Children being followed up after an offer, by group (participants and comparison)."""
    group = request.GET.get("group", "")
    rows = (
        FollowUpCheckpoint.objects.visible_to(request.user).current()
        .filter(anchor="offer", months=12).select_related("child", "referral__offer")
        .annotate(last_contact=last_contact_on(OuterRef("child_id")))
        .order_by("-anchor_date", "id")
    )
    if group in {"participant", "comparison"}:
        rows = rows.filter(group=group)
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    record_event(by=request.user, verb="listed_children", details={"page": "follow_up", "number": page.number})
    return render(request, "web/follow_up.html", {"page": page, "group": group, "today": timezone.localdate()})
