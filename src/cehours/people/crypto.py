"""Encryption at rest and keyed lookup hashes for resident ID numbers, and the field key's fingerprint.

Everything is derived from one field key (`settings.FIELD_ENCRYPTION_KEY`, see README "Keys, files
and backups"): the Fernet key for ID numbers, the HMAC key for their lookup hash, the Fernet key for
evidence files and the fingerprint the database records to recognise the key. A `FieldKeyring`
holds the derived keys for one field key; rotation builds one for the new key next to the
configured one, so the module-level helpers always use the key in settings.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache, cached_property

from cryptography.fernet import Fernet
from django.conf import settings

# Fixed labels: changing one makes every stored value unreadable, so they are versioned, never edited.
_ENCRYPT_LABEL = b"cehours:id-number:encrypt"
_LOOKUP_LABEL = b"cehours:id-number:lookup"
_EVIDENCE_LABEL = b"cehours:evidence:encrypt"
_FINGERPRINT_LABEL = b"cehours:field-key:fingerprint:v1"


class FieldKeyring:
    """The keys derived from one field key; cheap to keep, expensive only to build once."""

    def __init__(self, field_key: str):
        if not field_key:
            raise ValueError("empty field key")
        self._field_key = field_key.encode()

    def _derive(self, purpose: bytes) -> bytes:
        return hmac.new(self._field_key, purpose, hashlib.sha256).digest()

    @cached_property
    def _id_fernet(self) -> Fernet:
        return Fernet(base64.urlsafe_b64encode(self._derive(_ENCRYPT_LABEL)))

    @cached_property
    def _lookup_key(self) -> bytes:
        return self._derive(_LOOKUP_LABEL)

    @cached_property
    def evidence_fernet(self) -> Fernet:
        return Fernet(base64.urlsafe_b64encode(self._derive(_EVIDENCE_LABEL)))

    @cached_property
    def fingerprint(self) -> str:
        """HMAC of a fixed label under the key: recognises the key without revealing anything of it."""
        return self._derive(_FINGERPRINT_LABEL).hex()

    def encrypt_id_number(self, value: str) -> str:
        return self._id_fernet.encrypt(value.encode()).decode()

    def decrypt_id_number(self, token: str) -> str:
        return self._id_fernet.decrypt(token.encode()).decode()

    def id_number_hash(self, value: str) -> str:
        return hmac.new(self._lookup_key, value.encode(), hashlib.sha256).hexdigest()


# Keyed by the key itself, so a changed setting (tests, rotation) can never meet a stale derivation;
# deriving per ID number cost ~5% of intake before this cache.
@cache
def keyring_for(field_key: str) -> FieldKeyring:
    return FieldKeyring(field_key)


def keyring() -> FieldKeyring:
    """The keyring of the configured field key."""
    return keyring_for(settings.FIELD_ENCRYPTION_KEY)


def clear_key_cache() -> None:
    """Forget every derived key (after a rotation: the old key should not linger in memory)."""
    keyring_for.cache_clear()


def encrypt_id_number(value: str) -> str:
    return keyring().encrypt_id_number(value)


def decrypt_id_number(token: str) -> str:
    return keyring().decrypt_id_number(token)


def id_number_hash(value: str) -> str:
    """Keyed, so the table of hashes cannot be reversed by hashing every possible ID number."""
    return keyring().id_number_hash(value)


def key_fingerprint() -> str:
    return keyring().fingerprint
