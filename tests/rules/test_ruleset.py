"""Rule sets are versioned data (R12d): regulation figures by default, provincial over city per field."""

import dataclasses
import itertools
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cehours.rules.ruleset import (
    ANNUAL_FIELDS,
    FIELD_SPECS,
    OFF,
    RULE_FIELDS,
    IssuingLevel,
    RuleSet,
    RuleValueError,
    RuleVersion,
    SeminarLevel,
    describe_value,
    rule_value,
    rules_in_force,
)

ON = date(2026, 6, 1)


def city(code, effective_from, series=None, sequence=0, **values):
    return RuleVersion(
        code=code,
        issuing_level=IssuingLevel.CITY,
        effective_from=effective_from,
        values=values,
        series=series,
        sequence=sequence,
    )


def province(code, effective_from, series=None, sequence=0, **values):
    return RuleVersion(
        code=code,
        issuing_level=IssuingLevel.PROVINCE,
        effective_from=effective_from,
        values=values,
        series=series,
        sequence=sequence,
    )


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
        RuleVersion(
            code="ZJ", issuing_level="province", effective_from=date(2024, 1, 1), values={"online_minutes_per_hour": 40}
        ),
        RuleVersion(
            code="LS", issuing_level="city", effective_from=date(2025, 1, 1), values={"online_minutes_per_hour": 50}
        ),
    ]
    assert rules_in_force(versions, ON).online_minutes_per_hour == 40


def test_r12d_order_of_the_given_versions_does_not_matter():
    versions = [
        city("LS-2023", date(2023, 1, 1), annual_total=Decimal("85"), offline_hours_per_day=Decimal("5")),
        city("LS-2025", date(2025, 1, 1), annual_total=Decimal("95")),
        province("ZJ-2024", date(2024, 1, 1), offline_hours_per_day=Decimal("7")),
        province("ZJ-2027", date(2027, 1, 1), offline_hours_per_day=Decimal("8")),
    ]
    results = {rules_in_force(list(order), ON) for order in itertools.permutations(versions)}
    assert results == {RuleSet(annual_total=Decimal("95"), offline_hours_per_day=Decimal("7"))}


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
        city(f"LS-{i}", ON + timedelta(days=offset), offline_hours_per_day=value, annual_public=value)
        for i, (offset, value) in enumerate(zip(city_offsets, city_values, strict=False))
    ]
    versions.append(province("ZJ", ON - timedelta(days=1), offline_hours_per_day=provincial))
    rules = rules_in_force(versions, ON)

    assert rules.offline_hours_per_day == provincial
    in_force = [v for v in versions if v.issuing_level == IssuingLevel.CITY and v.effective_from <= ON]
    latest_city = max(in_force, key=lambda v: v.effective_from, default=None)
    expected_public = latest_city.values["annual_public"] if latest_city else RuleSet().annual_public
    assert rules.annual_public == expected_public


@given(future_days=st.integers(min_value=1, max_value=3000), value=requirement)
def test_r12d_property_adding_a_future_version_changes_nothing_today(future_days, value):
    today = [city("LS", date(2024, 1, 1), annual_total=Decimal("95"))]
    future = province(
        "ZJ-next", ON + timedelta(days=future_days), offline_hours_per_day=value, seminar_municipal_hours=value
    )
    assert rules_in_force([*today, future], ON) == rules_in_force(today, ON)


# ---- Options: no rule the regulation does not have is on by default (DESIGN §2) ------------------


def test_r16_2_no_declaration_deadline_by_default_the_regulation_sets_none():
    rules = RuleSet()
    assert rules.declaration_deadline_days is None
    assert rules.resubmission_days == 30  # used only once a deadline is turned on


def test_r16_2_a_city_version_turns_the_deadline_on_and_a_later_one_turns_it_off_again():
    versions = [
        city("LS-2024", date(2024, 1, 1), declaration_deadline_days=90),
        city("LS-2026", date(2026, 3, 1), declaration_deadline_days=OFF),
    ]
    assert rules_in_force(versions, date(2025, 12, 31)).declaration_deadline_days == 90
    assert rules_in_force(versions, date(2026, 12, 31)).declaration_deadline_days is None


def test_every_rule_set_field_has_a_chinese_label_and_a_kind():
    assert set(FIELD_SPECS) == set(RULE_FIELDS)
    for name, spec in FIELD_SPECS.items():
        assert spec.label and not any("a" <= ch.lower() <= "z" for ch in spec.label), name


