"""POST /api/v1/records/batch and GET /api/v1/records as a connected system sees them (R3, R12, R15, R16.1).

Every status (created, duplicate, rejected) and every error code a record can get, the answer's
order and counts, a malformed body that changes nothing, the key that must be valid, people
created by real name, totals kept exact, and what staff and the system itself can read back.
"""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from cehours.audit.models import AuditEvent
from cehours.integration.keys import key_revoke
from cehours.integration.records import CONTENT_FIELDS, MAX_LENGTHS, MAX_MINUTES
from cehours.ledger.models import LedgerEntry, PersonYearTotal, Source
from cehours.ledger.services import totals_rebuild
from cehours.people.crypto import id_number_hash
from cehours.people.models import Person

from .support import (
    QINGTIAN,
    RECORDS_URL,
    new_id_number,
    offline,
    online,
    other,
    post_batch,
    seminar,
    system_auth,
)

TODAY = timezone.localdate()


@pytest.fixture
def system(make_system):
    return make_system("health-platform")


@pytest.fixture
def key(system):
    return system[1]


def only_result(response) -> dict:
    assert response.status_code == 200, response.content
    (result,) = response.json()["results"]
    return result


def ledger_state() -> tuple[int, int, int, int]:
    return (
        LedgerEntry.objects.count(),
        AuditEvent.objects.count(),
        Person.objects.count(),
        PersonYearTotal.objects.count(),
    )


# created: the conversions (R12a–c)


def test_r12b_online_course_minutes_are_registered_as_hours_truncated_to_a_tenth(client, key, make_person):
    person = make_person()
    records = [online(f"on-{m}", person.id_number, person.name, minutes=m) for m in (44, 45, 89, 90)]
    response = post_batch(client, key, records)
    assert response.status_code == 200
    body = response.json()
    assert [(r["source_record_id"], r["status"], r["hours"], r["errors"]) for r in body["results"]] == [
        ("on-44", "created", "0.9", []),
        ("on-45", "created", "1.0", []),
        ("on-89", "created", "1.9", []),
        ("on-90", "created", "2.0", []),
    ]
    assert (body["created"], body["duplicate"], body["rejected"]) == (4, 0, 0)
    stored = dict(
        LedgerEntry.objects.filter(person=person).values_list("source_record_id", "hours").order_by("source_record_id")
    )
    assert stored == {
        "on-44": Decimal("0.9"),
        "on-45": Decimal("1.0"),
        "on-89": Decimal("1.9"),
        "on-90": Decimal("2.0"),
    }
    assert PersonYearTotal.objects.get(person=person, year=2025).professional == Decimal("5.8")


def test_r12a_offline_training_claim_above_six_hours_a_day_is_registered_at_the_cap(client, key, make_person):
    person = make_person()
    records = [
        offline("off-1", person.id_number, person.name, "2025-06-01", "2025-06-01", "8"),
        offline("off-3", person.id_number, person.name, "2025-06-10", "2025-06-12", "10"),
        offline("off-3b", person.id_number, person.name, "2025-07-10", "2025-07-12", "20"),
    ]
    response = post_batch(client, key, records)
    assert [(r["status"], r["hours"]) for r in response.json()["results"]] == [
        ("created", "6.0"),
        ("created", "10.0"),
        ("created", "18.0"),
    ]
    capped = LedgerEntry.objects.get(source_record_id="off-1")
    assert (capped.start_on.isoformat(), capped.end_on.isoformat(), capped.activity_type) == (
        "2025-06-01",
        "2025-06-01",
        "offline_training",
    )
    # The person is told why fewer hours were registered than claimed.
    assert "申报 8.0 学时按 6.0 学时登记" in capped.explanation


@pytest.mark.parametrize(("level", "hours"), [("national", "60.0"), ("provincial", "48.0"), ("municipal", "36.0")])
def test_r12c_advanced_seminar_grants_professional_hours_by_level(client, key, make_person, level, hours):
    person = make_person()
    result = only_result(post_batch(client, key, [seminar("sem-1", person.id_number, person.name, level)]))
    assert (result["status"], result["hours"]) == ("created", hours)
    entry = LedgerEntry.objects.get(source_record_id="sem-1")
    assert (entry.category, str(entry.hours)) == ("professional", hours)
    assert PersonYearTotal.objects.get(person=person, year=2025).professional == Decimal(hours)


