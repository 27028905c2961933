"""Registering connected systems and managing their API keys (issued once, stored hashed)."""

from __future__ import annotations

import hashlib
import re
import secrets

from django.db import transaction
from django.utils import timezone

from cehours.access.policy import Action, PolicyDenied, grants_for, require
from cehours.audit.services import audit_record
from cehours.errors import FieldError
from cehours.people.models import Series
from cehours.rules.hours import Category

from .models import ConnectedSystem, SystemKey

KEY_PREFIX = "cehsys_"
_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{1,63}$")


class SystemSetupError(FieldError):
    """A connected system's registration refused."""


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _snapshot(system: ConnectedSystem) -> dict:
    return {
        "code": system.code,
        "name": system.name,
        "categories": list(system.categories),
        "industries": sorted(system.industries.values_list("code", flat=True)),
        "active": system.active,
    }


def system_save(
    *, code: str, name: str, categories: list[str], industries: list[str], by=None
) -> tuple[ConnectedSystem, bool]:
    """Register a connected system, or update its name and rights; returns (system, created).

    `by` None is the console operator (`cehours issue-api-key`), who registers for the whole city.
    A staff member's new system belongs to their scope; they change only systems inside it.
    """
    owner = _owner_grant(by)
    code = (code or "").strip().lower()
    if not _CODE.match(code):
        raise SystemSetupError("code", "系统代码应为 2–64 位小写字母、数字、- 或 _，以字母或数字开头")
    name = (name or "").strip()
    if not name or len(name) > 128:
        raise SystemSetupError("name", "系统名称不能为空，且不超过128个字符")
    allowed = {c.value for c in Category}
    wrong = [c for c in categories if c not in allowed]
    if wrong:
        raise SystemSetupError("categories", f"科目类别无效：{', '.join(wrong)}（可选 {', '.join(sorted(allowed))}）")
    series = list(Series.objects.filter(code__in=industries))
    missing = sorted(set(industries) - {s.code for s in series})
    if missing:
        raise SystemSetupError("industries", f"找不到行业（系列）代码：{', '.join(missing)}")
    with transaction.atomic():
        system, created = ConnectedSystem.objects.select_for_update().get_or_create(
            code=code,
            defaults={
                "name": name,
                "owner_county_id": owner.county_id if owner else None,
                "owner_series_id": owner.series_id if owner else None,
            },
        )
        if (
            not created
            and by is not None
            and not ConnectedSystem.objects.restrict(by, Action.MANAGE_SYSTEMS).filter(pk=system.pk).exists()
        ):
            raise SystemSetupError("code", "该系统代码已被占用，请换一个")
        before = None if created else _snapshot(system)
        system.name = name
        system.categories = sorted(set(categories))
        system.save()
        system.industries.set(series)
        audit_record(
            actor=by,
            action="integration.system_registered" if created else "integration.system_updated",
            object_type="connected_system",
            object_id=system.code,
            before=before,
            after=_snapshot(system),
        )
    return system, created


def _owner_grant(by):
    """The grant a new system is registered under: the widest of the user's system grants."""
    if by is None:
        return None
    grants = grants_for(by, Action.MANAGE_SYSTEMS)
    if not grants:
        raise PolicyDenied(Action.MANAGE_SYSTEMS)
    return min(grants, key=lambda g: (g.county_id is not None) + (g.series_id is not None) + (g.unit_id is not None))


def key_issue(*, system: ConnectedSystem, by=None, revoke_others: bool = False) -> str:
    """A new key for the system (shown once). With revoke_others it is a rotation."""
    if by is not None:
        require(by, Action.MANAGE_SYSTEMS, system)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        revoked = 0
        if revoke_others:
            revoked = SystemKey.objects.filter(system=system, revoked_at__isnull=True).update(revoked_at=timezone.now())
        row = SystemKey.objects.create(system=system, key_hash=_hash(key), prefix=key[:14])
        audit_record(
            actor=by,
            action="integration.key_rotated" if revoke_others else "integration.key_issued",
            object_type="connected_system",
            object_id=system.code,
            after={"prefix": row.prefix, "revoked_keys": revoked},
        )
    return key


def key_revoke(*, system: ConnectedSystem, prefix: str, by=None) -> int:
    if by is not None:
        require(by, Action.MANAGE_SYSTEMS, system)
    with transaction.atomic():
        count = SystemKey.objects.filter(system=system, prefix=prefix, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if not count:
            raise SystemSetupError("prefix", "没有该前缀的有效密钥")
        audit_record(
            actor=by,
            action="integration.key_revoked",
            object_type="connected_system",
            object_id=system.code,
            after={"prefix": prefix},
        )
    return count


def system_for_key(key: str) -> ConnectedSystem | None:
    """The active system a bearer key belongs to, or None (unknown, revoked, or system disabled)."""
    if not key or not key.startswith(KEY_PREFIX) or len(key) > 100:
        return None
    row = (
        SystemKey.objects.select_related("system")
        .filter(key_hash=_hash(key), revoked_at__isnull=True, system__active=True)
        .first()
    )
    return row.system if row else None
