"""Writes to accounts: staff grants, passwords, second factors and personal API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from cehours.audit.services import audit_record
from cehours.errors import ErrorCode, FieldError
from cehours.people.models import County, Series, Unit

from . import policy
from .models import SEPARATED_ROLES, AccountState, ApiToken, Grant, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractUser

TOKEN_PREFIX = "ceh_"
TOTP_DEVICE_NAME = "动态口令"


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
    if role in SEPARATED_ROLES and (county or series or unit):
        raise AccessError("role", f"{Role(role).label}的授权范围为全市，不能限定县（市、区）、行业或单位")
    if by is not None:
        from .policy import Action, require

        if by.pk == user.pk:
            raise AccessError("user", "不能给自己授权")
        require(by, Action.MANAGE_GRANTS)
    with transaction.atomic():
        # The account's row lock: two grants given at once cannot both pass the separation check.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        _refuse_a_second_separated_role(user, role)
        grant = Grant.objects.create(user=user, role=role, level=level, county=county, series=series, unit=unit)
        audit_record(
            actor=by,
            action="access.grant_created",
            object_type="grant",
            object_id=grant.pk,
            after={"user": user.username, "role": role, "level": level, "scope": grant.scope_label},
        )
    return grant


def _refuse_a_second_separated_role(user, role: str) -> None:
    """等保 三权分立: the system, security and audit administrators are three different people."""
    if role not in SEPARATED_ROLES:
        return
    held = Grant.objects.filter(user=user, role__in=SEPARATED_ROLES).exclude(role=role).first()
    if held is not None:
        raise AccessError(
            "role",
            f"账号 {user.username} 已是{held.get_role_display()}，不能再担任{Role(role).label}"
            "（系统管理员、安全管理员、审计管理员三权分立，不得兼任）",
        )


def staff_create(*, username: str, password: str | None, by=None, **grant) -> tuple[AbstractUser, Grant]:
    """A staff account (created if new) with one more grant.

    A password given here was chosen by someone else, so the holder must change it at first sign-in.
    """
    User = get_user_model()
    username = (username or "").strip()
    if not username:
        raise AccessError("username", "用户名不能为空")
    if by is not None:
        from .policy import Action, require

        require(by, Action.MANAGE_ACCOUNTS)
    with transaction.atomic():
        user, created = User.objects.get_or_create(username=username)
        if created:
            audit_record(
                actor=by,
                action="access.account_created",
                object_type="user",
                object_id=user.pk,
                after={"username": username},
            )
            if password:
                password_set(user=user, raw=password, by=by)
            else:
                user.set_unusable_password()
                user.save(update_fields=["password"])
        return user, grant_create(user=user, by=by, **grant)


# ---- passwords -----------------------------------------------------------------------------------


def password_check(*, raw: str, user=None) -> None:
    """Refuse (AccessError naming the rule) a password that AUTH_PASSWORD_VALIDATORS reject."""
    try:
        validate_password(raw, user)
    except ValidationError as exc:
        raise AccessError("password", "；".join(str(m) for m in exc.messages)) from exc


def password_set(*, user, raw: str, by=None) -> AccountState:
    """The one way a password is set: checked against every rule, stored, and everything that the
    old password opened is closed (personal tokens revoked; other sessions end because the session
    hash changes; the caller keeps its own with update_session_auth_hash).

    `by` is who chose it: the holder (a change) or someone else (None = the operator's console, the
    demo, an administrator), in which case it must be changed at the next sign-in.
    """
    by_holder = by is not None and by.pk == user.pk
    if by is not None and not by_holder:
        from .policy import Action, require

        require(by, Action.MANAGE_ACCOUNTS)
    password_check(raw=raw, user=user)
    now = timezone.now()
    with transaction.atomic():
        user.set_password(raw)
        user.save(update_fields=["password"])
        state, _ = AccountState.objects.select_for_update().get_or_create(user=user)
        state.must_change_password = not by_holder
        state.password_changed_at = now
        state.save(update_fields=["must_change_password", "password_changed_at"])
        revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
        audit_record(
            actor=by,
            action="access.password_changed" if by_holder else "access.password_set",
            object_type="user",
            object_id=user.pk,
            after={
                "user": user.username,
                "must_change_password": state.must_change_password,
                "tokens_revoked": revoked,
            },
        )
    return state


def must_change_password(user) -> bool:
    """Whether the account still signs in with a password someone else chose."""
    return AccountState.objects.filter(user_id=user.pk, must_change_password=True).exists()


# ---- the second factor (TOTP, django-otp) ---------------------------------------------------------


def totp_device(user) -> TOTPDevice | None:
    """The user's confirmed TOTP device, if enrolled."""
    return TOTPDevice.objects.filter(user_id=user.pk, confirmed=True).order_by("pk").first()


def totp_enrol_start(*, user) -> TOTPDevice:
    """The unconfirmed device whose secret the enrolment page shows (the same one until confirmed,
    so reloading the page does not invalidate what the authenticator app already holds)."""
    with transaction.atomic():
        device = TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_enrol_confirm(*, user, device: TOTPDevice, code: str) -> bool:
    """Confirm an enrolment with a code from the authenticator; the device then counts as the user's."""
    if device.user_id != user.pk or device.confirmed or totp_device(user) is not None:
        return False
    with transaction.atomic():
        if not device.verify_token(code):
            return False
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user_id=user.pk, confirmed=False).delete()
        audit_record(actor=user, action="access.otp_enrolled", object_type="user", object_id=user.pk)
    return True


