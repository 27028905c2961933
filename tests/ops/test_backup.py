"""`cehours backup` / `cehours restore`: a round trip into a fresh installation keeps everything.

Runs on the database DATABASE_URL names: SQLite files in temporary data directories, or new
PostgreSQL databases on the same server (pg_dump / pg_restore).
"""

from __future__ import annotations

import json
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

from cehours.ops.backup import DATABASE_MEMBERS, FORMAT, MANIFEST

from .conftest import DEMO, FACTS, new_key, ok

pytestmark = pytest.mark.slow


@pytest.fixture
def backed_up(installation, tmp_path):
    """(source installation, its facts, the backup archive)."""
    source = installation(name="source")
    ok(source.run(*DEMO))
    facts = source.run_script(FACTS)
    archive = tmp_path / "backups" / "cehours.tar.gz"
    archive.parent.mkdir()
    out = ok(source.run("backup", str(archive)))
    assert "备份完成" in out
    return source, facts, archive


def test_the_archive_holds_the_snapshot_evidence_fingerprint_and_manifest_but_no_key(backed_up):
    source, facts, archive = backed_up
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile(MANIFEST))
        media = [tar.extractfile(n).read() for n in names if n.startswith("media/")]
        everything = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
    assert manifest["format"] == FORMAT and manifest["key_fingerprint"] == facts["fingerprint"]
    assert manifest["counts"]["people"] == len(facts["id_numbers"])
    assert manifest["counts"]["declarations"] == len(facts["declarations"])
    assert DATABASE_MEMBERS[source.vendor] in names and "key_fingerprint.txt" in names
    assert media and all(m.startswith(b"gAAAAA") for m in media)  # evidence as stored: encrypted
    assert source.env["CEHOURS_FIELD_KEY"].encode() not in everything
    assert source.env["SECRET_KEY"].encode() not in everything


def test_restore_into_a_fresh_installation_gives_back_the_same_platform(backed_up, installation):
    source, facts, archive = backed_up
    target = installation(source.env["CEHOURS_FIELD_KEY"], name="target")

    out = ok(target.run("restore", str(archive)))

    assert "已恢复" in out
    restored = target.run_script(FACTS)
    for field in (
        "fingerprint",
        "id_numbers",
        "found_by_id_number",
        "compliance",
        "accounts",
        "declarations",
        "evidence",
        "courseware",
    ):
        assert restored[field] == facts[field], field
    assert all(stored == opened for stored, opened in restored["evidence"].values())
    assert restored["courseware"] and all(stored == opened for stored, opened in restored["courseware"].values())
    ok(target.run("rebuild-totals", "--check"))
    ok(target.run("audit-verify"))
    ok(target.run("check"))
    assert restored["audit_actions"][-1] == "ops.restored"


def test_restore_into_an_unmigrated_installation(backed_up, installation):
    source, facts, archive = backed_up
    target = installation(source.env["CEHOURS_FIELD_KEY"], migrate=False, name="bare")
    ok(target.run("restore", str(archive)))
    ok(target.run("migrate", "--verbosity", "0"))
    assert target.run_script(FACTS)["id_numbers"] == facts["id_numbers"]
    ok(target.run("audit-verify"))


def test_restore_with_another_field_key_is_refused_and_writes_nothing(backed_up, installation):
    _, _, archive = backed_up
    target = installation(new_key(), name="wrongkey")

    done = target.run("restore", str(archive))

    assert done.returncode != 0
    assert "CEHOURS_FIELD_KEY" in done.stderr and "指纹" in done.stderr, done.stderr
    assert target.run_script(FACTS)["id_numbers"] == {}
    assert not (target.data_dir / "media").exists() or not list((target.data_dir / "media").rglob("*.*"))


def test_restore_into_an_installation_that_has_data_is_refused(backed_up):
    source, facts, archive = backed_up

    done = source.run("restore", str(archive))

    assert done.returncode != 0 and "不是空的" in done.stderr, done.stderr
    assert source.run_script(FACTS)["id_numbers"] == facts["id_numbers"]


def test_backup_never_overwrites_and_refuses_what_is_not_a_backup(backed_up, tmp_path):
    source, _, archive = backed_up
    again = source.run("backup", str(archive))
    assert again.returncode != 0 and "已存在" in again.stderr
    bogus = tmp_path / "bogus.tar.gz"
    with tarfile.open(bogus, "w:gz") as tar:
        tar.add(Path(__file__), arcname="manifest.json")
    done = source.run("restore", str(bogus))
    assert done.returncode != 0 and "不是 cehours 备份" in done.stderr


def test_the_restored_data_is_refused_with_a_key_other_than_the_backups(backed_up, installation):
    source, _, archive = backed_up
    target = installation(source.env["CEHOURS_FIELD_KEY"], name="after")
    ok(target.run("restore", str(archive)))
    done = subprocess.run(
        target.command("demo", "--people", "2"),
        env={**target.env, "CEHOURS_FIELD_KEY": new_key()},
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode != 0 and "CEHOURS_FIELD_KEY" in done.stderr
