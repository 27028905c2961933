"""A declared activity's hours from its industry's catalogue line (R8) and the 6-hours-a-day cap (R12a).

Pure: catalogue lines are built as ActivityRule values, the rule set as a RuleSet; no database.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cehours.rules.catalogue import ActivityRule, Formula, claim_hours
from cehours.rules.ruleset import RuleSet

DEFAULT = RuleSet()
DAY = date(2025, 3, 3)

tenths = st.decimals(min_value=Decimal("0.1"), max_value=Decimal("50"), places=1)
caps = st.none() | st.decimals(min_value=Decimal("0"), max_value=Decimal("120"), places=1)
already = st.decimals(min_value=Decimal("0"), max_value=Decimal("200"), places=1)


def _claim(rule: ActivityRule, quantity, days: int = 1, already_this_year="0", rules: RuleSet = DEFAULT):
    return claim_hours(
        rule,
        quantity=Decimal(str(quantity)),
        start_on=DAY,
        end_on=DAY + timedelta(days=days - 1),
        already_this_year=Decimal(str(already_this_year)),
        rules=rules,
    )


TRAINING = ActivityRule(name="培训研修", formula=Formula.PER_DAY, hours_per_unit=Decimal("6"), unit_label="天")
GENEROUS_TRAINING = ActivityRule(name="培训研修", formula=Formula.PER_DAY, hours_per_unit=Decimal("8"), unit_label="天")
PAPER = ActivityRule(
    name="发表论文", formula=Formula.PER_ITEM, hours_per_unit=Decimal("20"), unit_label="篇", per_year_cap=Decimal("60")
)
ACADEMIC = ActivityRule(
    name="专业学术活动",
    formula=Formula.PER_DAY,
    hours_per_unit=Decimal("6"),
    unit_label="天",
    per_item_cap=Decimal("18"),
    per_year_cap=Decimal("36"),
)
EXAM = ActivityRule(name="专业技术资格考试", formula=Formula.FIXED, hours_per_unit=Decimal("30"))


# R12a: per-day activities


def test_r12a_one_day_training_worth_8_hours_a_day_registers_6_and_says_why():
    result = _claim(GENEROUS_TRAINING, 1)
    assert result.hours == Decimal("6.0")
    assert "每天最多折算 6 学时（第十二条）" in result.explanation
    assert result.explanation.endswith("计 6.0 学时")


def test_r12a_three_days_of_training_at_the_default_rate_register_18():
    result = _claim(TRAINING, 3, days=3)
    assert result.hours == Decimal("18.0")
    assert result.explanation == "3 天 × 每天 6 学时 = 18 学时；计 18.0 学时"


def test_r12a_the_explanation_reads_the_same_whatever_precision_the_figures_are_stored_at():
    # The database keeps one decimal place ("1.0", "6.0"); the person must not read "6.00 学时".
    stored = ActivityRule(name="培训研修", formula=Formula.PER_DAY, hours_per_unit=Decimal("6.0"), unit_label="天")
    assert _claim(stored, Decimal("1.0")).explanation == _claim(TRAINING, 1).explanation
    assert _claim(stored, Decimal("1.0")).explanation == "1 天 × 每天 6 学时 = 6 学时；计 6.0 学时"


def test_r12a_claiming_more_days_than_the_dates_hold_is_refused_naming_the_days():
    with pytest.raises(ValueError, match="不能超过起止日期之间的 1 天"):
        _claim(TRAINING, 8, days=1)


def test_r12a_a_half_day_counts_half():
    assert _claim(TRAINING, "0.5").hours == Decimal("3.0")


def test_r12a_the_daily_cap_is_read_from_the_rule_set():
    provincial = RuleSet(offline_hours_per_day=Decimal("8"))
    assert _claim(GENEROUS_TRAINING, 2, days=2, rules=provincial).hours == Decimal("16.0")
    assert _claim(GENEROUS_TRAINING, 2, days=2, rules=RuleSet(offline_hours_per_day=Decimal("4"))).hours == Decimal(
        "8.0"
    )


@given(
    hours_per_day=tenths,
    days=st.integers(min_value=1, max_value=60),
    fraction=st.decimals(min_value=Decimal("0.01"), max_value=Decimal("1"), places=2),
    item_cap=caps,
    year_cap=caps,
    before=already,
)
def test_r12a_per_day_hours_never_exceed_6_times_the_days(hours_per_day, days, fraction, item_cap, year_cap, before):
    quantity = max(Decimal("0.1"), (days * fraction).quantize(Decimal("0.1")))
    rule = ActivityRule(
        name="培训",
        formula=Formula.PER_DAY,
        hours_per_unit=hours_per_day,
        per_item_cap=item_cap,
        per_year_cap=year_cap,
    )
    result = _claim(rule, quantity, days=days, already_this_year=before)
    assert Decimal(0) <= result.hours <= DEFAULT.offline_hours_per_day * days
    assert result.hours <= DEFAULT.offline_hours_per_day * quantity
    assert result.hours.as_tuple().exponent == -1


@given(hours_per_day=tenths, days=st.integers(min_value=1, max_value=60))
def test_r12a_uncapped_per_day_hours_are_the_smaller_of_the_rate_and_6_times_the_days(hours_per_day, days):
    rule = ActivityRule(name="培训", formula=Formula.PER_DAY, hours_per_unit=hours_per_day)
    result = _claim(rule, days, days=days)
    assert result.hours == min(hours_per_day, Decimal(6)) * days
    assert ("第十二条" in result.explanation) == (hours_per_day > 6)


# R8: per-item and per-year caps from the industry's catalogue


def test_r8_four_days_of_academic_activity_are_capped_at_18_for_one_item():
    result = _claim(ACADEMIC, 4, days=4)
    assert result.hours == Decimal("18.0")
    assert "单项最多 18 学时" in result.explanation


def test_r8_per_year_cap_leaves_only_the_room_not_yet_used():
    result = _claim(PAPER, 2, already_this_year="40")
    assert result.hours == Decimal("20.0")
    assert "本年度此类最多 60 学时，已登记 40 学时，本次最多 20 学时" in result.explanation


def test_r8_a_full_year_gives_zero_hours_not_a_negative_figure():
    assert _claim(PAPER, 1, already_this_year="75").hours == Decimal("0.0")


def test_r8_fixed_activity_ignores_the_quantity():
    assert _claim(EXAM, 3).hours == Decimal("30.0")
    assert _claim(EXAM, 1).explanation.startswith("专业技术资格考试认定 30 学时")


def test_r8_negative_quantity_is_refused():
    with pytest.raises(ValueError, match="数量不能为负数"):
        _claim(PAPER, -1)


@given(
    formula=st.sampled_from([Formula.PER_ITEM, Formula.FIXED]),
    per_unit=tenths,
    quantity=st.decimals(min_value=Decimal("0.1"), max_value=Decimal("100"), places=1),
    item_cap=caps,
    year_cap=caps,
    before=already,
)
def test_r8_hours_never_exceed_the_per_item_or_the_remaining_per_year_cap(
    formula, per_unit, quantity, item_cap, year_cap, before
):
    rule = ActivityRule(
        name="成果", formula=formula, hours_per_unit=per_unit, per_item_cap=item_cap, per_year_cap=year_cap
    )
    result = _claim(rule, quantity, already_this_year=before)
    uncapped = per_unit * quantity if formula == Formula.PER_ITEM else per_unit
    assert Decimal(0) <= result.hours <= uncapped
    if item_cap is not None:
        assert result.hours <= item_cap
    if year_cap is not None:
        assert result.hours <= max(Decimal(0), year_cap - before)
        assert before + result.hours <= max(year_cap, before)
    if item_cap is None and year_cap is None:
        assert result.hours == uncapped.quantize(Decimal("0.1"), rounding="ROUND_DOWN")


@given(quantity=st.decimals(min_value=Decimal("0.1"), max_value=Decimal("100"), places=1), before=already)
def test_r8_a_claim_explains_every_cap_it_hit(quantity, before):
    result = _claim(PAPER, quantity, already_this_year=before)
    capped = result.hours < (PAPER.hours_per_unit * quantity).quantize(Decimal("0.1"))
    assert ("本年度此类最多 60 学时" in result.explanation) == capped
