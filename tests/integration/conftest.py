"""Fixtures for the connected-systems tests: registered systems with their keys."""

from __future__ import annotations

import pytest

from cehours.integration.keys import key_issue, system_save


@pytest.fixture
def make_system(city):
    """make_system(code, categories=(), industries=()) → (system, key), registered through the services."""

    def make(code: str = "health-platform", categories=(), industries=(), name: str | None = None):
        system, _ = system_save(
            code=code, name=name or f"{code} 学习平台", categories=list(categories), industries=list(industries)
        )
        return system, key_issue(system=system)

    return make
