"""A year is qualified (R11) with at least 90 hours, of which 60 professional and 18 general+industry
public; a shortfall says, per sub-requirement, how many hours are missing."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cehours.rules.compliance import (
    SHORTFALL_PROFESSIONAL,
    SHORTFALL_PUBLIC,
    SHORTFALL_TOTAL,
    YearTotals,
    year_compliance,
)
from cehours.rules.hours import Category
from cehours.rules.ruleset import RuleSet

DEFAULT = RuleSet()
hours_values = st.decimals(min_value=0, max_value=500, places=1, allow_nan=False, allow_infinity=False)
year_totals = st.builds(
    YearTotals,
    general_public=st.decimals(min_value=0, max_value=40, places=1, allow_nan=False, allow_infinity=False),
    industry_public=st.decimals(min_value=0, max_value=40, places=1, allow_nan=False, allow_infinity=False),
    professional=st.decimals(min_value=0, max_value=120, places=1, allow_nan=False, allow_infinity=False),
)


def totals(general="0", industry="0", professional="0"):
    return YearTotals(
        general_public=Decimal(general), industry_public=Decimal(industry), professional=Decimal(professional)
    )


def shortfalls_by_category(compliance):
    return {s.category: s.missing_hours for s in compliance.shortfalls}


# YearTotals


def test_r6_public_is_general_plus_industry_and_total_adds_professional():
    t = totals(general="9.5", industry="8.5", professional="61.2")
    assert t.public == Decimal("18.0")
    assert t.total == Decimal("79.2")
    assert t.of(Category.INDUSTRY_PUBLIC) == Decimal("8.5")
    assert t.of("professional") == Decimal("61.2")


def test_r6_plus_adds_to_one_category_and_leaves_the_original_unchanged():
    before = totals(general="1.0")
    after = before.plus(Category.GENERAL_PUBLIC, Decimal("2.5"))
    assert after == totals(general="3.5")
    assert before == totals(general="1.0")
    assert before.plus("professional", Decimal("4")) == totals(general="1.0", professional="4")


# R11


def test_r11_minimum_public_with_enough_professional_is_qualified():
    result = year_compliance(2025, totals(general="9.0", industry="9.0", professional="72.0"), DEFAULT)
    assert result.qualified
    assert result.shortfalls == ()


def test_r11_total_89_9_is_short_by_0_1():
    result = year_compliance(2025, totals(general="20.0", industry="9.9", professional="60.0"), DEFAULT)
    assert not result.qualified
    assert shortfalls_by_category(result) == {SHORTFALL_TOTAL: Decimal("0.1")}


def test_r11_total_90_0_is_qualified():
    result = year_compliance(2025, totals(general="20.0", industry="10.0", professional="60.0"), DEFAULT)
    assert result.qualified


def test_r11_professional_59_9_is_short_by_0_1_even_with_total_90():
    result = year_compliance(2025, totals(general="20.1", industry="10.0", professional="59.9"), DEFAULT)
    assert result.totals.total == Decimal("90.0")
    assert not result.qualified
    assert shortfalls_by_category(result) == {SHORTFALL_PROFESSIONAL: Decimal("0.1")}


def test_r11_professional_60_0_is_qualified():
    result = year_compliance(2025, totals(general="20.0", industry="10.0", professional="60.0"), DEFAULT)
    assert result.qualified


def test_r11_public_17_9_from_general_and_industry_together_is_short_by_0_1():
    result = year_compliance(2025, totals(general="9.0", industry="8.9", professional="72.1"), DEFAULT)
    assert result.totals.total == Decimal("90.0")
    assert not result.qualified
    assert shortfalls_by_category(result) == {SHORTFALL_PUBLIC: Decimal("0.1")}


def test_r11_public_18_0_from_general_and_industry_together_is_qualified():
    result = year_compliance(2025, totals(general="9.0", industry="9.0", professional="72.0"), DEFAULT)
    assert result.qualified


@pytest.mark.parametrize(("general", "industry"), [("18.0", "0"), ("0", "18.0")])
def test_r11_public_requirement_may_be_met_by_either_public_category_alone(general, industry):
    result = year_compliance(2025, totals(general=general, industry=industry, professional="72.0"), DEFAULT)
    assert result.qualified


def test_r11_professional_surplus_does_not_cover_public_hours():
    result = year_compliance(2025, totals(professional="120.0"), DEFAULT)
    assert shortfalls_by_category(result) == {SHORTFALL_PUBLIC: Decimal("18.0")}


def test_r11_public_surplus_does_not_cover_professional_hours():
    result = year_compliance(2025, totals(general="50.0", industry="40.0"), DEFAULT)
    assert shortfalls_by_category(result) == {SHORTFALL_PROFESSIONAL: Decimal("60.0")}


def test_r11_empty_year_misses_all_three_figures():
    result = year_compliance(2025, YearTotals(), DEFAULT)
    assert shortfalls_by_category(result) == {
        SHORTFALL_PROFESSIONAL: Decimal("60.0"),
        SHORTFALL_PUBLIC: Decimal("18.0"),
        SHORTFALL_TOTAL: Decimal("90.0"),
    }


def test_r11_shortfall_message_says_year_category_and_missing_hours():
    result = year_compliance(2026, totals(general="30.0", industry="12.0", professional="48.0"), DEFAULT)
    (shortfall,) = result.shortfalls
    assert shortfall.category == SHORTFALL_PROFESSIONAL
    assert shortfall.missing_hours == Decimal("12.0")
    assert "2026" in shortfall.message
    assert "专业科目" in shortfall.message
    assert "12.0" in shortfall.message


def test_r11_result_keeps_the_year_and_its_totals():
    t = totals(general="1.0", industry="2.0", professional="3.0")
    result = year_compliance(2024, t, DEFAULT)
    assert (result.year, result.totals) == (2024, t)


def test_r11_changed_requirements_in_the_rule_set_change_the_result():
    t = totals(general="10.0", industry="10.0", professional="70.0")
    assert year_compliance(2025, t, DEFAULT).qualified
    stricter = year_compliance(2025, t, RuleSet(annual_total=Decimal("100")))
    assert shortfalls_by_category(stricter) == {SHORTFALL_TOTAL: Decimal("10.0")}
    stricter_public = year_compliance(2025, t, RuleSet(annual_public=Decimal("24")))
    assert shortfalls_by_category(stricter_public) == {SHORTFALL_PUBLIC: Decimal("4.0")}

    short = totals(general="10.0", industry="10.0", professional="55.0")
    assert not year_compliance(2025, short, DEFAULT).qualified
    lenient = RuleSet(annual_total=Decimal("75"), annual_professional=Decimal("50"))
    assert year_compliance(2025, short, lenient).qualified


# Properties


@given(before=year_totals, category=st.sampled_from(list(Category)), added=hours_values)
def test_r11_adding_an_entry_never_lowers_a_total_nor_unqualifies_a_year(before, category, added):
    after = before.plus(category, added)
    for figure in ("general_public", "industry_public", "professional", "public", "total"):
        assert getattr(after, figure) >= getattr(before, figure)
    assert after.total == before.total + added

    was, now = year_compliance(2025, before, DEFAULT), year_compliance(2025, after, DEFAULT)
    if was.qualified:
        assert now.qualified
    missing_before, missing_after = shortfalls_by_category(was), shortfalls_by_category(now)
    assert set(missing_after) <= set(missing_before)
    for name, missing in missing_after.items():
        assert missing <= missing_before[name]


@given(
    t=year_totals,
    total=st.decimals(min_value=0, max_value=200, places=1, allow_nan=False, allow_infinity=False),
    professional=st.decimals(min_value=0, max_value=150, places=1, allow_nan=False, allow_infinity=False),
    public=st.decimals(min_value=0, max_value=60, places=1, allow_nan=False, allow_infinity=False),
)
def test_r11_shortfalls_are_exactly_need_minus_have_and_qualified_iff_none(t, total, professional, public):
    rules = RuleSet(annual_total=total, annual_professional=professional, annual_public=public)
    result = year_compliance(2025, t, rules)
    expected = {
        name: need - have
        for name, have, need in (
            (SHORTFALL_PROFESSIONAL, t.professional, professional),
            (SHORTFALL_PUBLIC, t.general_public + t.industry_public, public),
            (SHORTFALL_TOTAL, t.general_public + t.industry_public + t.professional, total),
        )
        if have < need
    }
    assert shortfalls_by_category(result) == expected
    assert all(missing > 0 for missing in expected.values())
    assert result.qualified == (not result.shortfalls)


@given(year_totals)
def test_r11_progress_shows_each_figure_against_its_requirement_and_what_is_missing(t):
    from cehours.rules.compliance import year_progress

    total, professional, public = year_progress(t, DEFAULT)
    assert (total.need, professional.need, public.need) == (Decimal(90), Decimal(60), Decimal(18))
    assert (total.have, professional.have, public.have) == (t.total, t.professional, t.public)
    compliance = year_compliance(2030, t, DEFAULT)
    missing = {s.category: s.missing_hours for s in compliance.shortfalls}
    for bar, category in ((total, SHORTFALL_TOTAL), (professional, SHORTFALL_PROFESSIONAL), (public, SHORTFALL_PUBLIC)):
        assert bar.missing == missing.get(category, Decimal(0))  # the bars say what the shortfalls say
        assert 0 <= bar.percent <= 100 and (bar.percent == 100) == (bar.have >= bar.need)
