"""Template context shared by every page: what the navigation offers this user."""

from cehours.access.models import Role
from cehours.access.scope import is_staff_user


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_is_staff": False, "nav_has_person": False, "nav_is_hr": False}
    return {
        "nav_is_staff": is_staff_user(user),
        "nav_has_person": hasattr(user, "person"),
        "nav_is_hr": any(g.role == Role.HR_ADMIN for g in user.grants.all()),
    }