def test_other_activity_is_registered_with_the_hours_as_given(client, key, make_person):
    person = make_person()
    records = [
        other("oth-1", person.id_number, person.name, "2.5"),
        other("oth-2", person.id_number, person.name, 3, category="industry_public"),
    ]
    response = post_batch(client, key, records)
    assert [(r["status"], r["hours"]) for r in response.json()["results"]] == [("created", "2.5"), ("created", "3.0")]
    total = PersonYearTotal.objects.get(person=person, year=2025)
    assert (total.general_public, total.industry_public, total.professional) == (
        Decimal("2.5"),
        Decimal("3.0"),
        Decimal("0.0"),
    )


# duplicate and conflict: idempotent by (system, source_record_id)


def test_resending_a_record_reports_duplicate_and_registers_it_once(client, key, make_person):
    person = make_person()
    record = online("dup-1", person.id_number, person.name, minutes=90)
    assert only_result(post_batch(client, key, [record]))["status"] == "created"
    audit_before = AuditEvent.objects.count()
    again = only_result(post_batch(client, key, [record]))
    assert (again["status"], again["hours"], again["errors"]) == ("duplicate", "2.0", [])
    assert LedgerEntry.objects.filter(source_record_id="dup-1").count() == 1
    assert PersonYearTotal.objects.get(person=person, year=2025).professional == Decimal("2.0")
    assert AuditEvent.objects.count() == audit_before  # nothing changed, nothing to record


def test_the_same_record_twice_in_one_batch_is_registered_once(client, key, make_person):
    person = make_person()
    record = online("dup-2", person.id_number, person.name, minutes=45)
    body = post_batch(client, key, [record, dict(record)]).json()
    assert statuses_of(body) == [("dup-2", "created"), ("dup-2", "duplicate")]
    assert (body["created"], body["duplicate"], body["rejected"]) == (1, 1, 0)
    assert LedgerEntry.objects.filter(source_record_id="dup-2").count() == 1
    assert PersonYearTotal.objects.get(person=person, year=2025).professional == Decimal("1.0")


def test_a_resend_with_the_same_content_written_differently_is_a_duplicate(client, key, make_person):
    person = make_person()
    first = other("dup-3", person.id_number, person.name, "6.0", title="  公需科目学习")
    assert only_result(post_batch(client, key, [first]))["status"] == "created"
    # Keys in another order, hours as a number: the same record.
    resend = dict(reversed(list({**first, "hours": 6}.items())))
    assert only_result(post_batch(client, key, [resend]))["status"] == "duplicate"
    assert LedgerEntry.objects.filter(source_record_id="dup-3").count() == 1


def test_a_resend_with_a_lower_case_x_in_the_id_number_is_a_duplicate(client, key, make_person):
    number = new_id_number(ending_in_x=True)
    record = online("dup-x", number, "陈静")
    assert only_result(post_batch(client, key, [record]))["status"] == "created"
    assert only_result(post_batch(client, key, [{**record, "id_number": number.lower()}]))["status"] == "duplicate"
    assert Person.objects.filter(id_number_hash=id_number_hash(number)).count() == 1


def test_conflict_same_source_record_id_with_other_content_is_rejected_and_the_entry_unchanged(
    client, key, make_person
):
    person = make_person()
    original = online("con-1", person.id_number, person.name, minutes=90, title="原课程")
    assert only_result(post_batch(client, key, [original]))["status"] == "created"
    changed = {**original, "minutes": 900, "title": "改过的课程"}
    result = only_result(post_batch(client, key, [changed]))
    assert result["status"] == "rejected"
    assert result["hours"] is None
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("source_record_id", "conflict")]
    assert "已登记且内容不同" in result["errors"][0]["message"]
    (entry,) = client.get(RECORDS_URL, {"source_record_id": "con-1"}, **system_auth(key)).json()
    assert (entry["hours"], entry["title"]) == ("2.0", "原课程")
    assert PersonYearTotal.objects.get(person=person, year=2025).professional == Decimal("2.0")