def test_options_are_the_fields_the_regulation_does_not_fix():
    options = {name for name, spec in FIELD_SPECS.items() if spec.option}
    assert "declaration_deadline_days" in options and "resubmission_days" in options
    assert not options & {*ANNUAL_FIELDS, "offline_hours_per_day", "online_minutes_per_hour"}


# ---- Values typed and checked against the rule set ------------------------------------------------


@pytest.mark.parametrize(
    ("name", "raw", "typed"),
    [
        ("offline_hours_per_day", "8", Decimal("8.0")),
        ("annual_total", " 95.5 ", Decimal("95.5")),
        ("annual_public", "0", Decimal("0.0")),
        ("hours_quantum", "0.5", Decimal("0.5")),
        ("online_minutes_per_hour", "40", 40),
        ("resubmission_days", 15, 15),
        ("declaration_deadline_days", "120", 120),
        ("declaration_deadline_days", "关闭", OFF),
        ("integrity_block_years", "off", OFF),
        (
            "record_hours_limits",
            "offline_training=40；online_course:professional=20",
            (("offline_training", Decimal("40.0")), ("online_course:professional", Decimal("20.0"))),
        ),
    ],
)
def test_r12d_rule_values_are_typed_by_their_field(name, raw, typed):
    assert rule_value(name, raw) == typed


@pytest.mark.parametrize(
    ("name", "raw", "says"),
    [
        ("offline_hours_per_day", "4.55", "“线下学习每天最多折算学时”最多一位小数"),
        ("offline_hours_per_day", "-1", "不能为负数"),
        ("annual_total", "九十", "“年度总学时要求”应为数字"),
        ("annual_total", "NaN", "应为数字"),
        ("annual_total", "1e9", "不能超过"),
        ("hours_quantum", "0", "“学时计算精度（向下取整到）”应大于 0"),
        ("online_minutes_per_hour", "0", "1 至"),
        ("online_minutes_per_hour", "45.5", "“在线学习每学时课件时长”应为正整数"),
        ("online_minutes_per_hour", True, "应为正整数"),
        ("resubmission_days", "关闭", "应为正整数"),  # not an option that can be off
        ("record_hours_limits", "offline_training40", "学习形式代码=学时"),
        ("record_hours_limits", "线下=40", "不是学习形式代码"),
        ("record_hours_limits", "other=1;other=2", "出现了两次"),
    ],
)
def test_r12d_bad_rule_values_are_refused_naming_the_field(name, raw, says):
    with pytest.raises(RuleValueError) as caught:
        rule_value(name, raw)
    assert caught.value.field == name
    assert says in caught.value.message


def test_r12d_unknown_field_name_is_refused_naming_it():
    with pytest.raises(RuleValueError) as caught:
        rule_value("annual_totl", "100")
    assert caught.value.field == "annual_totl" and "annual_totl" in caught.value.message


def test_values_are_described_in_chinese():
    assert describe_value("offline_hours_per_day", Decimal("8.0")) == "8.0 学时"
    assert describe_value("declaration_deadline_days", None) == "不设截止"
    assert describe_value("declaration_deadline_days", OFF) == "不设截止"
    assert describe_value("integrity_block_years", None) == "直至三级管理权限解除"
    assert describe_value("record_hours_limits", (("other", Decimal("20.0")),)) == "other 20.0 学时"


# ---- R12d: 从其规定 covers conversion; the annual requirement is the city's (第十一条) --------------


@pytest.mark.parametrize("name", ANNUAL_FIELDS)
def test_r12d_a_provincial_version_may_not_set_the_annual_requirement_r11(name):
    with pytest.raises(RuleValueError) as caught:
        province("ZJ-2026", date(2026, 1, 1), **{name: Decimal("72")})
    assert caught.value.field == name
    assert "第十一条" in caught.value.message and "市级版本录入" in caught.value.message


def test_r12d_a_provincial_version_may_not_set_the_citys_options():
    with pytest.raises(RuleValueError) as caught:
        province("ZJ-2026", date(2026, 1, 1), declaration_deadline_days=90)
    assert caught.value.field == "declaration_deadline_days"
    assert "只能设置学时折算规则" in caught.value.message


def test_r12d_a_provincial_version_may_set_every_conversion_field():
    conversion = {
        "offline_hours_per_day": Decimal("8"),
        "online_minutes_per_hour": 40,
        "seminar_national_hours": Decimal("64"),
        "seminar_provincial_hours": Decimal("50"),
        "seminar_municipal_hours": Decimal("30"),
        "hours_quantum": Decimal("0.5"),
    }
    assert {n for n, spec in FIELD_SPECS.items() if spec.conversion} == set(conversion)
    rules = rules_in_force([province("ZJ-2026", date(2026, 1, 1), **conversion)], ON)
    assert {name: getattr(rules, name) for name in conversion} == conversion
    assert rules.annual_total == 90  # the city's figure stands


