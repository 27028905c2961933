"""The field key: kept apart from the data, recognised by its fingerprint, a wrong one refused at start."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from cehours.ops.keys import FieldKeyMismatch, key_warnings, verify_field_key
from cehours.ops.models import FieldKeyFingerprint
from cehours.people.crypto import FieldKeyring, key_fingerprint
from tests.integration.processes import free_port

from .conftest import DEMO, new_key, ok

pytestmark = pytest.mark.slow


def test_fingerprint_is_an_hmac_of_a_label_not_the_key():
    key = new_key()
    fingerprint = FieldKeyring(key).fingerprint
    assert len(fingerprint) == 64 and key not in fingerprint
    assert fingerprint == FieldKeyring(key).fingerprint != FieldKeyring(new_key()).fingerprint


def test_migrate_records_the_fingerprint_of_the_configured_key(db):
    assert FieldKeyFingerprint.objects.get().fingerprint == key_fingerprint()


def test_a_different_key_in_settings_is_a_mismatch(db, settings):
    settings.FIELD_ENCRYPTION_KEY = new_key()
    with pytest.raises(FieldKeyMismatch, match="CEHOURS_FIELD_KEY"):
        verify_field_key()


def test_commands_that_touch_id_numbers_refuse_to_start_with_the_wrong_key(installation):
    db = installation()
    ok(db.run(*DEMO))
    wrong = {**db.env, "CEHOURS_FIELD_KEY": new_key()}
    for command in (
        ["demo", "--people", "3"],
        ["export-hours", "--as", "hr_admin", "--year", "2025", "--output", str(db.data_dir / "out.csv")],
        ["import-roster", str(db.data_dir / "none.csv"), "--kind", "people", "--as", "hr_admin"],
        ["import-hours", str(db.data_dir / "none.csv"), "--as", "hr_admin"],
        ["serve", "--port", str(free_port()), "--workers", "1"],
    ):
        done = subprocess.run(db.command(*command), env=wrong, capture_output=True, text=True, timeout=90)
        assert done.returncode != 0, command
        assert "ops.E001" in done.stderr and "CEHOURS_FIELD_KEY" in done.stderr, done.stderr
        assert "平台拒绝启动" in done.stderr
    assert not (db.data_dir / "out.csv").exists()
    ok(db.run("check"))  # the right key still starts


def test_an_installation_without_a_recorded_fingerprint_is_checked_on_its_data(installation, tmp_path):
    db = installation()
    ok(db.run(*DEMO))
    forget = tmp_path / "forget.py"
    forget.write_text(
        "import json\nfrom cehours.ops.models import FieldKeyFingerprint\n"
        "FieldKeyFingerprint.objects.all().delete()\nprint(json.dumps(0))\n"
    )
    db.run_script(forget)
    done = subprocess.run(
        db.command("check"), env={**db.env, "CEHOURS_FIELD_KEY": new_key()}, capture_output=True, text=True, timeout=90
    )
    assert done.returncode != 0 and "无法用当前密钥解密" in done.stderr, done.stderr
    ok(db.run("check"))  # the right key reads the data and records its fingerprint again


def test_warning_when_the_key_is_derived_from_secret_key(settings):
    settings.FIELD_KEY_SOURCE = "secret_key"
    (warning,) = key_warnings()
    assert "SECRET_KEY" in warning and "CEHOURS_FIELD_KEY" in warning and "CEHOURS_FIELD_KEY_FILE" in warning


def test_warning_when_the_key_file_is_inside_the_data_directory(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    inside = tmp_path / "field_key"
    inside.write_text(new_key())
    inside.chmod(0o600)
    settings.FIELD_KEY_SOURCE, settings.FIELD_KEY_FILE = "file", inside
    (warning,) = key_warnings()
    assert "数据目录" in warning and "CEHOURS_FIELD_KEY_FILE" in warning


def test_no_warning_for_a_private_key_file_outside_the_data_directory(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    outside = tmp_path / "keys" / "field_key"
    outside.parent.mkdir()
    outside.write_text(new_key())
    outside.chmod(0o600)
    settings.FIELD_KEY_SOURCE, settings.FIELD_KEY_FILE = "file", outside
    settings.FIELD_ENCRYPTION_KEY = outside.read_text()
    assert key_warnings() == []
    outside.chmod(0o644)
    (warning,) = key_warnings()
    assert "chmod 600" in warning


def test_serve_warns_loudly_about_a_key_file_inside_the_data_directory(installation):
    db = installation()
    key_file = db.data_dir / "field_key"
    key_file.write_text(db.env["CEHOURS_FIELD_KEY"])
    env = {k: v for k, v in db.env.items() if k != "CEHOURS_FIELD_KEY"}
    env["CEHOURS_FIELD_KEY_FILE"] = str(key_file)
    db.env = env
    with db.serve("--workers", "1") as server:
        log = server.log()
    assert "安全警告" in log and "CEHOURS_FIELD_KEY_FILE" in log and str(db.data_dir) in log


def test_a_missing_key_file_fails_fast_naming_the_variable(tmp_path):
    env = {**os.environ, "CEHOURS_DATA_DIR": str(tmp_path / "data"), "CEHOURS_FIELD_KEY_FILE": str(tmp_path / "none")}
    env.pop("CEHOURS_FIELD_KEY", None)
    done = subprocess.run(
        [sys.executable, "-c", "import cehours.settings"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode != 0 and "CEHOURS_FIELD_KEY_FILE" in done.stderr
