"""Helpers shared by the benchmarks: a fresh database, the `cehours` command, a served platform."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


def cehours() -> str:
    return shutil.which("cehours") or str(Path(sys.executable).with_name("cehours"))


def run(args: list[str], env: dict) -> str:
    return subprocess.run([cehours(), *args], env=env, check=True, capture_output=True, text=True).stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fresh_postgres(url: str) -> tuple[str, Callable[[], None]]:
    """A new empty database beside the one in DATABASE_URL, and a function that drops it."""
    import psycopg
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    name = f"cehours_bench_{os.getpid()}"
    admin = make_conninfo(**{**conninfo_to_dict(url), "dbname": "postgres"})
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")

    def drop() -> None:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return url.rsplit("/", 1)[0] + "/" + name, drop


@contextmanager
def bench_environment() -> Iterator[tuple[dict, str]]:
    """(env, database label): a temporary data dir and, for PostgreSQL, a temporary database."""
    data_dir = tempfile.mkdtemp(prefix="cehours-bench-")
    env = {**os.environ, "CEHOURS_DATA_DIR": data_dir}
    database = "PostgreSQL" if env.get("DATABASE_URL", "").startswith("postgres") else "SQLite"
    drop = None
    if database == "PostgreSQL":
        env["DATABASE_URL"], drop = fresh_postgres(env["DATABASE_URL"])
    try:
        run(["migrate", "--noinput"], env)
        yield env, database
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        if drop is not None:
            drop()


@contextmanager
def served(env: dict, workers: int) -> Iterator[int]:
    """`cehours serve` on a free loopback port; yields the port once it answers."""
    port = free_port()
    server = subprocess.Popen(
        [cehours(), "serve", "--port", str(port), "--workers", str(workers), "--no-migrate"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(150):
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
                conn.request("GET", "/api/v1/health")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.2)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)