def test_conflict_within_one_batch_keeps_the_first_record(client, key, make_person):
    person = make_person()
    first = online("con-2", person.id_number, person.name, minutes=45)
    body = post_batch(client, key, [first, {**first, "minutes": 450}]).json()
    assert statuses_of(body) == [("con-2", "created"), ("con-2", "rejected")]
    assert body["results"][1]["errors"][0]["code"] == "conflict"
    assert LedgerEntry.objects.get(source_record_id="con-2").hours == Decimal("1.0")


def statuses_of(body: dict) -> list[tuple[str, str]]:
    return [(r["source_record_id"], r["status"]) for r in body["results"]]


# rejected: every code, each beside a good record that must still be registered

_TOMORROW = (TODAY + timedelta(days=1)).isoformat()


def _without(record: dict, name: str) -> dict:
    return {k: v for k, v in record.items() if k != name}


def _wrong_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


REJECTIONS = {
    # required
    "no source_record_id": (lambda r: _without(r, "source_record_id"), "source_record_id", "required"),
    "blank name": (lambda r: {**r, "name": "  "}, "name", "required"),
    "no title": (lambda r: _without(r, "title"), "title", "required"),
    "no completed_on": (lambda r: _without(r, "completed_on"), "completed_on", "required"),
    "no category": (lambda r: _without(r, "category"), "category", "required"),
    "no activity": (lambda r: _without(r, "activity"), "activity", "required"),
    "no id_number": (lambda r: _without(r, "id_number"), "id_number", "required"),
    "online without minutes": (lambda r: _without(r, "minutes"), "minutes", "required"),
    "offline without end_on": (
        lambda r: _without(
            offline(r["source_record_id"], r["id_number"], r["name"], "2025-06-01", "2025-06-01", 6), "end_on"
        ),
        "end_on",
        "required",
    ),
    "offline without hours": (
        lambda r: _without(
            offline(r["source_record_id"], r["id_number"], r["name"], "2025-06-01", "2025-06-01", 6), "hours"
        ),
        "hours",
        "required",
    ),
    "seminar without level": (
        lambda r: _without(seminar(r["source_record_id"], r["id_number"], r["name"], "national"), "seminar_level"),
        "seminar_level",
        "required",
    ),
    "other without hours": (
        lambda r: _without(other(r["source_record_id"], r["id_number"], r["name"], 1), "hours"),
        "hours",
        "required",
    ),
    # invalid
    "unknown category": (lambda r: {**r, "category": "leisure"}, "category", "invalid"),
    "unknown activity": (lambda r: {**r, "activity": "webinar"}, "activity", "invalid"),
    "date not ISO": (lambda r: {**r, "completed_on": "2025/05/01"}, "completed_on", "invalid"),
    "date that does not exist": (lambda r: {**r, "completed_on": "2025-02-30"}, "completed_on", "invalid"),
    "minutes as text": (lambda r: {**r, "minutes": "45"}, "minutes", "invalid"),
    "minutes with a fraction": (lambda r: {**r, "minutes": 45.5}, "minutes", "invalid"),
    "name not text": (lambda r: {**r, "name": 123}, "name", "invalid"),
    "hours not a number": (
        lambda r: other(r["source_record_id"], r["id_number"], r["name"], "six"),
        "hours",
        "invalid",
    ),
    "unknown seminar level": (
        lambda r: seminar(r["source_record_id"], r["id_number"], r["name"], "county"),
        "seminar_level",
        "invalid",
    ),
    "seminar as public hours": (
        lambda r: seminar(r["source_record_id"], r["id_number"], r["name"], "national", category="industry_public"),
        "category",
        "invalid",
    ),
    "training ends before it starts": (
        lambda r: {**offline(r["source_record_id"], r["id_number"], r["name"], "2025-06-05", "2025-06-01", 6)},
        "end_on",
        "invalid",
    ),
    "training completed on another day than its end": (
        lambda r: {
            **offline(r["source_record_id"], r["id_number"], r["name"], "2025-06-01", "2025-06-02", 6),
            "completed_on": "2025-06-03",
        },
        "completed_on",
        "invalid",
    ),
    # out_of_range
    "zero minutes": (lambda r: {**r, "minutes": 0}, "minutes", "out_of_range"),
    "negative minutes": (lambda r: {**r, "minutes": -45}, "minutes", "out_of_range"),
    "more than 100000 minutes": (lambda r: {**r, "minutes": 100_001}, "minutes", "out_of_range"),
    "completed in the future": (lambda r: {**r, "completed_on": _TOMORROW}, "completed_on", "out_of_range"),
    "completed before 1990": (lambda r: {**r, "completed_on": "1989-12-31"}, "completed_on", "out_of_range"),
    "title too long": (lambda r: {**r, "title": "课" * 256}, "title", "out_of_range"),
    "source_record_id too long": (lambda r: {**r, "source_record_id": "x" * 129}, "source_record_id", "out_of_range"),
    "negative hours": (
        lambda r: other(r["source_record_id"], r["id_number"], r["name"], "-1"),
        "hours",
        "out_of_range",
    ),
    "more than 1000 hours": (
        lambda r: other(r["source_record_id"], r["id_number"], r["name"], "1000.1"),
        "hours",
        "out_of_range",
    ),
    "training longer than a year": (
        lambda r: offline(r["source_record_id"], r["id_number"], r["name"], "2024-01-01", "2025-01-01", 6),
        "start_on",
        "out_of_range",
    ),
    # invalid_id_number
    "wrong check digit": (
        lambda r: {**r, "id_number": _wrong_check_digit(r["id_number"])},
        "id_number",
        "invalid_id_number",
    ),
    "17 digits": (lambda r: {**r, "id_number": r["id_number"][:17]}, "id_number", "invalid_id_number"),
    "birth date that does not exist": (
        lambda r: {**r, "id_number": "331102" + "20010230" + "0017"},
        "id_number",
        "invalid_id_number",
    ),
}


