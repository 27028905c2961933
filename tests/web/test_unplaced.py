"""The 待确认人员 page and the claim page (web/unplaced.py), as staff see them.

People first seen in a record without a known unit are listed for city-wide staff and for the
industry authority of their series, never for a county's staff (they have no county yet); unit staff
claim them by full ID number and name, after which they are the unit's people. Failed claims count
against the privacy app's limit of lookups that miss.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from cehours.people.models import Person
from cehours.privacy.models import ReadEvent, ReadOutcome
from cehours.privacy.services import LIMIT_MESSAGE

from ..integration.support import new_id_number
from ..people.support import first_seen
from .test_pages import error_messages, parse

UNPLACED, CLAIM = "/people/unplaced/", "/people/claim/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def listed_names(response) -> list[str]:
    table = parse(response).find("table")
    if table is None:
        return []
    return [tr.find_all("td")[0].text() for tr in table.find("tbody").find_all("tr")]


def visible_text(response) -> str:
    body = response.content.decode()
    body = re.sub(r"<(script|style)\b.*?</\1>", "", body, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


@pytest.fixture
def waiting(city):
    """One person first seen in a record without a unit (series health, an ID number from Liandu)."""
    person, number = first_seen("林待定", industry="health")
    return {"person": person, "id_number": number}


@pytest.mark.parametrize(
    ("role", "level", "scope", "sees"),
    [
        ("hr_admin", None, {}, True),
        ("reviewer", 3, {}, True),
        ("industry_authority", None, {"series": "health"}, True),
        ("industry_authority", None, {"series": "education"}, False),
        ("reviewer", 1, {"county": "liandu"}, False),  # the ID number says Liandu; that places no one
        ("hr_admin", None, {"county": "liandu"}, False),
    ],
)
def test_the_unplaced_list_shows_the_person_to_city_wide_staff_and_their_industry_only(
    waiting, make_staff, role, level, scope, sees
):
    response = signed_in(make_staff(role, level=level, **scope)).get(UNPLACED)
    assert response.status_code == 200
    assert ("林待定" in listed_names(response)) is sees
    if sees:
        text = visible_text(response)
        assert waiting["person"].id_number_masked in text and waiting["id_number"] not in text
        assert "共 1 人" in text
        row = parse(response).find("table").find("tbody").find("tr")
        assert [td.text() for td in row.find_all("td")][1:] == [
            waiting["person"].id_number_masked,
            "卫生",
            f"{timezone.localtime(waiting['person'].created_at):%Y-%m-%d}",  # first seen, in local time
            "丽水卫生继续教育平台",
        ]


def test_the_unplaced_page_is_in_chinese_and_linked_from_the_navigation(waiting, make_staff):
    client = signed_in(make_staff("hr_admin"))
    home = client.get("/people/")
    assert 'href="/people/unplaced/"' in home.content.decode()
    text = visible_text(client.get(UNPLACED))
    for english in ("unit_credit_code", "health", "health-platform", "id_number", "None"):
        assert english not in text, english
    assert "待确认人员" in text


def test_the_unplaced_list_is_paginated_with_the_total(city, make_staff, monkeypatch):
    monkeypatch.setattr("cehours.web.unplaced.PAGE_SIZE", 2)
    for n in range(3):
        first_seen(f"分页{n}")
    client = signed_in(make_staff("hr_admin"))
    first = client.get(UNPLACED)
    assert "共 3 人" in visible_text(first) and "第 1 / 2 页" in visible_text(first)
    second = client.get(UNPLACED, {"page": 2})
    assert len(listed_names(first)) == 2 and len(listed_names(second)) == 1
    assert set(listed_names(first)) | set(listed_names(second)) == {"分页0", "分页1", "分页2"}


def test_unit_staff_claim_instead_of_reading_the_list(waiting, make_staff):
    client = signed_in(make_staff("unit_staff", unit="hospital"))
    assert client.get(UNPLACED).status_code == 403
    page = client.get(CLAIM).content.decode()
    assert 'href="/people/claim/"' in page and 'href="/people/unplaced/"' not in page


def test_a_person_claimed_by_a_unit_appears_in_its_people_and_leaves_the_list(waiting, make_staff, city):
    staff = make_staff("unit_staff", unit="hospital")
    client = signed_in(staff)
    assert f'href="/people/{waiting["person"].pk}/"' not in client.get("/people/", {"q": "林待定"}).content.decode()

    response = client.post(CLAIM, {"id_number": waiting["id_number"], "name": "林待定"}, follow=True)

    assert response.status_code == 200
    assert f"已将林待定（{waiting['person'].id_number_masked}）认领为莲都测试医院人员。" in visible_text(response)
    person = Person.objects.get(pk=waiting["person"].pk)
    assert (person.unit, person.county_id, person.unit_confirmed) == (city["units"]["hospital"], "331102", True)
    found = client.get("/people/", {"q": "林待定"})
    assert f'href="/people/{person.pk}/"' in found.content.decode()
    assert client.get(f"/people/{person.pk}/").status_code == 200
    assert "林待定" not in listed_names(signed_in(make_staff("hr_admin")).get(UNPLACED))
    county = signed_in(make_staff("reviewer", level=1, county="liandu"))
    assert f'href="/people/{person.pk}/"' in county.get("/people/", {"q": "林待定"}).content.decode()


def test_a_wrong_name_is_told_naming_the_field_and_changes_nothing(waiting, make_staff):
    client = signed_in(make_staff("unit_staff", unit="hospital"))
    response = client.post(CLAIM, {"id_number": waiting["id_number"], "name": "林别人"})
    assert response.status_code == 400
    assert error_messages(response) == ["身份证号码：没有身份证号码与姓名均相符的人员，请核对身份证号码和姓名"]
    unknown = client.post(CLAIM, {"id_number": new_id_number(), "name": "林待定"})
    assert error_messages(unknown) == error_messages(response), "the same answer: no probing of ID numbers"
    assert Person.objects.get(pk=waiting["person"].pk).unit_id is None


def test_empty_and_malformed_input_name_the_field(waiting, make_staff):
    client = signed_in(make_staff("unit_staff", unit="hospital"))
    empty = client.post(CLAIM, {})
    assert empty.status_code == 400
    assert error_messages(empty) == ["身份证号码：请填写身份证号码", "姓名：请填写姓名"]
    malformed = client.post(CLAIM, {"id_number": "33110219900101123X", "name": "林待定"})
    assert error_messages(malformed) == ["身份证号码：身份证号码校验位错误"]


def test_a_person_of_another_unit_cannot_be_claimed(make_person, make_staff):
    teacher = make_person(unit="school", name="何老师")
    response = signed_in(make_staff("unit_staff", unit="hospital")).post(
        CLAIM, {"id_number": teacher.id_number, "name": "何老师"}
    )
    assert response.status_code == 400
    assert "已属于其他单位" in error_messages(response)[0]
    assert Person.objects.get(pk=teacher.pk).unit.name == "青田测试学校"


def test_failed_claims_count_against_the_limit_of_lookups_that_miss(waiting, make_staff, settings):
    settings.LOOKUP_MISSES_PER_HOUR = 2
    staff = make_staff("unit_staff", unit="hospital")
    client = signed_in(staff)
    for name in ("林甲", "林乙"):
        assert client.post(CLAIM, {"id_number": waiting["id_number"], "name": name}).status_code == 400
    limited = client.post(CLAIM, {"id_number": waiting["id_number"], "name": "林待定"})
    assert limited.status_code == 429
    assert error_messages(limited) == [LIMIT_MESSAGE]
    assert Person.objects.get(pk=waiting["person"].pk).unit_id is None, "refused even when it would match"
    outcomes = list(ReadEvent.objects.filter(user=staff).values_list("outcome", flat=True))
    assert outcomes.count(ReadOutcome.MISSED) == 2 and outcomes.count(ReadOutcome.REFUSED) == 1
    # One limit with the people search: its lookups by ID number are refused too.
    assert client.post("/people/", {"q": waiting["id_number"]}).status_code == 429


@pytest.mark.parametrize(("role", "level"), [("hr_admin", None), ("reviewer", 1)])
def test_only_unit_staff_reach_the_claim_page(waiting, make_staff, role, level):
    client = signed_in(make_staff(role, level=level))
    assert client.get(CLAIM).status_code == 403
    assert client.post(CLAIM, {"id_number": waiting["id_number"], "name": "林待定"}).status_code == 403
    assert Person.objects.get(pk=waiting["person"].pk).unit_id is None


def test_the_claim_form_needs_its_csrf_token(waiting, make_staff):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_staff("unit_staff", unit="hospital"))
    assert client.post(CLAIM, {"id_number": waiting["id_number"], "name": "林待定"}).status_code == 403
    assert Person.objects.get(pk=waiting["person"].pk).unit_id is None
    assert 'name="csrfmiddlewaretoken"' in client.get(CLAIM).content.decode()
