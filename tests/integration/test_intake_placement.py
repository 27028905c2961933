"""Where a person first seen in a connected system's record belongs (people/placement.py, R2, R3).

The unit the record names (`unit_credit_code`, GB 32100) decides the person's unit and county; the
birth area in the ID number never does. Without a known unit the person stays unplaced (待确认人员).
A person already registered is never moved by a record. Adding the field did not change the
fingerprint of records that do not send it, so what systems registered before still resends as a
duplicate.
"""

from __future__ import annotations

from datetime import date

import pytest

from cehours.integration.exchange import import_hours
from cehours.integration.records import fingerprint, parse_record
from cehours.integration.services import records_intake
from cehours.people.crypto import id_number_hash
from cehours.people.models import Person
from cehours.rules.ruleset import RuleSet

from .support import LIANDU, QINGTIAN, new_id_number, online, post_batch

TODAY = date(2026, 11, 29)
UNKNOWN_UNIT = "91331121MA2B0000XQ"  # well-formed (GB 32100), and no unit registered with it


def parse(raw):
    return parse_record(raw, rules_on=lambda day: RuleSet(), today=TODAY)


def person_of(number: str) -> Person:
    return Person.objects.select_related("unit").get(id_number_hash=id_number_hash(number))


# the field as parsed


def test_unit_credit_code_is_optional_and_upper_cased(city):
    code = city["units"]["hospital"].credit_code
    assert parse(online("u-1", new_id_number(), "王芳")).unit_credit_code == ""
    assert parse(online("u-2", new_id_number(), "王芳", unit_credit_code=code.lower())).unit_credit_code == code
    assert parse(online("u-3", new_id_number(), "王芳", unit_credit_code=None)).unit_credit_code == ""


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("91331102MA2A0000X1", "invalid"),  # a wrong check character
        ("9133110", "invalid"),  # too short
        ("91331102MA2A0000XI", "invalid"),  # I is not in the alphabet of GB 32100
        ("9" * 19, "out_of_range"),  # over the documented 18 characters
        (913311020000000000, "invalid"),  # a number, not text
    ],
)
def test_a_malformed_unit_credit_code_is_a_problem_of_the_record_naming_the_field(value, code):
    problems = parse(online("u-bad", new_id_number(), "王芳", unit_credit_code=value))
    assert isinstance(problems, list)
    assert [(p.field, p.code.value) for p in problems] == [("unit_credit_code", code)]
    assert problems[0].message.startswith("unit_credit_code：")


# the fingerprint: unchanged without the field


def test_the_fingerprint_of_a_record_without_unit_credit_code_is_what_it_was_before_the_field():
    # Computed by the code before `unit_credit_code` existed (and so what systems' stored records carry).
    before = {
        "golden-1": "1ca9a99cb3f64bd36014e1ea9f698211a4df17ce9dd9c1e1cc49ef2702f8bfd9",
        "golden-2": "ce2e923eea24a71ddb2995331d7c1d584dd1073df5e20d62b49205ac1a98f00b",
    }
    records = [
        {
            "source_record_id": "golden-1", "id_number": "33110220010101001x", "name": "王芳",
            "category": "professional", "activity": "online_course", "title": "继续教育在线课程",
            "completed_on": "2025-05-01", "minutes": 90, "industry": "health",
        },
        {
            "source_record_id": "golden-2", "id_number": "331102200101010010", "name": "李明",
            "category": "general_public", "activity": "other", "title": "公需科目学习",
            "completed_on": "2025-03-15", "hours": "2.5", "provider": "丽水学院",
        },
    ]  # fmt: skip
    for record in records:
        assert fingerprint(record) == before[record["source_record_id"]]
        # Sent as null or blank, the field is "not sent": the same record.
        for absent in (None, "", "  "):
            assert fingerprint({**record, "unit_credit_code": absent}) == before[record["source_record_id"]]


def test_adding_unit_credit_code_changes_the_fingerprint_and_its_case_does_not(city):
    code = city["units"]["hospital"].credit_code
    record = online("fp-1", new_id_number(), "王芳")
    with_code = fingerprint({**record, "unit_credit_code": code})
    assert with_code != fingerprint(record)
    assert fingerprint({**record, "unit_credit_code": f" {code.lower()}"}) == with_code
    assert fingerprint({**record, "unit_credit_code": city["units"]["school"].credit_code}) != with_code


def test_a_stored_record_resent_without_unit_credit_code_is_a_duplicate_and_with_one_a_conflict(
    city, make_system, make_person
):
    system, _ = make_system("health-platform")
    person = make_person(unit="hospital")
    record = online("resend-1", person.id_number, person.name)
    assert [r.status for r in records_intake(system=system, records=[record]).results] == ["created"]
    assert [r.status for r in records_intake(system=system, records=[dict(record)]).results] == ["duplicate"]
    again = records_intake(system=system, records=[{**record, "unit_credit_code": None}]).results
    assert [r.status for r in again] == ["duplicate"]
    changed = records_intake(
        system=system, records=[{**record, "unit_credit_code": city["units"]["hospital"].credit_code}]
    ).results
    assert [(r.status, r.errors[0]["code"]) for r in changed] == [("rejected", "conflict")]


