"""Learning converts into hours: online 45 minutes = 1 hour truncated (R12b), offline at most 6 a day
(R12a), 高研班 60/48/36 by level (R12c) — every figure read from the rule set."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cehours.rules.conversion import inclusive_days, offline_training_hours, online_hours, seminar_hours
from cehours.rules.ruleset import RuleSet, SeminarLevel

DEFAULT = RuleSet()
hours_values = st.decimals(min_value=0, max_value=500, places=1, allow_nan=False, allow_infinity=False)


# R12b: online courseware


@pytest.mark.parametrize(
    ("minutes", "hours"),
    [(0, "0.0"), (4, "0.0"), (5, "0.1"), (44, "0.9"), (45, "1.0"), (89, "1.9"), (90, "2.0"), (134, "2.9")],
)
def test_r12b_online_minutes_convert_at_45_per_hour_truncated_to_a_tenth(minutes, hours):
    assert str(online_hours(minutes, DEFAULT)) == hours


def test_r12b_44_minutes_is_0_9_hours_not_rounded_up_to_1():
    # 44 / 45 = 0.977…: DESIGN §2 truncates to a tenth, so 0.9 — never the 1.0 that rounding gives.
    assert online_hours(44, DEFAULT) == Decimal("0.9")


def test_r12b_89_minutes_is_1_9_hours_not_rounded_up_to_2():
    assert online_hours(89, DEFAULT) == Decimal("1.9")


def test_r12b_changed_minutes_per_hour_changes_the_result():
    assert online_hours(90, RuleSet(online_minutes_per_hour=60)) == Decimal("1.5")
    assert online_hours(90, RuleSet(online_minutes_per_hour=30)) == Decimal("3.0")


def test_r12b_negative_minutes_raise_value_error():
    with pytest.raises(ValueError):
        online_hours(-1, DEFAULT)


@given(st.integers(min_value=0, max_value=1_000_000))
def test_r12b_online_hours_equal_floor_of_minutes_over_45_in_tenths(minutes):
    expected = Decimal(minutes * 10 // 45) / 10
    result = online_hours(minutes, DEFAULT)
    assert result == expected
    assert result.as_tuple().exponent == -1
    # Truncation: the hours are covered by the minutes, and a tenth more would not be.
    assert result * 45 <= minutes < (result + Decimal("0.1")) * 45


@given(st.integers(min_value=0, max_value=100_000), st.integers(min_value=0, max_value=100_000))
def test_r12b_online_hours_never_decrease_when_minutes_increase(a, b):
    fewer, more = sorted((a, b))
    assert online_hours(fewer, DEFAULT) <= online_hours(more, DEFAULT)


# R12a: offline training


def test_inclusive_days_counts_first_and_last_day():
    assert inclusive_days(date(2025, 3, 1), date(2025, 3, 1)) == 1
    assert inclusive_days(date(2025, 3, 1), date(2025, 3, 3)) == 3
    assert inclusive_days(date(2024, 2, 28), date(2024, 3, 1)) == 3  # leap year


def test_r12a_one_day_training_claiming_8_hours_registers_6():
    result = offline_training_hours(date(2025, 3, 1), date(2025, 3, 1), Decimal("8"), DEFAULT)
    assert result.hours == Decimal("6.0")
    assert result.cap == Decimal("6.0")
    assert result.claimed == Decimal("8.0")
    assert result.days == 1
    assert result.capped


def test_r12a_capped_claim_is_explained_with_the_6_hour_cap_and_the_claim():
    result = offline_training_hours(date(2025, 3, 1), date(2025, 3, 1), Decimal("8"), DEFAULT)
    assert "6" in result.explanation
    assert "8.0" in result.explanation
    assert "按 6.0 学时登记" in result.explanation


def test_r12a_three_day_training_counts_days_inclusively_cap_18():
    result = offline_training_hours(date(2025, 3, 1), date(2025, 3, 3), Decimal("24"), DEFAULT)
    assert result.days == 3
    assert result.cap == Decimal("18.0")
    assert result.hours == Decimal("18.0")
    assert "18.0" in result.explanation
    assert "3 天" in result.explanation


def test_r12a_training_across_a_month_end_counts_calendar_days():
    result = offline_training_hours(date(2025, 1, 31), date(2025, 2, 1), Decimal("20"), DEFAULT)
    assert (result.days, result.hours) == (2, Decimal("12.0"))


def test_r12a_claim_exactly_at_the_cap_is_registered_and_not_capped():
    result = offline_training_hours(date(2025, 3, 1), date(2025, 3, 3), Decimal("18"), DEFAULT)
    assert result.hours == Decimal("18.0")
    assert not result.capped


def test_r12a_claim_below_the_cap_is_registered_as_claimed():
    result = offline_training_hours(date(2025, 3, 1), date(2025, 3, 3), Decimal("12.5"), DEFAULT)
    assert result.hours == Decimal("12.5")
    assert not result.capped
    assert "12.5" in result.explanation


def test_r12a_claim_is_truncated_to_a_tenth():
    result = offline_training_hours(date(2025, 3, 1), date(2025, 3, 1), Decimal("5.99"), DEFAULT)
    assert result.hours == Decimal("5.9")


def test_r12a_end_before_start_raises_value_error():
    with pytest.raises(ValueError, match="日期"):
        offline_training_hours(date(2025, 3, 2), date(2025, 3, 1), Decimal("6"), DEFAULT)


@pytest.mark.parametrize("claim", [Decimal("-1"), Decimal("-0.05")])
def test_r12a_negative_claim_raises_value_error(claim):
    with pytest.raises(ValueError, match="负数"):
        offline_training_hours(date(2025, 3, 1), date(2025, 3, 1), claim, DEFAULT)


def test_r12a_changed_hours_per_day_changes_the_cap():
    rules = RuleSet(offline_hours_per_day=Decimal("7.5"))
    result = offline_training_hours(date(2025, 3, 1), date(2025, 3, 2), Decimal("20"), rules)
    assert result.cap == Decimal("15.0")
    assert result.hours == Decimal("15.0")
    assert "7.5" in result.explanation


@given(
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
    extra_days=st.integers(min_value=0, max_value=60),
    claim=hours_values,
    per_day=st.decimals(min_value=1, max_value=12, places=1, allow_nan=False, allow_infinity=False),
)
def test_r12a_registered_hours_never_exceed_per_day_cap_times_days_nor_the_claim(start, extra_days, claim, per_day):
    end = start + timedelta(days=extra_days)
    result = offline_training_hours(start, end, claim, RuleSet(offline_hours_per_day=per_day))
    limit = per_day * (extra_days + 1)
    assert Decimal(0) <= result.hours <= limit
    assert result.hours <= claim
    assert result.hours == min(claim, limit)
    assert result.capped == (claim > limit)


# R12c: 高研班


@pytest.mark.parametrize(
    ("level", "hours"),
    [(SeminarLevel.NATIONAL, "60.0"), (SeminarLevel.PROVINCIAL, "48.0"), (SeminarLevel.MUNICIPAL, "36.0")],
)
def test_r12c_approved_seminar_grants_national_60_provincial_48_municipal_36(level, hours):
    assert str(seminar_hours(level, DEFAULT)) == hours
    assert str(seminar_hours(level.value, DEFAULT)) == hours


def test_r12c_changed_seminar_hours_change_the_result():
    rules = RuleSet(seminar_national_hours=Decimal("64"), seminar_municipal_hours=Decimal("30"))
    assert seminar_hours(SeminarLevel.NATIONAL, rules) == Decimal("64.0")
    assert seminar_hours(SeminarLevel.PROVINCIAL, rules) == Decimal("48.0")
    assert seminar_hours(SeminarLevel.MUNICIPAL, rules) == Decimal("30.0")


def test_r12c_unknown_seminar_level_raises_value_error():
    with pytest.raises(ValueError):
        seminar_hours("county", DEFAULT)
