"""Fixtures shared by the API tests."""

from __future__ import annotations

import pytest


@pytest.fixture
def qualify(add_hours):
    """qualify(person, *years): give each year exactly what R11 asks (9 + 9 public, 72 professional)."""

    def give(person, *years):
        for year in years:
            add_hours(person, year, general_public="9", industry_public="9", professional="72")

    return give