# placement of a person first seen in a record


@pytest.fixture
def system(make_system):
    return make_system("health-platform")


def test_a_record_naming_a_known_unit_places_the_new_person_in_the_units_county(client, city, system):
    school = city["units"]["school"]  # in Qingtian
    born_in_liandu = new_id_number(LIANDU)
    body = post_batch(client, system[1], [online("k-1", born_in_liandu, "章雨", unit_credit_code=school.credit_code)])
    assert body.json()["created"] == 1
    person = person_of(born_in_liandu)
    assert (person.unit, person.county_id, person.series_id) == (school, QINGTIAN, "education")
    assert person.unit_confirmed is False, "a system named the unit; the unit has not confirmed the person"


def test_the_records_industry_is_kept_over_the_units_series(client, city, system):
    number = new_id_number()
    hospital = city["units"]["hospital"]  # series health
    post_batch(
        client, system[1], [online("k-2", number, "邱雨", unit_credit_code=hospital.credit_code, industry="education")]
    )
    person = person_of(number)
    assert (person.unit, person.county_id, person.series_id) == (hospital, LIANDU, "education")


@pytest.mark.parametrize("unit_credit_code", [None, UNKNOWN_UNIT], ids=["no code", "unknown unit"])
def test_a_record_without_a_known_unit_leaves_the_person_unplaced_whatever_their_id_number_says(
    client, city, system, unit_credit_code
):
    born_in_liandu = new_id_number(LIANDU)  # 331102…: Liandu's own area code
    extra = {"unit_credit_code": unit_credit_code} if unit_credit_code else {}
    body = post_batch(client, system[1], [online("n-1", born_in_liandu, "严冬", industry="health", **extra)]).json()
    assert body["created"] == 1 and body["results"][0]["errors"] == []
    person = person_of(born_in_liandu)
    assert (person.unit_id, person.county_id, person.series_id, person.unit_confirmed) == (None, None, "health", False)


def test_a_record_never_moves_a_person_already_registered(client, city, system, make_person):
    nurse = make_person(unit="hospital")
    school = city["units"]["school"]
    body = post_batch(
        client, system[1], [online("m-1", nurse.id_number, nurse.name, unit_credit_code=school.credit_code)]
    )
    assert body.json()["created"] == 1
    nurse.refresh_from_db()
    assert (nurse.unit, nurse.county_id, nurse.series_id, nurse.unit_confirmed) == (
        city["units"]["hospital"],
        LIANDU,
        "health",
        True,
    )


def test_a_system_limited_to_an_industry_places_by_the_units_series(city, make_system):
    system, _ = make_system("health-only", industries=["health"])
    in_hospital, in_school = new_id_number(), new_id_number()
    results = records_intake(
        system=system,
        records=[
            online("s-1", in_hospital, "陶然", unit_credit_code=city["units"]["hospital"].credit_code),
            online("s-2", in_school, "柏舟", unit_credit_code=city["units"]["school"].credit_code),
        ],
    ).results
    assert [r.status for r in results] == ["created", "rejected"]
    assert results[1].errors[0]["code"] == "industry_not_allowed"
    assert person_of(in_hospital).series_id == "health"
    assert not Person.objects.filter(id_number_hash=id_number_hash(in_school)).exists()


# the provincial import: the same optional column


def test_the_hours_import_places_a_new_person_by_an_optional_unit_credit_code_column(city, make_staff):
    hr = make_staff("hr_admin")
    placed, unplaced = new_id_number(LIANDU), new_id_number(LIANDU)
    hospital = city["units"]["hospital"]

    def row(sid, number, name, **extra):
        return {
            "source_record_id": sid, "id_number": number, "name": name, "category": "professional",
            "hours": "3", "title": "省平台专业科目学习", "completed_on": "2025-10-01", **extra,
        }  # fmt: skip

    rows = [
        (2, row("zj-p1", placed, "计划", unit_credit_code=hospital.credit_code.lower())),
        (3, row("zj-p2", unplaced, "范闲", unit_credit_code="")),  # a blank cell: as if the column were absent
        (4, row("zj-p3", new_id_number(), "坏码", unit_credit_code="123")),
    ]
    report = import_hours(rows=iter(rows), user=hr, dry_run=False)
    assert [r.status for r in report.rows] == ["created", "created", "rejected"]
    assert report.rows[2].errors[0].startswith("unit_credit_code：")
    assert (person_of(placed).unit, person_of(placed).county_id) == (hospital, LIANDU)
    assert (person_of(unplaced).unit_id, person_of(unplaced).county_id) == (None, None)
    # A file without the column still imports, and again is a duplicate.
    without = [(2, row("zj-p2", unplaced, "范闲"))]
    assert [r.status for r in import_hours(rows=iter(without), user=hr, dry_run=False).rows] == ["duplicate"]
