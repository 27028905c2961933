"""Hours are Decimals truncated to one decimal place; learning falls into the three R6 categories."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cehours.rules.hours import PUBLIC_CATEGORIES, Category, format_hours, to_hours

hours_values = st.decimals(min_value=0, max_value=500, places=3, allow_nan=False, allow_infinity=False)


def test_r6_there_are_exactly_three_categories_general_industry_and_professional():
    assert {c.value for c in Category} == {"general_public", "industry_public", "professional"}


def test_r6_categories_carry_the_regulation_chinese_labels():
    assert Category.GENERAL_PUBLIC.label == "一般公需科目"
    assert Category.INDUSTRY_PUBLIC.label == "行业公需科目"
    assert Category.PROFESSIONAL.label == "专业科目"


def test_r6_public_categories_are_general_and_industry_but_not_professional():
    assert frozenset({Category.GENERAL_PUBLIC, Category.INDUSTRY_PUBLIC}) == PUBLIC_CATEGORIES
    assert Category.PROFESSIONAL not in PUBLIC_CATEGORIES


def test_category_parses_from_its_api_spelling():
    assert Category("industry_public") is Category.INDUSTRY_PUBLIC
    with pytest.raises(ValueError):
        Category("public")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1.99", "1.9"),
        ("0.05", "0.0"),
        ("89.96", "89.9"),
        ("2", "2.0"),
        (Decimal("7.25"), "7.2"),
        (90, "90.0"),
    ],
)
def test_to_hours_truncates_to_a_tenth_and_never_rounds_up(raw, expected):
    result = to_hours(raw)
    assert result == Decimal(expected)
    assert str(result) == expected


def test_to_hours_with_a_whole_hour_quantum_drops_the_fraction():
    assert str(to_hours("7.9", Decimal("1"))) == "7"


@pytest.mark.parametrize("raw", ["abc", "", "NaN", "Infinity", "-Infinity", None, "1,5"])
def test_to_hours_rejects_what_is_not_a_finite_number_with_value_error(raw):
    with pytest.raises(ValueError, match="学时"):
        to_hours(raw)


@pytest.mark.parametrize(
    ("value", "shown"), [(Decimal("1.5"), "1.5"), (Decimal("90"), "90.0"), (Decimal("1.59"), "1.5")]
)
def test_format_hours_shows_one_decimal_place_as_the_api_does(value, shown):
    assert format_hours(value) == shown


@given(hours_values)
def test_to_hours_never_credits_more_than_given_and_loses_less_than_a_tenth(value):
    result = to_hours(value)
    assert result <= value
    assert value - result < Decimal("0.1")
    assert result.as_tuple().exponent == -1