def totp_enrol_confirmed(*, user, by=None) -> TOTPDevice:
    """A confirmed device made for the user by someone else (the demo: its secret is printed)."""
    device = totp_device(user)
    if device is not None:
        return device
    with transaction.atomic():
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=True)
        audit_record(actor=by, action="access.otp_enrolled", object_type="user", object_id=user.pk)
    return device


def totp_verify(*, user, code: str) -> tuple[TOTPDevice | None, bool]:
    """(the device that accepted the code or None, whether more tries are throttled for now).

    django-otp refuses a code already used and backs off after each wrong one."""
    device = totp_device(user)
    if device is None:
        return None, False
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        allowed, _ = device.verify_is_allowed()
        if not allowed:
            return None, True
        return (device if device.verify_token(code) else None), False


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_issue(*, user, by=None) -> str:
    """A new personal API token; only its hash is stored, so this is the one time it is seen.

    It lapses after CEHOURS_TOKEN_DAYS days."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires_at = timezone.now() + timedelta(days=settings.CEHOURS_TOKEN_DAYS)
    with transaction.atomic():
        row = ApiToken.objects.create(
            user=user, token_hash=_token_hash(token), prefix=token[:12], expires_at=expires_at
        )
        audit_record(
            actor=by or user,
            action="access.token_issued",
            object_type="api_token",
            object_id=row.pk,
            after={"user": user.username, "prefix": row.prefix, "expires_at": expires_at.isoformat()},
        )
    return token


def token_user(token: str):
    """The active user a bearer token belongs to, or None (also for a revoked or lapsed token)."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    token_hash, now = _token_hash(token), timezone.now()
    # Staff hold grants: the grants joined to the user and the live token are one query that checks
    # the token and reads what the request's access checks need (issue 14: 5 queries a read before).
    live = {"revoked_at__isnull": True, "expires_at__gt": now}
    through_token = {f"user__api_tokens__{name}": value for name, value in {"token_hash": token_hash, **live}.items()}
    grants = list(policy.grant_rows().select_related("user").filter(user__is_active=True, **through_token))
    if grants:
        user = grants[0].user
        for grant in grants:
            grant.user = user  # one user object, which the request carries
        policy.grants_known(user, grants)
        return user
    row = ApiToken.objects.select_related("user").filter(token_hash=token_hash, user__is_active=True, **live).first()
    if row is None:
        return None
    policy.grants_known(row.user, [])  # a live token, and its user holds no grant
    return row.user


def tokens_of(user) -> list[ApiToken]:
    """The user's personal tokens, newest first (prefixes only: the tokens themselves are not kept)."""
    return list(ApiToken.objects.filter(user_id=user.pk).order_by("-created_at", "-pk"))


def token_revoke(*, token_prefix: str, user, by=None) -> int:
    """Revoke the user's live tokens with this prefix; how many were revoked."""
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


# ---- staff accounts (issue 10: the system administrator's page and commands) ----------------------


def account_create(*, username: str, password: str, by, full_name: str = "") -> AbstractUser:
    """A staff account without any grant: the system administrator creates it, the security
    administrator then gives it grants (等保 三权分立). The holder changes the password at first sign-in."""
    from .policy import Action, require

    require(by, Action.MANAGE_ACCOUNTS)
    username = (username or "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_.@+-]{3,150}", username):
        raise AccessError("username", "用户名应为 3–150 个字母、数字或 _ . @ + - 符号")
    User = get_user_model()
    if User.objects.filter(username=username).exists():
        raise AccessError("username", f"用户名 {username} 已被使用")
    password_check(raw=password)
    with transaction.atomic():
        user = User.objects.create_user(username, first_name=(full_name or "").strip()[:150])
        audit_record(
            actor=by, action="access.account_created", object_type="user", object_id=user.pk,
            after={"username": username, "full_name": user.first_name},
        )  # fmt: skip
        password_set(user=user, raw=password, by=by)
    return user


def account_set_active(*, user, by, active: bool, reason: str = "") -> AbstractUser:
    """Disable (or enable again) an account; a disabled one signs in nowhere and its tokens lapse."""
    from .policy import Action, require

    require(by, Action.MANAGE_ACCOUNTS)
    reason = (reason or "").strip()
    if not active and not reason:
        raise AccessError("reason", "停用账号须说明原因", ErrorCode.REQUIRED)
    if user.pk == by.pk:
        raise AccessError("user", "不能停用自己的账号")
    with transaction.atomic():
        user.is_active = active
        user.save(update_fields=["is_active"])
        revoked = 0
        if not active:
            revoked = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit_record(
            actor=by, action="access.account_enabled" if active else "access.account_disabled",
            object_type="user", object_id=user.pk,
            after={"username": user.username, "reason": reason, "tokens_revoked": revoked},
        )  # fmt: skip
    return user


def grant_withdraw(*, grant: Grant, by, reason: str) -> None:
    """The security administrator withdraws a grant; the audit trail keeps what it was."""
    from .policy import Action, require

    require(by, Action.MANAGE_GRANTS)
    reason = (reason or "").strip()
    if not reason:
        raise AccessError("reason", "撤销授权须说明原因", ErrorCode.REQUIRED)
    if grant.user_id == by.pk:
        raise AccessError("grant", "不能撤销自己的授权")
    with transaction.atomic():
        before = {"user": grant.user.username, "role": grant.role, "level": grant.level, "scope": grant.scope_label}
        pk = grant.pk
        grant.delete()
        audit_record(
            actor=by, action="access.grant_withdrawn", object_type="grant", object_id=pk, before=before,
            after={"reason": reason},
        )  # fmt: skip
