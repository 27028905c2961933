"""R19: staff see their scope's people with a year's hours and whether it is qualified (R11)."""

import csv
import io
import re

from tests.conftest import PASSWORD


def _people(make_person, add_hours):
    ok = make_person(unit="hospital", name="合格护士")
    short = make_person(unit="hospital", name="差一点护士")
    other = make_person(unit="school", name="青田教师")
    add_hours(ok, 2025, general_public="10", industry_public="8", professional="72")
    add_hours(short, 2025, general_public="10", industry_public="8", professional="71.9")  # total 89.9
    add_hours(other, 2025, professional="90")  # public 0: not qualified
    return ok, short, other


def test_r19_unit_staff_see_their_units_people_and_who_is_qualified(client, make_person, make_staff, add_hours):
    _people(make_person, add_hours)
    staff = make_staff("unit_staff", unit="hospital")
    client.login(username=staff.username, password=PASSWORD)

    page = client.get("/overview/", {"year": 2025}).content.decode()

    assert "共 2 人，合格 1 人，未合格 1 人。" in page
    assert "合格护士" in page and "差一点护士" in page
    assert "青田教师" not in page


def test_r19_r11_only_short_lists_the_unqualified_with_exact_boundaries(client, make_person, make_staff, add_hours):
    _people(make_person, add_hours)
    hr = make_staff("hr_admin")
    client.login(username=hr.username, password=PASSWORD)

    page = client.get("/overview/", {"year": 2025, "only_short": "on"}).content.decode()

    assert "共 3 人，合格 1 人，未合格 2 人。" in page
    assert "差一点护士" in page and "青田教师" in page
    assert "<a href" in page and ">合格护士<" not in page


def test_r19_overview_exports_csv_with_masked_id_numbers(client, make_person, make_staff, add_hours):
    ok, _, _ = _people(make_person, add_hours)
    staff = make_staff("unit_staff", unit="hospital")
    client.login(username=staff.username, password=PASSWORD)

    response = client.get("/overview/", {"year": 2025, "format": "csv"})

    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert response.content.startswith("\ufeff".encode())  # Excel and WPS read it as UTF-8
    by_name = {r["姓名"]: r for r in rows}
    assert set(by_name) == {"合格护士", "差一点护士"}
    assert by_name["合格护士"]["总学时"] == "90.0" and by_name["合格护士"]["是否合格"] == "合格"
    assert by_name["差一点护士"]["总学时"] == "89.9" and by_name["差一点护士"]["是否合格"] == "不合格"
    assert by_name["合格护士"]["身份证号码（脱敏）"] == ok.id_number_masked


def test_r19_overview_bad_year_names_the_field_and_professionals_are_refused(client, make_person, make_staff):
    staff = make_staff("hr_admin")
    client.login(username=staff.username, password=PASSWORD)
    response = client.get("/overview/", {"year": "20x5"})
    assert response.status_code == 400 and "年度：年度应为四位数年份" in response.content.decode()

    person = make_person(with_login=True)
    client.login(username=person.user.username, password=PASSWORD)
    assert client.get("/overview/").status_code == 403


def test_r11_r19_the_year_in_progress_counts_people_not_yet_there_not_as_failed(
    client, make_person, make_staff, add_hours
):
    from django.utils import timezone

    year = timezone.localdate().year
    done, behind = make_person(unit="hospital", name="已达标护士"), make_person(unit="hospital", name="还差护士")
    add_hours(done, year, general_public="10", industry_public="8", professional="72")
    add_hours(behind, year, professional="30")
    staff = make_staff("unit_staff", unit="hospital")
    client.login(username=staff.username, password=PASSWORD)

    page = client.get("/overview/", {"year": year}).content.decode()

    assert "共 2 人，合格 1 人，尚未达到（年度进行中） 1 人。" in page
    assert "不合格" not in page and "未合格 1 人" not in page
    # A year that is over is judged: neither has hours in it.
    assert "共 2 人，合格 0 人，未合格 2 人。" in client.get("/overview/", {"year": year - 1}).content.decode()


def test_r12d_r19_the_overview_judges_each_person_by_their_own_series_rules(
    client, make_person, make_staff, add_hours
):
    """A series with a rule of its own (here health: 20 public hours) is judged by it in the overview
    as on the person's own page: the same hours qualify a teacher and not a nurse."""
    from datetime import date

    from cehours.ledger.rule_admin import rule_version_add
    from cehours.people.models import Series

    nurse = make_person(unit="hospital", name="卫生系列护士")
    teacher = make_person(unit="school", name="教育系列教师")
    for person in (nurse, teacher):
        add_hours(person, 2025, general_public="10", industry_public="8", professional="72")
    rule_version_add(
        by=make_staff("reviewer", level=3), code="丽卫〔2025〕1号", issuing_level="city",
        effective_from=date(2025, 1, 1), values={"annual_public": "20"}, series=Series.objects.get(code="health"),
    )  # fmt: skip
    hr = make_staff("hr_admin")
    client.login(username=hr.username, password=PASSWORD)

    page = client.get("/overview/", {"year": 2025}).content.decode()
    exported = client.get("/overview/", {"year": 2025, "format": "csv"}).content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))

    assert "共 2 人，合格 1 人，未合格 1 人。" in page
    assert "以下系列另有规定，按其规定判断：卫生：总学时不少于 90，专业科目不少于 60，公需科目不少于 20。" in page
    verdicts = {r["姓名"]: r["是否合格"] for r in rows}
    assert verdicts == {"卫生系列护士": "不合格", "教育系列教师": "合格"}
    person_page = client.get(f"/people/{nurse.pk}/").content.decode()
    assert "不合格" in person_page  # the person's own page agrees


PERSON_LINK = re.compile(r'<a href="/people/(\d+)/">')


def test_r19_every_page_of_the_overview_holds_the_next_hundred_people_in_order_and_the_total(
    client, make_person, make_staff, add_hours
):
    """The pager counts from the summary and reads a page's ids first: each person on exactly one
    page, in the CSV's order (unit, name), and "only unqualified" pages through only them."""
    people = [make_person(unit="hospital" if i % 3 else "school", name=f"分页{i % 7}号") for i in range(230)]
    for i, person in enumerate(people):
        if i % 4 == 0:
            add_hours(person, 2025, general_public="10", industry_public="8", professional="72")
    hr = make_staff("hr_admin")
    client.login(username=hr.username, password=PASSWORD)

    def ids_on(**query) -> list[int]:
        page = client.get("/overview/", {"year": 2025, **query}).content.decode()
        return [int(pk) for pk in PERSON_LINK.findall(page)]

    pages = [ids_on(page=n) for n in (1, 2, 3)]
    exported = client.get("/overview/", {"year": 2025, "format": "csv"}).content.decode("utf-8-sig")
    csv_rows = list(csv.DictReader(io.StringIO(exported)))
    masked = {p.pk: p.id_number_masked for p in people}

    assert [len(ids) for ids in pages] == [100, 100, 30]
    assert [masked[pk] for ids in pages for pk in ids] == [r["身份证号码（脱敏）"] for r in csv_rows]
    assert "第 3 / 3 页" in client.get("/overview/", {"year": 2025, "page": 3}).content.decode()
    short = [ids_on(only_short="on", page=n) for n in (1, 2)]
    assert [len(ids) for ids in short] == [100, 72]
    assert set(short[0] + short[1]) == {p.pk for i, p in enumerate(people) if i % 4}
