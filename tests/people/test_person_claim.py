"""A unit's staff claim a person no unit has (people/services.py: person_claim; R2, R3).

By full ID number and real name, both matching; the person joins the unit and its county. Nothing
changes on a refusal, and "no such person" and "another name" get one and the same answer.
"""

from __future__ import annotations

import pytest

from cehours.access.policy import PolicyDenied
from cehours.audit.models import AuditEvent
from cehours.people.models import Person
from cehours.people.selectors import people_search, unplaced_people
from cehours.people.services import CLAIM_NOT_MATCHED, ClaimMissed, PersonError, person_claim

from ..integration.support import new_id_number
from .support import first_seen


@pytest.fixture
def hospital_staff(make_staff):
    return make_staff("unit_staff", unit="hospital")


def state(person: Person) -> tuple:
    person.refresh_from_db()
    return (person.unit_id, person.county_id, person.series_id, person.unit_confirmed)


def test_r2_a_person_claimed_by_a_unit_joins_it_and_its_county(city, hospital_staff, make_staff):
    person, number = first_seen("白露", industry="")
    assert state(person) == (None, None, None, False)
    claimed = person_claim(by=hospital_staff, id_number=number.lower(), name=" 白露 ")
    hospital = city["units"]["hospital"]
    assert claimed.pk == person.pk
    assert state(person) == (hospital.pk, "331102", "health", True)  # the unit's series: they had none
    assert list(people_search(hospital_staff, "白露")) == [person]
    assert list(Person.objects.filter(county_id="331102", name="白露")) == [person]
    county_reviewer = make_staff("reviewer", level=1, county="liandu")
    assert list(people_search(county_reviewer, "白露")) == [person], "now in the county's view"
    assert person not in unplaced_people(make_staff("hr_admin")), "no longer waiting for a unit"
    event = AuditEvent.objects.get(action="people.person_claimed")
    assert (event.actor, event.object_id) == (hospital_staff, str(person.pk))
    assert event.before == {"unit": None, "county": None, "series": None, "unit_confirmed": False}
    assert event.after["unit"] == hospital.pk and event.after["county"] == "331102"
    assert number not in str(event.after), "masked in the trail"


def test_a_claim_keeps_the_series_the_record_gave(city, make_staff):
    person, number = first_seen("秋分", industry="education")
    person_claim(by=make_staff("unit_staff", unit="hospital"), id_number=number, name="秋分")
    assert state(person)[1:] == ("331102", "education", True)


def test_a_wrong_name_is_refused_naming_the_field_like_an_unknown_id_number(city, hospital_staff):
    person, number = first_seen("谷雨")
    before = (state(person), AuditEvent.objects.count())
    with pytest.raises(ClaimMissed) as wrong_name:
        person_claim(by=hospital_staff, id_number=number, name="谷风")
    with pytest.raises(ClaimMissed) as unknown:
        person_claim(by=hospital_staff, id_number=new_id_number(), name="谷雨")
    assert (wrong_name.value.field, wrong_name.value.message) == ("id_number", CLAIM_NOT_MATCHED)
    assert (unknown.value.field, unknown.value.message) == (wrong_name.value.field, wrong_name.value.message)
    assert "身份证号码" in CLAIM_NOT_MATCHED and "姓名" in CLAIM_NOT_MATCHED
    assert (state(person), AuditEvent.objects.count()) == before


def test_a_person_already_in_another_unit_cannot_be_taken(city, hospital_staff, make_person):
    teacher = make_person(unit="school", name="立夏")
    before = state(teacher)
    with pytest.raises(ClaimMissed) as refused:
        person_claim(by=hospital_staff, id_number=teacher.id_number, name="立夏")
    assert refused.value.field == "id_number" and "其他单位" in refused.value.message
    assert state(teacher) == before


def test_a_person_a_record_placed_in_the_unit_is_confirmed_by_its_claim(city, hospital_staff, make_person):
    hospital = city["units"]["hospital"]
    person, number = first_seen("小满", unit_credit_code=hospital.credit_code)
    assert state(person) == (hospital.pk, "331102", "health", False)
    person_claim(by=hospital_staff, id_number=number, name="小满")
    assert state(person) == (hospital.pk, "331102", "health", True)
    with pytest.raises(PersonError, match="已是本单位人员"):
        person_claim(by=hospital_staff, id_number=number, name="小满")


@pytest.mark.parametrize(
    ("id_number", "name", "field"),
    [("33110219900101123", "芒种", "id_number"), ("", "芒种", "id_number"), (None, "", "name")],
)
def test_bad_input_names_the_field(city, hospital_staff, id_number, name, field):
    if id_number is None:
        _, id_number = first_seen("芒种")
    with pytest.raises(PersonError) as refused:
        person_claim(by=hospital_staff, id_number=id_number, name=name)
    assert refused.value.field == field and not isinstance(refused.value, ClaimMissed)


@pytest.mark.parametrize(
    ("role", "level", "scope"),
    [("hr_admin", None, {}), ("reviewer", 3, {}), ("industry_authority", None, {"series": "health"})],
)
def test_only_unit_staff_claim(city, make_staff, role, level, scope):
    person, number = first_seen("夏至")
    with pytest.raises(PolicyDenied, match="单位经办人"):
        person_claim(by=make_staff(role, level=level, **scope), id_number=number, name="夏至")
    assert state(person) == (None, None, "health", False)


def test_unit_staff_without_a_unit_cannot_claim(city, make_staff):
    person, number = first_seen("小暑")
    with pytest.raises(PolicyDenied, match="未指定单位"):
        person_claim(by=make_staff("unit_staff", county="liandu"), id_number=number, name="小暑")
    assert state(person)[0] is None


def test_a_grant_narrowed_to_another_series_cannot_place_someone_outside_it(city, make_staff):
    staff = make_staff("unit_staff", unit="hospital", series="health")
    person, number = first_seen("大暑", industry="education")
    with pytest.raises(PolicyDenied):
        person_claim(by=staff, id_number=number, name="大暑")
    assert state(person) == (None, None, "education", False), "rolled back"
    assert not AuditEvent.objects.filter(action="people.person_claimed").exists()
