"""高研班 projects (R9, R12c): a provider files a municipal project; the city HR bureau and the city
industry authority of its series must both approve it; city HR registers national and provincial
projects (approved elsewhere) by their document number. The provider hands in the attendee list
(CSV or XLSX) and learns nothing about who is registered; the approving authority checks it and
registers 60 / 48 / 36 professional hours per attendee for national / provincial / municipal
projects, once per person, with bad rows reported by their row number.
"""

from __future__ import annotations

import io
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from cehours.access.policy import PolicyDenied
from cehours.declarations.models import AttendeeList, SeminarProject
from cehours.declarations.seminars import (
    attendees_check,
    attendees_submit,
    seminar_decide,
    seminar_file,
    seminar_register_approved,
)
from cehours.declarations.services import DeclarationError
from cehours.demo import synthetic_id_number
from cehours.integration.tables import read_table
from cehours.ledger.holds import held_decide
from cehours.ledger.models import HeldRecord, LedgerEntry, Source
from cehours.ledger.selectors import held_queue
from cehours.people.models import Series

from .support import today, year_totals

THIS_YEAR = today().year
HOURS = {"national": Decimal("60.0"), "provincial": Decimal("48.0"), "municipal": Decimal("36.0")}


@pytest.fixture
def seminar_staff(cast, make_staff):
    return {
        "provider": cast["provider"],
        "hr": make_staff("hr_admin", username="city_hr"),
        "county_hr": make_staff("hr_admin", county="liandu", username="liandu_hr"),
        "health_authority": cast["health_authority"],
        "education_authority": cast["education_authority"],
    }


def _dates() -> dict:
    return {"year": THIS_YEAR, "start_on": date(THIS_YEAR, 1, 1), "end_on": date(THIS_YEAR, 1, 3)}


def _file(provider, series="health", name="基层急诊急救高级研修班", level="municipal") -> SeminarProject:
    return seminar_file(
        by=provider,
        name=name,
        organiser="丽水市卫生健康委员会",
        level=level,
        series=Series.objects.get(code=series),
        **_dates(),
    )


def _register_approved(staff, level: str, by=None) -> SeminarProject:
    return seminar_register_approved(
        by=by or staff["hr"],
        provider=staff["provider"],
        name=f"{level}重症医学高级研修班",
        organiser="浙江省卫生健康委员会",
        level=level,
        series=Series.objects.get(code="health"),
        approval_document="浙人社发〔2026〕12号",
        **_dates(),
    )


def _approved(staff, level="municipal") -> SeminarProject:
    if level != "municipal":
        return _register_approved(staff, level)
    project = _file(staff["provider"])
    seminar_decide(project=project, by=staff["hr"], approve=True)
    return seminar_decide(project=project, by=staff["health_authority"], approve=True)


def _csv(rows: list[tuple[str, str]]) -> bytes:
    lines = ["id_number,name", *(f"{number},{name}" for number, name in rows)]
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode()


