"""A file kept on the server while the form it came with is not yet done (issue 12).

A browser forgets a chosen file whenever the form comes back (计算学时, a field to correct, an
import's dry run), and the next step then went without it. The file is kept instead: stored through
the platform's (encrypted) storage under a random name, and named in the form by a signed token
bound to the account and to what the file is for (a proof file's token opens no import), valid for
a day. Taking it deletes it; files left by abandoned forms are swept when the next one is kept.
A proof file is checked as evidence is before it is kept.
"""

from __future__ import annotations

import contextlib
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


EVIDENCE, IMPORT = "evidence", "import"


def upload_keep(*, user, name: str, content: bytes, purpose: str = EVIDENCE) -> str:
    """Keep a file for this user's form; returns the token the form carries. Raises EvidenceError
    (as a declaration would) for a proof file that is not acceptable evidence."""
    if purpose == EVIDENCE:
        inspect(content)
    now = timezone.now()
    _sweep(now)
    # The name carries when it was kept, so the sweep needs nothing from the storage but names:
    # not every storage can tell a file's age (Storage.get_modified_time may be unimplemented).
    stored = default_storage.save(f"{FOLDER}/{int(now.timestamp())}-{secrets.token_hex(16)}", ContentFile(content))
    return signing.dumps({"user": user.pk, "path": stored, "name": name[:255], "for": purpose}, salt=SALT)


def _claim(user, token: str, purpose: str) -> dict | None:
    try:
        claim = signing.loads(token or "", salt=SALT, max_age=KEPT_FOR)
    except signing.BadSignature:
        return None
    if claim.get("user") != user.pk or claim.get("for") != purpose:
        return None
    if not str(claim.get("path", "")).startswith(f"{FOLDER}/"):
        return None
    return claim if default_storage.exists(claim["path"]) else None


def kept_name(user, token: str, purpose: str = EVIDENCE) -> str | None:
    """The file name a token keeps for this user, or None if it keeps nothing (any more)."""
    claim = _claim(user, token, purpose)
    return claim["name"] if claim else None


def upload_take(user, token: str, purpose: str = EVIDENCE) -> tuple[str, bytes] | None:
    """The kept file (name, content), removed from the keep; None if the token keeps nothing."""
    claim = _claim(user, token, purpose)
    if claim is None:
        return None
    with default_storage.open(claim["path"], "rb") as kept:
        content = kept.read()
    default_storage.delete(claim["path"])
    return claim["name"], content


def _sweep(now) -> None:
    """Delete kept files older than a day (their tokens have lapsed); a name that does not say when
    it was kept is from before names did, so older than any live token too."""
    try:
        _, names = default_storage.listdir(FOLDER)
    except FileNotFoundError:
        return
    cutoff = (now - KEPT_FOR).timestamp()
    for name in names:
        stamp, _, _ = name.partition("-")
        if stamp.isdigit() and int(stamp) >= cutoff:
            continue
        with contextlib.suppress(FileNotFoundError):  # taken by its form since listdir: nothing to sweep
            default_storage.delete(f"{FOLDER}/{name}")
