"""Where a person belongs: the unit a record names, or the unit that claims them — never the ID number.

The first six digits of a resident ID number are the area where the person was born (GB 11643), not
where they work: a nurse born in Qingtian who works in a Liandu hospital belongs to Liandu (R2 ties a
person to their unit). So a person first seen in a connected system's record takes the unit the record
names (`unit_credit_code`, GB 32100) and that unit's county; with no known unit they have no county and
no unit — a 待确认人员 — until their unit claims them by full ID number and name. The rules are pure
functions here; the one query (`units_by_credit_code`) reads facts of units for them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .models import Unit


@dataclass(frozen=True)
class UnitFacts:
    """What placement needs to know of a unit."""

    pk: int
    county_id: str
    series_id: str | None


@dataclass(frozen=True)
class Placement:
    """A person's unit, county and series, as placement decides them (None = not known)."""

    unit_id: int | None
    county_id: str | None
    series_id: str | None


def placement_of_new_person(*, unit: UnitFacts | None, industry: str | None) -> Placement:
    """A person first seen in a record: the named unit's county; the record's industry, else the unit's.

    Without a known unit the person is unplaced (no unit, no county): only city-wide staff and the
    industry authority of their series can see them, until a unit claims them.
    """
    if unit is None:
        return Placement(unit_id=None, county_id=None, series_id=industry or None)
    return Placement(unit_id=unit.pk, county_id=unit.county_id, series_id=industry or unit.series_id)


def placement_on_claim(*, unit: UnitFacts, series_id: str | None) -> Placement:
    """A person claimed by a unit: the unit and its county; a series already known is kept."""
    return Placement(unit_id=unit.pk, county_id=unit.county_id, series_id=series_id or unit.series_id)


def units_by_credit_code(codes: Iterable[str]) -> dict[str, UnitFacts]:
    """The registered units among these credit codes (no query for none)."""
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    rows = Unit.objects.filter(credit_code__in=wanted).values_list("credit_code", "pk", "county_id", "series_id")
    return {code: UnitFacts(pk, county, series) for code, pk, county, series in rows}
