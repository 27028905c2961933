"""GET /api/v1/people/{id_number}/eligibility: title-application eligibility (R13) and the integrity block (R20).

R13 (第十三条, DESIGN §2): for application year A requiring N years, the period runs from since_year
(or A − N) to A − 1; eligible when at least N years are qualified and A − 1 and A − 2 both are; for
N < 2 (初定) the application year itself must be qualified. R20 (第二十条): an integrity-archive entry
recorded by a level-2/3 reviewer whose scope holds the person blocks applications until level 3 lifts it.
"""

from __future__ import annotations

import pytest
from django.utils import timezone

from cehours.access.policy import PolicyDenied
from cehours.audit.models import AuditEvent
from cehours.declarations.models import IntegrityEntry
from cehours.declarations.services import DeclarationError, integrity_lift, integrity_record

A = 2026  # application year


@pytest.fixture
def staff_headers(make_staff, bearer):
    return bearer(make_staff("evaluator"))


def eligibility(client, headers, person, query: str) -> dict:
    response = client.get(f"/api/v1/people/{person.id_number}/eligibility?{query}", **headers)
    assert response.status_code == 200, response.content.decode()
    return response.json()


def qualified_by_year(body) -> dict[int, bool]:
    return {row["year"]: row["qualified"] for row in body["years"]}


# R13 第十三条


def test_r13_eligible_when_the_required_years_and_the_latest_two_are_qualified(
    client, make_person, qualify, staff_headers
):
    person = make_person()
    qualify(person, 2023, 2024, 2025)

    body = eligibility(client, staff_headers, person, f"application_year={A}&required_years=3")

    assert body["eligible"] is True
    assert body["reasons"] == []
    assert body["integrity_block"] is False
    assert (body["application_year"], body["required_years"], body["since_year"]) == (A, 3, None)
    assert (body["period_start"], body["period_end"]) == (2023, 2025)
    assert qualified_by_year(body) == {2023: True, 2024: True, 2025: True}
    assert body["years"][0]["total"] == "90.0"


def test_r13_not_eligible_with_fewer_qualified_years_than_required(client, make_person, qualify, staff_headers):
    person = make_person()
    qualify(person, 2024, 2025)

    body = eligibility(client, staff_headers, person, f"application_year={A}&required_years=3")

    assert body["eligible"] is False
    assert body["reasons"] == ["2023—2025年学时合格年数为 2 年，少于申报资格规定的 3 年"]
    assert qualified_by_year(body) == {2023: False, 2024: True, 2025: True}


def test_r13_latest_two_years_must_both_be_qualified_even_with_enough_years(
    client, make_person, qualify, add_hours, staff_headers
):
    person = make_person()
    qualify(person, 2019, 2020, 2021, 2022, 2025)
    add_hours(person, 2024, general_public="9", industry_public="9", professional="50")

    body = eligibility(client, staff_headers, person, f"application_year={A}&required_years=3&since_year=2019")

    assert body["eligible"] is False
    assert body["reasons"] == [
        "近两年学时须合格：2024年不合格",
        "2024年还需专业科目学时 10.0（要求 60，已有 50.0）",
        "2024年还需总学时 22.0（要求 90，已有 68.0）",
    ]


def test_r13_every_failure_has_its_own_reason(client, make_person, qualify, staff_headers):
    person = make_person()
    qualify(person, 2023)

    body = eligibility(client, staff_headers, person, f"application_year={A}&required_years=3")

    reasons = body["reasons"]
    assert reasons[0] == "2023—2025年学时合格年数为 1 年，少于申报资格规定的 3 年"
    assert "近两年学时须合格：2024年不合格" in reasons
    assert "近两年学时须合格：2025年不合格" in reasons
    assert "2025年还需专业科目学时 60.0（要求 60，已有 0.0）" in reasons


@pytest.mark.parametrize("required_years", [0, 1])
def test_r13_initial_title_requires_the_application_year_itself(
    client, make_person, qualify, staff_headers, required_years
):
    """初定: fewer than two required years → the application year must be qualified, not A−1/A−2."""
    current_only, previous_only = make_person(), make_person()
    qualify(current_only, 2025)
    qualify(previous_only, 2024)
    query = f"application_year=2025&required_years={required_years}"

    ok = eligibility(client, staff_headers, current_only, query)
    not_ok = eligibility(client, staff_headers, previous_only, query)

    assert ok["eligible"] is True
    assert ok["reasons"] == []
    assert ok["period_end"] == 2025
    assert qualified_by_year(ok)[2025] is True
    assert not_ok["eligible"] is False
    assert not_ok["reasons"][0] == "初定专业技术资格规定年限少于两年，申报当年（2025年）学时须合格"
    assert "2025年还需总学时 90.0（要求 90，已有 0.0）" in not_ok["reasons"]


