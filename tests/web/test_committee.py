"""评审名单 (R13 第十三条, R18 第十八条): an evaluator uploads the applicant list of a session and gets
each applicant's verdict, reasons and per-year figures on the page and as an XLSX, the same as the
batch API; bad rows name the column to fix, applicants outside the scope are "not found"."""

from __future__ import annotations

import io

from django.test import Client
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from cehours.privacy.models import ReadAction, ReadEvent, ReadOutcome

YEAR = timezone.localdate().year
HEADERS = ["身份证号码", "姓名", "职称系列", "申报等级", "申报年度", "规定年限", "取得现职称年份", "调整理由"]


def _xlsx(rows: list[list]) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    stream = io.BytesIO(book.save(stream := io.BytesIO()) or stream.getvalue())
    stream.name = "名单.xlsx"
    return stream


def _csv(rows: list[list]) -> io.BytesIO:
    """A CSV keeps a formula as text (an XLSX written by openpyxl would store it as a formula)."""
    import csv

    text = io.StringIO()
    csv.writer(text).writerows([HEADERS, *rows])
    stream = io.BytesIO(text.getvalue().encode("utf-8-sig"))
    stream.name = "名单.csv"
    return stream


def _qualify(add_hours, person, *years):
    for year in years:
        add_hours(person, year, general_public="9", industry_public="9", professional="72")


def _scene(make_person, make_staff, add_hours):
    evaluator = make_staff("evaluator", county="liandu")
    good = make_person(unit="hospital", name="合格申报人")
    _qualify(add_hours, good, YEAR - 3, YEAR - 2, YEAR - 1)
    short = make_person(unit="hospital", name="不足申报人")
    _qualify(add_hours, short, YEAR - 3, YEAR - 1)
    add_hours(short, YEAR - 2, professional="30")
    outside = make_person(unit="school", name="青田申报人")
    _qualify(add_hours, outside, YEAR - 3, YEAR - 2, YEAR - 1)
    rows = [
        [good.id_number, "合格申报人", "卫生", "中级", YEAR, 3, "", ""],
        [short.id_number, "不足申报人", "卫生", "中级", YEAR, 3, "", ""],
        [good.id_number, "合格申报人", "卫生", "特级", YEAR, 3, "", ""],
        ["12345", "号码错误", "", "", YEAR, 3, "", ""],
        [outside.id_number, "青田申报人", "教育", "中级", YEAR, 3, "", ""],
    ]
    return evaluator, good, short, outside, rows


def test_r13_committee_list_judges_good_bad_and_out_of_scope_rows(make_person, make_staff, add_hours):
    evaluator, good, short, outside, rows = _scene(make_person, make_staff, add_hours)
    client = Client()
    client.force_login(evaluator)
    assert "评审名单" in client.get("/committee/").content.decode()
    answer = client.post("/committee/", {"file": _xlsx(rows), "format": "page"})
    assert answer.status_code == 200
    page = answer.content.decode()
    assert "名单.xlsx：共 5 人" in page
    assert "继续教育学时符合申报条件：1 人" in page and "继续教育学时不符合申报条件：1 人" in page
    assert "填写有误：2 人" in page and "未找到该人员，或不在您的查询范围内：1 人" in page
    assert "申报等级：应为初级、中级、副高级或正高级" in page
    assert "身份证号码：" in page
    assert f"{YEAR - 2}年 不合格（30.0 学时）" in page
    assert "青田测试学校" not in page and outside.id_number not in page  # nothing of the register shown
    assert good.id_number not in page  # numbers found are shown masked
    misses = ReadEvent.objects.filter(action=ReadAction.COMMITTEE_LIST, outcome=ReadOutcome.MISSED).count()
    assert misses == 1  # the out-of-scope row; the malformed ones spend nothing


def test_r13_committee_result_xlsx_has_chinese_headers_and_the_api_verdicts(make_person, make_staff, add_hours, bearer):
    evaluator, good, short, outside, rows = _scene(make_person, make_staff, add_hours)
    rows.append(["110101199003071234", '=HYPERLINK("http://x","点我")', "", "", YEAR, 3, "", ""])
    client = Client()
    client.force_login(evaluator)
    answer = client.post("/committee/", {"file": _csv(rows), "format": "xlsx"})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(answer.content)).active
    table = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert table[0][:8] == ["行号", "身份证号码", "姓名", "单位", "职称系列", "申报年度", "状态", "结论"]
    by_line = {int(row[0]): row for row in table[1:]}
    api = Client().post(
        "/api/v1/eligibility/batch",
        {"applicants": [{"id_number": p.id_number, "application_year": YEAR, "required_years": 3} for p in (good, short)]},  # noqa: E501
        content_type="application/json",
        **bearer(evaluator),
    ).json()
    assert by_line[2][7] == api["applicants"][0]["verdict_label"] == "继续教育学时符合申报条件"
    assert by_line[3][7] == api["applicants"][1]["verdict_label"] == "继续教育学时不符合申报条件"
    assert by_line[6][6] == "未找到该人员，或不在您的查询范围内"
    formula = by_line[7][2]
    assert formula.startswith("'=") and sheet.cell(row=7, column=3).data_type == "s"  # never a live formula


def test_r13_committee_page_refuses_bad_files_naming_the_field(make_staff, make_person):
    client = Client()
    client.force_login(make_staff("evaluator"))
    missing = client.post("/committee/", {"format": "page"})
    assert missing.status_code == 400 and "申报人员名单：请选择名单文件" in missing.content.decode()
    wrong = io.BytesIO(b"id\n1\n")
    wrong.name = "list.txt"
    answer = client.post("/committee/", {"file": wrong, "format": "page"})
    assert answer.status_code == 400 and "申报人员名单：只支持 .csv 与 .xlsx 文件" in answer.content.decode()
    no_column = io.BytesIO("姓名\n张三\n".encode())
    no_column.name = "名单.csv"
    answer = client.post("/committee/", {"file": no_column, "format": "page"})
    assert "申报人员名单：缺少列：身份证号码" in answer.content.decode()
    too_long = io.BytesIO(("身份证号码\n" + "110101199003071234\n" * 1001).encode())
    too_long.name = "名单.csv"
    answer = client.post("/committee/", {"file": too_long, "format": "page"})
    assert answer.status_code == 400 and "一份名单最多 1000 人，本名单 1001 人" in answer.content.decode()
    assert not ReadEvent.objects.filter(action=ReadAction.COMMITTEE_LIST).exists()  # nothing was looked up


def test_r13_committee_page_is_for_staff_not_professionals(make_person):
    person = make_person(with_login=True)
    client = Client()
    client.force_login(person.user)
    assert client.get("/committee/").status_code == 403
    assert client.get("/committee/template.xlsx").status_code == 403


def test_r13_committee_template_has_the_columns_the_page_reads(make_staff):
    client = Client()
    client.force_login(make_staff("evaluator"))
    sheet = load_workbook(io.BytesIO(client.get("/committee/template.xlsx").content)).active
    assert [c.value for c in next(sheet.iter_rows())] == HEADERS