@pytest.mark.parametrize("case", list(REJECTIONS))
def test_a_bad_record_is_rejected_with_field_and_code_and_the_good_one_beside_it_is_registered(
    client, key, make_person, case
):
    person = make_person()
    mutate, field, code = REJECTIONS[case]
    bad = mutate(online("bad-1", person.id_number, person.name))
    good = online("good-1", person.id_number, person.name, minutes=90)
    response = post_batch(client, key, [bad, good])
    assert response.status_code == 200, response.content
    body = response.json()
    rejected, created = body["results"]
    assert rejected["status"] == "rejected"
    assert rejected["hours"] is None
    assert (field, code) in {(e["field"], e["code"]) for e in rejected["errors"]}
    for error in rejected["errors"]:
        assert error["message"].startswith(f"{error['field']}：")
    assert (created["source_record_id"], created["status"], created["hours"]) == ("good-1", "created", "2.0")
    assert (body["created"], body["duplicate"], body["rejected"]) == (1, 0, 1)
    assert list(LedgerEntry.objects.values_list("source_record_id", flat=True)) == ["good-1"]


def test_r3_known_id_number_with_another_name_is_rejected_name_mismatch(client, key, make_person):
    person = make_person(name="李娜")
    result = only_result(post_batch(client, key, [online("nm-1", person.id_number, "李娟")]))
    assert result["status"] == "rejected"
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("name", "name_mismatch")]
    assert "姓名" in result["errors"][0]["message"]
    assert not LedgerEntry.objects.filter(person=person).exists()
    assert Person.objects.get(pk=person.pk).name == "李娜"


def test_r3_one_unknown_id_number_under_two_names_in_one_batch_registers_only_the_first(client, key):
    number = new_id_number()
    body = post_batch(client, key, [online("nm-2", number, "赵磊"), online("nm-3", number, "赵雷")]).json()
    assert statuses_of(body) == [("nm-2", "created"), ("nm-3", "rejected")]
    assert body["results"][1]["errors"][0]["code"] == "name_mismatch"
    assert Person.objects.get(id_number_hash=id_number_hash(number)).name == "赵磊"


