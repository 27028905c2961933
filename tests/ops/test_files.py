"""Files the platform creates in its data directory are its user's alone: 0700 directories, 0600 files."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from .conftest import DEMO, ok

pytestmark = pytest.mark.slow


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_directory_database_keys_media_exports_and_backups_are_private(installation, tmp_path):
    db = installation(migrate=False, shared_secret=False)
    db.data_dir.chmod(0o755)  # made before the platform was installed, world-readable
    ok(db.run("migrate", "--verbosity", "0"))
    ok(db.run(*DEMO))
    export = db.data_dir / "exports" / "hours.csv"
    export.parent.mkdir()
    ok(db.run("export-hours", "--as", "hr_admin", "--year", "2025", "--output", str(export)))
    ok(db.run("backup", str(db.data_dir / "backup.tar.gz")))

    assert mode(db.data_dir) == 0o700
    files = [db.data_dir / "secret_key", export, db.data_dir / "backup.tar.gz"]
    if db.vendor == "sqlite":
        files += [p for p in db.data_dir.glob("cehours.sqlite3*")]
        assert len(files) >= 4
    media = db.data_dir / "media"
    files += [p for p in media.rglob("*") if p.is_file()]
    assert any(p.suffix == ".pdf" for p in files)
    loose = {str(p): oct(mode(p)) for p in files if mode(p) & 0o077}
    assert not loose
    directories = [media, *[p for p in media.rglob("*") if p.is_dir()]]
    assert all(mode(d) == 0o700 for d in directories), {str(d): oct(mode(d)) for d in directories}


def test_an_existing_loose_sqlite_database_is_tightened(installation):
    db = installation()
    if db.vendor != "sqlite":
        pytest.skip("SQLite files only")
    database = db.data_dir / "cehours.sqlite3"
    database.chmod(0o644)
    ok(db.run("check"))
    assert mode(database) == 0o600
