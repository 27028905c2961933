"""Units and rosters (issue 10, 第二条, R13): county HR bureaus register the units of their county,
the city alone sets the 自主评聘 flag, and unit staff add their people and record the series and
title that eligibility takes its defaults from. Bad input is named and changes nothing."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cehours.audit.models import AuditEvent
from cehours.demo import synthetic_credit_code, synthetic_id_number
from cehours.people.models import Person, Unit

rng = random.Random(32100)


@pytest.fixture
def clients(make_staff):
    made = {}
    for name, role, county, unit in (
        ("liandu_hr", "hr_admin", "liandu", None), ("city_hr", "hr_admin", None, None),
        ("hospital_staff", "unit_staff", None, "hospital"), ("school_staff", "unit_staff", None, "school"),
    ):  # fmt: skip
        client = Client()
        client.force_login(make_staff(role, county=county, unit=unit))
        made[name] = client
    return made


def _unit(code: str, county: str, **extra) -> dict:
    return {"credit_code": code, "name": "莲都新登记卫生院", "county": county, "kind": "public_institution", **extra}


def test_a_county_hr_bureau_registers_its_units_and_only_the_city_sets_self_evaluation(clients, city):
    code = synthetic_credit_code(rng, "331102")
    done = clients["liandu_hr"].post("/units/", _unit(code, "331102"), follow=True)
    assert "已登记单位：莲都新登记卫生院" in done.content.decode()
    unit = Unit.objects.get(credit_code=code)
    assert (unit.county_id, unit.kind, unit.self_evaluating) == ("331102", "public_institution", False)
    assert "事业单位" in done.content.decode()
    outside = clients["liandu_hr"].post("/units/", _unit(synthetic_credit_code(rng, "331121"), "331121"))
    assert outside.status_code == 400 and "青田县不在您的登记范围内" in outside.content.decode()
    flagged = clients["liandu_hr"].post("/units/", _unit(code, "331102", self_evaluating="1"))
    assert flagged.status_code == 400 and "自主评聘单位由市人力社保局认定" in flagged.content.decode()
    assert not Unit.objects.get(pk=unit.pk).self_evaluating
    clients["city_hr"].post("/units/", _unit(code, "331102", self_evaluating="1"))
    assert Unit.objects.get(pk=unit.pk).self_evaluating
    saved = AuditEvent.objects.filter(action="people.unit_saved").order_by("seq").last()
    assert saved.before["self_evaluating"] is False and saved.after["self_evaluating"] is True


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"credit_code": "12345"}, "统一社会信用代码："),
        ({"kind": "shop"}, "单位类型："),
        ({"name": ""}, "单位名称：请填写单位名称"),
    ],
)
def test_bad_unit_input_is_named_and_changes_nothing(clients, city, fields, message):
    before = Unit.objects.count()
    answer = clients["liandu_hr"].post("/units/", {**_unit(synthetic_credit_code(rng, "331102"), "331102"), **fields})
    assert answer.status_code == 400 and message in answer.content.decode()
    assert Unit.objects.count() == before


def test_unit_staff_add_people_and_record_their_title(clients, city, make_person):
    number = synthetic_id_number(rng, "331121")  # born in Qingtian, works in Liandu: the unit decides
    added = clients["hospital_staff"].post("/roster/", {"name": "蒋名册", "id_number": number}, follow=True)
    assert "已将蒋名册" in added.content.decode()
    person = Person.objects.get(name="蒋名册")
    assert (person.unit, person.county_id, person.unit_confirmed) == (city["units"]["hospital"], "331102", True)
    again = clients["hospital_staff"].post("/roster/", {"name": "蒋名册", "id_number": number})
    assert again.status_code == 400 and "已在平台登记" in again.content.decode()

    obtained = timezone.localdate() - timedelta(days=800)
    form = {"series": "health", "title_level": "中级", "title_obtained_on": obtained.isoformat()}
    assert clients["school_staff"].post(f"/roster/people/{person.pk}/title/", form).status_code == 404
    saved = clients["hospital_staff"].post(f"/roster/people/{person.pk}/title/", form, follow=True)
    assert "已保存蒋名册的职称信息" in saved.content.decode()
    person.refresh_from_db()
    assert (person.series_id, person.title_level, person.title_obtained_on) == ("health", "中级", obtained)
    later = {**form, "title_obtained_on": (timezone.localdate() + timedelta(days=1)).isoformat()}
    refused = clients["hospital_staff"].post(f"/roster/people/{person.pk}/title/", later, follow=True)
    assert "取得现职称日期：取得现职称日期不能晚于今天" in refused.content.decode()
    assert Person.objects.get(pk=person.pk).title_obtained_on == obtained
    recorded = AuditEvent.objects.get(action="people.title_recorded")
    assert recorded.before["title_level"] == "" and recorded.after["title_level"] == "中级"


def test_other_staff_do_not_reach_units_or_rosters(clients):
    assert clients["hospital_staff"].get("/units/").status_code == 403
    assert clients["liandu_hr"].get("/roster/").status_code == 403


def _text(response) -> str:
    import re

    inline = re.sub(r"</?(span|a)\b[^>]*>", "", response.content.decode())  # words inside a line stay joined
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", inline))


def test_r19_the_roster_shows_each_persons_year_with_the_figures_of_their_own_page(
    clients, make_person, add_hours
):
    year = timezone.localdate().year
    done, behind = make_person(unit="hospital", name="钱达标"), make_person(unit="hospital", name="孙还差")
    make_person(unit="school", name="青田别人")
    add_hours(done, year, general_public="10", industry_public="8", professional="72")
    add_hours(behind, year, professional="30")
    add_hours(behind, year - 1, general_public="12", industry_public="6", professional="60")  # 78: short of 90
    staff = clients["hospital_staff"]

    now = _text(staff.get("/roster/"))
    assert f"{year}年学时（第十一条）：合格 1 人，年度进行中尚未达到 1 人。" in now
    assert f"钱达标 {done.id_number_masked} {year}年：合格，共 90.0 学时（公需 18.0，专业 72.0）" in now
    assert f"孙还差 {behind.id_number_masked} {year}年：进行中，共 30.0 学时（公需 0.0，专业 30.0）" in now
    assert "青田别人" not in now

    last = _text(staff.get("/roster/", {"year": year - 1}))
    assert f"{year - 1}年学时（第十一条）：合格 0 人，不合格 2 人。" in last
    assert f"孙还差 {behind.id_number_masked} {year - 1}年：不合格，共 78.0 学时（公需 18.0，专业 60.0）" in last
    # The person's own page, read by the same staff, says the same of that year.
    own = _text(staff.get(f"/people/{behind.pk}/"))
    assert f"{year - 1}年：不合格，共 78.0 学时" in own

    bad = staff.get("/roster/", {"year": "明年"})
    assert bad.status_code == 400 and "年度：年度应为四位数年份" in _text(bad)


def test_a_persons_page_shows_their_unit_series_and_title(clients, make_person):
    person = make_person(unit="hospital", name="周职称")
    form = {"series": "health", "title_level": "副高级", "title_obtained_on": "2021-07-01"}
    clients["hospital_staff"].post(f"/roster/people/{person.pk}/title/", form)

    page = _text(clients["hospital_staff"].get(f"/people/{person.pk}/"))

    assert "工作单位 莲都测试医院" in page and "职称系列 卫生" in page
    assert "现职称 副高级（2021年7月1日取得）" in page
