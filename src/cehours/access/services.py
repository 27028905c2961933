"""Writes to accounts: staff grants and personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cehours.audit.services import audit_record
from cehours.errors import FieldError
from cehours.people.models import County, Series, Unit

from .models import ApiToken, Grant, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser

TOKEN_PREFIX = "ceh_"


class AccessError(FieldError):
    """A grant or token request refused."""


def grant_create(
    *,
    user,
    role: str,
    by=None,
    level: int | None = None,
    county: County | None = None,
    series: Series | None = None,
    unit: Unit | None = None,
) -> Grant:
    """Give a staff account a role over a scope (R17); reviewers need a level 1–3."""
    if role not in Role.values or role == Role.PROFESSIONAL:
        raise AccessError("role", f"角色无效，可选：{', '.join(r for r in Role.values if r != Role.PROFESSIONAL)}")
    if role == Role.REVIEWER and level not in (1, 2, 3):
        raise AccessError("level", "审核人员须指定管理权限级别 1、2 或 3")
    if role != Role.REVIEWER and level is not None:
        raise AccessError("level", "只有审核人员（reviewer）有管理权限级别")
    with transaction.atomic():
        grant = Grant.objects.create(user=user, role=role, level=level, county=county, series=series, unit=unit)
        audit_record(
            actor=by,
            action="access.grant_created",
            object_type="grant",
            object_id=grant.pk,
            after={"user": user.username, "role": role, "level": level, "scope": grant.scope_label},
        )
    return grant


def staff_create(*, username: str, password: str | None, by=None, **grant) -> tuple[AbstractUser, Grant]:
    """A staff account (created if new) with one more grant."""
    User = get_user_model()
    username = (username or "").strip()
    if not username:
        raise AccessError("username", "用户名不能为空")
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=username)
        if created:
            if password:
                user.set_password(password)
            else:
                user.set_unusable_password()
            user.save()
            audit_record(
                actor=by,
                action="access.account_created",
                object_type="user",
                object_id=user.pk,
                after={"username": username},
            )
        return user, grant_create(user=user, by=by, **grant)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_issue(*, user, by=None) -> str:
    """A new personal API token; only its hash is stored, so this is the one time it is seen."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        row = ApiToken.objects.create(user=user, token_hash=_token_hash(token), prefix=token[:12])
        audit_record(
            actor=by or user,
            action="access.token_issued",
            object_type="api_token",
            object_id=row.pk,
            after={"user": user.username, "prefix": row.prefix},
        )
    return token


def token_user(token: str):
    """The active user a bearer token belongs to, or None."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    row = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=_token_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    return row.user if row else None


def token_revoke(*, token_prefix: str, user, by=None) -> int:
    with transaction.atomic():
        count = ApiToken.objects.filter(user=user, prefix=token_prefix, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        audit_record(
            actor=by or user,
            action="access.token_revoked",
            object_type="api_token",
            object_id=token_prefix,
            after={"revoked": count},
        )
    return count
