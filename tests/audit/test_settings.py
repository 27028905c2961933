"""The audit key and retention settings: read from the environment, refused when unsafe."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cehours.config import ConfigError, audit_key, audit_retention_days

GOOD_KEY = "k" * 40


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("CEHOURS_AUDIT_KEY", "CEHOURS_AUDIT_KEY_FILE", "CEHOURS_AUDIT_RETENTION_DAYS"):
        monkeypatch.delenv(name, raising=False)


def test_key_from_the_environment(monkeypatch):
    monkeypatch.setenv("CEHOURS_AUDIT_KEY", GOOD_KEY)
    assert audit_key("secret") == (GOOD_KEY.encode(), "env")


def test_key_from_a_file(monkeypatch, tmp_path):
    path = tmp_path / "audit.key"
    path.write_text(GOOD_KEY + "\n")
    monkeypatch.setenv("CEHOURS_AUDIT_KEY_FILE", str(path))
    assert audit_key("secret") == (GOOD_KEY.encode(), "file")


def test_without_a_key_one_is_derived_apart_from_secret_key():
    key, source = audit_key("the-secret-key")
    assert source == "derived"
    assert key not in (b"the-secret-key", audit_key("another-secret-key")[0])


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("CEHOURS_AUDIT_KEY", "short", "CEHOURS_AUDIT_KEY 给出的审计密钥至少 32 字节"),
        ("CEHOURS_AUDIT_KEY_FILE", "/nonexistent/audit.key", "CEHOURS_AUDIT_KEY_FILE 指向的文件无法读取"),
    ],
)
def test_unusable_key_is_refused_naming_the_variable(monkeypatch, variable, value, message):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=message):
        audit_key("secret")


def test_key_and_key_file_together_are_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("CEHOURS_AUDIT_KEY", GOOD_KEY)
    monkeypatch.setenv("CEHOURS_AUDIT_KEY_FILE", str(tmp_path / "audit.key"))
    with pytest.raises(ConfigError, match="只能设置其一"):
        audit_key("secret")


def test_retention_defaults_to_180_days():
    assert audit_retention_days() == 180


def test_retention_may_be_longer(monkeypatch):
    monkeypatch.setenv("CEHOURS_AUDIT_RETENTION_DAYS", "365")
    assert audit_retention_days() == 365


def test_retention_below_six_months_is_refused_naming_the_variable(monkeypatch):
    monkeypatch.setenv("CEHOURS_AUDIT_RETENTION_DAYS", "90")
    with pytest.raises(ConfigError) as refused:
        audit_retention_days()
    assert "CEHOURS_AUDIT_RETENTION_DAYS" in str(refused.value)
    assert "不能小于 180" in str(refused.value)
    assert "网络安全法 第二十一条" in str(refused.value)


def test_retention_below_six_months_stops_the_process_at_start(tmp_path):
    script = shutil.which("cehours", path=str(Path(sys.executable).parent))
    assert script is not None
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL"}}
    env.update(CEHOURS_DATA_DIR=str(tmp_path), CEHOURS_AUDIT_RETENTION_DAYS="179")
    done = subprocess.run([script, "check"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "CEHOURS_AUDIT_RETENTION_DAYS 不能小于 180" in done.stderr
