"""The default file storage: evidence encrypted at rest with a key derived from the field key.

Files are small (EVIDENCE_MAX_BYTES, 10 MB), so each is encrypted whole with Fernet (AES-CBC with
an HMAC) and decrypted whole on open. Code that saves through a FileField and reads with
`field.open("rb")` needs no change; what lies on disk (and in a backup) is a Fernet token.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet
from django.core.files.base import ContentFile, File
from django.core.files.storage import FileSystemStorage

from cehours.people.crypto import keyring

# Every Fernet token starts with its version byte 0x80, base64-encoded: "gAAAAA".
FERNET_PREFIX = b"gAAAAA"


def encrypt_bytes(content: bytes, fernet: Fernet | None = None) -> bytes:
    return (fernet or keyring().evidence_fernet).encrypt(content)


def decrypt_bytes(token: bytes, fernet: Fernet | None = None) -> bytes:
    return (fernet or keyring().evidence_fernet).decrypt(token)


def is_encrypted(raw: bytes) -> bool:
    return raw.startswith(FERNET_PREFIX)


class EncryptedFileSystemStorage(FileSystemStorage):
    """FileSystemStorage whose files are Fernet tokens on disk and plain bytes to the application.

    `size()` is the size on disk (the token); the plain size is what the models record.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("file_permissions_mode", 0o600)
        kwargs.setdefault("directory_permissions_mode", 0o700)
        super().__init__(**kwargs)

    def _save(self, name: str, content: File) -> str:
        content.seek(0)
        plain = content.read()
        if isinstance(plain, str):
            plain = plain.encode()
        # _save/_open are the documented hooks of a custom storage; django-stubs does not declare them.
        return super()._save(name, ContentFile(encrypt_bytes(plain)))  # type: ignore[misc]

    def _open(self, name: str, mode: str = "rb") -> File:
        if any(flag in mode for flag in "wa+"):
            raise ValueError("加密存储的文件只能读取；写入请通过保存（save）")
        with super()._open(name, "rb") as stored:  # type: ignore[misc]
            raw = stored.read()
        # ContentFile: reopening it (FieldFile.open on a closed file) rewinds the plain bytes instead
        # of opening the path on disk, which would hand out the token.
        return ContentFile(decrypt_bytes(raw), name=name)

    def raw_path(self, name: str) -> Path:
        """Where the encrypted file lies (backup copies and rotation rewrites it as stored)."""
        return Path(self.path(name))


def write_raw(path: Path, data: bytes) -> None:
    """Replace a stored file's bytes atomically (a reader sees the old file or the new, never half)."""
    staged = path.with_name(path.name + ".new")
    fd = os.open(staged, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(staged, path)
