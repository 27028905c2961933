"""Placement rules (people/placement.py): the unit decides, never the ID number's birth area (R2)."""

from __future__ import annotations

from cehours.people.placement import Placement, UnitFacts, placement_of_new_person, placement_on_claim

HOSPITAL = UnitFacts(pk=7, county_id="331102", series_id="health")


def test_a_new_person_with_a_known_unit_takes_its_county_and_its_series_unless_the_record_names_one():
    assert placement_of_new_person(unit=HOSPITAL, industry="") == Placement(7, "331102", "health")
    assert placement_of_new_person(unit=HOSPITAL, industry="education") == Placement(7, "331102", "education")


def test_a_new_person_without_a_known_unit_has_no_unit_and_no_county():
    assert placement_of_new_person(unit=None, industry="health") == Placement(None, None, "health")
    assert placement_of_new_person(unit=None, industry="") == Placement(None, None, None)


def test_a_claimed_person_joins_the_unit_and_its_county_and_keeps_a_known_series():
    assert placement_on_claim(unit=HOSPITAL, series_id=None) == Placement(7, "331102", "health")
    assert placement_on_claim(unit=HOSPITAL, series_id="education") == Placement(7, "331102", "education")
    no_series = UnitFacts(pk=8, county_id="331121", series_id=None)
    assert placement_on_claim(unit=no_series, series_id=None) == Placement(8, "331121", None)
