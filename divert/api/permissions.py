"""Deny by default for the API: each view names the roles it serves."""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from divert.core.access import PUBLIC, SIGNED_IN


class RoleRequired(BasePermission):
    """Allow only active users holding one of the view's `allowed_roles`."""

    message = "Your role does not give you access to this resource."

    def has_permission(self, request, view) -> bool:
        """Check the declared roles against the user's."""
        roles = getattr(view, "allowed_roles", None)
        if not roles:
            return False
        if PUBLIC in roles:
            return True
        user = request.user
        if not user or not user.is_authenticated or not user.is_active:
            return False
        return SIGNED_IN in roles or user.has_any_role(roles)
