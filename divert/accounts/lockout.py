"""The lockout page and log lines for django-axes (repeated sign-in failures)."""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import render
from django.utils import timezone

from divert.core.crypto import keyed_hash


def lockout_response(request, original_response=None, credentials=None):
    """A GOV.UK page saying when the person may try again, or whom to ask."""
    # A failure during the lockout restarts the cool-off (axes' default), so "now" is right.
    until = timezone.localtime(timezone.now() + settings.AXES_COOLOFF_TIME)
    return render(
        request,
        "accounts/locked_out.html",
        {
            "until": until,
            "same_day": until.date() == timezone.localdate(),
            "failures": settings.AXES_FAILURE_LIMIT,
        },
        status=429,
    )


def client_str(username, ip_address, user_agent, path_info, request) -> str:
    """How axes names a client in its log lines: a keyed hash of the username, and the address."""
    who = keyed_hash((username or "").lower(), purpose="signin-log")[:12] if username else "-"
    return f"{{user: {who}, ip_address: {ip_address}, path: {path_info}}}"


def attempted_username(request, credentials=None) -> str:
    """The username being tried, lower-cased so 'Worker' and 'worker' share one count."""
    name = (credentials or {}).get("username")
    if name is None:
        data = getattr(request, "data", None) or request.POST
        name = data.get("login") or data.get("username") or ""
    return str(name).strip().lower()
