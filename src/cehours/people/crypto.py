"""Encryption at rest and keyed lookup hashes for resident ID numbers."""

from __future__ import annotations

import base64
import hashlib
import hmac
from functools import cache

from cryptography.fernet import Fernet
from django.conf import settings


@cache  # the field key is fixed for the life of the process; deriving it per ID number cost ~5% of intake
def _derive(purpose: bytes) -> bytes:
    return hmac.new(settings.FIELD_ENCRYPTION_KEY.encode(), purpose, hashlib.sha256).digest()


@cache
def _fernet() -> Fernet:
    return Fernet(base64.urlsafe_b64encode(_derive(b"cehours:id-number:encrypt")))


def encrypt_id_number(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt_id_number(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()


def id_number_hash(value: str) -> str:
    """Keyed, so the table of hashes cannot be reversed by hashing every possible ID number."""
    return hmac.new(_derive(b"cehours:id-number:lookup"), value.encode(), hashlib.sha256).hexdigest()
