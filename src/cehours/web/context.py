"""Template context shared by every page: what the navigation offers this user."""

from cehours.access.models import Role
from cehours.access.scope import is_staff_user, user_grants


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_is_staff": False, "nav_has_person": False, "nav_is_hr": False}
    grants = user_grants(user)
    roles = {g.role for g in grants}
    levels = [g.level or 0 for g in grants if g.role == Role.REVIEWER]
    return {
        "nav_audit": Role.HR_ADMIN in roles or max(levels, default=0) >= 2,
        "nav_catalogue": Role.INDUSTRY_AUTHORITY in roles,
        "nav_reviews": Role.REVIEWER in roles or Role.INDUSTRY_AUTHORITY in roles,
        "nav_spot_checks": max(levels, default=0) >= 2,
        "nav_seminars": bool({Role.PROVIDER, Role.HR_ADMIN, Role.INDUSTRY_AUTHORITY} & roles),
        "nav_is_staff": is_staff_user(user),
        "nav_has_person": hasattr(user, "person"),
        "nav_is_hr": Role.HR_ADMIN in roles,
    }