def test_category_outside_the_keys_rights_is_rejected_category_not_allowed(client, make_system, make_person):
    _, key = make_system("prof-only", categories=["professional"])
    person = make_person()
    body = post_batch(
        client,
        key,
        [
            online("cat-1", person.id_number, person.name, category="general_public"),
            online("cat-2", person.id_number, person.name, category="professional"),
        ],
    ).json()
    assert statuses_of(body) == [("cat-1", "rejected"), ("cat-2", "created")]
    assert [(e["field"], e["code"]) for e in body["results"][0]["errors"]] == [("category", "category_not_allowed")]
    total = PersonYearTotal.objects.get(person=person, year=2025)
    assert (total.general_public, total.professional) == (Decimal("0.0"), Decimal("1.0"))


def test_industry_outside_the_keys_rights_is_rejected_industry_not_allowed(client, make_system, make_person):
    _, key = make_system("health-only", industries=["health"])
    nurse = make_person(unit="hospital")  # series health
    teacher = make_person(unit="school")  # series education
    unknown_without_industry = new_id_number()
    unknown_in_health = new_id_number()
    body = post_batch(
        client,
        key,
        [
            online("ind-1", nurse.id_number, nurse.name),
            online("ind-2", teacher.id_number, teacher.name),
            online("ind-3", unknown_without_industry, "钱伟"),
            online("ind-4", unknown_in_health, "孙丽", industry="health"),
            online("ind-5", new_id_number(), "周强", industry="education"),
        ],
    ).json()
    assert statuses_of(body) == [
        ("ind-1", "created"),
        ("ind-2", "rejected"),
        ("ind-3", "rejected"),
        ("ind-4", "created"),
        ("ind-5", "rejected"),
    ]
    for rejected in (body["results"][1], body["results"][2], body["results"][4]):
        assert [(e["field"], e["code"]) for e in rejected["errors"]] == [("industry", "industry_not_allowed")]
    assert not Person.objects.filter(id_number_hash=id_number_hash(unknown_without_industry)).exists()
    assert Person.objects.get(id_number_hash=id_number_hash(unknown_in_health)).series_id == "health"


def test_unknown_industry_code_for_a_new_person_is_invalid(client, key):
    result = only_result(post_batch(client, key, [online("ind-9", new_id_number(), "吴敏", industry="astrology")]))
    assert [(e["field"], e["code"]) for e in result["errors"]] == [("industry", "invalid")]


# the answer as a whole


def test_answers_come_in_the_order_sent_with_counts_and_bad_records_spoil_nothing(client, key, make_person):
    person = make_person()
    pid, name = person.id_number, person.name
    records = [
        online("m-1", pid, name, minutes=45),
        online("m-2", pid, name, minutes=0),
        seminar("m-3", pid, name, "municipal"),
        online("m-1", pid, name, minutes=45),
        offline("m-4", pid, name, "2025-06-01", "2025-06-02", "15"),
        online("m-5", pid, "别人"),
        online("m-1", pid, name, minutes=46),
        other("m-6", pid, name, "1.5"),
    ]
    body = post_batch(client, key, records).json()
    assert [(r["source_record_id"], r["status"], r["hours"]) for r in body["results"]] == [
        ("m-1", "created", "1.0"),
        ("m-2", "rejected", None),
        ("m-3", "created", "36.0"),
        ("m-1", "duplicate", "1.0"),
        ("m-4", "created", "12.0"),
        ("m-5", "rejected", None),
        ("m-1", "rejected", None),
        ("m-6", "created", "1.5"),
    ]
    assert [e["code"] for r in body["results"] for e in r["errors"]] == ["out_of_range", "name_mismatch", "conflict"]
    assert (body["created"], body["duplicate"], body["rejected"]) == (4, 1, 3)
    total = PersonYearTotal.objects.get(person=person, year=2025)
    assert (total.general_public, total.professional) == (Decimal("1.5"), Decimal("49.0"))


