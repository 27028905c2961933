"""Backup and restore: one archive holding a consistent database snapshot, the evidence as stored,
the courses' videos, the field key's fingerprint and a manifest — never a key.

The database snapshot is SQLite's online backup (`sqlite3.Connection.backup`) or `pg_dump
--format=custom` run on a snapshot exported from the transaction that also lists the evidence files
and counts the rows, so the three agree. Evidence files go in as they lie on disk: encrypted under
the field key. A restore goes into an empty installation only, configured with the same field key
(its fingerprint is compared before anything is written). Courseware videos go in plain, as the
courseware storage keeps them (they are not personal data).
"""

from __future__ import annotations

import glob
import hmac
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path, PurePosixPath

import django
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.storage import storages
from django.db import connection, connections, transaction
from django.utils import timezone

from cehours.config import tighten
from cehours.people.crypto import keyring

from .keys import KEY_VARIABLES, short
from .models import SINGLETON, FieldKeyFingerprint
from .storage import write_raw

FORMAT = "cehours-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
FINGERPRINT_MEMBER = "key_fingerprint.txt"
DATABASE_MEMBERS = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA_PREFIX = "media/"
COURSEWARE_PREFIX = "courseware/"  # the courses' videos, plain as stored (issue 11)


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why (nothing was restored)."""


def _counted_models() -> dict:
    from cehours.audit.models import AuditEvent
    from cehours.declarations.models import Declaration, Evidence
    from cehours.ledger.models import LedgerEntry, PersonYearTotal
    from cehours.people.models import Person, Unit

    return {
        "people": Person,
        "units": Unit,
        "accounts": get_user_model(),
        "declarations": Declaration,
        "evidence": Evidence,
        "ledger_entries": LedgerEntry,
        "person_year_totals": PersonYearTotal,
        "audit_events": AuditEvent,
    }


COUNT_LABELS = {
    "people": "人员",
    "units": "单位",
    "accounts": "账号",
    "declarations": "申报",
    "evidence": "证明材料",
    "ledger_entries": "学时记录",
    "person_year_totals": "年度合计",
    "audit_events": "审计事件",
}


def _count(cursor, table: str) -> int:
    cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
    return int(cursor.fetchone()[0])


def _snapshot_facts(cursor) -> dict:
    """Counts, evidence names and fingerprint, read through a DB-API cursor on the snapshot."""
    from cehours.declarations.models import Evidence
    from cehours.learning.models import CoursewareItem

    counts = {label: _count(cursor, model._meta.db_table) for label, model in _counted_models().items()}
    cursor.execute(f'SELECT "file" FROM "{Evidence._meta.db_table}" ORDER BY "id"')
    names = [row[0] for row in cursor.fetchall()]
    cursor.execute(f'SELECT "file_name" FROM "{CoursewareItem._meta.db_table}" ORDER BY "id"')
    courseware = sorted({row[0] for row in cursor.fetchall()})
    cursor.execute(f'SELECT "fingerprint" FROM "{FieldKeyFingerprint._meta.db_table}" WHERE "id" = {SINGLETON}')
    row = cursor.fetchone()
    return {"counts": counts, "evidence": names, "courseware": courseware, "fingerprint": row[0] if row else None}


def pg_tool(name: str) -> str:
    """`pg_dump` / `pg_restore` on PATH, else the newest under /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    if not candidates:
        raise BackupError(f"找不到 {name}：请安装 PostgreSQL 客户端工具（postgresql-client）")
    return candidates[-1]


def _pg_env() -> tuple[dict[str, str], str]:
    """libpq environment for the default database (the password not on a command line) and its name."""
    db = settings.DATABASES["default"]
    env = dict(os.environ)
    for variable, key in (("PGHOST", "HOST"), ("PGPORT", "PORT"), ("PGUSER", "USER"), ("PGPASSWORD", "PASSWORD")):
        if db.get(key):
            env[variable] = str(db[key])
    return env, str(db["NAME"])


