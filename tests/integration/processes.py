"""A database of its own for tests that need several OS processes or an empty installation.

The test database of pytest-django lives inside the test process (in memory on SQLite, inside a
rolled-back transaction on PostgreSQL), so other processes cannot see it. `SeparateDatabase`
makes a fresh one that the installed `cehours` console script reaches: on SQLite a file in a
temporary data directory, on PostgreSQL (when DATABASE_URL names one) a new database on the same
server, dropped at the end. `SeparateDatabase.serve()` runs `cehours serve` on it, as an operator
would, on a free loopback port.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
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

    def __init__(self, data_dir: Path, *, migrate: bool = True, env: dict[str, str] | None = None):
        """`env`: extra variables for every command, the first migrate included (a field key, say)."""
        self.data_dir = data_dir
        data_dir.mkdir(parents=True, exist_ok=True)
        self.script = cehours_script()
        self.env = {k: v for k, v in os.environ.items() if k not in _PRIVATE}
        self.env["CEHOURS_DATA_DIR"] = str(data_dir)
        self.env.update(env or {})
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
        if migrate:
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

    @contextmanager
    def serve(self, *args: str, env: dict | None = None, start_timeout: float = 90) -> Iterator[Server]:
        """`cehours serve --port <free> *args` until the block ends; yields once /api/v1/health answers.

        "Answers" means any HTTP status (an unreachable database answers 503): the caller judges it.
        The server runs in a session of its own, so the gunicorn master and its workers are ended
        together by process group at the end, gracefully first and killed after a bounded wait.
        """
        port = free_port()
        log_path = self.data_dir / f"serve-{port}.log"
        with open(log_path, "w") as log:
            process = subprocess.Popen(
                self.command("serve", "--port", str(port), *args),
                env={**self.env, **(env or {})},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Server(process, port, log_path)
        try:
            server.wait_until_answering(start_timeout)
            yield server
        finally:
            server.stop()


def free_port() -> int:
    """A TCP port on the loopback interface that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """A running `cehours serve`: its port, its combined log, and a bounded way to stop it."""

    def __init__(self, process: subprocess.Popen, port: int, log_path: Path):
        self.process, self.port, self.log_path = process, port, log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_until_answering(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                pytest.fail(f"cehours serve exited with {self.process.returncode} before answering:\n{self.log()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                try:
                    connection.request("GET", "/api/v1/health")
                    connection.getresponse().read()
                    return
                finally:
                    connection.close()
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"cehours serve did not answer within {timeout:.0f} s:\n{self.log()}")
                time.sleep(0.2)

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to the master (gunicorn stops its workers), then SIGKILL to the group if it lingers."""
        group = self.process.pid  # start_new_session: the master leads its own process group
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            with suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=timeout)
        # Workers orphaned by a master that died or hung would keep the port and the database busy.
        with suppress(ProcessLookupError):
            os.killpg(group, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(timeout=5)