def test_a_batch_of_1000_records_is_accepted(client, key):
    number = new_id_number()
    records = [online(f"k-{i}", number, "郑洁", minutes=45) for i in range(1000)]
    body = post_batch(client, key, records).json()
    assert (body["created"], body["duplicate"], body["rejected"]) == (1000, 0, 0)
    person = Person.objects.get(id_number_hash=id_number_hash(number))
    assert PersonYearTotal.objects.get(person=person, year=2025).professional == Decimal("1000.0")


_VALID_ID = new_id_number()
MALFORMED = {
    "not JSON": "{records: [",
    "a JSON list, not an object": json.dumps([{"source_record_id": "x"}]),
    "records missing": json.dumps({"items": []}),
    "records not a list": json.dumps({"records": {"source_record_id": "x"}}),
    "records empty": json.dumps({"records": []}),
    "1001 records": json.dumps(
        {"records": [online(f"big-{i}", _VALID_ID, "郑洁") for i in range(1001)]}, ensure_ascii=False
    ),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_a_malformed_body_is_refused_as_a_whole_and_writes_nothing(client, key, make_person, case):
    make_person()
    before = ledger_state()
    response = post_batch(client, key, None, raw=MALFORMED[case])
    assert response.status_code in (400, 422)
    errors = response.json()["errors"]
    assert errors
    assert all(e["code"] in {"invalid", "required", "out_of_range"} and e["message"] for e in errors)
    assert ledger_state() == before


def test_1001_records_are_refused_with_a_message_naming_records(client, key):
    response = post_batch(client, key, None, raw=MALFORMED["1001 records"])
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("records", "out_of_range")]
    assert "1000" in response.json()["errors"][0]["message"]


# who may send


@pytest.mark.parametrize("credential", ["missing", "wrong key", "revoked key", "personal token", "disabled system"])
def test_without_a_valid_system_key_the_batch_is_refused_401_and_writes_nothing(
    client, system, make_person, make_staff, bearer, credential
):
    connected, key = system
    person = make_person()
    headers: dict = {}
    if credential == "wrong key":
        headers = system_auth("cehsys_" + "A" * 43)
    elif credential == "revoked key":
        key_revoke(system=connected, prefix=key[:14])
        headers = system_auth(key)
    elif credential == "personal token":
        headers = bearer(make_staff("hr_admin"))
        assert headers["HTTP_AUTHORIZATION"].startswith("Bearer ceh_")
    elif credential == "disabled system":
        connected.active = False
        connected.save()
        headers = system_auth(key)
    before = ledger_state()
    response = client.post(
        "/api/v1/records/batch",
        data=json.dumps({"records": [online("auth-1", person.id_number, person.name)]}),
        content_type="application/json",
        **headers,
    )
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "unauthenticated"
    assert ledger_state() == before


def test_a_system_key_does_not_open_the_staff_endpoints(client, key, make_person):
    person = make_person()
    response = client.get(f"/api/v1/people/{person.id_number}/entries", **system_auth(key))
    assert response.status_code == 401


# R3: people first seen in a record


def test_r3_unknown_valid_id_number_creates_a_person_not_yet_confirmed_by_a_unit(client, key):
    in_qingtian = new_id_number(QINGTIAN)
    outside_lishui = new_id_number("110101")
    body = post_batch(client, key, [online("p-1", in_qingtian, "冯雪"), online("p-2", outside_lishui, "褚明")]).json()
    assert body["created"] == 2
    local = Person.objects.get(id_number_hash=id_number_hash(in_qingtian))
    # Born in Qingtian (the ID number's area code) says nothing of where she works: no unit, no county.
    assert (local.name, local.county_id, local.unit_id, local.unit_confirmed) == ("冯雪", None, None, False)
    assert local.id_number == in_qingtian
    assert local.id_number_masked == in_qingtian[:6] + "********" + in_qingtian[-4:]
    elsewhere = Person.objects.get(id_number_hash=id_number_hash(outside_lishui))
    assert (elsewhere.county_id, elsewhere.unit_confirmed) == (None, False)
    event = AuditEvent.objects.get(action="people.persons_created_by_intake")
    assert event.after["count"] == 2
    assert in_qingtian not in json.dumps(event.after)  # masked in the trail