def _xlsx(rows: list[tuple[str, str]]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["id_number", "name"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _register(project, staff, filename: str, content: bytes, checker=None):
    """The provider submits the list; the approving authority (city HR) checks and registers it."""
    submitted = attendees_submit(
        project=project, by=staff["provider"], rows=read_table(filename, content, ["id_number", "name"])
    )
    return attendees_check(attendees=submitted, by=checker or staff["hr"], register=True)


# Filing and approval (R9)


def test_r9_a_provider_files_a_project_and_hr_alone_does_not_approve_it(cast, seminar_staff):
    project = _file(seminar_staff["provider"])
    assert project.status == "filed"
    after_hr = seminar_decide(project=project, by=seminar_staff["hr"], approve=True)
    assert after_hr.status == "filed", "the industry authority has not agreed yet"
    assert after_hr.hr_approved_by == seminar_staff["hr"] and after_hr.industry_approved_by is None
    with pytest.raises(DeclarationError, match="只有已批准的高研班项目"):
        _register(after_hr, seminar_staff, "名单.csv", _csv([(cast["nurse"].id_number, "王护士")]))

    approved = seminar_decide(project=project, by=seminar_staff["health_authority"], approve=True)
    assert approved.status == "approved"
    assert approved.industry_approved_by == seminar_staff["health_authority"]


def test_r9_the_industry_authority_alone_does_not_approve_either(seminar_staff):
    project = seminar_decide(
        project=_file(seminar_staff["provider"]), by=seminar_staff["health_authority"], approve=True
    )
    assert project.status == "filed"
    assert seminar_decide(project=project, by=seminar_staff["hr"], approve=True).status == "approved"


def test_r9_only_the_industry_authority_of_the_projects_series_may_approve(cast, seminar_staff):
    project = _file(seminar_staff["provider"], series="health")
    outsiders = (
        seminar_staff["education_authority"],
        seminar_staff["provider"],
        cast["county_l2"],
        seminar_staff["county_hr"],  # a county HR bureau approves no 高研班 (第九条: the same level, the city)
    )
    for outsider in outsiders:
        with pytest.raises(PolicyDenied, match="只有市人力社保局和该系列的市级行业主管部门"):
            seminar_decide(project=project, by=outsider, approve=True)
    project.refresh_from_db()
    assert (project.status, project.industry_approved_at, project.hr_approved_at) == ("filed", None, None)


def test_r9_refusal_needs_a_reason_and_ends_the_filing(seminar_staff):
    project = _file(seminar_staff["provider"])
    with pytest.raises(DeclarationError) as caught:
        seminar_decide(project=project, by=seminar_staff["hr"], approve=False, reason="")
    assert caught.value.field == "reason"
    refused = seminar_decide(project=project, by=seminar_staff["hr"], approve=False, reason="师资不符合要求")
    assert (refused.status, refused.rejection_reason) == ("rejected", "师资不符合要求")
    with pytest.raises(DeclarationError, match="已审批完毕"):
        seminar_decide(project=project, by=seminar_staff["health_authority"], approve=True)


def test_r9_only_a_provider_files_and_a_project_belongs_to_its_year(seminar_staff):
    with pytest.raises(PolicyDenied, match="只有继续教育基地或培训机构"):
        _file(seminar_staff["hr"])
    with pytest.raises(DeclarationError) as caught:
        seminar_file(
            by=seminar_staff["provider"],
            name="跨年研修班",
            organiser="丽水学院",
            level="municipal",
            series=Series.objects.get(code="health"),
            year=THIS_YEAR,
            start_on=date(THIS_YEAR - 1, 12, 30),
            end_on=date(THIS_YEAR, 1, 2),
        )
    assert caught.value.field == "year"
    with pytest.raises(DeclarationError) as caught:
        _file(seminar_staff["provider"], level="county")
    assert caught.value.field == "level"
    assert not SeminarProject.objects.exists()


def test_r9_national_and_provincial_projects_are_registered_by_city_hr_with_their_document(seminar_staff):
    for level in ("national", "provincial"):
        with pytest.raises(DeclarationError) as caught:
            _file(seminar_staff["provider"], level=level)
        assert caught.value.field == "level" and "批准文号" in caught.value.message
    project = _register_approved(seminar_staff, "national")
    assert (project.status, project.approval_document, project.hr_approved_by) == (
        "approved",
        "浙人社发〔2026〕12号",
        seminar_staff["hr"],
    )
    for outsider in (seminar_staff["county_hr"], seminar_staff["health_authority"], seminar_staff["provider"]):
        with pytest.raises(PolicyDenied, match="只有市人力社保局可以登记"):
            _register_approved(seminar_staff, "provincial", by=outsider)
    with pytest.raises(DeclarationError) as caught:
        seminar_register_approved(
            by=seminar_staff["hr"],
            provider=seminar_staff["provider"],
            name="无文号研修班",
            organiser="浙江省人力社保厅",
            level="provincial",
            series=Series.objects.get(code="health"),
            approval_document=" ",
            **_dates(),
        )
    assert caught.value.field == "approval_document"
    assert SeminarProject.objects.count() == 1


def test_r9_a_municipal_project_cannot_be_approved_as_if_registered(seminar_staff):
    national = _register_approved(seminar_staff, "national")
    with pytest.raises(PolicyDenied):
        seminar_decide(project=national, by=seminar_staff["health_authority"], approve=True)


# Attendees (R12c)


@pytest.mark.parametrize(("level", "fmt"), [("national", "csv"), ("provincial", "xlsx"), ("municipal", "csv")])
def test_r12c_an_approved_projects_attendees_get_60_48_36_professional_hours(cast, seminar_staff, level, fmt):
    project = _approved(seminar_staff, level=level)
    attendees = [cast["nurse"], cast["lecturer"], cast["teacher"]]
    rows = [(p.id_number, p.name) for p in attendees]
    content = _csv(rows) if fmt == "csv" else _xlsx(rows)
    for person in attendees[1:]:  # into the project's series (卫生), so none is held
        person.series_id = project.series_id
        person.save(update_fields=["series"])
    report = _register(project, seminar_staff, f"学员名单.{fmt}", content)
    assert report == [(n, "created", f"{HOURS[level]} 学时") for n in (2, 3, 4)]
    for person in attendees:
        (entry,) = LedgerEntry.objects.filter(person=person, source=Source.SEMINAR)
        assert (entry.hours, entry.category, entry.year) == (HOURS[level], "professional", THIS_YEAR)
        assert entry.title == f"高研班：{project.name}"
        assert "第十二条" in entry.explanation
        assert year_totals(person).professional == HOURS[level]


def test_r12c_attendees_outside_the_projects_series_are_held_for_the_approving_authority(cast, seminar_staff):
    """DESIGN §2: a 卫生 seminar's list naming two 教育 people registers the nurse and holds the two;
    city HR approves one (registered) and the series' authority rejects the other (not registered)."""
    project = _approved(seminar_staff, level="municipal")
    rows = [(p.id_number, p.name) for p in (cast["nurse"], cast["lecturer"], cast["teacher"])]
    report = _register(project, seminar_staff, "名单.csv", _csv(rows))
    assert [status for _, status, _ in report] == ["created", "held", "held"]
    assert report[1][2] == "学员（教育）不属于本项目的卫生系列，暂缓登记，由项目审批部门确认"
    assert not LedgerEntry.objects.filter(person__in=[cast["lecturer"], cast["teacher"]]).exists()
    lecturer, teacher = (HeldRecord.objects.get(person=cast[n]) for n in ("lecturer", "teacher"))
    assert (lecturer.reason, lecturer.seminar_id, lecturer.hours) == ("outside_series", project.pk, Decimal("36.0"))
    assert set(held_queue(seminar_staff["hr"])) == {lecturer, teacher}
    assert set(held_queue(seminar_staff["health_authority"])) == {lecturer, teacher}
    for outsider in (seminar_staff["education_authority"], seminar_staff["county_hr"], seminar_staff["provider"]):
        assert not held_queue(outsider).exists()
        with pytest.raises(PolicyDenied):
            held_decide(held=lecturer, by=outsider, approve=True)

    held_decide(held=lecturer, by=seminar_staff["hr"], approve=True)
    held_decide(held=teacher, by=seminar_staff["health_authority"], approve=False, reason="非本系列人员，不予认定")
    (entry,) = LedgerEntry.objects.filter(person=cast["lecturer"], source=Source.SEMINAR)
    assert (entry.hours, entry.title) == (Decimal("36.0"), f"高研班：{project.name}")
    assert HeldRecord.objects.get(pk=lecturer.pk).entry == entry
    assert not LedgerEntry.objects.filter(person=cast["teacher"]).exists()
    assert HeldRecord.objects.get(pk=teacher.pk).status == "rejected"
    assert not held_queue(seminar_staff["hr"]).exists()


def test_r12c_the_industry_authority_of_the_series_may_check_a_list_too(cast, seminar_staff):
    project = _approved(seminar_staff, level="municipal")
    rows = [(cast["nurse"].id_number, "王护士")]
    report = _register(project, seminar_staff, "名单.csv", _csv(rows), checker=seminar_staff["health_authority"])
    assert report == [(2, "created", "36.0 学时")]
    submitted = attendees_submit(
        project=project, by=seminar_staff["provider"], rows=read_table("a.csv", _csv(rows), [])
    )
    for outsider in (seminar_staff["education_authority"], seminar_staff["county_hr"], seminar_staff["provider"]):
        with pytest.raises(PolicyDenied):
            attendees_check(attendees=submitted, by=outsider, register=True)
    assert AttendeeList.objects.get(pk=submitted.pk).status == AttendeeList.SUBMITTED


def test_r12c_importing_the_same_list_twice_registers_each_attendee_once(cast, seminar_staff):
    project = _approved(seminar_staff, level="provincial")
    cast["teacher"].series_id = project.series_id  # in the project's series; the lecturer is not
    cast["teacher"].save(update_fields=["series"])
    rows = [(cast[n].id_number, cast[n].name) for n in ("nurse", "teacher", "lecturer")]
    _register(project, seminar_staff, "名单.csv", _csv(rows))
    again = _register(project, seminar_staff, "名单.xlsx", _xlsx(rows))
    assert again == [
        (2, "duplicate", "已登记"),
        (3, "duplicate", "已登记"),
        (4, "duplicate", "此前已暂缓登记，待审批部门确认"),
    ]
    assert LedgerEntry.objects.filter(source=Source.SEMINAR).count() == 2
    assert HeldRecord.objects.filter(person=cast["lecturer"]).count() == 1
    held_decide(held=HeldRecord.objects.get(), by=seminar_staff["hr"], approve=False, reason="非本系列")
    third = _register(project, seminar_staff, "名单.csv", _csv(rows))
    assert third[2] == (4, "rejected", "此前经审核不予登记：非本系列")
    assert year_totals(cast["nurse"]).professional == Decimal("48.0")


def test_r12c_checking_a_registered_list_again_registers_nothing_more(cast, seminar_staff):
    project = _approved(seminar_staff, level="national")
    rows = [(cast["nurse"].id_number, "王护士")]
    submitted = attendees_submit(
        project=project, by=seminar_staff["provider"], rows=read_table("a.csv", _csv(rows), [])
    )
    first = attendees_check(attendees=submitted, by=seminar_staff["hr"], register=True)
    second = attendees_check(attendees=submitted, by=seminar_staff["hr"], register=True)
    assert first == second == [(2, "created", "60.0 学时")]
    assert LedgerEntry.objects.filter(source=Source.SEMINAR).count() == 1


def test_r12c_a_second_approved_project_counts_separately(cast, seminar_staff):
    first = _approved(seminar_staff, level="municipal")
    second = _file(seminar_staff["provider"], name="第二期研修班")
    seminar_decide(project=second, by=seminar_staff["hr"], approve=True)
    second = seminar_decide(project=second, by=seminar_staff["health_authority"], approve=True)
    row = [(cast["nurse"].id_number, "王护士")]
    _register(first, seminar_staff, "名单.csv", _csv(row))
    _register(second, seminar_staff, "名单.csv", _csv(row))
    assert year_totals(cast["nurse"]).professional == Decimal("72.0")


def test_r12c_bad_rows_are_reported_to_the_checker_by_row_number_and_the_good_rows_registered(cast, seminar_staff):
    project = _approved(seminar_staff, level="national")
    unknown = synthetic_id_number(random.Random(20250101), "331102")
    rows = [(cast["nurse"].id_number, "王护士"), (unknown, "未登记"), (cast["teacher"].id_number, "张冒名")]
    report = _register(project, seminar_staff, "名单.csv", _csv(rows))
    assert report[0] == (2, "created", "60.0 学时")
    assert report[1] == (3, "rejected", "身份证号码：该人员尚未在平台登记")
    assert report[2] == (4, "rejected", "姓名：与平台登记的该身份证号码持有人不一致")
    assert LedgerEntry.objects.filter(source=Source.SEMINAR).count() == 1
    assert year_totals(cast["teacher"]).professional == Decimal("0.0")


def test_r12c_a_malformed_list_is_refused_whole_and_names_the_rows(cast, seminar_staff):
    project = _approved(seminar_staff, level="national")
    rows = [(cast["nurse"].id_number, "王护士"), ("33110219800101123", "位数不对")]
    with pytest.raises(DeclarationError) as caught:
        attendees_submit(project=project, by=seminar_staff["provider"], rows=read_table("a.csv", _csv(rows), []))
    assert caught.value.field == "file" and "第 3 行：身份证号码" in caught.value.message
    assert not AttendeeList.objects.exists()


def test_r12c_the_provider_learns_nothing_about_who_is_registered(client, cast, seminar_staff):
    """The provider's page says only "已提交，待审核", whether the ID numbers are registered or not."""
    project = _approved(seminar_staff, level="national")
    unknown = synthetic_id_number(random.Random(7), "331102")
    client.force_login(seminar_staff["provider"])
    pages = []
    for rows in ([(cast["nurse"].id_number, "王护士")], [(unknown, "王护士")], [(cast["nurse"].id_number, "错名字")]):
        response = client.post(
            f"/seminars/{project.pk}/attendees/",
            {"file": SimpleUploadedFile("学员名单.xlsx", _xlsx(rows))},
            follow=True,
        )
        assert response.status_code == 200
        page = response.content.decode()
        assert "学员名单已提交，待审核（共 1 人）" in page
        pages.append(page.replace(unknown, "").replace(cast["nurse"].id_number, ""))
    assert "已登记" not in pages[0] and "尚未在平台登记" not in pages[1] and "不一致" not in pages[2]
    assert not LedgerEntry.objects.filter(source=Source.SEMINAR).exists()
    lists = AttendeeList.objects.filter(project=project).order_by("pk")
    assert client.get(f"/seminars/attendee-lists/{lists[0].pk}/").status_code == 403


def test_r12c_the_checker_page_reports_each_row_and_registers_on_confirmation(client, cast, seminar_staff):
    project = _approved(seminar_staff, level="national")
    rows = [(cast["nurse"].id_number, "王护士"), (cast["lecturer"].id_number, "错名字")]
    submitted = attendees_submit(
        project=project, by=seminar_staff["provider"], rows=read_table("a.xlsx", _xlsx(rows), [])
    )
    client.force_login(seminar_staff["hr"])
    page = client.get(f"/seminars/attendee-lists/{submitted.pk}/").content.decode()
    assert "可登记 1 人，已登记 0 人，不能登记 1 人" in page
    assert "姓名：与平台登记的该身份证号码持有人不一致" in page
    assert not LedgerEntry.objects.filter(source=Source.SEMINAR).exists()
    response = client.post(f"/seminars/attendee-lists/{submitted.pk}/", follow=True)
    assert "学员名单已审核登记：新登记 1 人，已登记 0 人，未登记 1 人。" in response.content.decode()
    assert year_totals(cast["nurse"]).professional == Decimal("60.0")
    client.force_login(seminar_staff["county_hr"])
    assert client.get(f"/seminars/attendee-lists/{submitted.pk}/").status_code == 403


def test_r9_a_person_and_a_reviewer_cannot_reach_the_seminar_pages(client, cast, seminar_staff):
    project = _file(seminar_staff["provider"])
    for user in (cast["nurse"].user, cast["county_l1"]):
        client.force_login(user)
        assert client.get("/seminars/").status_code == 403
        assert client.post(f"/seminars/{project.pk}/decide/", {"approve": "1"}).status_code == 403
    project.refresh_from_db()
    assert project.status == "filed" and project.hr_approved_at is None


def test_r12c_hours_enter_only_after_the_seminars_last_day_and_the_list_waits(cast, seminar_staff):
    """DESIGN §2: an attendee list may be handed in early; the hours enter once the seminar is over."""
    start = today() + timedelta(days=30)
    project = seminar_register_approved(
        by=seminar_staff["hr"], provider=seminar_staff["provider"], name="下月研修班", organiser="浙江省卫健委",
        level="provincial", series=Series.objects.get(code="health"), approval_document="浙人社发〔2026〕99号",
        year=start.year, start_on=start, end_on=start + timedelta(days=2),
    )  # fmt: skip
    rows = read_table("a.csv", _csv([(cast["nurse"].id_number, "王护士")]), [])
    submitted = attendees_submit(project=project, by=seminar_staff["provider"], rows=rows)
    with pytest.raises(DeclarationError, match="结束后方可登记学时"):
        attendees_check(attendees=submitted, by=seminar_staff["hr"], register=True)
    assert AttendeeList.objects.get(pk=submitted.pk).status == AttendeeList.SUBMITTED
    assert not LedgerEntry.objects.filter(source=Source.SEMINAR).exists()
