"""Sign-in events: one audit event per lockout, and what a new session must remember."""

from __future__ import annotations

import time

from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from cehours.audit.services import audit_record

from .signin import LAST_ACTIVITY_KEY, MUST_CHANGE_PASSWORD_KEY, SIGNED_IN_AT_KEY


@receiver(user_locked_out)
def _locked_out(sender, request, username, ip_address, **kwargs):
    """axes sends this for the failure that starts a lockout and again for each attempt refused
    during it; only the first is an event (otherwise anyone could flood the audit chain by
    hammering a locked account). axes counts a failure, and so sets the count on the request,
    only when the lockout starts; a refused attempt leaves it None."""
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        return
    username = str(username or "")[:150]
    audit_record(
        actor=None,
        actor_label=f"anonymous:{username}",
        action="auth.locked_out",
        object_type="user",
        object_id="",
        after={"username": username, "failures": failures, "minutes": settings.CEHOURS_LOGIN_LOCKOUT_MINUTES},
    )


@receiver(user_logged_in)
def _remember_in_session(sender, request, user, **kwargs):
    """The idle clock and the absolute limit start at sign-in, and whether the password must be
    changed is read once here (so the pages do not ask the database on every request)."""
    from .services import must_change_password

    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[LAST_ACTIVITY_KEY] = now
    request.session[SIGNED_IN_AT_KEY] = now
    if must_change_password(user):
        request.session[MUST_CHANGE_PASSWORD_KEY] = True
    else:
        request.session.pop(MUST_CHANGE_PASSWORD_KEY, None)
