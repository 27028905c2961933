"""Anchors: the chain head (seq, hash, time) signed with the audit key, to be kept off the host.

An anchor is what makes a truncated chain visible: someone with database access can delete the
last events and move the head back so the chain is consistent again, but the (seq, hash) in an
anchor copied elsewhere before that is no longer in the chain. Without the key they cannot forge
a new anchor either.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import chain
from .chain import GENESIS
from .models import AuditEvent, AuditHead
from .services import ChainPoint, audit_key, event_digest

FORMAT = "cehours-audit-anchor"
VERSION = 1
_FIELDS = ("format", "version", "seq", "hash", "event_at", "anchored_at", "key_id", "signature")


class AnchorError(Exception):
    """An anchor that cannot be taken, or a file that is not a valid anchor; the message says why."""


def anchor_create() -> dict[str, Any]:
    """The signed head of the chain, refusing a head that does not match the last event."""
    key = audit_key()
    with transaction.atomic():
        # Locked so that an append in flight cannot move the head between the two reads.
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        seq, hash_, event_at = 0, GENESIS, None
        if head is not None and head.seq:
            event = AuditEvent.objects.filter(seq=head.seq).first()
            if event is None or event.hash != head.hash:
                raise AnchorError(f"链头（序号 {head.seq}）与最后一条事件不符：请先运行 cehours audit-verify")
            if event_digest(event, key) != event.hash:
                raise AnchorError(f"最后一条事件（序号 {event.seq}）的摘要无法用当前审计密钥验证：不签发锚点")
            seq, hash_, event_at = event.seq, event.hash, event.at.isoformat()
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "seq": seq,
        "hash": hash_,
        "event_at": event_at,
        "anchored_at": timezone.now().isoformat(),
        "key_id": chain.key_id(key),
    }
    document["signature"] = chain.signature(document, key)
    return document


def anchor_dumps(document: dict[str, Any]) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def anchor_read(path: Path) -> ChainPoint:
    """The (seq, hash) an anchor file vouches for, after checking its signature."""
    label = f"锚点 {path}"
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise AnchorError(f"{label} 无法读取：{exc.strerror or exc}") from exc
    except ValueError as exc:
        raise AnchorError(f"{label} 不是有效的 JSON：{exc}") from exc
    if not isinstance(document, dict) or document.get("format") != FORMAT or document.get("version") != VERSION:
        raise AnchorError(f"{label} 不是本系统的审计锚点文件")
    if set(document) != set(_FIELDS):
        raise AnchorError(f"{label} 的字段不完整或多出字段：文件被篡改")
    key = audit_key()
    if not chain.signature_valid(document, key):
        if document["key_id"] != chain.key_id(key):
            raise AnchorError(f"{label} 由另一把审计密钥（标识 {document['key_id']}）签发：请核对 CEHOURS_AUDIT_KEY")
        raise AnchorError(f"{label} 签名不符：文件被篡改")
    seq, hash_ = document["seq"], document["hash"]
    if not isinstance(seq, int) or seq < 0 or not isinstance(hash_, str):
        raise AnchorError(f"{label} 的序号或摘要无效")
    return ChainPoint(seq=seq, hash=hash_, label=label)
