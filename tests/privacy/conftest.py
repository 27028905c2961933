"""Shared for the privacy tests: the candidates a masked ID number leaves, as the attacker computed them."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cehours.rules.identifiers import id_check_digit


def candidates(masked: str, *, exclude: str = "") -> list[str]:
    """Every valid ID number that fits `331102********269X`: the birth dates whose check digit fits."""
    area, tail = masked[:6], masked[-4:]
    found = []
    day = date(1940, 1, 1)
    while day < date(2010, 1, 1):
        first17 = f"{area}{day:%Y%m%d}{tail[:3]}"
        if id_check_digit(first17) == tail[3] and first17 + tail[3] != exclude:
            found.append(first17 + tail[3])
        day += timedelta(days=1)
    return found


@pytest.fixture
def target(make_person):
    """The person the loop is after: in the unit of the attacking unit staff."""
    return make_person(unit="hospital", name="靶人员")


@pytest.fixture
def unit_staff(make_staff):
    return make_staff("unit_staff", unit="hospital")
