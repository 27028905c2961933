"""Archives of old audit events: a JSONL file for off-host storage that verifies on its own.

Line 1 is a header, then one line per event with the values its digest covers, its chain version,
previous and own hash (so the chain inside the file can be recomputed from the header's
prev_hash), and a last line that signs the SHA-256 of everything before it with the audit key.

The events stay in the database: the append-only triggers forbid deleting them, and that is the
point. The archive is the copy kept elsewhere, not a step of a purge.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from . import chain
from .chain import GENESIS
from .models import AuditEvent, ChainVersion
from .services import ChainPoint, audit_key, audit_record

FORMAT = "cehours-audit-archive"
VERSION = 1


class ArchiveError(Exception):
    """An archive that cannot be written as asked; the message says why, in Chinese."""


@dataclass(frozen=True)
class ArchiveWritten:
    count: int
    first_seq: int
    last_seq: int
    path: Path


@dataclass
class ArchiveCheck:
    """What `archive_check` found: the events the file holds and any problem with it."""

    path: Path
    count: int = 0
    first_seq: int = 0
    last_seq: int = 0
    last_point: ChainPoint | None = None
    problems: list[str] = field(default_factory=list)


def _line(document: dict[str, Any]) -> bytes:
    return (chain.canonical(document) + "\n").encode()


def latest_archivable_date() -> date:
    """The latest --before allowed: events younger than the retention period are not archived yet
    (网络安全法 第二十一条: kept at least six months; CEHOURS_AUDIT_RETENTION_DAYS)."""
    return timezone.localdate(timezone.now() - timedelta(days=settings.AUDIT_RETENTION_DAYS))


def archive_write(*, before: date, output: Path, from_seq: int = 1) -> ArchiveWritten | None:
    """Export the events from `from_seq` on that happened before `before` (local date); None when
    there are none. The file is created new (never overwritten) and readable by its owner only,
    since before/after data can hold personal data."""
    latest = latest_archivable_date()
    if before > latest:
        raise ArchiveError(
            f"--before 不能晚于 {latest:%Y-%m-%d}：审计事件须在库中保存至少 {settings.AUDIT_RETENTION_DAYS} 天"
            "（CEHOURS_AUDIT_RETENTION_DAYS，网络安全法 第二十一条）"
        )
    cutoff = timezone.make_aware(datetime.combine(before, time.min))
    key = audit_key()
    # A contiguous run of seqs, stopping at the first event on or after the cutoff, so that the
    # chain inside the file is unbroken even if the clock once went backwards.
    events = AuditEvent.objects.filter(seq__gte=from_seq).order_by("seq")
    first = events.first()
    if first is None or first.at >= cutoff:
        return None
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError as exc:
        raise ArchiveError(f"--output：文件 {output} 已存在，不覆盖已有的归档") from exc
    except OSError as exc:
        raise ArchiveError(f"--output：无法创建 {output}：{exc.strerror or exc}") from exc
    content = hashlib.sha256()
    count, last_seq, last_hash = 0, 0, GENESIS
    try:
        with os.fdopen(fd, "wb") as handle:

            def write(document: dict[str, Any]) -> None:
                line = _line(document)
                content.update(line)
                handle.write(line)

            write(
                {
                    "type": "header",
                    "format": FORMAT,
                    "version": VERSION,
                    "before": before.isoformat(),
                    "from_seq": first.seq,
                    "prev_hash": first.prev_hash,
                    "created_at": timezone.now().isoformat(),
                    "key_id": chain.key_id(key),
                }
            )
            for event in events.iterator(chunk_size=2000):
                if event.at >= cutoff:
                    break
                write(
                    {
                        "type": "event",
                        "seq": event.seq,
                        "chain_version": event.chain_version,
                        "fields": chain.chained_fields(event),
                        "prev_hash": event.prev_hash,
                        "hash": event.hash,
                    }
                )
                count, last_seq, last_hash = count + 1, event.seq, event.hash
            seal: dict[str, Any] = {
                "type": "seal",
                "count": count,
                "first_seq": first.seq,
                "last_seq": last_seq,
                "last_hash": last_hash,
                "content_sha256": content.hexdigest(),
                "key_id": chain.key_id(key),
            }
            seal["signature"] = chain.signature(seal, key)
            handle.write(_line(seal))
    except BaseException:
        output.unlink(missing_ok=True)  # half an archive is worse than none
        raise
    # Taking a copy of the trail (with its personal data) is itself an act to account for.
    audit_record(
        actor=None,
        action="audit.archived",
        object_type="audit_chain",
        after={"before": before, "first_seq": first.seq, "last_seq": last_seq, "count": count, "file": output.name},
    )
    return ArchiveWritten(count=count, first_seq=first.seq, last_seq=last_seq, path=output)


def archive_check(path: Path) -> ArchiveCheck:
    """Check an archive file on its own: the seal's signature over the content, and the chain of
    the events inside it recomputed from the header's prev_hash."""
    found = ArchiveCheck(path=path)
    label = f"归档 {path}"
    try:
        lines = path.read_bytes().splitlines(keepends=True)
    except OSError as exc:
        found.problems.append(f"{label} 无法读取：{exc.strerror or exc}")
        return found
    try:
        documents = [json.loads(line) for line in lines]
    except ValueError as exc:
        found.problems.append(f"{label} 含有无效的 JSON 行：{exc}")
        return found
    if len(documents) < 2 or documents[0].get("type") != "header" or documents[-1].get("type") != "seal":
        found.problems.append(f"{label} 缺少首行或签名行：文件不完整或被截断")
        return found
    header, seal = documents[0], documents[-1]
    if header.get("format") != FORMAT or header.get("version") != VERSION:
        found.problems.append(f"{label} 不是本系统的审计归档文件")
        return found
    key = audit_key()
    if not chain.signature_valid(seal, key):
        if seal.get("key_id") != chain.key_id(key):
            found.problems.append(
                f"{label} 由另一把审计密钥（标识 {seal.get('key_id')}）签名：请核对 CEHOURS_AUDIT_KEY"
            )
        else:
            found.problems.append(f"{label} 签名行不符：文件被篡改")
        return found
    if seal.get("content_sha256") != hashlib.sha256(b"".join(lines[:-1])).hexdigest():
        found.problems.append(f"{label} 的内容与签名行记录的摘要不符：文件被篡改")
        return found

    # The seal vouches for the bytes; what follows checks that the events are a chain indeed.
    events = documents[1:-1]
    prev_hash, expected_seq, keyed_seen = header.get("prev_hash"), header.get("from_seq"), False
    for event in events:
        seq, version = event.get("seq"), event.get("chain_version")
        if event.get("type") != "event" or not isinstance(event.get("fields"), dict):
            found.problems.append(f"{label}：序号 {seq} 之处不是事件行")
            continue
        if seq != expected_seq or event["fields"].get("seq") != seq:
            found.problems.append(f"{label}：缺少序号 {expected_seq} 的事件")
        if event.get("prev_hash") != prev_hash:
            found.problems.append(f"{label}：事件 #{seq} 的前序摘要不符")
        if version == ChainVersion.SHA256 and keyed_seen:
            found.problems.append(f"{label}：事件 #{seq} 在密钥链之后使用无密钥摘要")
        elif version not in ChainVersion.values:
            found.problems.append(f"{label}：事件 #{seq} 的链版本 {version} 未知")
        elif chain.digest(version, event["prev_hash"], event["fields"], key) != event.get("hash"):
            found.problems.append(f"{label}：事件 #{seq} 的内容与摘要不符")
        keyed_seen = keyed_seen or version == ChainVersion.HMAC_SHA256
        prev_hash = event.get("hash")
        expected_seq = (seq if isinstance(seq, int) else expected_seq) + 1
    found.count = len(events)
    if events:
        found.first_seq, found.last_seq = events[0].get("seq"), events[-1].get("seq")
    if (found.count, found.first_seq, found.last_seq, prev_hash) != (
        seal.get("count"),
        seal.get("first_seq"),
        seal.get("last_seq"),
        seal.get("last_hash"),
    ):
        found.problems.append(f"{label}：事件数或首末序号与签名行不符")
    if not found.problems and events:
        found.last_point = ChainPoint(seq=found.last_seq, hash=prev_hash, label=label)
    return found
