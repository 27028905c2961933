"""The HR pages for connected systems and exchange files, through Django's test client (R15, R10).

/systems/: an HR administrator registers a system and sees its key once, rotates and revokes keys;
bad input gets a Chinese message naming the field; anyone else is refused. /exchange/: the export
downloads as CSV or XLSX with the documented columns; an upload is checked in a dry run first and
imported on request.
"""

from __future__ import annotations

import csv
import io
import re
from html import unescape

import pytest
from django.test import Client
from openpyxl import load_workbook

from cehours.audit.models import AuditEvent
from cehours.integration.models import ConnectedSystem, SystemKey
from cehours.integration.services import records_intake
from cehours.ledger.models import LedgerEntry

from ..conftest import PASSWORD
from .support import DOCUMENTED_COLUMNS, new_id_number, online, post_batch

KEY_ON_PAGE = re.compile(r'<p class="mono" id="new-key">([^<]+)</p>')


@pytest.fixture
def hr_client(client, make_staff):
    user = make_staff("hr_admin")
    assert client.login(username=user.username, password=PASSWORD)
    client.user = user
    return client


def text_of(response) -> str:
    """The page's visible text, roughly as a person reads it."""
    html = response.content.decode()
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def shown_key(response) -> str | None:
    found = KEY_ON_PAGE.search(response.content.decode())
    return found.group(1) if found else None


# /systems/


def test_registering_a_system_shows_its_key_once_and_the_key_works(hr_client, make_person):
    response = hr_client.post(
        "/systems/",
        {
            "code": "health-platform",
            "name": "卫生健康继续教育平台",
            "categories": ["professional"],
            "industries": ["health"],
        },
    )
    assert response.status_code == 200
    key = shown_key(response)
    assert key and key.startswith("cehsys_")
    assert "密钥只显示这一次" in text_of(response)
    system = ConnectedSystem.objects.get(code="health-platform")
    assert (system.name, system.categories) == ("卫生健康继续教育平台", ["professional"])
    listing = hr_client.get("/systems/")
    assert shown_key(listing) is None
    assert key not in listing.content.decode()
    page = text_of(listing)
    assert "卫生健康继续教育平台" in page and "专业科目" in page and "卫生" in page
    assert f"{key[:14]}…" in page  # the key is told apart by its prefix only
    nurse = make_person(unit="hospital")
    answer = post_batch(hr_client, key, [online("p-1", nurse.id_number, nurse.name)])
    assert answer.json()["created"] == 1
    event = AuditEvent.objects.get(action="integration.system_registered")
    assert event.actor == hr_client.user


def test_saving_a_known_system_again_changes_its_rights_without_a_new_key(hr_client):
    hr_client.post("/systems/", {"code": "edu", "name": "教育平台"})
    response = hr_client.post(
        "/systems/", {"code": "edu", "name": "教育继续教育平台", "categories": ["general_public"]}
    )
    assert response.status_code == 200
    assert shown_key(response) is None
    system = ConnectedSystem.objects.get(code="edu")
    assert (system.name, system.categories, system.keys.count()) == ("教育继续教育平台", ["general_public"], 1)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"code": "Health Platform!", "name": "卫生平台"}, "系统代码应为 2–64 位小写字母、数字、- 或 _"),
        ({"code": "", "name": "卫生平台"}, "请填写系统代码"),
        ({"code": "health", "name": ""}, "请填写系统名称"),
        ({"code": "health", "name": "卫生平台", "categories": ["leisure"]}, "科目类别无效"),
        ({"code": "health", "name": "卫生平台", "industries": ["astrology"]}, "astrology"),
    ],
)
def test_bad_system_input_is_refused_400_with_a_chinese_message_and_nothing_saved(hr_client, form, message):
    response = hr_client.post("/systems/", form)
    assert response.status_code == 400
    assert message in text_of(response)
    assert shown_key(response) is None
    assert not ConnectedSystem.objects.exists()
    assert not SystemKey.objects.exists()


