"""The eligibility page with R13's defaults (title table, title date, this year) and the evaluator's
override with its reason; a year not yet ended shown as 进行中 on /me/, the person page and the verdict."""

from __future__ import annotations

import html
import re
from datetime import date

import pytest
from django.utils import timezone

from cehours.people.services import title_requirement_add

PASSWORD = "test-password-123"
THIS_YEAR = timezone.localdate().year


def text_of(response) -> str:
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", response.content.decode(), flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


@pytest.fixture
def evaluator(client, make_staff):
    user = make_staff("evaluator")
    client.login(username=user.username, password=PASSWORD)
    return user


@pytest.fixture
def doctor(make_person, add_hours, make_staff, city):
    """初级 since four years ago, the three completed years before this one qualified; 中级 needs 3 (placeholder)."""
    person = make_person(unit="hospital", title_level="初级", title_obtained_on=date(THIS_YEAR - 4, 3, 1))
    for year in (THIS_YEAR - 3, THIS_YEAR - 2, THIS_YEAR - 1):
        add_hours(person, year, general_public="9", industry_public="9", professional="72")
    title_requirement_add(
        by=make_staff("hr_admin"),
        series=city["series"]["health"],
        level="intermediate",
        local_name="主治医师",
        required_years=3,
        effective_from=date(2020, 1, 1),
        placeholder=True,
    )
    return person


def test_r13_the_page_judges_by_the_defaults_and_says_where_they_come_from(client, evaluator, doctor):
    response = client.get(f"/people/{doctor.pk}/eligibility/?application_year=")

    text = text_of(response)
    assert response.status_code == 200
    assert "继续教育学时符合申报条件" in text
    assert f"申报年度 {THIS_YEAR} 年，申报等级 中级（现职称初级的上一级）" in text
    assert "规定年限 3 年（依据：卫生系列 中级（主治医师） 规定，自 2020-01-01 起；占位值，待市人力社保局确认）" in text
    assert f"起算年份 {THIS_YEAR - 4} 年（依据：取得现职称日期 {THIS_YEAR - 4}-03-01）" in text


def test_r13_the_empty_page_shows_the_defaults_it_would_use(client, evaluator, doctor):
    response = client.get(f"/people/{doctor.pk}/eligibility/")

    text = text_of(response)
    assert "符合申报条件" not in text
    assert f"默认：申报年度 {THIS_YEAR} 年；申报等级 中级" in text
    assert "规定年限 3 年（依据：卫生系列 中级（主治医师） 规定" in text


def test_r13_an_override_on_the_page_needs_its_reason_and_the_verdict_shows_it(client, evaluator, doctor):
    url = f"/people/{doctor.pk}/eligibility/?application_year={THIS_YEAR}&required_years=4"

    refused = client.get(url)
    judged = client.get(url + "&override_reason=评审委员会决定按四年计")

    assert refused.status_code == 400
    assert "调整理由：调整了默认的规定年限，请填写调整理由（将显示在判断结果中）" in text_of(refused)
    assert "符合申报条件" not in text_of(refused)
    text = text_of(judged)
    assert judged.status_code == 200
    assert "规定年限 4 年（评委会调整：评审委员会决定按四年计；职称年限表为 3 年）" in text
    assert "继续教育学时不符合申报条件" in text  # 4 years asked, 3 qualified


def test_r13_the_start_year_override_needs_its_reason_too(client, evaluator, doctor):
    url = f"/people/{doctor.pk}/eligibility/?since_year={THIS_YEAR - 2}"

    refused = client.get(url)
    judged = client.get(url + "&override_reason=职称证书日期有误")

    assert "调整理由：调整了默认的取得现职称年份" in text_of(refused)
    assert f"起算年份 {THIS_YEAR - 2} 年（评委会调整：职称证书日期有误" in text_of(judged)


def test_r13_no_table_row_and_no_years_asks_for_them(client, evaluator, make_person):
    teacher = make_person(unit="school", title_level="中级", title_obtained_on=date(THIS_YEAR - 6, 1, 1))

    response = client.get(f"/people/{teacher.pk}/eligibility/?application_year={THIS_YEAR}")

    assert response.status_code == 400
    assert f"规定年限：职称年限表中没有教育系列 副高级 在 {THIS_YEAR}-01-01 有效的规定年限，请填写规定年限" in (
        text_of(response)
    )


def test_r13_this_year_reads_in_progress_on_the_pages_and_initial_title_waits(
    client, make_person, add_hours, make_staff
):
    person = make_person(unit="hospital", with_login=True)
    add_hours(person, THIS_YEAR, professional="30")
    add_hours(person, THIS_YEAR - 1, professional="30")

    client.force_login(person.user)
    own = client.get("/me/").content.decode()
    client.force_login(make_staff("evaluator"))
    staff = client.get(f"/people/{person.pk}/").content.decode()
    verdict = client.get(f"/people/{person.pk}/eligibility/?required_years=1")

    for page in (own, staff):
        this_row = re.search(rf'<tr data-year="{THIS_YEAR}">(.*?)</tr>', page, flags=re.S).group(1)
        last_row = re.search(rf'<tr data-year="{THIS_YEAR - 1}">(.*?)</tr>', page, flags=re.S).group(1)
        assert '<td class="pending">进行中</td>' in this_row
        assert '<td class="bad">不合格</td>' in last_row
        assert f'{THIS_YEAR}年：<span class="pending">进行中</span>' in page
    text = text_of(verdict)
    assert "尚不能判定：所需年度尚未结束，学时尚未达到要求" in text
    assert "继续教育学时不符合申报条件" not in text
    assert f"{THIS_YEAR} 0.0 30.0 30.0 进行中" in text


def test_r19_the_overview_of_this_year_reads_in_progress_for_who_is_not_yet_qualified(
    client, make_person, make_staff, add_hours
):
    person = make_person(unit="hospital", name="进行中护士")
    add_hours(person, THIS_YEAR, professional="30")
    add_hours(person, THIS_YEAR - 1, professional="30")
    staff = make_staff("unit_staff", unit="hospital")
    client.login(username=staff.username, password=PASSWORD)

    this_year = client.get("/overview/", {"year": THIS_YEAR}).content.decode()
    last_year = client.get("/overview/", {"year": THIS_YEAR - 1}).content.decode()
    exported = client.get("/overview/", {"year": THIS_YEAR, "format": "csv"}).content.decode("utf-8-sig")

    assert '<td class="pending">进行中</td>' in this_year
    assert '<td class="bad">不合格</td>' in last_year
    assert exported.strip().splitlines()[1].endswith("进行中")