def test_r14_the_year_is_the_year_the_learning_was_completed(client, key, make_person):
    person = make_person()
    body = post_batch(
        client,
        key,
        [
            online("y-1", person.id_number, person.name, minutes=90, completed_on="2025-12-31"),
            online("y-2", person.id_number, person.name, minutes=45, completed_on="2026-01-01"),
            offline("y-3", person.id_number, person.name, "2024-12-30", "2025-01-02", "12"),
        ],
    ).json()
    assert body["created"] == 3
    years = dict(LedgerEntry.objects.filter(person=person).values_list("source_record_id", "year"))
    assert years == {"y-1": 2025, "y-2": 2026, "y-3": 2025}
    totals = {t.year: t.professional for t in PersonYearTotal.objects.filter(person=person)}
    assert totals == {2025: Decimal("14.0"), 2026: Decimal("1.0")}


def test_r15_totals_are_updated_with_the_batch_and_agree_with_a_rebuild(client, key, make_person, add_hours):
    first, second = make_person(), make_person()
    add_hours(first, 2025, general_public=10, professional=20)
    records = [
        online("t-1", first.id_number, first.name, minutes=450),
        other("t-2", first.id_number, first.name, "4.5"),
        other("t-3", second.id_number, second.name, "2", category="industry_public", completed_on="2024-10-01"),
        seminar("t-4", second.id_number, second.name, "provincial"),
        online("t-5", new_id_number(), "蒋涛", minutes=135),
    ]
    assert post_batch(client, key, records).json()["created"] == 5
    figures = {
        (t.person_id, t.year): (t.general_public, t.industry_public, t.professional)
        for t in PersonYearTotal.objects.filter(person__in=[first, second])
    }
    assert figures == {
        (first.pk, 2025): (Decimal("14.5"), Decimal("0.0"), Decimal("30.0")),
        (second.pk, 2024): (Decimal("0.0"), Decimal("2.0"), Decimal("0.0")),
        (second.pk, 2025): (Decimal("0.0"), Decimal("0.0"), Decimal("48.0")),
    }
    assert totals_rebuild(fix=False) == []


def test_r16_1_registered_learning_is_visible_to_staff_in_scope_with_its_source(
    client, system, make_person, make_staff, bearer
):
    connected, key = system
    person = make_person(unit="hospital")  # Liandu
    post_batch(client, key, [offline("vis-1", person.id_number, person.name, "2025-06-01", "2025-06-01", "8")])
    reviewer = make_staff("reviewer", level=2, county="liandu")
    response = client.get(f"/api/v1/people/{person.id_number}/entries", **bearer(reviewer))
    assert response.status_code == 200
    (entry,) = response.json()
    assert (entry["source"], entry["source_system"], entry["source_record_id"]) == (
        Source.CONNECTED_SYSTEM,
        connected.code,
        "vis-1",
    )
    assert (entry["hours"], entry["activity_type"], entry["registered_by"]) == (
        "6.0",
        "offline_training",
        f"system:{connected.code}",
    )
    assert "6.0 学时登记" in entry["explanation"]
    outsider = make_staff("reviewer", level=2, county="qingtian")
    assert client.get(f"/api/v1/people/{person.id_number}/entries", **bearer(outsider)).status_code == 404


def test_r21_a_registered_batch_is_in_the_audit_trail_under_the_system(client, system, make_person):
    connected, key = system
    person = make_person()
    post_batch(client, key, [online("aud-1", person.id_number, person.name), online("aud-2", person.id_number, "x")])
    event = AuditEvent.objects.get(action="intake.batch_registered")
    assert event.actor_label == f"system:{connected.code}"
    assert event.after["source_record_ids"] == ["aud-1"]
    assert event.after["entry_ids"] == [LedgerEntry.objects.get(source_record_id="aud-1").pk]


# reading back


