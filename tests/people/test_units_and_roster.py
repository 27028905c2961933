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
