"""The audit chain's hashing and signing rules: plain SHA-256 for legacy events, HMAC-SHA256 since.

Pure functions over plain values (no database), shared by the append path, `audit-verify`, the
anchors, the archive and the migration that sealed the legacy chain, so that all of them agree
byte for byte on what an event's digest is.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC
from typing import Any

from .models import ChainVersion

GENESIS = "0" * 64
# The key id is not secret: it lets `audit-verify` tell "chained with another key" (a
# misconfigured CEHOURS_AUDIT_KEY) apart from "edited".
_KEY_ID_LABEL = b"cehours.audit.key-id"


def canonical(value: Any) -> str:
    """One spelling of a JSON value: the same bytes on every machine and every database."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def key_id(key: bytes) -> str:
    return hmac.new(key, _KEY_ID_LABEL, hashlib.sha256).hexdigest()[:16]


def chained_fields(event: Any) -> dict[str, Any]:
    """What an event's digest covers. Works on the model, a historical model in a migration, or
    anything with the same attributes; `at` must be an aware datetime."""
    fields = {
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
    if event.chain_version != ChainVersion.SHA256:
        # Covered by the HMAC so that nobody can relabel a keyed event as a legacy one.
        fields["chain_version"] = int(event.chain_version)
        fields["key_id"] = event.key_id
    return fields


def digest(version: int, prev_hash: str, fields: dict[str, Any], key: bytes) -> str:
    payload = (prev_hash + canonical(fields)).encode()
    if version == ChainVersion.SHA256:
        # Legacy rule, kept only to verify events written before the chain had a key.
        return hashlib.sha256(payload).hexdigest()
    if version == ChainVersion.HMAC_SHA256:
        return hmac.new(key, payload, hashlib.sha256).hexdigest()
    raise ValueError(f"未知的审计链版本 {version}")


def signature(document: dict[str, Any], key: bytes) -> str:
    """HMAC-SHA256 over a document's canonical JSON, its `signature` member left out."""
    unsigned = {k: v for k, v in document.items() if k != "signature"}
    return hmac.new(key, canonical(unsigned).encode(), hashlib.sha256).hexdigest()


def signature_valid(document: dict[str, Any], key: bytes) -> bool:
    given = document.get("signature")
    return isinstance(given, str) and hmac.compare_digest(given, signature(document, key))
