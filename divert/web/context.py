"""Template context shared by every page."""

from __future__ import annotations

from divert.accounts.models import CHILD_ROLES


def navigation(request) -> dict:
    """What the header navigation needs: whether the user may see child-level pages."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can_see_children": False}
    return {"can_see_children": user.has_any_role(CHILD_ROLES)}
