"""POST /api/v1/eligibility/batch: a title-evaluation committee's list judged at once (R13, R20).

Each row must get exactly the answer the one-person endpoint gives, whatever else is in the list;
a mistyped row names its field and leaves the others judged; an applicant outside the caller's
scope is "not found" like an unknown number; the lookup throttle holds inside a list; and the
number of queries does not grow with the list.
"""

from __future__ import annotations

import random
from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cehours.declarations.services import integrity_record
from cehours.demo import synthetic_id_number
from cehours.ledger.applicants import MAX_APPLICANTS
from cehours.privacy.models import ReadAction, ReadEvent, ReadOutcome

A = 2026
URL = "/api/v1/eligibility/batch"
REASON = "评委会统一按3年"


def post(client, headers, applicants, status=200) -> dict:
    response = client.post(URL, {"applicants": applicants}, content_type="application/json", **headers)
    assert response.status_code == status, response.content.decode()
    return response.json()


def single(client, headers, id_number: str, query: str) -> dict:
    response = client.get(f"/api/v1/people/{id_number}/eligibility?{query}", **headers)
    assert response.status_code == 200, response.content.decode()
    return response.json()


def row(person, **extra) -> dict:
    return {"id_number": person.id_number, "application_year": A, **extra}


def test_r13_each_row_of_a_list_is_judged_exactly_as_one_lookup_judges_it(
    client, make_person, make_staff, bearer, qualify, add_hours
):
    evaluator = make_staff("evaluator")
    headers = bearer(evaluator)
    eligible, short, pending_only = make_person(), make_person(), make_person()
    qualify(eligible, 2023, 2024, 2025)
    qualify(short, 2024, 2025)
    add_hours(short, 2023, professional="30")
    qualify(pending_only, 2024, 2025)  # 2027 must be qualified (初定) and has not begun
    applicants = [
        row(eligible, required_years=3, override_reason=REASON),
        row(short, required_years=3, override_reason=REASON),
        {"id_number": pending_only.id_number, "application_year": 2027, "required_years": 1},
    ]

    body = post(client, headers, applicants)

    assert [r["status"] for r in body["applicants"]] == ["found", "found", "found"]
    assert [r["verdict"] for r in body["applicants"]] == ["eligible", "not_eligible", "pending"]
    assert (body["count"], body["found"], body["eligible"], body["not_eligible"], body["pending"]) == (3, 3, 1, 1, 1)
    queries = [
        (eligible, f"application_year={A}&required_years=3&override_reason={REASON}"),
        (short, f"application_year={A}&required_years=3&override_reason={REASON}"),
        (pending_only, "application_year=2027&required_years=1"),
    ]
    for answer, (person, query) in zip(body["applicants"], queries, strict=True):
        assert answer["result"] == single(client, headers, person.id_number, query)
    assert body["applicants"][1]["result"]["reasons"] == ["2023—2025年学时合格年数为 2 年，少于申报资格规定的 3 年"]


def test_r20_an_integrity_entry_blocks_its_row_and_no_other(client, make_person, make_staff, bearer, qualify):
    headers = bearer(make_staff("evaluator"))
    blocked, clean = make_person(), make_person()
    qualify(blocked, 2023, 2024, 2025)
    qualify(clean, 2023, 2024, 2025)
    city_hr = make_staff("reviewer", level=3)
    integrity_record(person=blocked, finding="伪造培训证书", by=city_hr, on=timezone.localdate())
    three_years = {"required_years": 3, "override_reason": REASON}

    body = post(client, headers, [row(blocked, **three_years), row(clean, **three_years)])

    first, second = body["applicants"]
    assert (first["verdict"], first["result"]["integrity_block"]) == ("not_eligible", True)
    assert first["result"]["reasons"][0].startswith("存在继续教育学时弄虚作假诚信记录")
    assert (second["verdict"], second["result"]["integrity_block"]) == ("eligible", False)


def test_a_mistyped_row_names_its_field_and_the_rest_are_still_judged(
    client, make_person, make_staff, bearer, qualify
):
    headers = bearer(make_staff("evaluator"))
    person = make_person(name="张晓梅")
    qualify(person, 2023, 2024, 2025)
    bad_check_digit = person.id_number[:-1] + ("0" if person.id_number[-1] != "0" else "1")

    body = post(
        client,
        headers,
        [
            {"id_number": bad_check_digit},
            row(person, since_year=2027),
            row(person, name="张小梅", series="教育", required_years=3, override_reason=REASON),
        ],
    )

    bad_number, bad_year, judged = body["applicants"]
    assert bad_number["status"] == "invalid"
    assert bad_number["errors"][0]["field"] == "applicants.0.id_number"
    assert bad_number["id_number"] == bad_check_digit
    assert bad_year["status"] == "invalid"
    assert [(e["field"], e["message"]) for e in bad_year["errors"]] == [
        ("applicants.1.since_year", "since_year：取得现职称年份不能晚于申报年度")
    ]
    assert bad_year["result"] is None and bad_year["verdict"] is None
    assert judged["verdict"] == "eligible"
    assert judged["notes"] == [
        "名单上的姓名“张小梅”与登记的姓名“张晓梅”不一致",
        "名单上的系列“教育”与登记的系列“卫生”不一致",
    ]
    assert (body["invalid"], body["found"]) == (2, 1)


def test_an_applicant_outside_the_evaluators_scope_is_not_found_like_an_unknown_number(
    client, make_person, make_staff, bearer, qualify
):
    health_evaluator = make_staff("evaluator", series="health")
    headers = bearer(health_evaluator)
    doctor, teacher = make_person("hospital"), make_person("school")
    qualify(doctor, 2023, 2024, 2025)
    qualify(teacher, 2023, 2024, 2025)
    unknown = synthetic_id_number(random.Random(7), "331102")

    three_years = {"required_years": 3, "override_reason": REASON}

    body = post(client, headers, [row(doctor, **three_years), row(teacher, **three_years), {"id_number": unknown}])

    statuses = [(r["status"], r["result"]) for r in body["applicants"][1:]]
    assert statuses == [("not_found", None), ("not_found", None)]
    assert body["applicants"][1]["id_number"] == teacher.id_number  # what was sent, nothing more
    assert body["applicants"][0]["status"] == "found"
    assert body["applicants"][0]["result"]["person"]["name"] == doctor.name
    misses = ReadEvent.objects.filter(action=ReadAction.API_ELIGIBILITY_BATCH, outcome=ReadOutcome.MISSED)
    assert misses.count() == 2
    assert ReadEvent.objects.filter(action=ReadAction.API_ELIGIBILITY_BATCH, person=doctor).count() == 1


def test_a_list_of_guessed_numbers_stops_finding_anyone_once_the_misses_run_out(
    client, settings, make_person, make_staff, bearer, qualify
):
    settings.LOOKUP_MISSES_PER_HOUR = 3
    headers = bearer(make_staff("evaluator"))
    real = make_person()
    qualify(real, 2023, 2024, 2025)
    rng = random.Random(11)
    guesses = [{"id_number": synthetic_id_number(rng, "331102")} for _ in range(5)]

    body = post(client, headers, [*guesses, row(real)])

    assert [r["status"] for r in body["applicants"]] == ["not_found"] * 3 + ["refused"] * 3
    assert body["applicants"][-1]["result"] is None  # a real person after the limit is not read either
    assert body["applicants"][-1]["status_label"] == "查询未登记身份证号码次数过多，本行未查询"
    again = post(client, headers, [row(real)], status=429)
    assert again["errors"][0]["field"] == "id_number"
    single_lookup = client.get(f"/api/v1/people/{real.id_number}/eligibility", **headers)
    assert single_lookup.status_code == 429  # one allowance across lists and single lookups


def test_the_list_is_bounded_and_well_formed_or_refused_whole(client, make_person, make_staff, bearer):
    headers = bearer(make_staff("evaluator"))
    person = make_person()

    too_many = post(client, headers, [row(person)] * (MAX_APPLICANTS + 1), status=422)
    empty = post(client, headers, [], status=422)
    wrong_type = post(client, headers, [{"id_number": person.id_number, "application_year": "明年"}], status=422)
    long_reason = post(client, headers, [row(person, override_reason="理" * 201)], status=422)
    # JSON true must not pass as 1 year: the committee would be judged on a figure nobody sent.
    boolean_years = post(client, headers, [row(person, required_years=True)], status=422)

    assert too_many["errors"][0]["field"] == "applicants"
    assert empty["errors"][0]["field"] == "applicants"
    assert wrong_type["errors"][0]["field"] == "applicants.0.application_year"
    assert long_reason["errors"][0]["field"] == "applicants.0.override_reason"
    assert boolean_years["errors"][0]["field"] == "applicants.0.required_years"
    assert not ReadEvent.objects.filter(action=ReadAction.API_ELIGIBILITY_BATCH).exists()


def test_without_a_token_the_list_is_refused(client, make_person):
    response = client.post(URL, {"applicants": [row(make_person())]}, content_type="application/json")
    assert response.status_code == 401


def _random_city(make_person, add_hours, rng: random.Random, count: int):
    people = []
    for i in range(count):
        person = make_person("hospital" if i % 2 else "school", title_obtained_on=date(rng.randint(2015, 2024), 3, 1))
        for year in range(2020, 2027):
            if rng.random() < 0.7:
                add_hours(
                    person,
                    year,
                    general_public=str(rng.choice([0, 6, 9, 12])),
                    industry_public=str(rng.choice([0, 6, 9])),
                    professional=str(rng.choice([30, 60, 72, 80])),
                )
        people.append(person)
    return people


def test_r13_a_list_in_any_order_with_repeats_answers_as_the_people_one_by_one(
    client, make_person, make_staff, bearer, add_hours
):
    """Bulk reading must not mix people up: shuffled, repeated, with mixed years and periods."""
    rng = random.Random(2026)
    headers = bearer(make_staff("evaluator"))
    people = _random_city(make_person, add_hours, rng, 12)
    applicants = []
    for _ in range(30):
        person = rng.choice(people)
        applicants.append(
            {
                "id_number": person.id_number,
                "application_year": rng.choice([2025, 2026, 2027]),
                "required_years": rng.choice([1, 2, 3, 4]),
                "override_reason": REASON,
            }
        )

    body = post(client, headers, applicants)

    for sent, answer in zip(applicants, body["applicants"], strict=True):
        query = "&".join(f"{k}={v}" for k, v in sent.items() if k != "id_number")
        assert answer["result"] == single(client, headers, sent["id_number"], query)


def test_the_queries_of_a_list_do_not_grow_with_its_length(client, make_person, make_staff, bearer, add_hours):
    rng = random.Random(5)
    headers = bearer(make_staff("evaluator"))
    people = _random_city(make_person, add_hours, rng, 40)

    def queries_for(some) -> int:
        with CaptureQueriesContext(connection) as captured:
            post(client, headers, [row(p) for p in some])
        return len(captured.captured_queries)

    assert queries_for(people[:4]) == queries_for(people)
