"""Page guards: one decorator asks the access policy (access/policy.py) before a view runs."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from cehours.access.policy import DENIED_MESSAGES, Action, can


def allowed(*actions: Action):
    """The signed-in user must be allowed at least one of the actions somewhere; otherwise 403.

    Which rows they reach is the policy's `restrict`, applied by the view's selectors; an object
    outside their scope is then a 404, exactly like a missing one.
    """

    def decorate(view):
        @login_required
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not any(can(request.user, action) for action in actions):
                raise PermissionDenied(DENIED_MESSAGES.get(actions[0]) or "您没有执行此操作的权限")
            return view(request, *args, **kwargs)

        return guarded

    return decorate