def test_r13_two_required_years_do_not_look_at_the_application_year(client, make_person, qualify, staff_headers):
    person = make_person()
    qualify(person, 2024, 2025)

    body = eligibility(client, staff_headers, person, "application_year=2026&required_years=2")

    assert body["eligible"] is True
    assert 2026 not in qualified_by_year(body)


def test_r13_since_year_widens_the_period_to_the_year_the_title_was_obtained(
    client, make_person, qualify, staff_headers
):
    person = make_person()
    qualify(person, 2020, 2024, 2025)

    without_since = eligibility(client, staff_headers, person, f"application_year={A}&required_years=3")
    with_since = eligibility(client, staff_headers, person, f"application_year={A}&required_years=3&since_year=2020")

    assert without_since["eligible"] is False
    assert (without_since["period_start"], without_since["period_end"]) == (2023, 2025)
    assert with_since["eligible"] is True
    assert with_since["since_year"] == 2020
    assert (with_since["period_start"], with_since["period_end"]) == (2020, 2025)
    assert sorted(qualified_by_year(with_since)) == [2020, 2021, 2022, 2023, 2024, 2025]


def test_r13_since_year_after_the_period_start_shortens_it(client, make_person, qualify, staff_headers):
    person = make_person()
    qualify(person, 2022, 2023, 2024, 2025)

    body = eligibility(client, staff_headers, person, f"application_year={A}&required_years=3&since_year=2024")

    assert (body["period_start"], body["period_end"]) == (2024, 2025)
    assert body["eligible"] is False
    assert body["reasons"] == ["2024—2025年学时合格年数为 2 年，少于申报资格规定的 3 年"]


def test_r13_person_sees_own_eligibility_with_full_id_number(client, make_person, qualify, bearer):
    person = make_person(with_login=True)
    qualify(person, 2024, 2025)

    body = eligibility(client, bearer(person.user), person, f"application_year={A}&required_years=2")

    assert body["eligible"] is True
    assert body["person"]["id_number"] == person.id_number


# R20 第二十条: integrity archive


@pytest.fixture
def eligible_person(make_person, qualify):
    person = make_person(unit="hospital")  # 莲都区 / 卫生
    qualify(person, 2023, 2024, 2025)
    return person


QUERY = f"application_year={A}&required_years=3"


def test_r20_integrity_entry_by_level_two_reviewer_in_scope_blocks_the_application(
    client, make_staff, eligible_person, staff_headers
):
    assert eligibility(client, staff_headers, eligible_person, QUERY)["eligible"] is True
    reviewer = make_staff("reviewer", level=2, county="liandu")

    entry = integrity_record(person=eligible_person, finding="伪造培训证书", by=reviewer, on=timezone.localdate())

    body = eligibility(client, staff_headers, eligible_person, QUERY)
    assert body["integrity_block"] is True
    assert body["eligible"] is False
    assert body["reasons"] == ["存在继续教育学时弄虚作假诚信记录，取消职称申报资格（第二十条）"]
    assert qualified_by_year(body) == {2023: True, 2024: True, 2025: True}
    event = AuditEvent.objects.get(action="integrity.recorded", object_id=str(entry.pk))
    assert event.actor_id == reviewer.pk


def test_r20_integrity_block_is_listed_before_the_hours_reasons(
    client, make_staff, make_person, qualify, staff_headers
):
    person = make_person()
    qualify(person, 2025)
    integrity_record(person=person, finding="代学代考", by=make_staff("reviewer", level=3), on=timezone.localdate())

    body = eligibility(client, staff_headers, person, QUERY)

    assert body["integrity_block"] is True
    assert body["reasons"][0] == "存在继续教育学时弄虚作假诚信记录，取消职称申报资格（第二十条）"
    assert "近两年学时须合格：2024年不合格" in body["reasons"]


