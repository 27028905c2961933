"""Template context shared by every page: what the navigation offers this user (asked of the policy)."""

from cehours.access.names import display_name, organisation
from cehours.access.policy import Action, can, claim_units, grants_for, highest_level, is_staff, reaches_unplaced


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_is_staff": False, "nav_has_person": False, "nav_is_hr": False}
    return {
        "nav_audit": bool(grants_for(user, Action.READ_AUDIT)),
        "nav_privacy": can(user, Action.READ_ACCESS_LOG),
        "nav_catalogue": can(user, Action.EDIT_CATALOGUE),
        "nav_courses": can(user, Action.MANAGE_COURSES),
        "nav_rules": can(user, Action.EDIT_RULES),
        "nav_reviews": can(user, Action.DECIDE),
        "nav_held": can(user, Action.DECIDE) or can(user, Action.CHECK_ATTENDEES),
        "nav_spot_checks": highest_level(user, Action.SPOT_CHECK) >= 2,
        "nav_seminars": can(user, Action.VIEW_SEMINAR),
        "nav_is_staff": is_staff(user),
        "nav_committee": bool(grants_for(user, Action.EVALUATE)),
        "nav_unplaced": reaches_unplaced(user),
        "nav_claim": bool(claim_units(user)),
        "nav_units": can(user, Action.MANAGE_UNITS),
        "nav_roster": can(user, Action.EDIT_ROSTER),
        "nav_staff": can(user, Action.MANAGE_ACCOUNTS) or can(user, Action.MANAGE_GRANTS),
        "nav_roster_accounts": can(user, Action.CONFIRM_ACCOUNT) or can(user, Action.ISSUE_ACTIVATION),
        "nav_has_person": hasattr(user, "person"),
        "nav_is_hr": can(user, Action.MANAGE_SYSTEMS) or can(user, Action.IMPORT_DATA),
        # The header names the person, not the login (issue 12).
        "nav_who": display_name(user),
        "nav_org": organisation(user) if not hasattr(user, "person") else "",
    }
