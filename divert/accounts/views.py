"""Administrators' pages: list, create and change users; deactivate leavers; reset MFA."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from divert.accounts.models import Role, User
from divert.core.access import allow


@allow(Role.ADMINISTRATOR)
def user_list(request: HttpRequest) -> HttpResponse:
    """The administrator's organisation's users."""
    users = User.objects.filter(organisation=request.user.organisation_id).order_by("username")
    return render(request, "accounts/user_list.html", {"users": users})
