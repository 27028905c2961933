"""Reading deployment settings from environment variables, failing fast on bad values."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

# Owner only: the data directory holds ID numbers (database), evidence, exports and backups.
PRIVATE_UMASK = 0o077
FIELD_KEY_MIN_LENGTH = 32


class ConfigError(RuntimeError):
    """A setting in the environment has a value the platform cannot use."""


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"环境变量 {name} 应为 true/false，收到 {raw!r}")


def env_int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"环境变量 {name} 应为整数，收到 {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"环境变量 {name} 不能小于 {minimum}，收到 {value}")
    return value


def restrict_new_files() -> None:
    """Files and directories this process creates are its owner's alone (0600 / 0700)."""
    os.umask(PRIVATE_UMASK)


def tighten(path: Path, mode: int) -> None:
    """chmod to `mode` when the path is ours and looser; someone else's directory is left as it is."""
    try:
        info = path.stat()
        if info.st_uid == os.getuid() and info.st_mode & 0o777 & ~mode:
            path.chmod(mode)
    except (FileNotFoundError, PermissionError):
        pass


def data_dir() -> Path:
    path = Path(env_str("CEHOURS_DATA_DIR", "var")).resolve()
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    # An existing directory from before, created 0755: a copy of it must not be one `cp` away.
    tighten(path, 0o700)
    return path


def secret_key(directory: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data dir."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    path = directory / "secret_key"
    if not path.exists():
        # Created exclusively so two processes starting together keep one key.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
    tighten(path, 0o600)  # one written before the data directory was made private
    key = path.read_text().strip()
    if not key:
        raise ConfigError(f"{path} 为空：删除后重新启动以生成新密钥")
    return key


@dataclass(frozen=True)
class FieldKey:
    """The key for ID numbers and evidence, and where it came from (for the warnings of `serve`)."""

    value: str
    source: str  # "env" (CEHOURS_FIELD_KEY), "file" (CEHOURS_FIELD_KEY_FILE) or "secret_key" (fallback)
    path: Path | None = None


def field_key(secret: str) -> FieldKey:
    """CEHOURS_FIELD_KEY, else the file CEHOURS_FIELD_KEY_FILE names, else (warned about) SECRET_KEY.

    The fallback keeps installations from before the separate key readable; `cehours serve` warns
    about it, and `cehours rotate-field-key` moves the data to a key of its own.
    """
    value = os.environ.get("CEHOURS_FIELD_KEY", "").strip()
    name = os.environ.get("CEHOURS_FIELD_KEY_FILE", "").strip()
    if value and name:
        raise ConfigError("环境变量 CEHOURS_FIELD_KEY 与 CEHOURS_FIELD_KEY_FILE 只能设置其一")
    if value:
        return FieldKey(value, "env")
    if name:
        path = Path(name).expanduser().resolve()
        try:
            value = path.read_text().strip()
        except FileNotFoundError as exc:
            raise ConfigError(
                f"环境变量 CEHOURS_FIELD_KEY_FILE 指向的文件 {path} 不存在"
                "（新密钥可用 cehours rotate-field-key --new-key-file PATH 生成）"
            ) from exc
        except OSError as exc:
            raise ConfigError(f"无法读取 CEHOURS_FIELD_KEY_FILE 指向的文件 {path}：{exc}") from exc
        if not value:
            raise ConfigError(f"CEHOURS_FIELD_KEY_FILE 指向的文件 {path} 为空")
        return FieldKey(value, "file", path)
    return FieldKey(secret, "secret_key")


def new_key_file(path: Path) -> str:
    """Write a fresh random field key to `path` (0600, its directory 0700); refuses to overwrite."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = secrets.token_urlsafe(FIELD_KEY_MIN_LENGTH)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key


# 网络安全法 第二十一条: network logs are kept for no less than six months.
AUDIT_RETENTION_MINIMUM_DAYS = 180
AUDIT_KEY_MINIMUM_BYTES = 32
# A purpose label of its own, so the derived key is not any other key derived from SECRET_KEY.
_AUDIT_KEY_PURPOSE = b"cehours.audit.chain-key.v1"


def audit_retention_days() -> int:
    """How long audit events are kept before they may be archived; never under six months."""
    name = "CEHOURS_AUDIT_RETENTION_DAYS"
    days = env_int(name, AUDIT_RETENTION_MINIMUM_DAYS)
    if days < AUDIT_RETENTION_MINIMUM_DAYS:
        raise ConfigError(
            f"环境变量 {name} 不能小于 {AUDIT_RETENTION_MINIMUM_DAYS}"
            f"（网络安全法 第二十一条：网络日志留存不少于六个月），收到 {days}"
        )
    return days


def audit_key(secret: str) -> tuple[bytes, str]:
    """The audit chain's HMAC key and where it came from: "env", "file" or "derived".

    CEHOURS_AUDIT_KEY (the key itself) or CEHOURS_AUDIT_KEY_FILE (a file holding it), so that the
    key lives apart from the database. Without either it is derived from SECRET_KEY, which keeps a
    fresh installation working but guards nothing against whoever can read SECRET_KEY."""
    value = os.environ.get("CEHOURS_AUDIT_KEY", "")
    path = os.environ.get("CEHOURS_AUDIT_KEY_FILE", "")
    if value and path:
        raise ConfigError("环境变量 CEHOURS_AUDIT_KEY 与 CEHOURS_AUDIT_KEY_FILE 只能设置其一")
    if path:
        name, source = "CEHOURS_AUDIT_KEY_FILE", "file"
        try:
            key = Path(path).read_bytes().strip()
        except OSError as exc:
            raise ConfigError(f"环境变量 CEHOURS_AUDIT_KEY_FILE 指向的文件无法读取：{exc}") from exc
    elif value:
        name, source, key = "CEHOURS_AUDIT_KEY", "env", value.encode()
    else:
        return hmac.new(secret.encode(), _AUDIT_KEY_PURPOSE, hashlib.sha256).digest(), "derived"
    if len(key) < AUDIT_KEY_MINIMUM_BYTES:
        raise ConfigError(f"环境变量 {name} 给出的审计密钥至少 {AUDIT_KEY_MINIMUM_BYTES} 字节，收到 {len(key)} 字节")
    return key, source
