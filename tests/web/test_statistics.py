"""学时统计 (R19 第十九条): rates, counts and hours per county, unit and series, the trend and the
spread of total hours; every chart's table sums to the overview's own counts, a county opens to
its units and a unit to its people, scope holds, bad filters name the field."""

from __future__ import annotations

import io
import re

from django.test import Client
from openpyxl import load_workbook

YEAR = 2025


def _section(page: str, name: str) -> str:
    return page.split(f'id="{name}"', 1)[1].split("</section>", 1)[0]


def _rows(section: str) -> list[list[str]]:
    body = section.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def _city(make_person, add_hours):
    # 莲都: 3 at the hospital (2 qualified), 1 at the college (qualified); 青田: 2 at the school (1 qualified).
    for unit, gp, ip, pro in [
        ("hospital", 10, 8, 72), ("hospital", 12, 6, 80), ("hospital", 6, 0, 40),
        ("college", 9, 9, 72), ("school", 20, 0, 90), ("school", 0, 0, 10),
    ]:  # fmt: skip
        add_hours(make_person(unit=unit), YEAR, general_public=gp, industry_public=ip, professional=pro)


def test_r19_each_charts_table_sums_to_the_overview_counts(make_person, make_staff, add_hours):
    _city(make_person, add_hours)
    client = Client()
    client.force_login(make_staff("hr_admin"))
    page = client.get("/statistics/", {"year": YEAR}).content.decode()
    overview = client.get("/overview/", {"year": YEAR}).content.decode()
    people, qualified = map(int, re.search(r"共 (\d+) 人，合格 (\d+) 人", overview).groups())
    assert (people, qualified) == (6, 4)
    assert f"共 {people} 人，合格 {qualified} 人，合格率 66.7%" in page
    for name in ("places", "series"):
        rows = _rows(_section(page, name))
        assert sum(int(r[1]) for r in rows) == people and sum(int(r[2]) for r in rows) == qualified, name
    places = {r[0]: r for r in _rows(_section(page, "places"))}
    assert places["莲都区"][1:4] == ["4", "3", "75.0%"] and places["青田县"][1:4] == ["2", "1", "50.0%"]
    bands = {r[0]: int(r[1]) for r in _rows(_section(page, "bands"))}
    assert sum(bands.values()) == people and bands["不足 18 学时"] == 1 and bands["90–120 学时"] == 4
    trend = _rows(_section(page, "trend"))
    assert [r[0] for r in trend] == [f"{y}年" for y in range(YEAR - 4, YEAR + 1)]
    assert trend[-1][1:3] == ["6", "4"] and trend[0][1:4] == ["6", "0", "0.0%"]
    charts = re.findall(r'<svg class="chart"[^>]*aria-label="([^"]+)"', page)
    expected = [f"{YEAR}年各县（市、区）合格率", f"{YEAR}年各职称系列合格率", "近5年合格率"]
    expected.append(f"{YEAR}年总学时分布（人）")
    assert charts == expected
    assert "<script" not in page.split("<main>", 1)[1]


def test_r19_a_county_opens_to_its_units_and_a_unit_to_its_people(make_person, make_staff, add_hours, city):
    _city(make_person, add_hours)
    client = Client()
    client.force_login(make_staff("hr_admin"))
    page = client.get("/statistics/", {"year": YEAR}).content.decode()
    assert f'href="?year={YEAR}&county=331102"' in page
    county = client.get("/statistics/", {"year": YEAR, "county": "331102"}).content.decode()
    units = {r[0]: r[1:3] for r in _rows(_section(county, "places"))}
    assert units == {"莲都测试医院": ["3", "2"], "莲都测试学院": ["1", "1"]}
    hospital = city["units"]["hospital"].pk
    assert f'/overview/?year={YEAR}&unit={hospital}"' in county
    people = client.get("/overview/", {"year": YEAR, "unit": hospital}).content.decode()
    assert "莲都测试医院人员学时汇总" in people and "共 3 人，合格 2 人" in people


def test_r19_statistics_keep_to_the_scope_and_refuse_bad_filters(make_person, make_staff, add_hours):
    _city(make_person, add_hours)
    client = Client()
    client.force_login(make_staff("reviewer", level=2, county="qingtian"))
    page = client.get("/statistics/", {"year": YEAR}).content.decode()
    assert "共 2 人，合格 1 人" in page and "莲都区" not in _section(page, "places")
    bad = client.get("/statistics/", {"year": "二〇二五", "county": "999999"})
    assert bad.status_code == 400
    text = bad.content.decode()
    assert "年度：年度应为四位数年份" in text and "县（市、区）：请从列表中选择县（市、区）" in text
    professional = Client()
    professional.force_login(make_person(with_login=True).user)
    assert professional.get("/statistics/").status_code == 403


def test_r19_a_units_annual_assessment_list_has_every_person_and_what_is_missing(
    make_person, make_staff, add_hours
):
    _city(make_person, add_hours)
    client = Client()
    client.force_login(make_staff("unit_staff", unit="hospital"))
    answer = client.get("/roster/", {"year": YEAR, "format": "xlsx"})
    assert answer.status_code == 200 and "attachment" in answer["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(answer.content)).active
    table = [[c.value for c in row] for row in sheet.iter_rows()]
    assert table[0] == [
        "姓名", "身份证号码（脱敏）", "职称系列", "年度", "一般公需科目", "行业公需科目", "公需科目合计",
        "专业科目", "总学时", "是否合格", "尚缺",
    ]  # fmt: skip
    assert len(table) == 4  # the hospital's three people, nobody of another unit
    verdicts = sorted(row[9] for row in table[1:])
    assert verdicts == ["不合格", "合格", "合格"]
    (short,) = [row for row in table[1:] if row[9] == "不合格"]
    assert short[8] == "46.0" and f"{YEAR}年还需专业科目学时 20.0" in short[10]
    assert all("*" in row[1] for row in table[1:])
