"""Deny by default: every view declares who may use it.

A view is wrapped in `allow(...)` naming the roles it serves, or `public` for the few pages
anyone may load (sign in, health). The middleware refuses any view without a
declaration, and a test walks the URL configuration to prove none is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

PUBLIC = "public"
SIGNED_IN = "signed-in"
ACCESS_ATTR = "divert_access"


def allow(*roles: str) -> Callable:
    """Let signed-in users holding any of `roles` (or SIGNED_IN: any active user) use a view."""
    if not roles:
        raise ValueError("allow() needs at least one role; use SIGNED_IN for any user")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated or not user.is_active:
                return redirect_to_login(request.get_full_path())
            if SIGNED_IN not in roles and not user.has_any_role(roles):
                raise PermissionDenied("Your role does not give you access to this page.")
            return view(request, *args, **kwargs)

        setattr(wrapped, ACCESS_ATTR, tuple(roles))
        return wrapped

    return decorator


def public(view: Callable) -> Callable:
    """Mark a view that needs no sign-in."""
    setattr(view, ACCESS_ATTR, (PUBLIC,))
    return view


def declared_access(view: Callable) -> tuple[str, ...] | None:
    """The roles a view declares, or None if it declares nothing."""
    declared = getattr(view, ACCESS_ATTR, None)
    if declared:
        return declared
    # Django REST framework views: the class names the roles it serves.
    view_class = getattr(view, "cls", None) or getattr(view, "view_class", None)
    roles = getattr(view_class, "allowed_roles", None)
    if roles:
        return tuple(roles)
    return None


class DenyByDefaultMiddleware:
    """Refuse to run any view that has not declared who may use it."""

    def __init__(self, get_response: Callable):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        """Deny undeclared views before they run."""
        if declared_access(view_func) is None:
            raise PermissionDenied("This page has not declared who may use it.")
        return None


def get_visible_or_404(queryset_or_model, user, **lookup):
    """Fetch one object the user may see, or 404 for anything outside their scope."""
    manager = getattr(queryset_or_model, "objects", None)
    queryset = manager.visible_to(user) if manager is not None else queryset_or_model
    try:
        return queryset.get(**lookup)
    except (queryset.model.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404("Not found") from exc
