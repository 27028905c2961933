"""Page guards by role, applied as decorators so no view checks grants by hand."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def role_required(*roles: str):
    """The signed-in user must hold a grant with one of these roles; otherwise 403 (a Chinese page)."""

    def decorate(view):
        @login_required
        @wraps(view)
        def guarded(request, *args, **kwargs):
            if not request.user.grants.filter(role__in=roles).exists():
                raise PermissionDenied("您没有执行此操作的权限")
            return view(request, *args, **kwargs)

        return guarded

    return decorate
