"""A proof file kept on the server while its declaration form is not yet done (issue 12).

A browser forgets a chosen file whenever the form comes back (计算学时, or a field to correct), and
保存草稿 then saved a draft without its evidence. The file is kept instead: checked as evidence is,
stored through the platform's (encrypted) storage under a random name, and named in the form by a
signed token bound to the person's account, valid for a day. Taking it deletes it; files left by
abandoned forms are swept when the next one is kept.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from .evidence import inspect

SALT = "cehours.declarations.kept-upload"
FOLDER = "kept-uploads"
KEPT_FOR = timedelta(days=1)


def upload_keep(*, user, name: str, content: bytes) -> str:
    """Keep a proof file for this user's form; returns the token the form carries. Raises
    EvidenceError (as a declaration would) for a file that is not acceptable evidence."""
    inspect(content)
    _sweep()
    stored = default_storage.save(f"{FOLDER}/{secrets.token_hex(16)}", ContentFile(content))
    return signing.dumps({"user": user.pk, "path": stored, "name": name[:255]}, salt=SALT)


def _claim(user, token: str) -> dict | None:
    try:
        claim = signing.loads(token or "", salt=SALT, max_age=KEPT_FOR)
    except signing.BadSignature:
        return None
    if claim.get("user") != user.pk or not str(claim.get("path", "")).startswith(f"{FOLDER}/"):
        return None
    return claim if default_storage.exists(claim["path"]) else None


def kept_name(user, token: str) -> str | None:
    """The file name a token keeps for this user, or None if it keeps nothing (any more)."""
    claim = _claim(user, token)
    return claim["name"] if claim else None


def upload_take(user, token: str) -> tuple[str, bytes] | None:
    """The kept file (name, content), removed from the keep; None if the token keeps nothing."""
    claim = _claim(user, token)
    if claim is None:
        return None
    with default_storage.open(claim["path"], "rb") as kept:
        content = kept.read()
    default_storage.delete(claim["path"])
    return claim["name"], content


def _sweep() -> None:
    """Delete kept files older than a day (their tokens have lapsed)."""
    try:
        _, names = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        return
    cutoff = timezone.now() - KEPT_FOR
    for name in names:
        path = f"{FOLDER}/{name}"
        try:
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
        except (FileNotFoundError, NotImplementedError):
            continue
