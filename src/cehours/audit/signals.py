"""Sign-ins and sign-outs belong in the audit trail too (R21: staff actions must be traceable)."""

from __future__ import annotations

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from .services import audit_record


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    audit_record(actor=user, action="auth.logged_in", object_type="user", object_id=user.pk)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit_record(actor=user, action="auth.logged_out", object_type="user", object_id=user.pk)


# Failed sign-ins are not written here one by one (anyone could flood the chain with them): django-axes
# counts them, and cehours.access.signals records one "auth.locked_out" event per lockout.
