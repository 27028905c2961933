"""Checking proof files by their content, not their name (PDF, JPEG, PNG; at most 10 MB, 10 per declaration)."""

from __future__ import annotations

import hashlib

from django.conf import settings

# A declaration needs a few proofs, not a store of files: bounds the disk one account can fill (DESIGN §7).
MAX_FILES_PER_DECLARATION = 10

_SIGNATURES = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
)


class EvidenceError(ValueError):
    pass


def inspect(content: bytes) -> tuple[str, str, str]:
    """(content type, extension, SHA-256) of an acceptable file, or EvidenceError saying why not."""
    if not content:
        raise EvidenceError("证明材料文件为空")
    if len(content) > settings.EVIDENCE_MAX_BYTES:
        raise EvidenceError(f"证明材料不能超过 {settings.EVIDENCE_MAX_BYTES // (1024 * 1024)} MB")
    for signature, content_type, extension in _SIGNATURES:
        if content.startswith(signature):
            return content_type, extension, hashlib.sha256(content).hexdigest()
    raise EvidenceError("证明材料只接受 PDF、JPEG 或 PNG 文件（按文件内容识别，而非文件名）")
