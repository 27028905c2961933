"""One idle SQLite connection per worker process, so that recording reads does not fsync per request.

On SQLite every request opens and closes its own connection (CONN_MAX_AGE = 0). When the closing
connection is the last one open on the file, SQLite checkpoints the write-ahead log into the
database and fsyncs it. Before the access log, read requests wrote nothing and that was free; now
each writes one ReadEvent, and that close costs ~10 ms whenever no other request happens to be
running (measured: 0.1 ms per INSERT with another connection open, 10–17 ms without). An idle
connection held by the process keeps the request's close from being the last; the log is then
checkpointed by SQLite's automatic checkpoint every 1,000 pages instead, with the same durability
(synchronous=NORMAL in WAL mode either way).

Opened lazily at the first request of each process, never in gunicorn's master (which forks the
workers: a SQLite connection must not cross a fork). It holds no transaction, so it blocks no
writer, checkpoint or backup. PostgreSQL and in-memory test databases need none of this.
"""

from __future__ import annotations

import os
import sqlite3
import threading

from django.db import connection

_lock = threading.Lock()
_held: dict[int, sqlite3.Connection] = {}  # by process id: a forked child opens its own


def keep_open() -> None:
    pid = os.getpid()
    if pid in _held or connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict["NAME"])
    if not os.path.isfile(name):  # an in-memory test database (":memory:", "file:…?mode=memory")
        return
    with _lock:
        if pid not in _held:
            try:
                held = sqlite3.connect(name, check_same_thread=False)
                held.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # maps the WAL index
            except sqlite3.Error:
                # Not a usable database (yet): hold nothing, and let the request meet the problem
                # through Django, which answers it (503 under /api/) instead of this helper's raw error.
                return
            _held[pid] = held
