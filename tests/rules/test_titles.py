"""The title table's rules (R13 第十三条): which row is in force, the level applied for, the defaults
an evaluator may override with a reason; and a year not yet ended judged 进行中, not 不合格."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cehours.errors import ErrorCode
from cehours.rules.compliance import (
    STATUS_IN_PROGRESS,
    STATUS_NOT_QUALIFIED,
    STATUS_QUALIFIED,
    YearTotals,
    year_compliance,
)
from cehours.rules.eligibility import VERDICT_ELIGIBLE, VERDICT_NOT_ELIGIBLE, VERDICT_PENDING, title_eligibility
from cehours.rules.ruleset import RuleSet
from cehours.rules.titles import (
    MAX_PERIOD_YEARS,
    SOURCE_ENTERED,
    SOURCE_NONE,
    SOURCE_OVERRIDE,
    SOURCE_TABLE,
    SOURCE_TITLE_DATE,
    EligibilityBasisError,
    TitleLevel,
    TitleRequirementRow,
    eligibility_basis,
    level_of,
    next_level,
    requirement_in_force,
    since_year_problem,
)

QUALIFIED = YearTotals(general_public=Decimal("9"), industry_public=Decimal("9"), professional=Decimal("72"))
SHORT = YearTotals(general_public=Decimal("9"), industry_public=Decimal("9"), professional=Decimal("30"))
INTERMEDIATE_3 = TitleRequirementRow(
    pk=1, level=TitleLevel.INTERMEDIATE, required_years=3, effective_from=date(2020, 1, 1), local_name="主治医师"
)


def row(pk, level=TitleLevel.INTERMEDIATE, years=3, effective=date(2020, 1, 1), **extra):
    return TitleRequirementRow(pk=pk, level=level, required_years=years, effective_from=effective, **extra)


# Which row is in force


rows_strategy = st.lists(
    st.builds(
        TitleRequirementRow,
        pk=st.integers(1, 10_000),
        level=st.sampled_from(list(TitleLevel)),
        required_years=st.integers(1, 10),
        effective_from=st.dates(date(2000, 1, 1), date(2030, 12, 31)),
    ),
    max_size=12,
    unique_by=lambda r: r.pk,
)


@given(rows=rows_strategy, level=st.sampled_from(list(TitleLevel)), on=st.dates(date(1999, 1, 1), date(2031, 12, 31)))
def test_r13_row_in_force_is_the_latest_effective_on_or_before_the_date_then_the_latest_entered(rows, level, on):
    chosen = requirement_in_force(rows, level, on)

    eligible = [r for r in rows if r.level == level and r.effective_from <= on]
    if not eligible:
        assert chosen is None
        return
    assert chosen in eligible
    assert all((r.effective_from, r.pk) <= (chosen.effective_from, chosen.pk) for r in eligible)
    # Rows of other levels, or from after the date, never change the answer.
    later = row(20_000, level=level, effective=date(2032, 1, 1))
    other = row(20_001, level=next_level(level) or TitleLevel.JUNIOR, effective=on)
    if other.level != level:
        assert requirement_in_force([*rows, later, other], level, on) == chosen


def test_r13_a_later_row_applies_from_its_date_and_a_correction_of_the_same_date_wins():
    first = row(1, years=3, effective=date(2020, 1, 1))
    raised = row(2, years=4, effective=date(2027, 1, 1))
    corrected = row(3, years=5, effective=date(2027, 1, 1))

    assert requirement_in_force([first, raised], TitleLevel.INTERMEDIATE, date(2026, 12, 31)) == first
    assert requirement_in_force([first, raised], TitleLevel.INTERMEDIATE, date(2027, 1, 1)) == raised
    assert requirement_in_force([corrected, raised, first], TitleLevel.INTERMEDIATE, date(2027, 6, 1)) == corrected
    assert requirement_in_force([first], TitleLevel.INTERMEDIATE, date(2019, 12, 31)) is None


@pytest.mark.parametrize(
    ("text", "level"),
    [
        ("初级", TitleLevel.JUNIOR),
        ("中级", TitleLevel.INTERMEDIATE),
        ("副高级", TitleLevel.DEPUTY_SENIOR),
        ("副高", TitleLevel.DEPUTY_SENIOR),
        ("正高级", TitleLevel.SENIOR),
        ("senior", TitleLevel.SENIOR),
        ("主治医师", TitleLevel.INTERMEDIATE),
        ("", None),
        ("见习", None),
    ],
)
def test_r13_current_level_from_the_stored_title_or_the_series_own_name(text, level):
    assert level_of(text, {"主治医师": TitleLevel.INTERMEDIATE}) == level


def test_r13_level_applied_for_is_the_one_above():
    assert [next_level(level) for level in TitleLevel] == [
        TitleLevel.INTERMEDIATE,
        TitleLevel.DEPUTY_SENIOR,
        TitleLevel.SENIOR,
        None,
    ]


# Defaults and overrides


def basis(**given):
    args = {
        "application_year": 2026,
        "series_name": "卫生",
        "current_level": TitleLevel.JUNIOR,
        "level": None,
        "rows": [INTERMEDIATE_3],
        "title_obtained_on": date(2021, 7, 1),
        "required_years": None,
        "since_year": None,
        "override_reason": "",
    }
    return eligibility_basis(**{**args, **given})


def test_r13_defaults_come_from_the_table_and_the_title_date():
    b = basis()

    assert (b.level, b.required_years, b.since_year) == (TitleLevel.INTERMEDIATE, 3, 2021)
    assert (b.required_years_source, b.since_year_source) == (SOURCE_TABLE, SOURCE_TITLE_DATE)
    assert b.required_years_basis == "规定年限 3 年（依据：卫生系列 中级（主治医师） 规定，自 2020-01-01 起）"
    assert b.since_year_basis == "起算年份 2021 年（依据：取得现职称日期 2021-07-01）"
    assert b.level_note == "现职称初级的上一级"
    assert b.override_reason == ""


def test_r13_placeholder_rows_say_so_in_the_basis():
    b = basis(rows=[row(1, placeholder=True)])

    assert b.placeholder is True
    assert "占位值，待市人力社保局确认" in b.required_years_basis


def test_r13_the_table_row_in_force_on_1_january_of_the_application_year_is_used():
    rows = [row(1, years=3, effective=date(2020, 1, 1)), row(2, years=4, effective=date(2026, 3, 1))]

    assert basis(rows=rows, application_year=2026).required_years == 3
    assert basis(rows=rows, application_year=2027).required_years == 4


@pytest.mark.parametrize("field", ["required_years", "since_year"])
def test_r13_changing_a_default_needs_a_reason_which_the_basis_shows(field):
    changed = {"required_years": 5, "since_year": 2019}[field]

    with pytest.raises(EligibilityBasisError) as refused:
        basis(**{field: changed})
    b = basis(**{field: changed, "override_reason": "  评审会议决定按五年计  "})

    assert refused.value.field == "override_reason"
    assert refused.value.code == ErrorCode.REQUIRED
    assert "调整理由" in refused.value.message
    assert getattr(b, field) == changed
    assert getattr(b, f"{field}_source") == SOURCE_OVERRIDE
    assert "评委会调整：评审会议决定按五年计" in getattr(b, f"{field}_basis")
    assert b.override_reason == "评审会议决定按五年计"


def test_r13_giving_the_default_itself_is_no_override():
    b = basis(required_years=3, since_year=2021)

    assert (b.required_years_source, b.since_year_source, b.override_reason) == (SOURCE_TABLE, SOURCE_TITLE_DATE, "")


def test_r13_without_a_table_row_the_years_are_asked_for_never_guessed():
    with pytest.raises(EligibilityBasisError) as no_row:
        basis(rows=[])
    with pytest.raises(EligibilityBasisError) as no_level:
        basis(current_level=None)
    with pytest.raises(EligibilityBasisError) as top:
        basis(current_level=TitleLevel.SENIOR)

    assert no_row.value.field == no_level.value.field == top.value.field == "required_years"
    assert no_row.value.message == "职称年限表中没有卫生系列 中级 在 2026-01-01 有效的规定年限，请填写规定年限"
    assert "请选择申报等级" in no_level.value.message
    assert "现职称已是正高级" in top.value.message
    entered = basis(rows=[], required_years=4, title_obtained_on=None)
    assert (entered.required_years, entered.required_years_source, entered.override_reason) == (4, SOURCE_ENTERED, "")
    assert (entered.since_year, entered.since_year_source) == (None, SOURCE_NONE)
    assert entered.since_year_basis == "起算年份 2022 年（未登记取得现职称日期，按申报年度前 4 年起算）"


def test_r13_the_evaluator_may_choose_the_level():
    rows = [INTERMEDIATE_3, row(2, level=TitleLevel.DEPUTY_SENIOR, years=5)]

    b = basis(rows=rows, level=TitleLevel.DEPUTY_SENIOR)

    assert (b.level, b.required_years, b.level_note) == (TitleLevel.DEPUTY_SENIOR, 5, "评委会选定")


# A year not yet ended


def test_r13_a_year_not_yet_ended_and_not_yet_qualified_is_in_progress():
    rules = RuleSet()
    past = year_compliance(2025, SHORT, rules, current_year=2026)
    now = year_compliance(2026, SHORT, rules, current_year=2026)
    done = year_compliance(2026, QUALIFIED, rules, current_year=2026)

    assert (past.status, past.status_label, past.qualified) == (STATUS_NOT_QUALIFIED, "不合格", False)
    assert (now.status, now.status_label, now.qualified) == (STATUS_IN_PROGRESS, "进行中", False)
    assert (done.status, done.status_label) == (STATUS_QUALIFIED, "合格")


def judge(totals, *, application_year, required_years, current_year, integrity_block=False):
    rules = RuleSet()
    return title_eligibility(
        application_year=application_year,
        required_years=required_years,
        since_year=None,
        compliance_of=lambda y: year_compliance(y, totals.get(y, YearTotals()), rules, current_year=current_year),
        integrity_block=integrity_block,
    )


def test_r13_initial_title_in_the_current_year_not_yet_qualified_is_not_yet_decidable():
    """第十三条: 初定 … 继续教育学时必须当年合格 — a year in progress may still be 合格: pending, not failed."""
    pending = judge({2026: SHORT}, application_year=2026, required_years=1, current_year=2026)
    qualified = judge({2026: QUALIFIED}, application_year=2026, required_years=1, current_year=2026)
    failed = judge({2025: SHORT}, application_year=2025, required_years=1, current_year=2026)

    assert (pending.eligible, pending.verdict) == (False, VERDICT_PENDING)
    assert pending.reasons[0].endswith("2026年尚未结束，学时尚未达到要求（进行中）")
    assert [r.status for r in pending.years] == [STATUS_NOT_QUALIFIED, STATUS_IN_PROGRESS]
    assert (qualified.eligible, qualified.verdict) == (True, VERDICT_ELIGIBLE)
    assert (failed.eligible, failed.verdict) == (False, VERDICT_NOT_ELIGIBLE)


def test_r13_a_latest_year_in_progress_waits_but_a_closed_failure_decides():
    """An application for next year: its A − 1 is this year, still in progress."""
    waiting = judge({2024: QUALIFIED, 2025: QUALIFIED}, application_year=2027, required_years=2, current_year=2026)
    failing = judge({2026: QUALIFIED}, application_year=2027, required_years=2, current_year=2026)
    blocked = judge(
        {2024: QUALIFIED, 2025: QUALIFIED},
        application_year=2027,
        required_years=2,
        current_year=2026,
        integrity_block=True,
    )

    assert waiting.verdict == VERDICT_PENDING
    assert "近两年学时须合格：2026年尚未结束，学时尚未达到要求（进行中）" in waiting.reasons
    assert failing.verdict == VERDICT_NOT_ELIGIBLE
    assert "近两年学时须合格：2025年不合格" in failing.reasons
    assert blocked.verdict == VERDICT_NOT_ELIGIBLE


@given(st.integers(1990, 2100), st.integers(1900, 2200))
def test_r13_a_typed_since_year_is_accepted_from_forty_years_before_the_application_to_the_application(
    application_year, since_year
):
    problem = since_year_problem(application_year, since_year)
    assert (problem == "") == (application_year - MAX_PERIOD_YEARS <= since_year <= application_year)
    if since_year > application_year:
        assert problem == "取得现职称年份不能晚于申报年度"
    assert since_year_problem(application_year, None) == ""