def test_rotating_on_the_page_ends_the_old_key(hr_client, make_person):
    old = shown_key(hr_client.post("/systems/", {"code": "health", "name": "卫生平台"}))
    response = hr_client.post("/systems/health/rotate/")
    new = shown_key(response)
    assert new and new != old
    nurse = make_person()
    assert post_batch(hr_client, old, [online("r-1", nurse.id_number, nurse.name)]).status_code == 401
    assert post_batch(hr_client, new, [online("r-1", nurse.id_number, nurse.name)]).status_code == 200


def test_revoking_on_the_page_ends_that_key_and_a_wrong_prefix_is_explained(hr_client, make_person):
    key = shown_key(hr_client.post("/systems/", {"code": "health", "name": "卫生平台"}))
    wrong = hr_client.post("/systems/health/revoke/", {"prefix": "cehsys_nothing"})
    assert wrong.status_code == 400
    assert "密钥前缀：没有该前缀的有效密钥" in text_of(wrong)
    assert hr_client.post("/systems/health/revoke/", {"prefix": key[:14]}).status_code == 200
    nurse = make_person()
    assert post_batch(hr_client, key, [online("r-1", nurse.id_number, nurse.name)]).status_code == 401
    assert hr_client.post("/systems/nowhere/rotate/").status_code == 404


@pytest.mark.parametrize("role", ["reviewer", "unit_staff", "industry_authority"])
def test_staff_other_than_hr_administrators_are_refused_the_system_and_exchange_pages(client, make_staff, role):
    scope = {"level": 3} if role == "reviewer" else {"unit": "hospital"} if role == "unit_staff" else {}
    user = make_staff(role, **scope)
    assert client.login(username=user.username, password=PASSWORD)
    for method, url, data in [
        ("get", "/systems/", None),
        ("post", "/systems/", {"code": "sneaky", "name": "偷偷登记"}),
        ("get", "/exchange/", None),
        ("get", "/exchange/export/", {"year": "2025", "format": "csv"}),
        ("post", "/exchange/import/", {"kind": "hours"}),
    ]:
        response = getattr(client, method)(url, data or {})
        assert response.status_code == 403, url
        # The refusal says why (issue 12: the policy's reason, and a way back).
        assert "只有人力社保部门管理员" in text_of(response) and "返回首页" in text_of(response), url
    assert not ConnectedSystem.objects.exists()


def test_signed_out_visitors_are_sent_to_the_login_page(client):
    for url in ("/systems/", "/exchange/", "/exchange/export/?year=2025&format=csv"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


# /exchange/


@pytest.fixture
def registered_hours(make_system, make_person):
    system, _ = make_system("health-platform")
    nurse = make_person(unit="hospital", name="倪红")
    result = records_intake(
        system=system,
        records=[
            online("e-1", nurse.id_number, nurse.name, minutes=90),
            online("e-2", nurse.id_number, nurse.name, minutes=45, category="general_public"),
        ],
    )
    assert result.as_dict()["created"] == 2
    return nurse


def test_export_page_downloads_csv_with_the_documented_columns(hr_client, registered_hours):
    response = hr_client.get("/exchange/export/", {"year": "2025", "format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"] == 'attachment; filename="cehours-hours-2025.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == DOCUMENTED_COLUMNS
    body = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert [(r["source_record_id"], r["id_number"], r["name"], r["hours"]) for r in body] == [
        ("health-platform:e-1", registered_hours.id_number, "倪红", "2.0"),
        ("health-platform:e-2", registered_hours.id_number, "倪红", "1.0"),
    ]
    event = AuditEvent.objects.get(action="exchange.hours_exported")
    assert (event.actor, event.after["rows"], event.after["format"]) == (hr_client.user, 2, "csv")


def test_export_page_downloads_an_xlsx_workbook_with_the_documented_columns(hr_client, registered_hours):
    response = hr_client.get("/exchange/export/", {"year": "2025", "format": "xlsx", "county": "331102"})
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="cehours-hours-2025.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content), read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == DOCUMENTED_COLUMNS
    assert [r[1] for r in rows[1:]] == [registered_hours.id_number] * 2
    empty = hr_client.get("/exchange/export/", {"year": "2025", "format": "xlsx", "county": "331121"})
    assert [list(r) for r in load_workbook(io.BytesIO(empty.content)).worksheets[0].iter_rows(values_only=True)] == [
        DOCUMENTED_COLUMNS
    ]


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"year": "", "format": "csv"}, "请填写年度"),
        ({"year": "今年", "format": "csv"}, "年度应为四位数年份"),
        ({"year": "1989", "format": "csv"}, "年度不能早于 1990 年"),
        ({"year": "2025", "format": "pdf"}, "格式应为 xlsx 或 csv"),
        ({"year": "2025", "format": "csv", "county": "110101"}, "县（市、区）无效"),
    ],
)
def test_bad_export_request_is_refused_400_with_a_chinese_message(hr_client, query, message):
    response = hr_client.get("/exchange/export/", query)
    assert response.status_code == 400
    assert message in text_of(response)
    assert not AuditEvent.objects.filter(action="exchange.hours_exported").exists()