def test_r20_lifted_by_level_three_reviewer_the_block_is_gone(client, make_staff, eligible_person, staff_headers):
    today = timezone.localdate()
    entry = integrity_record(
        person=eligible_person, finding="伪造培训证书", by=make_staff("reviewer", level=2, county="liandu"), on=today
    )
    city_hr = make_staff("reviewer", level=3)

    integrity_lift(entry=entry, by=city_hr, reason="复核后查明证书真实", on=today)

    body = eligibility(client, staff_headers, eligible_person, QUERY)
    assert body["integrity_block"] is False
    assert body["eligible"] is True
    assert body["reasons"] == []
    entry.refresh_from_db()
    assert (entry.lifted_on, entry.lifted_by_id) == (today, city_hr.pk)


def test_r20_level_one_reviewer_cannot_record_an_integrity_entry(client, make_staff, eligible_person, staff_headers):
    reviewer = make_staff("reviewer", level=1, county="liandu")

    with pytest.raises(PolicyDenied) as raised:
        integrity_record(person=eligible_person, finding="伪造培训证书", by=reviewer, on=timezone.localdate())

    assert raised.value.field == "person"
    assert "二级或三级" in raised.value.message
    assert not IntegrityEntry.objects.filter(person=eligible_person).exists()
    assert eligibility(client, staff_headers, eligible_person, QUERY)["integrity_block"] is False


def test_r20_level_two_reviewer_outside_the_scope_cannot_record(make_staff, eligible_person):
    other_county = make_staff("reviewer", level=2, county="qingtian")
    other_series = make_staff("reviewer", level=2, series="education")

    for reviewer in (other_county, other_series):
        with pytest.raises(PolicyDenied):
            integrity_record(person=eligible_person, finding="伪造培训证书", by=reviewer, on=timezone.localdate())

    assert not IntegrityEntry.objects.filter(person=eligible_person).exists()


@pytest.mark.parametrize("role", ["hr_admin", "evaluator", "unit_staff", "industry_authority"])
def test_r20_non_reviewer_roles_cannot_record(make_staff, eligible_person, role):
    staff = make_staff(role)

    with pytest.raises(PolicyDenied):
        integrity_record(person=eligible_person, finding="伪造培训证书", by=staff, on=timezone.localdate())

    assert not IntegrityEntry.objects.filter(person=eligible_person).exists()


def test_r20_level_two_reviewer_cannot_lift(client, make_staff, eligible_person, staff_headers):
    reviewer = make_staff("reviewer", level=2, county="liandu")
    entry = integrity_record(person=eligible_person, finding="伪造培训证书", by=reviewer, on=timezone.localdate())

    with pytest.raises(PolicyDenied) as raised:
        integrity_lift(entry=entry, by=reviewer, reason="想解除", on=timezone.localdate())

    assert raised.value.field == "entry"
    assert eligibility(client, staff_headers, eligible_person, QUERY)["integrity_block"] is True


def test_r20_integrity_entry_needs_a_finding(make_staff, eligible_person):
    reviewer = make_staff("reviewer", level=2, county="liandu")

    with pytest.raises(DeclarationError) as raised:
        integrity_record(person=eligible_person, finding="  ", by=reviewer, on=timezone.localdate())

    assert raised.value.field == "finding"
    assert not IntegrityEntry.objects.exists()


def test_r18_evaluation_committee_reads_an_applicants_hours_report_in_its_scope(
    client, make_person, make_staff, bearer, qualify
):
    """第十八条: the platform provides a person's hours to the evaluation committee; its scope still holds."""
    applicant = make_person(unit="hospital")
    qualify(applicant, A - 3, A - 2, A - 1)
    health_committee = bearer(make_staff("evaluator", series="health"))
    education_committee = bearer(make_staff("evaluator", series="education"))

    report = eligibility(client, health_committee, applicant, f"application_year={A}&required_years=3")

    assert report["eligible"] is True
    assert [row["year"] for row in report["years"]] == [A - 3, A - 2, A - 1]
    assert all(row["qualified"] and row["total"] == "90.0" for row in report["years"])
    assert report["person"]["id_number"] == applicant.id_number_masked
    outside = client.get(
        f"/api/v1/people/{applicant.id_number}/eligibility?application_year={A}&required_years=3", **education_committee
    )
    assert outside.status_code == 404
