"""Parsing one pushed learning record (integration/records.py), without a database.

What a connected system is told about a single record: the hours it earns (R12a–c), or every
problem with the field, a stable code and a Chinese message; and the fingerprint that decides
whether a resend is the same record (duplicate) or a different one (conflict).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cehours.errors import ErrorCode
from cehours.integration.records import ParsedRecord, fingerprint, parse_record
from cehours.rules.ruleset import RuleSet

from .support import new_id_number, offline, online, other, seminar

TODAY = date(2026, 11, 29)
DEFAULTS = RuleSet()


def parse(raw):
    return parse_record(raw, rules_on=lambda day: DEFAULTS, today=TODAY)


def problems_of(raw) -> set[tuple[str, str]]:
    result = parse(raw)
    assert isinstance(result, list), f"expected problems, got {result}"
    return {(p.field, p.code.value) for p in result}


ID = new_id_number()
ID_X = new_id_number(ending_in_x=True)


@pytest.mark.parametrize(("minutes", "hours"), [(44, "0.9"), (45, "1.0"), (89, "1.9"), (90, "2.0")])
def test_r12b_online_minutes_become_hours_truncated_to_a_tenth(minutes, hours):
    parsed = parse(online("r1", ID, "王芳", minutes=minutes))
    assert isinstance(parsed, ParsedRecord)
    assert str(parsed.hours) == hours
    assert "45分钟折算1学时" in parsed.explanation


@given(
    minutes=st.integers(min_value=1, max_value=100_000),
    completed_on=st.dates(min_value=date(1990, 1, 1), max_value=TODAY),
)
def test_r12b_any_valid_online_record_earns_floor_of_minutes_over_45_in_tenths(minutes, completed_on):
    parsed = parse(online("r1", ID, "王芳", minutes=minutes, completed_on=completed_on.isoformat()))
    assert isinstance(parsed, ParsedRecord)
    assert parsed.hours == Decimal(minutes * 10 // 45) / 10
    assert parsed.completed_on == completed_on


@given(
    start_on=st.dates(min_value=date(2000, 1, 1), max_value=TODAY),
    days=st.integers(min_value=1, max_value=366),
    claimed=st.decimals(min_value=0, max_value=1000, places=2, allow_nan=False, allow_infinity=False),
)
def test_r12a_offline_hours_never_exceed_six_per_inclusive_day_nor_the_claim(start_on, days, claimed):
    end_on = start_on + timedelta(days=days - 1)
    if end_on > TODAY:
        start_on, end_on = TODAY - timedelta(days=days - 1), TODAY
    parsed = parse(offline("r1", ID, "王芳", start_on.isoformat(), end_on.isoformat(), str(claimed)))
    assert isinstance(parsed, ParsedRecord)
    assert parsed.hours <= 6 * days
    assert parsed.hours <= claimed
    # Nothing is lost either: below the cap the claim counts, truncated to a tenth.
    assert parsed.hours == min(claimed.quantize(Decimal("0.1"), rounding=ROUND_DOWN), Decimal(6 * days))


def test_r12a_one_day_claiming_eight_hours_is_registered_at_six_and_says_why():
    parsed = parse(offline("r1", ID, "王芳", "2025-06-01", "2025-06-01", "8"))
    assert isinstance(parsed, ParsedRecord)
    assert parsed.hours == Decimal("6.0")
    assert "申报 8.0 学时按 6.0 学时登记" in parsed.explanation


@pytest.mark.parametrize(("level", "hours"), [("national", "60.0"), ("provincial", "48.0"), ("municipal", "36.0")])
def test_r12c_seminar_hours_follow_the_level(level, hours):
    parsed = parse(seminar("r1", ID, "王芳", level))
    assert isinstance(parsed, ParsedRecord)
    assert (str(parsed.hours), parsed.category) == (hours, "professional")


def test_r12c_a_seminar_cannot_be_registered_as_public_hours():
    assert problems_of(seminar("r1", ID, "王芳", "national", category="general_public")) == {("category", "invalid")}


def test_other_activity_keeps_the_hours_as_given():
    parsed = parse(other("r1", ID, "王芳", "2.5"))
    assert isinstance(parsed, ParsedRecord)
    assert parsed.hours == Decimal("2.5")


def test_every_problem_of_a_record_is_reported_at_once_with_a_chinese_message():
    result = parse({"activity": "online_course", "category": "bogus", "completed_on": "2025/05/01"})
    assert isinstance(result, list)
    found = {(p.field, p.code) for p in result}
    assert {
        ("source_record_id", ErrorCode.REQUIRED),
        ("name", ErrorCode.REQUIRED),
        ("title", ErrorCode.REQUIRED),
        ("id_number", ErrorCode.REQUIRED),
        ("category", ErrorCode.INVALID),
        ("completed_on", ErrorCode.INVALID),
        ("minutes", ErrorCode.REQUIRED),
    } <= found
    for problem in result:
        assert problem.message.startswith(f"{problem.field}：")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in problem.message)


def test_a_record_that_is_not_an_object_is_invalid():
    assert problems_of(["not", "an", "object"]) == {("", "invalid")}


def test_completed_today_is_accepted_but_tomorrow_is_out_of_range():
    assert isinstance(parse(online("r1", ID, "王芳", completed_on=TODAY.isoformat())), ParsedRecord)
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    assert problems_of(online("r1", ID, "王芳", completed_on=tomorrow)) == {("completed_on", "out_of_range")}


def test_id_number_with_a_lower_case_x_is_accepted_and_upper_cased():
    parsed = parse(online("r1", ID_X.lower(), "王芳"))
    assert isinstance(parsed, ParsedRecord)
    assert parsed.id_number == ID_X


def test_id_number_with_a_wrong_check_digit_is_invalid_id_number():
    wrong = ID[:17] + ("0" if ID[17] != "0" else "1")
    assert problems_of(online("r1", wrong, "王芳")) == {("id_number", "invalid_id_number")}


record_builders = st.sampled_from(
    [
        lambda: online("s-1", ID_X, "王芳", minutes=90),
        lambda: offline("s-2", ID_X, "王芳", "2025-06-01", "2025-06-03", "12.5", provider="丽水学院"),
        lambda: seminar("s-3", ID_X, "王芳", "provincial", external_url="https://example.org/x"),
        lambda: other("s-4", ID_X, "王芳", 3, industry="health"),
    ]
)


@given(build=record_builders, seed=st.integers(min_value=0, max_value=2**32), lower=st.booleans())
def test_fingerprint_is_stable_under_key_order_and_id_number_case(build, seed, lower):
    record = build()
    items = list(record.items())
    random.Random(seed).shuffle(items)
    shuffled = dict(items)
    if lower:
        shuffled["id_number"] = shuffled["id_number"].lower()
    assert fingerprint(shuffled) == fingerprint(record)
    parsed = parse(shuffled)
    assert isinstance(parsed, ParsedRecord)
    assert parsed.fingerprint == fingerprint(record)


def test_fingerprint_ignores_how_the_hours_are_written():
    assert len({fingerprint(other("s", ID, "王芳", value)) for value in (6, "6", "6.0", 6.0, "6.00")}) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"title": "另一门课程"},
        {"minutes": 46},
        {"completed_on": "2025-05-02"},
        {"name": "王芬"},
        {"category": "general_public"},
    ],
)
def test_fingerprint_changes_when_the_content_changes(change):
    record = online("s", ID, "王芳")
    assert fingerprint({**record, **change}) != fingerprint(record)


@pytest.mark.parametrize("field", ["category", "activity", "seminar_level"])
@pytest.mark.parametrize("value", [{"a": 1}, ["professional"], 7])
def test_a_choice_sent_as_an_object_or_a_list_is_invalid_not_a_crash(field, value):
    record = {**seminar("s-1", new_id_number(), "王芳", "national"), field: value}
    problems = parse_record(record, rules_on=lambda day: RuleSet(), today=date(2026, 6, 30))
    assert isinstance(problems, list)
    assert (field, ErrorCode.INVALID) in [(p.field, p.code) for p in problems]
