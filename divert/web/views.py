"""Thin page views. Every view declares who may use it (see divert.core.access)."""

from __future__ import annotations

from django.contrib.auth import logout
from django.contrib.auth.views import LoginView
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from divert.accounts.models import CHILD_ROLES
from divert.audit.actions import record_event
from divert.core.access import PUBLIC, SIGNED_IN, allow, get_visible_or_404, public
from divert.people.models import Child


class SignInView(LoginView):
    """The sign-in page (public)."""

    allowed_roles = (PUBLIC,)
    template_name = "web/sign_in.html"
    redirect_authenticated_user = True


@allow(SIGNED_IN)
@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    """Sign out (POST only, so a link cannot sign anyone out)."""
    logout(request)
    return redirect("web:login")


@public
def health(request: HttpRequest) -> JsonResponse:
    """Liveness check for load balancers: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@allow(SIGNED_IN)
def home(request: HttpRequest) -> HttpResponse:
    """Start page: what this user can do."""
    return render(request, "web/home.html", {"role_labels": request.user.role_labels})


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
    return render(request, "web/child_list.html", {"page": page, "query": query, "mine": mine})


@allow(*CHILD_ROLES)
def child_detail(request: HttpRequest, child_id: int) -> HttpResponse:
    """The child's record. Every view is audited."""
    child = get_visible_or_404(Child, request.user, pk=child_id)
    record_event(by=request.user, verb="viewed_child", obj=child, child=child)
    referrals = child.referrals.current().select_related("programme").order_by("-received_on")
    episodes = child.episodes.current().select_related("programme", "worker").order_by("-start_date")
    outcomes = child.outcomes.current().select_related("offence").order_by("-outcome_date")
    return render(
        request,
        "web/child_detail.html",
        {
            "child": child,
            "referrals": referrals,
            "episodes": episodes,
            "outcomes": outcomes,
            "care_statuses": child.care_statuses.current().order_by("-start_date"),
        },
    )
