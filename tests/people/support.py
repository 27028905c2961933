"""Helpers for the placement tests: a person first seen in a connected system's record."""

from __future__ import annotations

from cehours.integration.keys import system_save
from cehours.integration.models import ConnectedSystem
from cehours.integration.services import records_intake
from cehours.people.crypto import id_number_hash
from cehours.people.models import Person

from ..integration.support import LIANDU, new_id_number, online


def health_platform() -> ConnectedSystem:
    system = ConnectedSystem.objects.filter(code="health-platform").first()
    if system is None:
        system, _ = system_save(code="health-platform", name="丽水卫生继续教育平台", categories=[], industries=[])
    return system


def first_seen(name: str, *, industry: str = "health", unit_credit_code: str | None = None) -> tuple[Person, str]:
    """A person created by a record (ID number from Liandu's area code), and their full ID number."""
    number = new_id_number(LIANDU)
    extra: dict = {"industry": industry} if industry else {}
    if unit_credit_code:
        extra["unit_credit_code"] = unit_credit_code
    result = records_intake(system=health_platform(), records=[online(f"seen-{number}", number, name, **extra)])
    assert [r.status for r in result.results] == ["created"], result.as_dict()
    return Person.objects.get(id_number_hash=id_number_hash(number)), number
