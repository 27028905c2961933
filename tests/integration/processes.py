"""A database of its own for tests that need several OS processes or an empty installation.

The test database of pytest-django lives inside the test process (in memory on SQLite, inside a
rolled-back transaction on PostgreSQL), so other processes cannot see it. `SeparateDatabase`
makes a fresh one that the installed `cehours` console script reaches: on SQLite a file in a
temporary data directory, on PostgreSQL (when DATABASE_URL names one) a new database on the same
server, dropped at the end.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

_numbers = itertools.count()
# Never handed on: the separate database has its own secret (kept in its data directory).
_PRIVATE = {"DATABASE_URL", "SECRET_KEY", "CEHOURS_FIELD_KEY", "DEBUG", "TEST_DATABASE_NAME"}


def cehours_script() -> str:
    script = shutil.which("cehours", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.fail(f"the console script `cehours` is not installed next to {sys.executable}")
    return script


def on_postgresql() -> bool:
    return os.environ.get("DATABASE_URL", "").startswith(("postgresql://", "postgres://"))


class SeparateDatabase:
    """A migrated, empty database and the environment that points `cehours` at it."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.script = cehours_script()
        self.env = {k: v for k, v in os.environ.items() if k not in _PRIVATE}
        self.env["CEHOURS_DATA_DIR"] = str(data_dir)
        self.env["PYTHONUNBUFFERED"] = "1"
        self._server_url = None
        self.name = None
        if on_postgresql():
            parts = urlsplit(os.environ["DATABASE_URL"])
            self.name = f"cehours_conc_{os.getpid()}_{next(_numbers)}"
            self._server_url = urlunsplit(parts._replace(path="/postgres"))
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}"', f'CREATE DATABASE "{self.name}"')
            self.env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{self.name}"))
        self.vendor = "postgresql" if self.name else "sqlite"
        done = self.run("migrate", "--verbosity", "0")
        assert done.returncode == 0, done.stderr

    def _admin(self, *statements: str) -> None:
        import psycopg

        with psycopg.connect(self._server_url, autocommit=True) as connection:
            for statement in statements:
                connection.execute(statement)

    def deadlocks(self) -> int:
        """Deadlocks PostgreSQL detected (and broke) in this database so far; 0 on SQLite, which queues writers."""
        if not self.name:
            return 0
        import psycopg

        with psycopg.connect(self.env["DATABASE_URL"], autocommit=True) as connection:
            row = connection.execute(
                "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()"
            ).fetchone()
        return row[0] if row else 0

    def drop(self) -> None:
        if self.name:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def command(self, *args: str) -> list[str]:
        return [self.script, *args]

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            self.command(*args),
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def start(self, *args: str, env: dict | None = None) -> subprocess.Popen:
        return subprocess.Popen(
            self.command(*args),
            env={**self.env, **(env or {})},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def python(self, path: Path) -> list[str]:
        """Arguments for `cehours shell` running a script file inside the configured app."""
        return ["shell", "-c", f"import runpy; runpy.run_path({str(path)!r}, run_name='__main__')"]

    def run_script(self, path: Path, **env: str) -> object:
        """Run a script file in the app; it prints one JSON document, which is returned."""
        done = subprocess.run(
            self.command(*self.python(path)),
            env={**self.env, **env},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])
