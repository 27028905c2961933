"""Rule sets are versioned data (R12d): regulation figures by default, provincial over city per field."""

import dataclasses
import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cehours.rules.ruleset import (
    RULE_FIELDS,
    IssuingLevel,
    RuleSet,
    RuleVersion,
    SeminarLevel,
    rules_in_force,
)

ON = date(2026, 6, 1)


def city(code, effective_from, **values):
    return RuleVersion(code=code, issuing_level=IssuingLevel.CITY, effective_from=effective_from, values=values)


def province(code, effective_from, **values):
    return RuleVersion(code=code, issuing_level=IssuingLevel.PROVINCE, effective_from=effective_from, values=values)


def test_r11_default_annual_requirement_is_90_total_60_professional_18_public():
    rules = RuleSet()
    assert (rules.annual_total, rules.annual_professional, rules.annual_public) == (90, 60, 18)


def test_r12a_default_offline_training_counts_6_hours_per_day():
    assert RuleSet().offline_hours_per_day == 6


def test_r12b_default_online_courseware_is_45_minutes_per_hour():
    assert RuleSet().online_minutes_per_hour == 45


def test_r12c_seminar_hours_national_60_provincial_48_municipal_36():
    rules = RuleSet()
    assert rules.seminar_hours(SeminarLevel.NATIONAL) == 60
    assert rules.seminar_hours(SeminarLevel.PROVINCIAL) == 48
    assert rules.seminar_hours(SeminarLevel.MUNICIPAL) == 36


def test_r12c_seminar_level_may_be_given_in_its_api_spelling():
    assert RuleSet().seminar_hours("provincial") == 48


def test_r12c_unknown_seminar_level_raises_value_error():
    with pytest.raises(ValueError):
        RuleSet().seminar_hours("county")


def test_r20_default_integrity_block_lasts_until_lifted():
    assert RuleSet().integrity_block_years is None


def test_rule_set_is_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        RuleSet().annual_total = Decimal("80")  # type: ignore[misc]


def test_r12d_without_versions_the_regulation_figures_apply():
    assert rules_in_force([], ON) == RuleSet()


def test_r12d_version_in_force_sets_its_fields_and_leaves_others_at_default():
    rules = rules_in_force([city("LS-2026", date(2026, 1, 1), annual_total=Decimal("100"))], ON)
    assert rules.annual_total == 100
    assert rules.annual_professional == 60


def test_r12d_version_not_yet_effective_is_ignored():
    versions = [
        city("LS-2025", date(2025, 1, 1), annual_total=Decimal("95")),
        city("LS-2027", date(2027, 1, 1), annual_total=Decimal("120")),
        province("ZJ-2027", date(2027, 1, 1), online_minutes_per_hour=40),
    ]
    rules = rules_in_force(versions, ON)
    assert rules.annual_total == 95
    assert rules.online_minutes_per_hour == 45


def test_r12d_version_applies_from_its_effective_date_inclusive():
    versions = [city("LS-2026", ON, annual_total=Decimal("100"))]
    assert rules_in_force(versions, ON - timedelta(days=1)).annual_total == 90
    assert rules_in_force(versions, ON).annual_total == 100


def test_r12d_later_city_version_replaces_earlier_city_value():
    versions = [
        city("LS-2024", date(2024, 1, 1), annual_total=Decimal("80")),
        city("LS-2026", date(2026, 1, 1), annual_total=Decimal("100")),
    ]
    assert rules_in_force(versions, ON).annual_total == 100
    assert rules_in_force(versions, date(2025, 6, 1)).annual_total == 80


def test_r12d_provincial_value_overrides_city():
    versions = [
        city("LS-2024", date(2024, 1, 1), online_minutes_per_hour=50),
        province("ZJ-2024", date(2024, 1, 1), online_minutes_per_hour=40),
    ]
    assert rules_in_force(versions, ON).online_minutes_per_hour == 40


def test_r12d_provincial_value_beats_city_even_when_the_city_version_is_later():
    versions = [
        province("ZJ-2020", date(2020, 1, 1), offline_hours_per_day=Decimal("8")),
        city("LS-2026", date(2026, 1, 1), offline_hours_per_day=Decimal("5")),
    ]
    assert rules_in_force(versions, ON).offline_hours_per_day == 8