def test_exchange_page_lists_the_columns_and_offers_a_dry_run(hr_client):
    page = text_of(hr_client.get("/exchange/"))
    listed = "列（文件第一行的列名，与省平台约定，照原样填写）：" + "、".join(DOCUMENTED_COLUMNS)
    assert listed in page.replace(" ", "")  # each name is a <code> of its own
    assert "试运行检查" in page and "导入" in page


def _hours_upload(rows: list[list[str]]) -> io.BytesIO:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(DOCUMENTED_COLUMNS)
    for values in rows:
        record = dict(
            zip(
                ["source_record_id", "id_number", "name", "category", "hours", "title", "completed_on"],
                values,
                strict=True,
            )
        )
        writer.writerow([record.get(c, "") for c in DOCUMENTED_COLUMNS])
    upload = io.BytesIO(text.getvalue().encode("utf-8-sig"))
    upload.name = "province.csv"
    return upload


def test_import_page_dry_run_reports_problems_then_import_registers_the_good_rows(hr_client, make_person):
    person = make_person(name="严冬")
    bad_id = new_id_number()[:17] + "Y"
    rows = [
        ["zj-1", person.id_number, person.name, "professional", "3.0", "省平台课程", "2025-10-01"],
        ["zj-2", bad_id, "某人", "professional", "3.0", "省平台课程", "2025-10-01"],
        ["zj-3", person.id_number, "严东", "professional", "3.0", "省平台课程", "2025-10-01"],
    ]
    before = (LedgerEntry.objects.count(), AuditEvent.objects.count())
    dry = hr_client.post("/exchange/import/", {"kind": "hours", "action": "dry_run", "file": _hours_upload(rows)})
    assert dry.status_code == 200
    page = text_of(dry)
    assert "试运行结果（未写入）" in page
    assert "共 3 行，有问题 2 行" in page
    # Issue 12: the column named in Chinese, its code beside it (the file's header says it so).
    assert "3 zj-2 身份证号码（ id_number ）：身份证号码前17位应为数字，末位为数字或X" in page
    assert "4 zj-3 姓名（ name ）：姓名与平台登记的该身份证号码持有人不一致" in page
    assert (LedgerEntry.objects.count(), AuditEvent.objects.count()) == before

    done = hr_client.post("/exchange/import/", {"kind": "hours", "action": "import", "file": _hours_upload(rows)})
    page = text_of(done)
    assert "省平台学时：导入结果" in page
    assert "共 3 行，有问题 2 行" in page
    assert list(LedgerEntry.objects.values_list("source_record_id", flat=True)) == ["zj-1"]
    again = hr_client.post("/exchange/import/", {"kind": "hours", "action": "import", "file": _hours_upload(rows)})
    assert "共 3 行，有问题 2 行" in text_of(again)
    assert LedgerEntry.objects.count() == 1


