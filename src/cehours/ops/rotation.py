"""Rotating the field key: every ID number, lookup hash and evidence file moves to the new key at once.

Run with the platform stopped. The database part is one transaction (ID numbers, their keyed lookup
hashes, the encrypted ID numbers of attendee lists, the fingerprint and the audit event), so it
either moves entirely or not at all. Evidence files are written under the new key beside the
originals first and swapped in (one atomic rename each) only after the transaction committed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.fernet import InvalidToken
from django.core.files.storage import storages
from django.db import connection, transaction

from cehours.audit.services import audit_record
from cehours.people.crypto import FieldKeyring, clear_key_cache, keyring

from .keys import fingerprint_record, short, verify_field_key
from .storage import EncryptedFileSystemStorage, is_encrypted

BATCH = 1000
STAGED_SUFFIX = ".rotating"


class RotationError(Exception):
    """The rotation cannot be done as asked; nothing was changed."""


@dataclass(frozen=True)
class RotationResult:
    people: int
    attendee_lists: int
    evidence: int
    missing_files: list[str]
    old_fingerprint: str
    new_fingerprint: str


def _stage_evidence(old: FieldKeyring, new: FieldKeyring) -> tuple[list[tuple[Path, Path]], list[str]]:
    from cehours.declarations.models import Evidence

    storage = storages["default"]
    if not isinstance(storage, EncryptedFileSystemStorage):
        raise RotationError("STORAGES['default'] 不是 cehours.ops.storage.EncryptedFileSystemStorage，无法轮换证明材料")
    staged: list[tuple[Path, Path]] = []
    missing: list[str] = []
    for name in Evidence.objects.order_by("pk").values_list("file", flat=True).iterator():
        path = Path(storage.path(name))
        if not path.is_file():
            missing.append(name)
            continue
        raw = path.read_bytes()
        try:
            plain = old.evidence_fernet.decrypt(raw) if is_encrypted(raw) else raw
        except InvalidToken as exc:
            raise RotationError(f"证明材料 {name} 无法用当前密钥解密，轮换中止（未作任何改动）") from exc
        target = path.with_name(path.name + STAGED_SUFFIX)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(new.evidence_fernet.encrypt(plain))
            handle.flush()
            os.fsync(handle.fileno())
        staged.append((target, path))
    return staged, missing


def _lock_for_rotation() -> None:
    # No intake may write an ID number under the old key while we rewrite them (SQLite: the
    # IMMEDIATE transaction holds the write lock already).
    if connection.vendor == "postgresql":
        from cehours.declarations.models import AttendeeList
        from cehours.people.models import Person

        with connection.cursor() as cursor:
            for model in (Person, AttendeeList):
                cursor.execute(f'LOCK TABLE "{model._meta.db_table}" IN SHARE ROW EXCLUSIVE MODE')


def field_key_rotate(*, new_key: str, by=None) -> RotationResult:
    """Re-encrypt everything under `new_key`; the caller then configures it and restarts the platform."""
    from cehours.declarations.models import AttendeeList
    from cehours.people.models import Person

    old, new = keyring(), FieldKeyring(new_key)
    if new.fingerprint == old.fingerprint:
        raise RotationError("新密钥与当前密钥相同")
    verify_field_key(record=False)  # FieldKeyMismatch: the old key must be the data's to read it
    staged, missing = _stage_evidence(old, new)
    try:
        with transaction.atomic():
            _lock_for_rotation()
            people = 0
            last = 0
            while True:
                batch = list(
                    Person.objects.filter(pk__gt=last).order_by("pk").only("pk", "id_number_encrypted")[:BATCH]
                )
                if not batch:
                    break
                for person in batch:
                    number = old.decrypt_id_number(person.id_number_encrypted)
                    person.id_number_encrypted = new.encrypt_id_number(number)
                    person.id_number_hash = new.id_number_hash(number)
                Person.objects.bulk_update(batch, ["id_number_encrypted", "id_number_hash"])
                people += len(batch)
                last = batch[-1].pk
            lists = 0
            for attendees in AttendeeList.objects.order_by("pk").iterator():
                # rows: [row number, encrypted ID number, name]
                attendees.rows = [
                    [n, new.encrypt_id_number(old.decrypt_id_number(enc)), name] for n, enc, name in attendees.rows
                ]
                attendees.save(update_fields=["rows"])
                lists += 1
            from cehours.access.models import ProfessionalAccount

            contacts = ProfessionalAccount.objects.exclude(mobile_encrypted="", email_encrypted="").order_by("pk")
            for account in contacts.iterator():
                # A professional's mobile number signs them in: encrypted and looked up like an ID number;
                # the optional email address (for reset links) is encrypted the same way.
                if account.mobile_encrypted:
                    phone = old.decrypt_id_number(account.mobile_encrypted)
                    account.mobile_encrypted = new.encrypt_id_number(phone)
                    account.mobile_hash = new.id_number_hash(f"mobile:{phone}")
                if account.email_encrypted:
                    account.email_encrypted = new.encrypt_id_number(old.decrypt_id_number(account.email_encrypted))
                account.save(update_fields=["mobile_encrypted", "mobile_hash", "email_encrypted"])
            fingerprint_record(new.fingerprint)
            audit_record(
                actor=by,
                action="ops.field_key_rotated",
                object_type="field_key",
                before={"fingerprint": short(old.fingerprint)},
                after={
                    "fingerprint": short(new.fingerprint),
                    "people": people,
                    "attendee_lists": lists,
                    "evidence": len(staged),
                },
                actor_label=None if by else "cehours rotate-field-key",
            )
    except BaseException:
        for target, _ in staged:
            target.unlink(missing_ok=True)
        raise
    for target, path in staged:
        os.replace(target, path)
    clear_key_cache()
    return RotationResult(people, lists, len(staged), missing, old.fingerprint, new.fingerprint)