def _run(args: list[str], env: dict[str, str], what: str) -> None:
    done = subprocess.run(args, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{what}失败（退出码 {done.returncode}）：{done.stderr.strip()[-2000:]}")


def _snapshot_database(work: Path) -> tuple[Path, dict]:
    vendor = connection.vendor
    target = work / DATABASE_MEMBERS[vendor]
    if vendor == "sqlite":
        source = sqlite3.connect(settings.DATABASES["default"]["NAME"])
        copy = sqlite3.connect(target)
        try:
            source.backup(copy)  # one step: a read lock for the whole copy, so it is one moment's state
            facts = _snapshot_facts(copy.cursor())
        finally:
            copy.close()
            source.close()
        return target, facts
    env, name = _pg_env()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        facts = _snapshot_facts(cursor)
        # The exporting transaction stays open while pg_dump reads, so the dump sees what we counted.
        _run(
            [
                pg_tool("pg_dump"),
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot}",
                "--file",
                str(target),
                "--dbname",
                name,
            ],
            env,
            "pg_dump ",
        )
    return target, facts


def _add_bytes(archive: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mode, info.mtime = len(data), 0o600, int(timezone.now().timestamp())
    archive.addfile(info, io.BytesIO(data))


def _cehours_version() -> str:
    try:
        return version("cehours")
    except PackageNotFoundError:
        return "unknown"


@contextmanager
def _private_tempdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="cehours-backup-", dir=settings.DATA_DIR) as work:
        yield Path(work)  # mkdtemp makes it 0700; inside the data directory, so on its disk and as private


def backup_create(*, path: Path) -> dict:
    """Write the archive to `path` (0600, never overwriting); returns its manifest."""
    path = path.resolve()
    if path.exists():
        raise BackupError(f"{path} 已存在：备份不会覆盖已有文件")
    if not path.parent.is_dir():
        raise BackupError(f"目录 {path.parent} 不存在")
    media = storages["default"]
    with _private_tempdir() as work:
        database, facts = _snapshot_database(work)
        if facts["fingerprint"] is None:
            raise BackupError("数据库尚未记录字段密钥指纹：请先运行 cehours migrate")
        files: list[tuple[str, Path]] = []
        missing: list[tuple[str, Path]] = []
        for name in facts["evidence"]:
            stored = Path(media.path(name))
            (files if stored.is_file() else missing).append((name, stored))
        videos: list[tuple[str, Path]] = []
        missing_videos: list[str] = []
        for name in facts["courseware"]:
            stored = Path(storages["courseware"].path(name))
            if stored.is_file():
                videos.append((name, stored))
            else:
                missing_videos.append(name)
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created_at": timezone.now().isoformat(),
            "cehours_version": _cehours_version(),
            "django_version": django.get_version(),
            "database_vendor": connection.vendor,
            "database_member": DATABASE_MEMBERS[connection.vendor],
            "key_fingerprint": facts["fingerprint"],
            "counts": facts["counts"],
            "evidence_files": len(files),
            "missing_evidence_files": [name for name, _ in missing],
            "courseware_files": len(videos),
            "missing_courseware_files": missing_videos,
        }
        partial = path.with_name(path.name + ".partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "wb") as handle, tarfile.open(fileobj=handle, mode="w:gz") as archive:
                _add_bytes(archive, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=2).encode())
                _add_bytes(archive, FINGERPRINT_MEMBER, (facts["fingerprint"] + "\n").encode())
                archive.add(database, arcname=manifest["database_member"])
                for name, stored in files:
                    archive.add(stored, arcname=MEDIA_PREFIX + name)
                for name, stored in videos:
                    archive.add(stored, arcname=COURSEWARE_PREFIX + name)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(partial, path)  # a backup cut short never looks complete
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    return manifest


def read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.extractfile(MANIFEST)
        manifest = json.load(member) if member else None
    except (KeyError, ValueError) as exc:
        raise BackupError("这不是 cehours 备份文件（缺少或无法读取 manifest.json）") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("这不是 cehours 备份文件")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"备份格式版本 {manifest.get('format_version')} 不受支持（本版本支持 {FORMAT_VERSION}）")
    return manifest