def test_import_page_takes_a_people_roster(hr_client, city):
    number = new_id_number()
    text = "id_number,name,unit_credit_code\n" + f"{number},祁峰,{city['units']['hospital'].credit_code}\n"
    upload = io.BytesIO(text.encode())
    upload.name = "people.csv"
    response = hr_client.post("/exchange/import/", {"kind": "people", "action": "import", "file": upload})
    assert response.status_code == 200
    assert "人员名册：导入结果" in text_of(response)
    assert LedgerEntry.objects.count() == 0
    assert AuditEvent.objects.get(action="exchange.people_imported").after["created"] == 1


@pytest.mark.parametrize(
    ("name", "content", "kind", "message"),
    [
        ("hours.pdf", b"%PDF", "hours", "只支持 .xlsx 与 .csv 文件"),
        ("hours.csv", b"source_record_id,id_number\n", "hours", "缺少列：name, category, hours, title, completed_on"),
        ("hours.xlsx", b"garbage", "hours", "无法读取 XLSX 文件"),
        ("hours.csv", b"id_number\n", "mystery", "文件类型无效"),
    ],
)
def test_a_bad_upload_is_refused_400_with_a_chinese_message(hr_client, name, content, kind, message):
    upload = io.BytesIO(content)
    upload.name = name
    response = hr_client.post("/exchange/import/", {"kind": kind, "action": "import", "file": upload})
    assert response.status_code == 400
    assert message in text_of(response)
    assert not LedgerEntry.objects.exists()


def test_an_upload_without_a_file_asks_for_one(hr_client):
    response = hr_client.post("/exchange/import/", {"kind": "hours", "action": "dry_run"})
    assert response.status_code == 400
    assert "请选择要导入的文件" in text_of(response)


def test_the_dry_run_keeps_the_file_for_the_import_and_groups_the_rows_by_outcome(hr_client, make_person, make_staff):
    """Issue 12: no choosing the file again after the dry run; the report counts each outcome and
    each problem and shows the first rows of each, not one line per row."""
    person = make_person(name="严冬")
    rows = [["zj-ok", person.id_number, person.name, "professional", "3.0", "省平台课程", "2025-10-01"]]
    rows += [[f"zj-{n}", person.id_number, "严东", "professional", "3.0", "省平台课程", "2025-10-01"] for n in range(8)]
    dry = hr_client.post("/exchange/import/", {"kind": "hours", "action": "dry_run", "file": _hours_upload(rows)})
    page = text_of(dry)
    assert "可导入：1 行" in page and "未导入：8 行" in page
    assert "姓名（ name ）：姓名与平台登记的该身份证号码持有人不一致（8 行）" in page
    assert "以上为前 5 行，共 8 行。" in page
    assert "已试运行检查：province.csv" in page
    token = re.search(r'name="kept" value="([^"]+)"', dry.content.decode()).group(1)
    assert LedgerEntry.objects.count() == 0

    other = Client()
    other.force_login(make_staff("hr_admin"))
    assert other.post("/exchange/import/", {"kind": "hours", "action": "import", "kept": token}).status_code == 400

    done = hr_client.post("/exchange/import/", {"kind": "hours", "action": "import", "kept": token})
    assert "省平台学时：导入结果" in text_of(done) and "新增：1 行" in text_of(done)
    assert list(LedgerEntry.objects.values_list("source_record_id", flat=True)) == ["zj-ok"]
    spent = hr_client.post("/exchange/import/", {"kind": "hours", "action": "import", "kept": token})
    assert spent.status_code == 400 and "请选择要导入的文件" in text_of(spent)
