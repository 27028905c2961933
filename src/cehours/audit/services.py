"""Writing the audit trail and verifying its keyed hash chain, against anchors kept off the host."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from . import chain
from .chain import GENESIS
from .context import current
from .models import AuditEvent, AuditHead, ChainVersion

__all__ = ["GENESIS", "ChainProblem", "actor_label_of", "audit_record", "audit_verify"]


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def audit_key() -> bytes:
    """Read at call time, not import time, so that a changed setting (a test's wrong key) counts."""
    return settings.AUDIT_KEY


def event_digest(event: AuditEvent, key: bytes) -> str:
    """The digest `event` must carry, by the rule of its own chain version."""
    return chain.digest(event.chain_version, event.prev_hash, chain.chained_fields(event), key)


def _create_head() -> None:
    """The tip row, created once even when two first appends race (an upsert that does nothing twice)."""
    table = AuditHead._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} (id, seq, hash) VALUES (1, 0, %s) ON CONFLICT (id) DO NOTHING", [GENESIS])


def actor_label_of(actor) -> str:
    if actor is None:
        return "system"
    return getattr(actor, "username", None) or str(actor)


def audit_record(
    *,
    actor,
    action: str,
    object_type: str,
    object_id: str | int = "",
    before: dict | None = None,
    after: dict | None = None,
    actor_label: str | None = None,
) -> AuditEvent:
    """Append one event; call inside the transaction of the change it records."""
    ctx = current()
    key = audit_key()
    with transaction.atomic():
        # The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite) before we read the
        # tip, so two concurrent appends cannot both chain onto the same predecessor.
        if not AuditHead.objects.filter(pk=1).update(seq=F("seq") + 1):
            _create_head()
            AuditHead.objects.filter(pk=1).update(seq=F("seq") + 1)
        head = AuditHead.objects.get(pk=1)
        event = AuditEvent(
            seq=head.seq,
            at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            actor_label=actor_label or actor_label_of(actor),
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            before=_jsonable(before) if before is not None else None,
            after=_jsonable(after) if after is not None else None,
            remote_addr=ctx.remote_addr,
            request_id=ctx.request_id,
            via=ctx.via,
            prev_hash=head.hash,
            chain_version=ChainVersion.HMAC_SHA256,
            key_id=chain.key_id(key),
        )
        event.hash = event_digest(event, key)
        event.save()
        AuditHead.objects.filter(pk=1).update(hash=event.hash)
    return event


@dataclass(frozen=True)
class ChainProblem:
    """One finding of `audit_verify`; seq is None when it concerns no single event (an anchor file)."""

    seq: int | None
    message: str


@dataclass(frozen=True)
class ChainPoint:
    """A (seq, hash) known from outside the database — an anchor, an archive's last event — that
    the chain must still contain; `label` names where it came from in the messages."""

    seq: int
    hash: str
    label: str


def audit_verify(batch_size: int = 5000, *, points: Iterable[ChainPoint] = ()) -> tuple[int, list[ChainProblem]]:
    """Recompute the chain, and check that every point taken earlier is still in it; returns
    (events checked, problems found)."""
    key = audit_key()
    current_key_id = chain.key_id(key)
    expected: dict[int, list[ChainPoint]] = {}
    for point in points:
        expected.setdefault(point.seq, []).append(point)
    problems: list[ChainProblem] = []
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    last_seq = 0
    keyed_seen = False
    for event in AuditEvent.objects.order_by("seq").iterator(chunk_size=batch_size):
        checked += 1
        if event.seq != expected_seq:
            problems.append(ChainProblem(event.seq, f"缺少序号 {expected_seq}–{event.seq - 1} 的事件（已被删除）"))
        if event.prev_hash != prev_hash:
            problems.append(ChainProblem(event.seq, "前序摘要不符：此前的事件被删除或修改"))
        if event.chain_version == ChainVersion.SHA256 and keyed_seen:
            # Only events from before the upgrade may use the keyless rule; one after a keyed event
            # was rewritten by someone who could not compute the HMAC.
            problems.append(ChainProblem(event.seq, "密钥链之后出现无密钥（旧版 SHA-256）事件：链被降级改写"))
        elif event.chain_version not in ChainVersion.values:
            problems.append(ChainProblem(event.seq, f"未知的链版本 {event.chain_version}：此事件被修改"))
        elif event_digest(event, key) != event.hash:
            if event.chain_version == ChainVersion.HMAC_SHA256 and event.key_id != current_key_id:
                problems.append(
                    ChainProblem(
                        event.seq,
                        f"事件以另一把审计密钥（标识 {event.key_id or '空'}，当前为 {current_key_id}）签发，"
                        "无法证明未被修改：请核对 CEHOURS_AUDIT_KEY，否则此事件被伪造",
                    )
                )
            else:
                problems.append(ChainProblem(event.seq, "事件内容与摘要不符：此事件被修改"))
        keyed_seen = keyed_seen or event.chain_version == ChainVersion.HMAC_SHA256
        for point in expected.pop(event.seq, []):
            if point.hash != event.hash:
                problems.append(ChainProblem(event.seq, f"摘要与{point.label} 所记不符：链在此处被改写"))
        prev_hash = event.hash
        expected_seq = event.seq + 1
        last_seq = event.seq
    if checked and not keyed_seen:
        # The upgrade migration seals legacy events with a keyed event; a chain without any keyed
        # event was rebuilt from scratch by someone without the key.
        problems.append(ChainProblem(last_seq, "链中没有任何以审计密钥签发的事件：整条链可能被无密钥地重建"))
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != last_seq or head.hash != prev_hash):
        problems.append(ChainProblem(head.seq, f"链尾应为序号 {head.seq}，实际为 {last_seq}：末尾事件被删除"))
    for seq, missing in sorted(expected.items()):
        for point in missing:
            if seq == 0 and point.hash == GENESIS:
                continue  # an anchor of the empty chain holds for every chain
            problems.append(
                ChainProblem(seq, f"{point.label} 记录的序号 {seq} 已不在链中（链尾为 {last_seq}）：末尾事件被删除")
            )
    return checked, problems
