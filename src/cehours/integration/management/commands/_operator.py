"""The staff account a command acts as, so that its changes are attributed in the audit trail."""

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError


def operator(username: str):
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(f"--as：找不到有效账号 {username}")
    return user
