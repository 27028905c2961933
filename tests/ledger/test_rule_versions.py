"""Rule versions entered by city HR (R12d, R11): on the /rules/ page and with `cehours add-rule-version`,
each value checked and typed against the rule set, audited, append-only, applied from its date, and
for one industry series where it names one."""

from __future__ import annotations

import html
import re
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from cehours.access.policy import PolicyDenied
from cehours.audit.models import AuditEvent
from cehours.integration.keys import system_save
from cehours.integration.services import records_intake
from cehours.ledger.models import LedgerEntry, RuleVersionRecord
from cehours.ledger.rule_admin import RuleVersionError, rule_version_add
from cehours.ledger.rulesets import rules_for_year, rules_on, stored_versions
from cehours.ledger.selectors import person_compliance
from cehours.rules.ruleset import RULE_FIELDS

PASSWORD = "test-password-123"
TODAY = date(2026, 12, 2)


def page_text(response) -> str:
    """What a person reads on the page: the text outside tags and scripts."""
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", body, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


def offline_record(sid: str, person, on: str, hours: str = "8") -> dict:
    return {
        "source_record_id": sid,
        "id_number": person.id_number,
        "name": person.name,
        "category": "professional",
        "activity": "offline_training",
        "title": "线下专业培训",
        "start_on": on,
        "end_on": on,
        "completed_on": on,
        "hours": hours,
    }


@pytest.fixture
def l3(make_staff):
    return make_staff("reviewer", level=3, username="city_l3")


def test_r12d_a_provincial_version_entered_on_the_page_converts_from_its_effective_date(client, l3, make_person):
    """The province raises the daily offline figure to 8 from 2026-03-01: a one-day training
    completed the day before still counts 6, one completed on the day counts 8 (R12a, R12d)."""
    client.login(username=l3.username, password=PASSWORD)
    response = client.post(
        "/rules/",
        {"code": "浙人社发〔2026〕3号", "issuing_level": "province", "effective_from": "2026-03-01",
         "offline_hours_per_day": "8"},
    )  # fmt: skip
    assert response.status_code == 302, page_text(response)
    assert rules_on(date(2026, 2, 28)).offline_hours_per_day == 6
    assert rules_on(date(2026, 3, 1)).offline_hours_per_day == 8

    nurse = make_person()
    system, _ = system_save(code="health-platform", name="卫生学习平台", categories=[], industries=[])
    batch = records_intake(
        system=system,
        records=[offline_record("before", nurse, "2026-02-28"), offline_record("after", nurse, "2026-03-01")],
        today=TODAY,
    )
    assert [(r.status, r.hours) for r in batch.results] == [("created", "6.0"), ("created", "8.0")]
    hours = dict(LedgerEntry.objects.filter(person=nurse).values_list("completed_on", "hours"))
    assert hours == {date(2026, 2, 28): Decimal("6.0"), date(2026, 3, 1): Decimal("8.0")}

    listed = page_text(client.get("/rules/"))
    assert "浙人社发〔2026〕3号" in listed and "省级" in listed
    assert "线下学习每天最多折算学时：8.0 学时" in listed


def test_r11_a_city_annual_total_applies_to_the_years_whose_31_december_is_on_or_after_its_date(
    client, l3, make_person, add_hours
):
    client.login(username=l3.username, password=PASSWORD)
    response = client.post(
        "/rules/",
        {"code": "丽人社〔2026〕5号", "issuing_level": "city", "effective_from": "2026-07-01", "annual_total": "100"},
    )
    assert response.status_code == 302
    assert rules_for_year(2025).annual_total == 90  # 2025-12-31 is before the date
    assert rules_for_year(2026).annual_total == 100  # 2026-12-31 is after it
    nurse = make_person()
    for year in (2025, 2026):
        add_hours(nurse, year, general_public=10, industry_public=10, professional=75)  # 95 in all
    qualified = {row.year: row.qualified for row in person_compliance(nurse, 2025, 2026)}
    assert qualified == {2025: True, 2026: False}