def test_a_system_reads_back_its_own_record_and_never_another_systems(client, make_system, make_person):
    person = make_person()
    health, health_key = make_system("health-platform")
    _, school_key = make_system("school-platform")
    post_batch(client, health_key, [online("shared-7", person.id_number, person.name, minutes=90, title="卫生课程")])
    post_batch(client, school_key, [online("shared-7", person.id_number, person.name, minutes=45, title="教育课程")])
    assert LedgerEntry.objects.filter(source_record_id="shared-7").count() == 2
    mine = client.get(RECORDS_URL, {"source_record_id": "shared-7"}, **system_auth(health_key))
    assert mine.status_code == 200
    (record,) = mine.json()
    assert (record["source_record_id"], record["title"], record["hours"], record["year"]) == (
        "shared-7",
        "卫生课程",
        "2.0",
        2025,
    )
    assert (record["name"], record["category"], record["activity"], record["reversed"]) == (
        person.name,
        "professional",
        "online_course",
        False,
    )
    assert record["id_number"] == person.id_number_masked
    assert LedgerEntry.objects.get(pk=record["id"]).source_system == health.code
    (theirs,) = client.get(RECORDS_URL, {"source_record_id": "shared-7"}, **system_auth(school_key)).json()
    assert (theirs["title"], theirs["hours"]) == ("教育课程", "1.0")


def test_reading_back_an_unknown_record_gives_an_empty_list(client, key):
    response = client.get(RECORDS_URL, {"source_record_id": "never-sent"}, **system_auth(key))
    assert (response.status_code, response.json()) == (200, [])


def test_reading_back_needs_the_source_record_id_and_a_key(client, key):
    missing = client.get(RECORDS_URL, **system_auth(key))
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["field"] == "source_record_id"
    assert client.get(RECORDS_URL, {"source_record_id": "x"}).status_code == 401


# the documented record


def _openapi(client) -> dict:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()["components"]["schemas"]


def test_openapi_describes_every_field_of_a_record_with_the_bounds_intake_enforces(client):
    schemas = _openapi(client)
    assert schemas["BatchIn"]["properties"]["records"]["items"] == {"$ref": "#/components/schemas/RecordIn"}
    variants = {ref["$ref"].rsplit("/", 1)[1] for ref in schemas["RecordIn"]["oneOf"]}
    assert schemas["RecordIn"]["discriminator"]["propertyName"] == "activity"
    documented: set[str] = {"source_record_id"}
    for name in variants:
        properties = schemas[name]["properties"]
        assert all(p.get("description") for p in properties.values()), name
        documented |= set(properties)
        for field, bound in MAX_LENGTHS.items():
            text = properties[field].get("anyOf", [properties[field]])[0]
            assert text["maxLength"] == bound, (name, field)
    assert documented >= set(CONTENT_FIELDS)
    online_minutes = schemas["OnlineCourseRecord"]["properties"]["minutes"]
    assert (online_minutes["minimum"], online_minutes["maximum"]) == (1, MAX_MINUTES)
    assert set(schemas["Category"]["enum"]) == {"general_public", "industry_public", "professional"}
    assert set(schemas["SeminarLevel"]["enum"]) == {"national", "provincial", "municipal"}
    # Every code a record's error can carry is in the one documented enumeration.
    code = schemas["RecordErrorOut"]["properties"]["code"]
    assert {"conflict", "name_mismatch", "category_not_allowed"} <= set(schemas[code["$ref"].rsplit("/", 1)[1]]["enum"])


def test_a_record_breaking_the_documented_schema_is_rejected_alone(client, key, make_person):
    person = make_person()
    good = online("schema-good", person.id_number, person.name)
    bad = {**online("schema-bad", person.id_number, person.name), "minutes": MAX_MINUTES + 1}
    body = post_batch(client, key, [bad, good]).json()
    assert [r["status"] for r in body["results"]] == ["rejected", "created"]
    assert [(e["field"], e["code"]) for e in body["results"][0]["errors"]] == [("minutes", "out_of_range")]


def test_a_record_that_is_not_an_object_refuses_the_body_and_names_it(client, key, make_person):
    person = make_person()
    before = ledger_state()
    response = post_batch(client, key, [online("obj-1", person.id_number, person.name), "obj-2"])
    assert response.status_code == 422
    assert [(e["field"], e["code"]) for e in response.json()["errors"]] == [("records.1", "invalid")]
    assert ledger_state() == before
