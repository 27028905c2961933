"""GET /api/v1/people/{id_number}/eligibility with R13's defaults: the required years from city HR's
title table (series, the level above the current one, in force on 1 January of the application year),
the period from the year of title_obtained_on, this year as the application year; overrides with a
reason the answer repeats; a year not yet ended reads in_progress, and a verdict waiting on it pending."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from cehours.people.services import title_requirement_add

THIS_YEAR = timezone.localdate().year
A = THIS_YEAR + 1  # next year: a table row may take effect on its 1 January


@pytest.fixture
def l3(make_staff):
    return make_staff("reviewer", level=3)


@pytest.fixture
def headers(make_staff, bearer):
    return bearer(make_staff("evaluator"))


@pytest.fixture
def doctor(make_person):
    """A 初级 doctor since four years ago: applying for 中级."""
    return make_person(unit="hospital", title_level="初级", title_obtained_on=date(THIS_YEAR - 4, 7, 1))


def get(client, headers, person, query=""):
    return client.get(f"/api/v1/people/{person.id_number}/eligibility?{query}", **headers)


def ok(client, headers, person, query=""):
    response = get(client, headers, person, query)
    assert response.status_code == 200, response.content.decode()
    return response.json()


def test_r13_required_years_default_from_the_table_and_the_period_from_the_title_date(
    client, headers, l3, city, doctor, qualify
):
    title_requirement_add(
        by=l3,
        series=city["series"]["health"],
        level="intermediate",
        local_name="主治医师",
        required_years=3,
        effective_from=date(2020, 1, 1),
    )
    qualify(doctor, THIS_YEAR - 3, THIS_YEAR - 2, THIS_YEAR - 1)

    body = ok(client, headers, doctor, f"application_year={THIS_YEAR}")

    assert (body["level"], body["level_label"], body["required_years"]) == ("intermediate", "中级", 3)
    assert body["required_years_source"] == "table"
    assert body["required_years_basis"] == "规定年限 3 年（依据：卫生系列 中级（主治医师） 规定，自 2020-01-01 起）"
    assert (body["since_year"], body["since_year_source"]) == (THIS_YEAR - 4, "title_obtained_on")
    assert body["since_year_basis"] == f"起算年份 {THIS_YEAR - 4} 年（依据：取得现职称日期 {THIS_YEAR - 4}-07-01）"
    assert (body["period_start"], body["period_end"]) == (THIS_YEAR - 4, THIS_YEAR - 1)
    assert (body["eligible"], body["verdict"], body["override_reason"], body["placeholder"]) == (
        True,
        "eligible",
        "",
        False,
    )


def test_r13_application_year_defaults_to_this_year(client, headers, doctor):
    body = ok(client, headers, doctor, "required_years=2")

    assert body["application_year"] == THIS_YEAR
    assert body["required_years_source"] == "entered"  # no table row: the evaluator's figure


def test_r13_a_later_row_applies_from_the_application_year_it_is_in_force_on(client, headers, l3, city, doctor):
    health = city["series"]["health"]
    for years, effective in ((3, date(2020, 1, 1)), (4, date(A, 1, 1))):
        title_requirement_add(
            by=l3, series=health, level="intermediate", required_years=years, effective_from=effective
        )

    this_year = ok(client, headers, doctor, f"application_year={THIS_YEAR}")
    next_year = ok(client, headers, doctor, f"application_year={A}")

    assert this_year["required_years"] == 3
    assert next_year["required_years"] == 4
    assert f"自 {A}-01-01 起" in next_year["required_years_basis"]


def test_r13_an_override_needs_its_reason_and_the_answer_shows_it(client, headers, l3, city, doctor):
    title_requirement_add(
        by=l3, series=city["series"]["health"], level="intermediate", required_years=3, effective_from=date(2020, 1, 1)
    )

    refused = get(client, headers, doctor, f"application_year={THIS_YEAR}&required_years=5")
    same = ok(client, headers, doctor, f"application_year={THIS_YEAR}&required_years=3")
    body = ok(
        client,
        headers,
        doctor,
        f"application_year={THIS_YEAR}&required_years=5&since_year=2015&override_reason=破格申报",
    )

    assert refused.status_code == 422
    (error,) = refused.json()["errors"]
    assert (error["field"], error["code"]) == ("override_reason", "required")
    assert error["message"] == "override_reason：调整了默认的规定年限，请填写调整理由（将显示在判断结果中）"
    assert same["required_years_source"] == "table"
    assert (body["required_years"], body["required_years_source"], body["override_reason"]) == (
        5,
        "override",
        "破格申报",
    )
    assert body["required_years_basis"] == "规定年限 5 年（评委会调整：破格申报；职称年限表为 3 年）"
    assert (body["since_year"], body["since_year_source"]) == (2015, "override")
    assert body["since_year_basis"].startswith("起算年份 2015 年（评委会调整：破格申报")


def test_r13_without_a_table_row_the_years_are_asked_for(client, headers, doctor):
    response = get(client, headers, doctor, f"application_year={THIS_YEAR}")

    assert response.status_code == 422
    (error,) = response.json()["errors"]
    assert (error["field"], error["code"]) == ("required_years", "required")
    assert "职称年限表中没有卫生系列 中级" in error["message"]


def test_r13_the_evaluator_may_choose_the_level(client, headers, l3, city, doctor):
    title_requirement_add(
        by=l3, series=city["series"]["health"], level="senior", required_years=5, effective_from=date(2020, 1, 1)
    )

    body = ok(client, headers, doctor, f"application_year={THIS_YEAR}&level=senior")

    assert (body["level"], body["required_years"]) == ("senior", 5)


def test_r13_this_year_not_yet_qualified_is_in_progress_and_initial_title_waits_for_it(
    client, headers, make_person, add_hours
):
    """第十三条: 初定 … 继续教育学时必须当年合格. This year is not over: not 不合格, not yet decidable."""
    person = make_person()
    add_hours(person, THIS_YEAR, professional="30")

    body = ok(client, headers, person, f"application_year={THIS_YEAR}&required_years=1")
    compliance = client.get(f"/api/v1/people/{person.id_number}/compliance", **headers).json()

    assert (body["eligible"], body["verdict"]) == (False, "pending")
    this_year = next(row for row in body["years"] if row["year"] == THIS_YEAR)
    assert (this_year["qualified"], this_year["status"]) == (False, "in_progress")
    statuses = {row["year"]: row["status"] for row in compliance["years"]}
    assert statuses[THIS_YEAR] == "in_progress"
    assert statuses[THIS_YEAR - 1] == "not_qualified"
