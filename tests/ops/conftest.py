"""Installations of their own (SeparateDatabase) with a field key chosen by the test."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.processes import SeparateDatabase

FACTS = Path(__file__).with_name("facts.py")
DEMO = ("demo", "--people", "12", "--years", "2", "--seed", "7")


def new_key() -> str:
    return secrets.token_urlsafe(32)


@pytest.fixture
def installation(tmp_path_factory, monkeypatch) -> Iterator:
    """installation(key=..., migrate=True) → SeparateDatabase using that CEHOURS_FIELD_KEY; dropped at the end.

    SECRET_KEY (and so the audit key derived from it) is the same for every installation of one test,
    as an operator restoring onto a new machine would configure it.
    """
    monkeypatch.delenv("CEHOURS_FIELD_KEY_FILE", raising=False)
    secret = secrets.token_urlsafe(40)
    made: list[SeparateDatabase] = []

    def make(
        key: str | None = None, *, migrate: bool = True, name: str | None = None, shared_secret: bool = True
    ) -> SeparateDatabase:
        """shared_secret=False: the installation generates its own secret key file, as by default."""
        directory = tmp_path_factory.mktemp(name or "install")
        env = {"CEHOURS_FIELD_KEY": key or new_key()}
        if shared_secret:
            env["SECRET_KEY"] = secret
        db = SeparateDatabase(directory / "data", migrate=migrate, env=env)
        made.append(db)
        return db

    yield make
    for db in made:
        db.drop()


def ok(done) -> str:
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout
