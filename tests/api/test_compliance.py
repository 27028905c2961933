"""GET /api/v1/people/{id_number}/compliance: each year's hours by category against R11, through the API.

What a caller sees: the three R6 categories side by side with `public` as their sum, hours as decimal
strings, whether the year is qualified and, if not, what is missing in Chinese naming the year.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from django.utils import timezone

from cehours.ledger.models import Source
from cehours.ledger.services import entry_register, entry_reverse
from cehours.people.services import person_register
from cehours.rules.identifiers import id_check_digit

YEAR = 2025
HOURS_STRING = re.compile(r"^-?\d+\.\d$")
SHORTFALL_LABELS = {
    "professional": "专业科目",
    "public": "公需科目（一般公需与行业公需合计）",
    "total": "总",
}


def compliance(client, headers, person, query: str = f"?from={YEAR}&to={YEAR}"):
    response = client.get(f"/api/v1/people/{person.id_number}/compliance{query}", **headers)
    assert response.status_code == 200, response.content.decode()
    return response.json()


def year_row(body, year: int = YEAR) -> dict:
    rows = [row for row in body["years"] if row["year"] == year]
    assert len(rows) == 1, body
    return rows[0]


@pytest.fixture
def staff_headers(make_staff, bearer):
    return bearer(make_staff("hr_admin"))


# R11 第十一条: ≥ 90 in all, of which professional ≥ 60 and general + industry public ≥ 18.


@pytest.mark.parametrize(
    ("hours", "qualified", "shortfalls"),
    [
        pytest.param(
            {"general_public": "9.0", "industry_public": "9.0", "professional": "71.9"},
            False,
            [("total", "0.1")],
            id="total_89_9",
        ),
        pytest.param(
            {"general_public": "9.0", "industry_public": "9.0", "professional": "72.0"},
            True,
            [],
            id="total_90_0",
        ),
        pytest.param(
            {"general_public": "15.0", "industry_public": "15.1", "professional": "59.9"},
            False,
            [("professional", "0.1")],
            id="professional_59_9",
        ),
        pytest.param(
            {"general_public": "15.0", "industry_public": "15.0", "professional": "60.0"},
            True,
            [],
            id="professional_60_0",
        ),
        pytest.param(
            {"general_public": "9.0", "industry_public": "8.9", "professional": "72.1"},
            False,
            [("public", "0.1")],
            id="public_17_9",
        ),
        pytest.param(
            {"general_public": "9.0", "industry_public": "9.0", "professional": "72.0"},
            True,
            [],
            id="public_18_0",
        ),
    ],
)
def test_r11_boundaries_decide_qualified_and_name_the_shortfall(
    client, make_person, add_hours, staff_headers, hours, qualified, shortfalls
):
    person = make_person()
    add_hours(person, YEAR, **hours)

    row = year_row(compliance(client, staff_headers, person))

    assert row["qualified"] is qualified
    assert [(s["category"], s["missing_hours"]) for s in row["shortfalls"]] == shortfalls
    for shortfall in row["shortfalls"]:
        label = SHORTFALL_LABELS[shortfall["category"]]
        assert shortfall["message"].startswith(f"{YEAR}年还需{label}学时 {shortfall['missing_hours']}")


def test_r11_year_without_hours_lists_every_shortfall_in_order(client, make_person, staff_headers):
    person = make_person()

    row = year_row(compliance(client, staff_headers, person))

    assert row["qualified"] is False
    assert row["shortfalls"] == [
        {
            "category": "professional",
            "missing_hours": "60.0",
            "message": "2025年还需专业科目学时 60.0（要求 60，已有 0.0）",
        },
        {
            "category": "public",
            "missing_hours": "18.0",
            "message": "2025年还需公需科目（一般公需与行业公需合计）学时 18.0（要求 18，已有 0.0）",
        },
        {"category": "total", "missing_hours": "90.0", "message": "2025年还需总学时 90.0（要求 90，已有 0.0）"},
    ]


def test_r11_shortfalls_are_judged_per_year(client, make_person, add_hours, staff_headers):
    person = make_person()
    add_hours(person, 2024, general_public="10", industry_public="8", professional="72")
    add_hours(person, 2025, general_public="10", industry_public="8", professional="50.5")

    body = compliance(client, staff_headers, person, "?from=2024&to=2025")

    assert [(row["year"], row["qualified"]) for row in body["years"]] == [(2024, True), (2025, False)]
    assert year_row(body, 2024)["shortfalls"] == []
    messages = [s["message"] for s in year_row(body, 2025)["shortfalls"]]
    assert all(message.startswith("2025年") for message in messages)
    assert [s["missing_hours"] for s in year_row(body, 2025)["shortfalls"]] == ["9.5", "21.5"]


# R6 第六条: three categories, shown separately; public = general + industry.


def test_r6_categories_are_shown_separately_and_public_is_their_sum(client, make_person, add_hours, staff_headers):
    person = make_person()
    add_hours(person, YEAR, general_public="6.5", industry_public="11.7", professional="63.4")

    row = year_row(compliance(client, staff_headers, person))

    assert {k: row[k] for k in ("general_public", "industry_public", "public", "professional", "total")} == {
        "general_public": "6.5",
        "industry_public": "11.7",
        "public": "18.2",
        "professional": "63.4",
        "total": "81.6",
    }


def test_r6_hours_are_decimal_strings_with_one_decimal_place(client, make_person, add_hours, staff_headers):
    person = make_person()
    add_hours(person, YEAR, general_public="3", industry_public="0.5", professional="45.25")

    row = year_row(compliance(client, staff_headers, person))

    figures = [row[k] for k in ("general_public", "industry_public", "public", "professional", "total")]
    assert all(isinstance(value, str) and HOURS_STRING.match(value) for value in figures), figures
    assert figures == ["3.0", "0.5", "3.5", "45.2", "48.7"]
    assert all(HOURS_STRING.match(s["missing_hours"]) for s in row["shortfalls"])


# R3 第三条: real-name registration; hours accumulate per person.


def test_r3_hours_accumulate_per_person_and_never_leak_to_another(client, make_person, add_hours, staff_headers):
    person, colleague = make_person(), make_person()
    add_hours(person, YEAR, professional="30")
    add_hours(person, YEAR, professional="30.5", general_public="2")

    mine = year_row(compliance(client, staff_headers, person))
    theirs = year_row(compliance(client, staff_headers, colleague))

    assert (mine["professional"], mine["general_public"], mine["total"]) == ("60.5", "2.0", "62.5")
    assert (theirs["professional"], theirs["total"]) == ("0.0", "0.0")


# The range asked for, and the default range.


def test_r11_default_range_is_the_current_year_and_the_four_before(client, make_person, staff_headers):
    person = make_person()
    this_year = timezone.localdate().year

    body = compliance(client, staff_headers, person, "")

    assert (body["from_year"], body["to_year"]) == (this_year - 4, this_year)
    assert [row["year"] for row in body["years"]] == list(range(this_year - 4, this_year + 1))


def test_r11_only_to_given_reaches_back_four_years(client, make_person, staff_headers):
    body = compliance(client, staff_headers, make_person(), "?to=2021")

    assert (body["from_year"], body["to_year"]) == (2017, 2021)
    assert len(body["years"]) == 5


def test_r11_only_from_given_runs_to_the_current_year(client, make_person, staff_headers):
    this_year = timezone.localdate().year

    body = compliance(client, staff_headers, make_person(), "?from=2020")

    assert [row["year"] for row in body["years"]] == list(range(2020, this_year + 1))


def test_r11_a_single_year_range_answers_one_row(client, make_person, add_hours, staff_headers):
    person = make_person()
    add_hours(person, 2023, professional="1")

    body = compliance(client, staff_headers, person, "?from=2023&to=2023")

    assert [row["year"] for row in body["years"]] == [2023]
    assert body["years"][0]["professional"] == "1.0"


# Corrections are reversing entries (append-only ledger) and lower the figures.


def test_r11_reversal_lowers_the_totals_and_can_cost_the_qualification(
    client, make_person, make_staff, add_hours, staff_headers
):
    person = make_person()
    add_hours(person, YEAR, general_public="9", industry_public="9", professional="60")
    extra = entry_register(
        person=person,
        category="professional",
        hours=Decimal("12.0"),
        source=Source.DECLARATION,
        title="学术会议",
        completed_on=date(YEAR, 9, 1),
    )
    before = year_row(compliance(client, staff_headers, person))
    assert (before["professional"], before["total"], before["qualified"]) == ("72.0", "90.0", True)

    reversal = entry_reverse(entry=extra, by=make_staff("reviewer", level=2, county="liandu"), reason="证明材料不实")

    after = year_row(compliance(client, staff_headers, person))
    assert (after["professional"], after["total"], after["qualified"]) == ("60.0", "78.0", False)
    assert after["shortfalls"] == [
        {"category": "total", "missing_hours": "12.0", "message": "2025年还需总学时 12.0（要求 90，已有 78.0）"}
    ]
    entries = client.get(
        f"/api/v1/people/{person.id_number}/entries?year={YEAR}&figure=professional", **staff_headers
    ).json()
    listed = {e["id"]: e for e in entries}
    assert listed[reversal.pk]["hours"] == "-12.0"
    assert listed[reversal.pk]["reverses_id"] == extra.pk
    assert listed[extra.pk]["hours"] == "12.0"
    assert sum(Decimal(e["hours"]) for e in entries) == Decimal(after["professional"])


# Who sees the full ID number: only the person themself (R3; issue 2 "shown masked").

MASKED = re.compile(r"^\d{6}\*{8}\d{3}[\dX]$")


@pytest.mark.parametrize("role", ["hr_admin", "evaluator", "unit_staff"])
def test_r3_staff_see_the_id_number_masked(client, make_person, make_staff, bearer, role):
    person = make_person(unit="hospital", name="王脱敏")
    staff = make_staff(role, unit="hospital" if role == "unit_staff" else None)

    body = compliance(client, bearer(staff), person)

    shown = body["person"]["id_number"]
    assert MASKED.match(shown), shown
    assert shown == person.id_number[:6] + "********" + person.id_number[-4:]
    assert person.id_number not in str(body)
    assert body["person"]["name"] == "王脱敏"


def test_r3_the_person_themself_sees_their_full_id_number(client, make_person, bearer):
    person = make_person(with_login=True)

    by_token = compliance(client, bearer(person.user), person)
    client.force_login(person.user)
    by_session = compliance(client, {}, person)

    assert by_token["person"]["id_number"] == person.id_number
    assert by_session["person"]["id_number"] == person.id_number


def test_r3_person_reference_names_unit_county_and_series(client, make_person, staff_headers):
    person = make_person(unit="school", name="李参照")

    body = compliance(client, staff_headers, person)

    assert {k: v for k, v in body["person"].items() if k != "id_number"} == {
        "name": "李参照",
        "unit": "青田测试学校",
        "county": "青田县",
        "series": "教育",
    }


def test_r3_lower_case_check_letter_finds_the_same_person(client, city, staff_headers):
    first17 = next(f"33112119800101{n:03d}" for n in range(1000) if id_check_digit(f"33112119800101{n:03d}") == "X")
    person = person_register(name="赵校验", id_number=first17 + "X", county=city["counties"]["qingtian"])

    response = client.get(f"/api/v1/people/{first17}x/compliance?from={YEAR}&to={YEAR}", **staff_headers)

    assert response.status_code == 200, response.content.decode()
    assert response.json()["person"]["name"] == person.name