def test_r12d_field_absent_from_provincial_version_falls_back_to_city():
    versions = [
        city("LS-2024", date(2024, 1, 1), annual_total=Decimal("100"), online_minutes_per_hour=50),
        province("ZJ-2025", date(2025, 1, 1), online_minutes_per_hour=40),
    ]
    rules = rules_in_force(versions, ON)
    assert rules.online_minutes_per_hour == 40
    assert rules.annual_total == 100


def test_r12d_field_set_to_none_in_provincial_version_falls_back_to_city():
    versions = [
        city("LS-2024", date(2024, 1, 1), annual_public=Decimal("24")),
        province("ZJ-2025", date(2025, 1, 1), annual_public=None, online_minutes_per_hour=40),
    ]
    assert rules_in_force(versions, ON).annual_public == 24


def test_r12d_later_provincial_version_replaces_earlier_provincial_value():
    versions = [
        province("ZJ-2020", date(2020, 1, 1), seminar_municipal_hours=Decimal("30")),
        province("ZJ-2025", date(2025, 1, 1), seminar_municipal_hours=Decimal("32")),
    ]
    assert rules_in_force(versions, ON).seminar_hours(SeminarLevel.MUNICIPAL) == 32


def test_r12d_issuing_level_may_be_given_as_a_string():
    versions = [
        RuleVersion(code="ZJ", issuing_level="province", effective_from=date(2024, 1, 1), values={"annual_total": 70}),
        RuleVersion(code="LS", issuing_level="city", effective_from=date(2025, 1, 1), values={"annual_total": 80}),
    ]
    assert rules_in_force(versions, ON).annual_total == 70


def test_r12d_order_of_the_given_versions_does_not_matter():
    versions = [
        city("LS-2023", date(2023, 1, 1), annual_total=Decimal("85"), annual_public=Decimal("20")),
        city("LS-2025", date(2025, 1, 1), annual_total=Decimal("95")),
        province("ZJ-2024", date(2024, 1, 1), annual_public=Decimal("22")),
        province("ZJ-2027", date(2027, 1, 1), annual_public=Decimal("30")),
    ]
    results = {rules_in_force(list(order), ON) for order in itertools.permutations(versions)}
    assert results == {RuleSet(annual_total=Decimal("95"), annual_public=Decimal("22"))}


def test_r12d_unknown_field_name_raises_value_error_naming_it():
    with pytest.raises(ValueError, match="annual_totl"):
        city("LS-typo", date(2026, 1, 1), annual_totl=Decimal("100"))


def test_every_rule_set_field_may_be_set_by_a_version():
    assert set(RULE_FIELDS) == {f.name for f in dataclasses.fields(RuleSet)}
    assert "offline_hours_per_day" in RULE_FIELDS


requirement = st.decimals(min_value=0, max_value=500, places=1, allow_nan=False, allow_infinity=False)
offsets = st.lists(st.integers(min_value=-3000, max_value=3000), min_size=0, max_size=6, unique=True)


@given(city_offsets=offsets, city_values=st.lists(requirement, min_size=6, max_size=6), provincial=requirement)
def test_r12d_property_provincial_value_in_force_always_wins_over_any_city_versions(
    city_offsets, city_values, provincial
):
    versions = [
        city(f"LS-{i}", ON + timedelta(days=offset), annual_total=value, annual_public=value)
        for i, (offset, value) in enumerate(zip(city_offsets, city_values, strict=False))
    ]
    versions.append(province("ZJ", ON - timedelta(days=1), annual_total=provincial))
    rules = rules_in_force(versions, ON)

    assert rules.annual_total == provincial
    in_force = [v for v in versions if v.issuing_level == IssuingLevel.CITY and v.effective_from <= ON]
    latest_city = max(in_force, key=lambda v: v.effective_from, default=None)
    expected_public = latest_city.values["annual_public"] if latest_city else RuleSet().annual_public
    assert rules.annual_public == expected_public


@given(future_days=st.integers(min_value=1, max_value=3000), value=requirement)
def test_r12d_property_adding_a_future_version_changes_nothing_today(future_days, value):
    today = [city("LS", date(2024, 1, 1), annual_total=Decimal("95"))]
    future = province("ZJ-next", ON + timedelta(days=future_days), annual_total=value, annual_public=value)
    assert rules_in_force([*today, future], ON) == rules_in_force(today, ON)
