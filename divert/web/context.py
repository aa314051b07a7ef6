"""Template context shared by every page."""

from __future__ import annotations

from divert.accounts.models import CHILD_ROLES, MANAGER_ROLES, PATHWAY_ROLES, Role
from divert.privacy.views import RETENTION_ROLES
from divert.reports.quality_views import QUALITY_ROLES


def navigation(request) -> dict:
    """What the header navigation needs: which kinds of page the user may use."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"can_see_children": False, "can_work": False, "can_manage_team": False, "can_import": False,
                "can_see_measures": False, "can_see_tracker": False, "can_manage_users": False,
                "can_extract": False, "can_manage_retention": False, "can_see_pack": False,
                "can_see_data_quality": False}
    return {
        "can_see_children": user.has_any_role(CHILD_ROLES),
        "can_work": user.has_any_role(PATHWAY_ROLES),
        "can_manage_team": user.has_any_role(MANAGER_ROLES),
        "can_import": user.has_any_role([Role.PERFORMANCE_OFFICER]),
        "can_see_tracker": user.has_any_role(
            [Role.TEAM_MANAGER, Role.SERVICE_MANAGER, Role.PERFORMANCE_OFFICER]
        ),
        "can_manage_users": user.has_any_role([Role.ADMINISTRATOR]),
        "can_extract": user.has_any_role([Role.PERFORMANCE_OFFICER]),
        "can_manage_retention": user.has_any_role(RETENTION_ROLES),
        "can_see_measures": user.has_any_role(
            [Role.SERVICE_MANAGER, Role.PERFORMANCE_OFFICER, Role.BOARD_MEMBER, Role.COMMISSIONER]
        ),
        "can_see_pack": user.has_any_role(
            [Role.SERVICE_MANAGER, Role.PERFORMANCE_OFFICER, Role.BOARD_MEMBER, Role.COMMISSIONER]
        ),
        "can_see_data_quality": user.has_any_role(QUALITY_ROLES),
    }