def test_r12d_a_provincial_version_setting_the_annual_requirement_is_refused_on_the_page(client, l3):
    client.login(username=l3.username, password=PASSWORD)
    before = RuleVersionRecord.objects.count(), AuditEvent.objects.filter(action="rules.version_added").count()
    response = client.post(
        "/rules/",
        {"code": "浙人社发〔2026〕4号", "issuing_level": "province", "effective_from": "2026-03-01",
         "annual_total": "72", "offline_hours_per_day": "8", "online_minutes_per_hour": "40.5"},
    )  # fmt: skip
    assert response.status_code == 400
    text = page_text(response)
    assert "省级版本不能设置“年度总学时要求”" in text and "第十一条" in text
    assert "“在线学习每学时课件时长”应为正整数" in text  # every problem at once
    assert (
        RuleVersionRecord.objects.count(),
        AuditEvent.objects.filter(action="rules.version_added").count(),
    ) == before


def test_r12d_the_database_itself_refuses_a_provincial_annual_requirement(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleVersionRecord.objects.create(
            code="直接写入", issuing_level="province", effective_from=date(2026, 1, 1), values={"annual_total": "72"}
        )


@pytest.mark.parametrize(
    ("values", "field", "says"),
    [
        ({"offline_hours_per_day": "6.25"}, "offline_hours_per_day", "最多一位小数"),
        ({"online_minutes_per_hour": "0"}, "online_minutes_per_hour", "1 至"),
        ({"annual_totl": "100"}, "annual_totl", "annual_totl"),
        ({}, "", "请至少设置一项规则"),
    ],
)
def test_r12d_bad_values_are_refused_naming_the_field_and_nothing_is_stored(l3, values, field, says):
    with pytest.raises(RuleVersionError) as caught:
        rule_version_add(
            by=l3, code="丽人社〔2026〕6号", issuing_level="city", effective_from=date(2026, 1, 1), values=values
        )
    assert caught.value.field == field and says in caught.value.message
    assert not RuleVersionRecord.objects.filter(code="丽人社〔2026〕6号").exists()


def test_r12d_values_are_stored_typed_and_read_back_as_the_rule_set_types(l3):
    row = rule_version_add(
        by=l3,
        code="丽人社〔2026〕7号",
        issuing_level="city",
        effective_from=date(2026, 1, 1),
        values={"annual_public": "20", "declaration_deadline_days": "90", "record_hours_limits": "other=20"},
    )
    row.refresh_from_db()
    assert row.values == {
        "annual_public": "20.0",
        "declaration_deadline_days": 90,
        "record_hours_limits": {"other": "20.0"},
    }
    rules = rules_on(date(2026, 6, 1))
    assert rules.annual_public == Decimal("20.0") and rules.declaration_deadline_days == 90
    assert rules.record_limit("other", "general_public") == Decimal("20.0")


def test_every_addition_is_audited_with_what_it_sets(l3):
    row = rule_version_add(
        by=l3,
        code="丽人社〔2026〕8号",
        issuing_level="city",
        effective_from=date(2026, 1, 1),
        values={"annual_total": "95"},
    )
    event = AuditEvent.objects.get(action="rules.version_added", object_id=str(row.pk))
    assert event.actor == l3
    assert event.after["code"] == "丽人社〔2026〕8号" and event.after["values"] == {"annual_total": "95.0"}


def test_versions_are_append_only_a_correction_is_a_new_version_and_wins(l3):
    kwargs = {"by": l3, "issuing_level": "city", "effective_from": date(2026, 1, 1)}
    mistaken = rule_version_add(code="丽人社〔2026〕9号", values={"annual_total": "900"}, **kwargs)
    with pytest.raises(RuleVersionError) as caught:
        rule_version_add(code="丽人社〔2026〕9号", values={"annual_total": "90"}, **kwargs)
    assert caught.value.field == "code" and "不可修改" in caught.value.message
    mistaken.values = {"annual_total": "90"}
    with pytest.raises(ValueError, match="不可修改"):
        mistaken.save()
    with pytest.raises(ValueError, match="不可删除"):
        mistaken.delete()
    rule_version_add(code="丽人社〔2026〕10号", values={"annual_total": "90"}, **kwargs)  # same date, entered later
    assert rules_for_year(2026).annual_total == 90


def test_r12d_a_series_version_judges_only_that_series_people(l3, city, make_person, add_hours):
    rule_version_add(
        by=l3,
        code="丽人社〔2026〕11号",
        issuing_level="city",
        effective_from=date(2026, 1, 1),
        series=city["series"]["health"],
        values={"annual_professional": "70"},
    )
    nurse, teacher = make_person(unit="hospital"), make_person(unit="school")  # health, education
    for person in (nurse, teacher):
        add_hours(person, 2026, general_public=25, professional=65)  # 90 in all
    (nurse_2026,) = person_compliance(nurse, 2026, 2026)
    (teacher_2026,) = person_compliance(teacher, 2026, 2026)
    assert (nurse_2026.qualified, teacher_2026.qualified) == (False, True)
    assert rules_for_year(2026, series=city["series"]["health"].pk).annual_professional == 70
    assert rules_for_year(2026).annual_professional == 60


@pytest.mark.parametrize(
    ("role", "level", "county", "may"),
    [
        ("reviewer", 3, None, True),
        ("hr_admin", None, None, True),
        ("hr_admin", None, "liandu", False),
        ("reviewer", 2, None, False),
        ("industry_authority", None, None, False),
    ],
)
def test_only_city_hr_enters_rule_versions(client, make_staff, role, level, county, may):
    user = make_staff(role, level=level, county=county)
    client.login(username=user.username, password=PASSWORD)
    assert client.get("/rules/").status_code == (200 if may else 403)
    assert ('href="/rules/"' in client.get("/", follow=True).content.decode()) == may  # the nav link
    if not may:
        with pytest.raises(PolicyDenied):
            rule_version_add(
                by=user,
                code="越权",
                issuing_level="city",
                effective_from=date(2026, 1, 1),
                values={"annual_total": "1"},
            )


def test_the_rules_page_labels_every_field_in_chinese(client, l3):
    rule_version_add(
        by=l3,
        code="丽人社〔2026〕12号",
        issuing_level="city",
        effective_from=date(2026, 1, 1),
        values={"declaration_deadline_days": "90", "resubmission_days": "30", "hours_quantum": "0.1"},
    )
    client.login(username=l3.username, password=PASSWORD)
    text = page_text(client.get("/rules/"))
    assert not [name for name in RULE_FIELDS if name in text], "an English field name is visible"
    assert "线下学习申报截止（年度结束后天数）：90 天" in text
    assert "丽人社〔2020〕83号" in text  # the regulation's own version, from the migration


def test_the_add_rule_version_command_enters_a_version_as_the_named_user(l3, city, capsys):
    call_command(
        "add_rule_version",
        "--code", "浙卫发〔2026〕2号", "--level", "province", "--effective", "2026-03-01", "--series", "health",
        "--as", l3.username, "online_minutes_per_hour=40",
    )  # fmt: skip
    out = capsys.readouterr().out
    assert "已录入 浙卫发〔2026〕2号（省级，自 2026-03-01 起）" in out and "在线学习每学时课件时长：40 分钟" in out
    (version,) = [v for v in stored_versions() if v.code == "浙卫发〔2026〕2号"]
    assert (version.series, version.values) == (city["series"]["health"].pk, {"online_minutes_per_hour": 40})
    assert AuditEvent.objects.filter(action="rules.version_added", actor=l3).exists()


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["annual_total=72"], "省级版本不能设置“年度总学时要求”"),
        (["offline_hours_per_day"], "FIELD=VALUE"),
        (["offline_hourz=8"], "offline_hourz"),
        (["--series", "forestry", "offline_hours_per_day=8"], "--series：找不到行业（系列）forestry"),
        (["--effective", "2026-02-30", "offline_hours_per_day=8"], "--effective"),
    ],
)
def test_the_command_refuses_naming_the_field_or_option(l3, city, args, says):
    base = ["--code", "浙人社发〔2026〕9号", "--level", "province", "--effective", "2026-03-01", "--as", l3.username]
    with pytest.raises(CommandError) as caught:
        call_command("add_rule_version", *base, *args)
    assert says in str(caught.value)
    assert not RuleVersionRecord.objects.filter(code="浙人社发〔2026〕9号").exists()


def test_the_command_refuses_a_user_who_may_not_edit_rules(make_staff):
    clerk = make_staff("unit_staff", unit="hospital")
    with pytest.raises(CommandError, match="只有市人力社保局"):
        call_command(
            "add_rule_version", "--code", "X", "--level", "city", "--effective", "2026-01-01", "--as", clerk.username,
            "annual_total=95",
        )  # fmt: skip