def installation_counts() -> dict[str, int] | None:
    """Row counts of the configured database; None for tables that are not there yet (not migrated)."""
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        return {
            label: _count(cursor, model._meta.db_table)
            for label, model in _counted_models().items()
            if model._meta.db_table in tables
        }


def _require_empty() -> None:
    present = {label: n for label, n in (installation_counts() or {}).items() if n}
    if present:
        what = "、".join(f"{COUNT_LABELS[label]} {n} 行" for label, n in present.items())
        raise BackupError(
            f"目标数据库不是空的（{what}）：恢复只写入全新的空安装，以免覆盖现有数据。"
            "请为恢复准备一个新的数据目录（CEHOURS_DATA_DIR）或新的数据库（DATABASE_URL）。"
        )


def _media_name(member: str, prefix: str = MEDIA_PREFIX) -> str:
    name = member[len(prefix) :]
    parts = PurePosixPath(name).parts
    if not name or PurePosixPath(name).is_absolute() or ".." in parts:
        raise BackupError(f"备份中的文件名 {member!r} 不安全，拒绝恢复")
    return name


def backup_restore(*, path: Path) -> dict:
    """Restore the archive at `path` into this empty installation; returns its manifest."""
    from cehours.audit.services import audit_record

    try:
        archive = tarfile.open(path, mode="r:gz")  # noqa: SIM115 - closed by the `with` below; a bad file needs its message
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"无法读取备份文件 {path}：{exc}") from exc
    with archive:
        manifest = read_manifest(archive)
        configured = keyring().fingerprint
        if not hmac.compare_digest(str(manifest["key_fingerprint"]), configured):
            raise BackupError(
                f"备份中数据的字段密钥指纹为 {short(manifest['key_fingerprint'])}…，当前配置的密钥"
                f"（{KEY_VARIABLES}）指纹为 {short(configured)}…：用它恢复将无法解密身份证号码与证明材料。"
                "请配置做备份时所用的字段密钥后再恢复。"
            )
        if manifest["database_vendor"] != connection.vendor:
            raise BackupError(
                f"备份来自 {manifest['database_vendor']} 数据库，当前配置的是 {connection.vendor}：不能跨数据库类型恢复"
            )
        _require_empty()
        media = storages["default"]
        with _private_tempdir() as work:
            member = archive.getmember(manifest["database_member"])
            source = archive.extractfile(member)
            if source is None:
                raise BackupError("备份中缺少数据库快照")
            database = work / manifest["database_member"]
            with open(database, "wb") as handle:
                shutil.copyfileobj(source, handle)
            _restore_database(database)
        for member in archive.getmembers():
            if member.isfile() and member.name.startswith(MEDIA_PREFIX):
                target = Path(media.path(_media_name(member.name)))
                target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                content = archive.extractfile(member)
                assert content is not None
                write_raw(target, content.read())
            elif member.isfile() and member.name.startswith(COURSEWARE_PREFIX):
                target = Path(storages["courseware"].path(_media_name(member.name, COURSEWARE_PREFIX)))
                target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                content = archive.extractfile(member)
                assert content is not None
                with target.open("wb") as handle:
                    shutil.copyfileobj(content, handle)
    restored = installation_counts() or {}
    different = {k: (v, restored.get(k)) for k, v in manifest["counts"].items() if restored.get(k) != v}
    if different:
        raise BackupError(f"恢复后的行数与备份清单不符：{different}")
    audit_record(
        actor=None,
        action="ops.restored",
        object_type="installation",
        after={"backup_created_at": manifest["created_at"], "counts": manifest["counts"]},
        actor_label="cehours restore",
    )
    return manifest


def _restore_database(database: Path) -> None:
    if connection.vendor == "sqlite":
        name = settings.DATABASES["default"]["NAME"]
        connections.close_all()
        source, target = sqlite3.connect(database), sqlite3.connect(name)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        for suffix in ("", "-wal", "-shm"):
            tighten(Path(f"{name}{suffix}"), 0o600)
        return
    env, name = _pg_env()
    connections.close_all()
    _run(
        [
            pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            "--dbname",
            name,
            str(database),
        ],
        env,
        "pg_restore ",
    )