# ---- Series-specific versions ---------------------------------------------------------------------

HEALTH, EDUCATION = "health", "education"  # series codes


def test_r12d_a_series_version_applies_only_to_people_of_that_series():
    versions = [city("LS-health", date(2026, 1, 1), series=HEALTH, annual_professional=Decimal("70"))]
    assert rules_in_force(versions, ON, series=HEALTH).annual_professional == 70
    assert rules_in_force(versions, ON, series=EDUCATION).annual_professional == 60
    assert rules_in_force(versions, ON).annual_professional == 60  # no series: city-wide versions only


def test_r12d_a_series_version_beats_a_city_wide_one_of_the_same_level_whatever_their_dates():
    general_later = city("LS-2026", date(2026, 1, 1), annual_total=Decimal("100"))
    special_earlier = city("LS-health-2024", date(2024, 1, 1), series=HEALTH, annual_total=Decimal("80"))
    assert rules_in_force([general_later, special_earlier], ON, series=HEALTH).annual_total == 80
    assert rules_in_force([general_later, special_earlier], ON, series=EDUCATION).annual_total == 100


def test_r12d_among_versions_for_one_series_the_later_wins():
    versions = [
        city("LS-health-2024", date(2024, 1, 1), series=HEALTH, annual_total=Decimal("80")),
        city("LS-health-2026", date(2026, 1, 1), series=HEALTH, annual_total=Decimal("85")),
    ]
    assert rules_in_force(versions, ON, series=HEALTH).annual_total == 85


def test_r12d_level_comes_before_series_a_city_wide_provincial_rule_beats_a_city_series_rule():
    versions = [
        province("ZJ-2020", date(2020, 1, 1), offline_hours_per_day=Decimal("8")),
        city("LS-health-2026", date(2026, 1, 1), series=HEALTH, offline_hours_per_day=Decimal("5")),
    ]
    assert rules_in_force(versions, ON, series=HEALTH).offline_hours_per_day == 8


def test_r12d_a_provincial_series_rule_beats_a_city_wide_provincial_rule():
    versions = [
        province("ZJ-health-2020", date(2020, 1, 1), series=HEALTH, online_minutes_per_hour=50),
        province("ZJ-2026", date(2026, 1, 1), online_minutes_per_hour=40),
    ]
    assert rules_in_force(versions, ON, series=HEALTH).online_minutes_per_hour == 50
    assert rules_in_force(versions, ON, series=EDUCATION).online_minutes_per_hour == 40


def test_r12d_a_correction_entered_later_wins_over_a_version_alike_in_level_series_and_date():
    mistaken = city("LS〔2026〕9号", date(2026, 1, 1), sequence=1, annual_total=Decimal("900"))
    correction = city("LS〔2026〕10号", date(2026, 1, 1), sequence=2, annual_total=Decimal("90"))
    # "LS〔2026〕9号" sorts after "LS〔2026〕10号" as text: the order of entry decides, not the code.
    assert rules_in_force([correction, mistaken], ON).annual_total == 90


@given(
    own=st.lists(st.tuples(st.integers(-2000, 2000), requirement), max_size=4),
    others=st.lists(
        st.tuples(st.integers(-2000, 2000), requirement, st.sampled_from([EDUCATION, "forestry"])), max_size=4
    ),
)
def test_r12d_property_versions_for_other_series_never_change_a_persons_rules(own, others):
    mine = [
        city(f"LS-{i}", ON + timedelta(days=d), series=HEALTH if i % 2 else None, annual_total=v)
        for i, (d, v) in enumerate(own)
    ]
    theirs = [
        city(f"X-{i}", ON + timedelta(days=d), series=s, annual_total=v, offline_hours_per_day=v)
        for i, (d, v, s) in enumerate(others)
    ]
    assert rules_in_force(mine + theirs, ON, series=HEALTH) == rules_in_force(mine, ON, series=HEALTH)


def test_readme_lists_every_option_with_its_default():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Rule-set options", 1)[1].split("\n## ", 1)[0]
    missing = [name for name, spec in FIELD_SPECS.items() if spec.option and f"| `{name}` |" not in section]
    assert not missing, f"README's Rule-set options table lacks {missing}"
