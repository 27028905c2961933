"""Whether the configured field key is the one the data was encrypted with, and whether it is kept apart.

The database records the key's fingerprint (`FieldKeyFingerprint`) after the first migrate or at
the first start. Every management command that runs Django's system checks — `serve`, `demo`, the
import and export commands, `runserver`, `check` — is refused with `ops.E001` when the configured key
does not match: started anyway, it would read no ID number, find nobody by ID number and register a
second person for every number it meets. `migrate`, `backup`, `restore` and `rotate-field-key` run
without the check (they work on the key or the raw data themselves).
"""

from __future__ import annotations

import hmac
import os
import sys
from contextlib import suppress
from pathlib import Path

from cryptography.fernet import InvalidToken
from django.conf import settings
from django.core import checks
from django.db import DatabaseError, IntegrityError, connections

from cehours.config import FIELD_KEY_MIN_LENGTH, tighten
from cehours.people.crypto import FieldKeyring, keyring

from .models import SINGLETON, FieldKeyFingerprint

KEY_VARIABLES = "CEHOURS_FIELD_KEY 或 CEHOURS_FIELD_KEY_FILE"
MISMATCH = (
    f"当前配置的字段密钥（环境变量 {KEY_VARIABLES}）不是加密本库身份证号码与证明材料所用的密钥："
    "用它启动将无法解密身份证号码，按身份证号码也找不到已有人员，会为同一号码重复建档。平台拒绝启动。"
    "请把 CEHOURS_FIELD_KEY（或 CEHOURS_FIELD_KEY_FILE 指向的文件）配置为原密钥；"
    "更换密钥请使用 cehours rotate-field-key --new-key-file PATH。"
)


class FieldKeyMismatch(Exception):
    """The configured field key cannot read the stored data."""


def short(fingerprint: str) -> str:
    return fingerprint[:16]


def _tables(using: str) -> set[str]:
    return set(connections[using].introspection.table_names())


def stored_fingerprint(using: str = "default") -> str | None:
    """The recorded fingerprint; None before the first migrate or start recorded one."""
    if FieldKeyFingerprint._meta.db_table not in _tables(using):
        return None
    return FieldKeyFingerprint.objects.using(using).filter(pk=SINGLETON).values_list("fingerprint", flat=True).first()


def stored_data_decrypts(ring: FieldKeyring, using: str = "default") -> bool | None:
    """Whether a stored ID number decrypts with `ring`; None when there is none to try."""
    from cehours.people.models import Person

    if Person._meta.db_table not in _tables(using):
        return None
    token = Person.objects.using(using).order_by("pk").values_list("id_number_encrypted", flat=True).first()
    if token is None:
        return None
    try:
        ring.decrypt_id_number(token)
    except InvalidToken:
        return False
    return True


def fingerprint_record(fingerprint: str, using: str = "default") -> None:
    FieldKeyFingerprint.objects.using(using).update_or_create(pk=SINGLETON, defaults={"fingerprint": fingerprint})


def verify_field_key(using: str = "default", *, record: bool = True) -> None:
    """Raise FieldKeyMismatch unless the configured key is the data's; record its fingerprint if none is.

    Without a recorded fingerprint (an installation from before it was recorded) the key is tried
    on a stored ID number instead, and recorded only when it reads it.
    """
    ring = keyring()
    stored = stored_fingerprint(using)
    if stored is None:
        if stored_data_decrypts(ring, using) is False:
            raise FieldKeyMismatch(f"{MISMATCH}（数据库中已有的身份证号码无法用当前密钥解密）")
        if not record or FieldKeyFingerprint._meta.db_table not in _tables(using):
            return
        # Another process may record it at the same moment: then compare with theirs.
        with suppress(IntegrityError):
            FieldKeyFingerprint.objects.using(using).get_or_create(
                pk=SINGLETON, defaults={"fingerprint": ring.fingerprint}
            )
        stored = stored_fingerprint(using)
        if stored is None:
            return
    if not hmac.compare_digest(stored, ring.fingerprint):
        raise FieldKeyMismatch(
            f"{MISMATCH}（数据库记录的密钥指纹 {short(stored)}…，当前密钥的指纹 {short(ring.fingerprint)}…）"
        )


def field_key_check(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """System check ops.E001: the configured field key must match the data's."""
    if databases is not None:
        # Only `migrate` (and `check --database`) pass databases: migrate must run before the
        # fingerprint table exists and records the fingerprint itself afterwards.
        return []
    try:
        verify_field_key()
    except FieldKeyMismatch as exc:
        return [checks.Error(str(exc), id="ops.E001")]
    except DatabaseError:
        return []  # an unreachable database is reported by whatever needs it (serve answers 503)
    return []


def record_after_migrate(sender, using: str = "default", **kwargs) -> None:
    """post_migrate: record the fingerprint of a new installation; only warn on a mismatch (migrate is exempt)."""
    try:
        verify_field_key(using)
    except FieldKeyMismatch as exc:
        sys.stderr.write(f"警告：{exc}\n")


def key_warnings() -> list[str]:
    """Why the configured field key is not kept apart from the data (empty when it is)."""
    data_dir = Path(settings.DATA_DIR).resolve()
    source = settings.FIELD_KEY_SOURCE
    problems = []
    if source == "secret_key":
        where = "" if os.environ.get("SECRET_KEY") else f"，而 SECRET_KEY 就保存在数据目录 {data_dir} 中"
        problems.append(
            f"字段密钥未单独配置，正由 SECRET_KEY 派生{where}：拿到数据目录（或其备份）的人即可解密全部身份证号码。"
            f"请生成一个放在数据目录之外的密钥，并设置环境变量 {KEY_VARIABLES}；"
            "已有数据用 cehours rotate-field-key --new-key-file PATH 转到新密钥。"
        )
    elif source == "file":
        path = Path(str(settings.FIELD_KEY_FILE))
        if path.is_relative_to(data_dir):
            problems.append(
                f"字段密钥文件 {path} 位于数据目录 {data_dir} 之内：数据目录的副本连同密钥一起泄露。"
                "请把它移到数据目录之外，并相应设置 CEHOURS_FIELD_KEY_FILE。"
            )
        try:
            mode = path.stat().st_mode & 0o777
        except OSError:
            mode = 0
        if mode & 0o077:
            problems.append(f"字段密钥文件 {path} 的权限为 {mode:04o}，其他用户可读：请执行 chmod 600 {path}。")
    if source != "secret_key" and len(settings.FIELD_ENCRYPTION_KEY) < FIELD_KEY_MIN_LENGTH:
        problems.append(
            f"字段密钥（{KEY_VARIABLES}）少于 {FIELD_KEY_MIN_LENGTH} 个字符，强度不足："
            "请用 cehours rotate-field-key --new-key-file PATH 换成随机生成的密钥。"
        )
    return problems


def warn_about_key(stream) -> None:
    """Write the key warnings to `stream` (stderr of `serve`), loudly."""
    for problem in key_warnings():
        stream.write(f"!!! 安全警告：{problem}\n")


_private_sqlite: set[str] = set()


def private_sqlite_files(sender, connection, **kwargs) -> None:
    """connection_created: the SQLite database and its -wal/-shm are 0600, even ones made before the umask."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict["NAME"])
    if name in _private_sqlite or name == ":memory:" or "mode=memory" in name:
        return
    _private_sqlite.add(name)
    for suffix in ("", "-wal", "-shm", "-journal"):
        tighten(Path(name + suffix), 0o600)
