"""Writing the audit trail and verifying its hash chain."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from .context import current
from .models import AuditEvent, AuditHead

GENESIS = "0" * 64


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


def _digest(prev_hash: str, fields: dict) -> str:
    payload = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256((prev_hash + payload).encode()).hexdigest()


def _chained_fields(event: AuditEvent) -> dict:
    return {
        "seq": event.seq,
        "at": event.at.astimezone(UTC).isoformat(),
        "actor_id": event.actor_id,
        "actor_label": event.actor_label,
        "action": event.action,
        "object_type": event.object_type,
        "object_id": event.object_id,
        "before": event.before,
        "after": event.after,
        "remote_addr": event.remote_addr,
        "request_id": event.request_id,
        "via": event.via,
    }


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
        )
        event.hash = _digest(head.hash, _chained_fields(event))
        event.save()
        AuditHead.objects.filter(pk=1).update(hash=event.hash)
    return event


@dataclass(frozen=True)
class ChainProblem:
    seq: int
    message: str


def audit_verify(batch_size: int = 5000) -> tuple[int, list[ChainProblem]]:
    """Recompute the chain; returns (events checked, problems found)."""
    problems: list[ChainProblem] = []
    prev_hash = GENESIS
    expected_seq = 1
    checked = 0
    last_seq = 0
    queryset = AuditEvent.objects.order_by("seq")
    for event in queryset.iterator(chunk_size=batch_size):
        checked += 1
        if event.seq != expected_seq:
            problems.append(ChainProblem(event.seq, f"缺少序号 {expected_seq}–{event.seq - 1} 的事件（已被删除）"))
        if event.prev_hash != prev_hash:
            problems.append(ChainProblem(event.seq, "前序摘要不符：此前的事件被删除或修改"))
        if _digest(event.prev_hash, _chained_fields(event)) != event.hash:
            problems.append(ChainProblem(event.seq, "事件内容与摘要不符：此事件被修改"))
        prev_hash = event.hash
        expected_seq = event.seq + 1
        last_seq = event.seq
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.seq != last_seq or head.hash != prev_hash):
        problems.append(ChainProblem(head.seq, f"链尾应为序号 {head.seq}，实际为 {last_seq}：末尾事件被删除"))
    return checked, problems
