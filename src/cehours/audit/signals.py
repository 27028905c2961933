"""Sign-ins and sign-outs belong in the audit trail too (R21: staff actions must be traceable)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .services import audit_record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(actor=user, action="auth.logged_in", object_type="user", object_id=user.pk)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action="auth.logged_out", object_type="user", object_id=user.pk)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # The attempted username only; never the password.
    username = str(credentials.get("username", ""))[:150]
    audit_record(
        actor=None,
        actor_label=f"anonymous:{username}",
        action="auth.login_failed",
        object_type="user",
        object_id="",
        after={"username": username},
    )
