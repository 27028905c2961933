"""Title-application eligibility: enough qualified years and the latest two qualified, or the application
year for 初定 (R13); an integrity entry blocks applications from its date (R20)."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cehours.rules.compliance import YearTotals, year_compliance
from cehours.rules.eligibility import IntegrityRecord, integrity_block_active, title_eligibility
from cehours.rules.hours import Category
from cehours.rules.ruleset import RuleSet

A = 2026  # application year
QUALIFIED = YearTotals(general_public=Decimal("10"), industry_public=Decimal("10"), professional=Decimal("70"))
UNQUALIFIED = YearTotals(general_public=Decimal("10"), industry_public=Decimal("10"), professional=Decimal("30"))


def compliance_from(totals_by_year, rules=None):
    """compliance_of for title_eligibility; a year without totals has no hours."""
    rules = rules or RuleSet()
    return lambda year: year_compliance(year, totals_by_year.get(year, YearTotals()), rules)


def qualified_years(*years):
    return dict.fromkeys(years, QUALIFIED)


def evaluate(totals_by_year, *, required_years, since_year=None, integrity_block=False, rules=None):
    return title_eligibility(
        application_year=A,
        required_years=required_years,
        since_year=since_year,
        compliance_of=compliance_from(totals_by_year, rules),
        integrity_block=integrity_block,
    )


def year_numbers(result):
    return [row.year for row in result.years]


# R13 第十三条


def test_r13_three_required_years_all_qualified_is_eligible():
    result = evaluate(qualified_years(2023, 2024, 2025), required_years=3)
    assert result.eligible
    assert result.reasons == ()
    assert year_numbers(result) == [2023, 2024, 2025]
    assert (result.period_start, result.period_end) == (2023, 2025)
    assert not result.integrity_block


def test_r13_last_year_unqualified_is_not_eligible_with_a_reason_naming_that_year():
    # Five qualified years since 2020 satisfy the count; only the latest-two rule fails.
    years = {**qualified_years(2020, 2021, 2022, 2023, 2024), 2025: UNQUALIFIED}
    result = evaluate(years, required_years=3, since_year=2020)
    assert not result.eligible
    assert any("2025" in reason and "不合格" in reason for reason in result.reasons)
    assert not any("合格年数" in reason for reason in result.reasons)


def test_r13_year_before_last_unqualified_is_not_eligible_with_a_reason_naming_that_year():
    years = {**qualified_years(2020, 2021, 2022, 2023, 2025), 2024: UNQUALIFIED}
    result = evaluate(years, required_years=3, since_year=2020)
    assert not result.eligible
    assert any("2024" in reason and "不合格" in reason for reason in result.reasons)


def test_r13_unqualified_recent_year_reason_includes_its_missing_hours():
    years = {**qualified_years(2020, 2021, 2022, 2023, 2024), 2025: UNQUALIFIED}
    result = evaluate(years, required_years=3, since_year=2020)
    assert any("2025" in reason and "30.0" in reason for reason in result.reasons)


def test_r13_fewer_qualified_years_than_required_is_not_eligible():
    years = {2023: UNQUALIFIED, **qualified_years(2024, 2025)}
    result = evaluate(years, required_years=3)
    assert not result.eligible
    assert len(result.reasons) == 1
    assert "2023" in result.reasons[0]
    assert "2 年" in result.reasons[0]
    assert "3 年" in result.reasons[0]


def test_r13_without_since_year_the_period_is_the_required_years_before_the_application():
    # 2020 is outside a five-year period ending 2025, so its qualified hours do not count.
    years = {2020: QUALIFIED, 2021: UNQUALIFIED, **qualified_years(2022, 2023, 2024, 2025)}
    result = evaluate(years, required_years=5)
    assert not result.eligible
    assert (result.period_start, result.period_end) == (2021, 2025)
    assert year_numbers(result) == [2021, 2022, 2023, 2024, 2025]


def test_r13_since_year_lengthens_the_period_so_old_unqualified_years_do_not_block():
    years = {2021: UNQUALIFIED, 2022: UNQUALIFIED, **qualified_years(2023, 2024, 2025)}
    result = evaluate(years, required_years=3, since_year=A - 5)
    assert result.eligible
    assert result.period_start == 2021
    assert year_numbers(result) == [2021, 2022, 2023, 2024, 2025]


def test_r13_qualified_years_anywhere_in_a_long_period_count():
    years = {
        **qualified_years(2018, 2019, 2020, 2024, 2025),
        2021: UNQUALIFIED,
        2022: UNQUALIFIED,
        2023: UNQUALIFIED,
    }
    assert evaluate(years, required_years=5, since_year=2018).eligible
    assert not evaluate(years, required_years=6, since_year=2018).eligible


def test_r13_since_year_shortens_the_period_below_the_required_years_is_not_eligible():
    result = evaluate(qualified_years(2020, 2021, 2022, 2023, 2024, 2025), required_years=3, since_year=2024)
    assert not result.eligible
    assert result.period_start == 2024
    assert any("少于" in reason for reason in result.reasons)


def test_r13_title_obtained_in_the_application_year_counts_only_the_year_before():
    result = evaluate(qualified_years(2024, 2025), required_years=2, since_year=A)
    assert not result.eligible
    assert (result.period_start, result.period_end) == (2025, 2025)
    assert any("合格年数为 1 年" in reason for reason in result.reasons)


def test_r13_two_required_years_need_both_latest_years_qualified():
    assert evaluate(qualified_years(2024, 2025), required_years=2).eligible
    assert not evaluate({2024: UNQUALIFIED, 2025: QUALIFIED}, required_years=2).eligible
    assert not evaluate({2024: QUALIFIED, 2025: UNQUALIFIED}, required_years=2).eligible


@pytest.mark.parametrize("required_years", [0, 1])
def test_r13_initial_title_only_the_application_year_matters(required_years):
    years = {2024: UNQUALIFIED, 2025: UNQUALIFIED, A: QUALIFIED}
    result = evaluate(years, required_years=required_years)
    assert result.eligible
    assert result.period_end == A
    assert A in year_numbers(result)


@pytest.mark.parametrize("required_years", [0, 1])
def test_r13_initial_title_with_unqualified_application_year_is_not_eligible(required_years):
    years = {**qualified_years(2023, 2024, 2025), A: UNQUALIFIED}
    result = evaluate(years, required_years=required_years)
    assert not result.eligible
    assert any(str(A) in reason and "当年" in reason for reason in result.reasons)
    assert any(str(A) in reason and "专业科目" in reason for reason in result.reasons)


def test_r13_initial_title_with_since_year_still_judges_only_the_application_year():
    years = {2023: UNQUALIFIED, 2024: UNQUALIFIED, 2025: UNQUALIFIED, A: QUALIFIED}
    result = evaluate(years, required_years=1, since_year=2023)
    assert result.eligible
    assert year_numbers(result) == [2023, 2024, 2025, A]


def test_r13_every_failure_has_its_own_reason():
    years = dict.fromkeys((2023, 2024, 2025), UNQUALIFIED)
    result = evaluate(years, required_years=3)
    assert not result.eligible
    text = "\n".join(result.reasons)
    assert "合格年数为 0 年" in text
    assert "2024年不合格" in text
    assert "2025年不合格" in text
    assert "2024年还需专业科目学时 30.0" in text
    assert "2025年还需专业科目学时 30.0" in text


def test_r13_years_are_sorted_and_include_a_year_before_the_period_that_was_checked():
    # Title obtained in 2025: the period is 2025 alone, but A-2 = 2024 must still be checked.
    result = evaluate(qualified_years(2024, 2025), required_years=2, since_year=2025)
    assert year_numbers(result) == [2024, 2025]
    assert not result.eligible  # one qualified year in the period, two required


def test_r13_years_returned_carry_each_year_figures():
    years = {2023: UNQUALIFIED, **qualified_years(2024, 2025)}
    result = evaluate(years, required_years=3)
    assert [(row.year, row.totals, row.qualified) for row in result.years] == [
        (2023, UNQUALIFIED, False),
        (2024, QUALIFIED, True),
        (2025, QUALIFIED, True),
    ]


def test_r13_stricter_rule_set_changes_eligibility():
    years = qualified_years(2023, 2024, 2025)
    assert evaluate(years, required_years=3).eligible
    assert not evaluate(years, required_years=3, rules=RuleSet(annual_total=Decimal("100"))).eligible


def test_r13_negative_required_years_raise_value_error():
    with pytest.raises(ValueError):
        evaluate({}, required_years=-1)


def test_r13_since_year_after_application_year_raises_value_error():
    with pytest.raises(ValueError):
        evaluate({}, required_years=3, since_year=A + 1)


# R20 第二十条


RECORDED = date(2024, 5, 10)


def test_r20_integrity_block_is_active_from_the_recorded_day_not_before():
    records = [IntegrityRecord(recorded_on=RECORDED)]
    assert not integrity_block_active(records, date(2024, 5, 9), None)
    assert integrity_block_active(records, RECORDED, None)


def test_r20_lifting_ends_the_block_on_the_lifted_day():
    records = [IntegrityRecord(recorded_on=RECORDED, lifted_on=date(2025, 6, 1))]
    assert integrity_block_active(records, date(2025, 5, 31), None)
    assert not integrity_block_active(records, date(2025, 6, 1), None)


def test_r20_block_without_a_term_lasts_until_lifted():
    records = [IntegrityRecord(recorded_on=RECORDED)]
    assert integrity_block_active(records, date(2044, 5, 10), None)


def test_r20_default_rule_set_blocks_until_lifted():
    records = [IntegrityRecord(recorded_on=RECORDED)]
    assert integrity_block_active(records, date(2034, 1, 1), RuleSet().integrity_block_years)


def test_r20_block_of_two_years_expires_two_years_after_the_record():
    records = [IntegrityRecord(recorded_on=RECORDED)]
    assert integrity_block_active(records, date(2026, 5, 9), 2)
    assert not integrity_block_active(records, date(2026, 5, 10), 2)


def test_r20_lifting_ends_a_fixed_term_block_early():
    records = [IntegrityRecord(recorded_on=RECORDED, lifted_on=date(2025, 1, 1))]
    assert not integrity_block_active(records, date(2025, 1, 1), 2)


def test_r20_block_recorded_on_29_february_expires_on_1_march():
    records = [IntegrityRecord(recorded_on=date(2024, 2, 29))]
    assert integrity_block_active(records, date(2025, 2, 28), 1)
    assert not integrity_block_active(records, date(2025, 3, 1), 1)


def test_r20_no_records_means_no_block():
    assert not integrity_block_active([], date(2026, 1, 1), None)


def test_r20_one_active_record_blocks_even_if_another_was_lifted():
    records = [
        IntegrityRecord(recorded_on=date(2020, 1, 1), lifted_on=date(2021, 1, 1)),
        IntegrityRecord(recorded_on=date(2025, 1, 1)),
    ]
    assert integrity_block_active(records, date(2026, 1, 1), None)
    assert not integrity_block_active(records, date(2024, 1, 1), None)


def test_r20_integrity_block_makes_a_fully_qualified_applicant_not_eligible_citing_article_20():
    result = evaluate(qualified_years(2023, 2024, 2025), required_years=3, integrity_block=True)
    assert not result.eligible
    assert result.integrity_block
    assert "第二十条" in result.reasons[0]
    assert len(result.reasons) == 1


def test_r20_integrity_block_applies_to_initial_title_applications_too():
    result = evaluate({A: QUALIFIED}, required_years=1, integrity_block=True)
    assert not result.eligible
    assert any("第二十条" in reason for reason in result.reasons)


# Properties

YEARS = range(A - 8, A + 1)
year_totals = st.builds(
    YearTotals,
    general_public=st.decimals(min_value=0, max_value=30, places=1, allow_nan=False, allow_infinity=False),
    industry_public=st.decimals(min_value=0, max_value=30, places=1, allow_nan=False, allow_infinity=False),
    professional=st.decimals(min_value=0, max_value=120, places=1, allow_nan=False, allow_infinity=False),
)
history = st.fixed_dictionaries({year: year_totals for year in YEARS})


@given(
    totals_by_year=history,
    required_years=st.integers(min_value=0, max_value=6),
    since_year=st.none() | st.sampled_from(list(YEARS)),
    improved_year=st.sampled_from(list(YEARS)),
    category=st.sampled_from(list(Category)),
    added=st.decimals(min_value=0, max_value=500, places=1, allow_nan=False, allow_infinity=False),
)
def test_r13_improving_a_year_never_turns_eligible_into_not_eligible(
    totals_by_year, required_years, since_year, improved_year, category, added
):
    improved = {**totals_by_year, improved_year: totals_by_year[improved_year].plus(category, added)}
    before = evaluate(totals_by_year, required_years=required_years, since_year=since_year)
    after = evaluate(improved, required_years=required_years, since_year=since_year)
    if before.eligible:
        assert after.eligible
    assert len(after.reasons) <= len(before.reasons)
    assert before.eligible == (not before.reasons)


@given(
    totals_by_year=history,
    required_years=st.integers(min_value=0, max_value=6),
    since_year=st.none() | st.sampled_from(list(YEARS)),
)
def test_r13_years_are_sorted_unique_and_end_at_the_period_end(totals_by_year, required_years, since_year):
    result = evaluate(totals_by_year, required_years=required_years, since_year=since_year)
    numbers = year_numbers(result)
    assert numbers == sorted(set(numbers))
    assert numbers[-1] == result.period_end
    assert result.period_end == (A if required_years < 2 else A - 1)
    if required_years >= 2:
        assert {A - 2, A - 1} <= set(numbers)


@given(totals_by_year=history, required_years=st.integers(min_value=0, max_value=6))
def test_r20_an_integrity_block_is_never_eligible(totals_by_year, required_years):
    assert not evaluate(totals_by_year, required_years=required_years, integrity_block=True).eligible
