"""Importing the WSGI application opens no database connection a forking server's workers could share.

README lets an operator point any WSGI server at `cehours.wsgi:application`; servers that preload
it (gunicorn --preload, uWSGI without lazy-apps) import it in the master and then fork, so the
import itself must not connect to the database.
"""

from __future__ import annotations

import os
import subprocess
import sys

CHECK = """
import cehours.wsgi  # noqa: F401
from django.db import connections

open_connections = [c.alias for c in connections.all() if c.connection is not None]
assert not open_connections, f"importing cehours.wsgi connected: {open_connections}"
print("ok")
"""


def test_importing_the_application_opens_no_database_connection(tmp_path):
    env = {**os.environ, "CEHOURS_DATA_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "cehours.settings"}
    done = subprocess.run(
        [sys.executable, "-c", CHECK], env=env, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
