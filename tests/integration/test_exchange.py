"""Exchange files with the provincial platform (R10): export of registered hours, import of hours and rosters.

The round trip a careful HR office relies on: export a year (CSV and XLSX, the columns the README
documents), import the file into an empty installation — a separate database reached through the
installed `cehours` commands — and find the same totals for every person and year. Imports are
idempotent (the same file twice changes nothing), and a dry run reports every row's problems by
row number and writes nothing. Rosters of units and people import the same way.
"""

from __future__ import annotations

import csv
import inspect
import io
import random
import threading
from datetime import date
from io import StringIO
from operator import itemgetter
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from openpyxl import Workbook, load_workbook

from cehours.audit.models import AuditEvent
from cehours.demo import synthetic_credit_code
from cehours.integration import exchange, tables
from cehours.integration.exchange import ExchangeError, export_hours
from cehours.integration.models import ConnectedSystem
from cehours.integration.services import records_intake
from cehours.ledger.models import LedgerEntry, PersonYearTotal, Source
from cehours.ledger.services import entry_register, entry_reverse
from cehours.people.crypto import id_number_hash
from cehours.people.models import Person, Unit

from .processes import SeparateDatabase
from .support import DOCUMENTED_COLUMNS, QINGTIAN, new_id_number, offline, online, other, seminar

# What an import carries over (the rest is informational).
CARRIED = ["source_record_id", "id_number", "name", "year", "category", "hours", "title", "completed_on", "provider"]
STAFF_PASSWORD = "exchange-password-2026"
_rng = random.Random(32100)


def command(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def dry_run_output(name: str, *args: str) -> str:
    """A dry run that finds problems exits with status 1; its report is still on stdout."""
    out = StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command(name, *args, "--dry-run", stdout=out, stderr=StringIO())
    assert exit_info.value.code == 1
    return out.getvalue()


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def write_xlsx(path: Path, header: list[str], rows: list[list]) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def read_xlsx(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    sheet = load_workbook(path, read_only=True).worksheets[0]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = [str(c) for c in rows[0]]
    return header, [dict(zip(header, ["" if v is None else str(v) for v in r], strict=True)) for r in rows[1:]]


def totals_by_id_number(year: int) -> dict[str, list[str]]:
    return {
        t.person.id_number: [str(t.general_public), str(t.industry_public), str(t.professional)]
        for t in PersonYearTotal.objects.filter(year=year).select_related("person")
        if t.general_public or t.industry_public or t.professional
    }


@pytest.fixture
def hr(make_staff):
    return make_staff("hr_admin", username="hr_exchange")


@pytest.fixture
def source_data(city, make_person, make_system, make_staff):
    """A year of hours from every road: two connected systems (numbering their records alike), a
    declaration, a 高研班, a reversed entry, a person first seen in a record, and another year."""
    health, _ = make_system("health-platform")
    school, _ = make_system("school-platform")
    nurse = make_person(unit="hospital", name="林静")
    teacher = make_person(unit="school", name="何平")
    newcomer = new_id_number(QINGTIAN)
    health_batch = records_intake(
        system=health,
        records=[
            online("1001", nurse.id_number, nurse.name, minutes=135),
            offline("1002", nurse.id_number, nurse.name, "2025-04-01", "2025-04-02", "15", provider="丽水市中心医院"),
            other("1003", newcomer, "罗娟", "4.5", category="industry_public"),
            online("1004", nurse.id_number, nurse.name, minutes=90, completed_on="2024-12-31"),
        ],
    )
    school_batch = records_intake(
        system=school,
        records=[
            # The school platform numbers its records from 1001 too: unique within a system only.
            online("1001", teacher.id_number, teacher.name, minutes=450, category="general_public"),
            seminar("2002", teacher.id_number, teacher.name, "provincial"),
        ],
    )
    assert [r.status for r in health_batch.results + school_batch.results] == ["created"] * 6
    reviewer = make_staff("reviewer", level=3)
    entry_register(
        person=teacher,
        category="professional",
        hours="12.0",
        source=Source.DECLARATION,
        title="教学能力提升培训（线下申报）",
        completed_on=date(2025, 7, 10),
        by=reviewer,
    )
    mistaken = entry_register(
        person=nurse,
        category="professional",
        hours="30.0",
        source=Source.DECLARATION,
        title="重复申报",
        completed_on=date(2025, 8, 1),
        by=reviewer,
    )
    entry_reverse(entry=mistaken, by=reviewer, reason="重复申报")
    return {"nurse": nurse, "teacher": teacher, "newcomer": newcomer}


# export


def test_export_yields_the_effective_entries_of_the_year_with_full_id_numbers(source_data, hr):
    rows = [dict(zip(DOCUMENTED_COLUMNS, row, strict=True)) for row in export_hours(user=hr, year=2025)]
    nurse, teacher = source_data["nurse"], source_data["teacher"]
    assert sorted((r["source_system"], r["source_record_id"]) for r in rows if r["source_system"]) == [
        ("health-platform", "health-platform:1001"),
        ("health-platform", "health-platform:1002"),
        ("health-platform", "health-platform:1003"),
        ("school-platform", "school-platform:1001"),
        ("school-platform", "school-platform:2002"),
    ]
    declared = [r for r in rows if r["source"] == Source.DECLARATION]
    assert [(r["id_number"], r["title"], str(r["hours"])) for r in declared] == [
        (teacher.id_number, "教学能力提升培训（线下申报）", "12.0")
    ]
    assert declared[0]["source_record_id"].startswith("cehours-")
    # Neither the reversed entry nor its reversal, nor the 2024 record.
    assert "重复申报" not in {r["title"] for r in rows}
    assert {r["year"] for r in rows} == {2025}
    assert {r["id_number"] for r in rows} == {nurse.id_number, teacher.id_number, source_data["newcomer"]}
    by_county = list(export_hours(user=hr, year=2025, county="331121"))
    # The newcomer's ID number has Qingtian's area code, but the record named no unit: no county yet.
    assert {row[1] for row in by_county} == {teacher.id_number}
    by_series = list(export_hours(user=hr, year=2025, series="health"))
    assert {row[1] for row in by_series} == {nurse.id_number}


def test_only_hr_administrators_may_export_full_id_numbers(source_data, make_staff):
    reviewer = make_staff("reviewer", level=3)
    with pytest.raises(ExchangeError, match="只有人力社保部门管理员"):
        list(export_hours(user=reviewer, year=2025))
    with pytest.raises(CommandError, match="^--as：只有人力社保部门管理员可以导出学时交换文件$"):
        command("export_hours", "--as", reviewer.username, "--year", "2025", "--output", "-")


def test_export_command_writes_csv_and_xlsx_with_the_documented_columns_and_is_audited(source_data, hr, tmp_path):
    csv_path, xlsx_path = tmp_path / "hours-2025.csv", tmp_path / "hours-2025.xlsx"
    said = command("export_hours", "--as", hr.username, "--year", "2025", "--output", str(csv_path))
    assert said.strip() == f"已导出 6 条学时记录到 {csv_path}"
    command("export_hours", "--as", hr.username, "--year", "2025", "--format", "xlsx", "--output", str(xlsx_path))
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM: Excel opens the Chinese text correctly
    assert raw.decode("utf-8-sig").splitlines()[0] == ",".join(DOCUMENTED_COLUMNS)
    csv_rows = read_csv(csv_path)
    header, xlsx_rows = read_xlsx(xlsx_path)
    assert header == DOCUMENTED_COLUMNS
    assert [{k: r[k] for k in CARRIED} for r in csv_rows] == [{k: r[k] for k in CARRIED} for r in xlsx_rows]
    # ID numbers and hours stay text in Excel: no lost leading digits, no float hours.
    sheet = load_workbook(xlsx_path).worksheets[0]
    assert {sheet.cell(row=n, column=2).data_type for n in range(2, sheet.max_row + 1)} == {"s"}
    capped = next(r for r in csv_rows if r["source_record_id"] == "health-platform:1002")
    assert (capped["hours"], capped["start_on"], capped["end_on"], capped["provider"]) == (
        "12.0",
        "2025-04-01",
        "2025-04-02",
        "丽水市中心医院",
    )
    events = AuditEvent.objects.filter(action="exchange.hours_exported", actor=hr).order_by("seq")
    assert [(e.after["format"], e.after["rows"], e.after["year"]) for e in events] == [
        ("csv", 6, 2025),
        ("xlsx", 6, 2025),
    ]


def test_the_export_reads_one_snapshot_though_it_reads_the_ledger_in_steps_of_people(
    django_db_serialized_rollback, transactional_db, source_data, hr, monkeypatch
):
    """Issue 14: the export reads a step of people at a time, so memory stays bounded at city
    scale; all its steps read the same snapshot, so hours registered while it runs are in no step
    (the file is the ledger as it was when the export began, not half of an intake batch)."""
    if connection.vendor == "sqlite":
        pytest.skip("the SQLite test database lives in memory, where a second connection cannot write while one reads")
    monkeypatch.setattr(exchange, "EXPORT_PEOPLE", 1)
    assert connection.get_autocommit()  # as a command or a page runs: no transaction around the export
    nurse, teacher = source_data["nurse"], source_data["teacher"]
    assert nurse.pk < teacher.pk
    rows = export_hours(user=hr, year=2025)
    first = next(rows)  # the first step has been read: the nurse's

    def register_meanwhile() -> None:
        try:
            entry_register(
                person=teacher,
                category="professional",
                hours="3.0",
                source=Source.DECLARATION,
                title="导出期间登记的学时",
                completed_on=date(2025, 9, 1),
                by=hr,
            )
        finally:
            connections.close_all()

    writer = threading.Thread(target=register_meanwhile)
    writer.start()
    writer.join()
    exported = [first, *rows]

    assert LedgerEntry.objects.filter(title="导出期间登记的学时").exists()
    assert "导出期间登记的学时" not in {row[7] for row in exported}
    assert len(exported) == 6
    assert [row[1] for row in exported].index(teacher.id_number) > 0  # the teacher came in a later step
    assert "导出期间登记的学时" in {row[7] for row in export_hours(user=hr, year=2025)}


def test_an_xlsx_export_past_a_sheets_row_limit_goes_on_in_further_sheets_each_with_the_header():
    """Excel and WPS open at most 1,048,576 rows a sheet; a whole city's year is about five million."""
    header = ["source_record_id", "title"]
    rows = [[f"r{i}", f"课程{i}"] for i in range(5)]
    binary = io.BytesIO()

    count = tables.write_xlsx(header, iter(rows), binary, rows_per_sheet=2)

    workbook = load_workbook(io.BytesIO(binary.getvalue()))
    assert count == 5
    assert workbook.sheetnames == ["学时", "学时（2）", "学时（3）"]
    sheets = [[list(r) for r in sheet.iter_rows(values_only=True)] for sheet in workbook.worksheets]
    assert [sheet[0] for sheet in sheets] == [header] * 3
    assert [row for sheet in sheets for row in sheet[1:]] == rows
    default = inspect.signature(tables.write_xlsx).parameters["rows_per_sheet"].default
    assert default + 1 == 1_048_576  # with its header, a sheet is exactly as long as Excel allows


# the round trip into an empty installation


@pytest.fixture(scope="module")
def empty_installation(tmp_path_factory):
    database = SeparateDatabase(tmp_path_factory.mktemp("exchange-target") / "data")
    done = database.run("create-staff", "hr_target", "--role", "hr_admin", "--password", STAFF_PASSWORD)
    assert done.returncode == 0, done.stderr
    yield database
    database.drop()


TARGET_TOTALS = """
import json
from cehours.ledger.models import PersonYearTotal
from cehours.ledger.services import totals_rebuild
from cehours.people.models import Person

print(json.dumps({
    "totals": {
        t.person.id_number: [str(t.general_public), str(t.industry_public), str(t.professional)]
        for t in PersonYearTotal.objects.filter(year=2025).select_related("person")
        if t.general_public or t.industry_public or t.professional
    },
    "unconfirmed": sorted(p.id_number for p in Person.objects.filter(unit_confirmed=False)),
    "drift": len(totals_rebuild(fix=False)),
}))
"""


@pytest.mark.slow
def test_r10_exported_year_imported_into_an_empty_installation_gives_the_same_totals(
    source_data, hr, tmp_path, empty_installation
):
    target = empty_installation
    csv_path, xlsx_path = tmp_path / "hours.csv", tmp_path / "hours.xlsx"
    command("export_hours", "--as", hr.username, "--year", "2025", "--output", str(csv_path))
    command("export_hours", "--as", hr.username, "--year", "2025", "--format", "xlsx", "--output", str(xlsx_path))
    expected = totals_by_id_number(2025)
    assert len(expected) == 3

    first = target.run("import-hours", str(csv_path), "--as", "hr_target")
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip().splitlines()[-1] == "导入完成：共 6 行，新增 6，已存在（重复） 0，暂缓登记 0，未导入 0"
    assert "已处理 6 行…" in first.stderr  # progress is shown

    again = target.run("import-hours", str(csv_path), "--as", "hr_target")
    assert again.stdout.strip().splitlines()[-1] == "导入完成：共 6 行，新增 0，已存在（重复） 6，暂缓登记 0，未导入 0"
    as_xlsx = target.run("import-hours", str(xlsx_path), "--as", "hr_target")
    assert as_xlsx.stdout.strip().splitlines()[-1] == again.stdout.strip().splitlines()[-1]

    script = tmp_path / "totals.py"
    script.write_text(TARGET_TOTALS)
    state = target.run_script(script)
    assert state["totals"] == expected
    assert state["drift"] == 0
    # R3: people the empty installation first meets in the file wait for their unit to confirm them.
    assert sorted(state["unconfirmed"]) == sorted(expected)

    # Exported again from there, the same hours come out under the same record ids.
    back = tmp_path / "back.csv"
    done = target.run("export-hours", "--as", "hr_target", "--year", "2025", "--output", str(back))
    assert done.returncode == 0, done.stderr
    key = itemgetter("source_record_id")
    assert sorted(({k: r[k] for k in CARRIED} for r in read_csv(back)), key=key) == sorted(
        ({k: r[k] for k in CARRIED} for r in read_csv(csv_path)), key=key
    )


# imports into this installation


def hours_row(sid: str, number: str, name: str, hours="3.0", **extra) -> list:
    values = {
        "source_record_id": sid,
        "id_number": number,
        "name": name,
        "year": "2025",
        "category": "professional",
        "hours": hours,
        "title": "省平台专业科目学习",
        "completed_on": "2025-10-01",
        **extra,
    }
    return [values.get(c, "") for c in DOCUMENTED_COLUMNS]


def test_importing_the_same_hours_file_twice_changes_nothing_the_second_time(hr, make_person, tmp_path):
    person = make_person()
    newcomer = new_id_number()
    path = write_csv(
        tmp_path / "province.csv",
        DOCUMENTED_COLUMNS,
        [
            hours_row("zj-1", person.id_number, person.name, "3.0"),
            hours_row("zj-2", person.id_number, person.name, "2.5", category="general_public"),
            hours_row("zj-3", newcomer, "包晓", "60"),
        ],
    )
    said = command("import_hours", str(path), "--as", hr.username)
    assert said.strip() == "导入完成：共 3 行，新增 3，已存在（重复） 0，暂缓登记 0，未导入 0"
    state = (LedgerEntry.objects.count(), Person.objects.count(), totals_by_id_number(2025))
    assert state[2] == {person.id_number: ["2.5", "0.0", "3.0"], newcomer: ["0.0", "0.0", "60.0"]}
    entry = LedgerEntry.objects.get(source_record_id="zj-1")
    assert (entry.source, entry.source_system, entry.registered_by_label) == (
        Source.PROVINCIAL_IMPORT,
        "zj-province",
        "system:zj-province",
    )
    said = command("import_hours", str(path), "--as", hr.username)
    assert said.strip() == "导入完成：共 3 行，新增 0，已存在（重复） 3，暂缓登记 0，未导入 0"
    assert (LedgerEntry.objects.count(), Person.objects.count(), totals_by_id_number(2025)) == state
    imports = AuditEvent.objects.filter(action="exchange.hours_imported", actor=hr).order_by("seq")
    assert [e.after for e in imports] == [
        {"created": 3, "duplicate": 0, "held": 0, "rejected": 0},
        {"created": 0, "duplicate": 3, "held": 0, "rejected": 0},
    ]


def _wrong_check_digit(number: str) -> str:
    return number[:17] + ("0" if number[17] != "0" else "1")


@pytest.fixture
def troubled_hours_file(make_person, tmp_path):
    person = make_person(name="邱敏")
    rows = [
        hours_row("ok-1", person.id_number, person.name),  # row 2
        hours_row("bad-id", _wrong_check_digit(new_id_number()), "甲"),  # row 3
        hours_row("other-name", person.id_number, "邱明"),  # row 4
        hours_row("no-title", person.id_number, person.name, title=""),  # row 5
        hours_row("bad-hours", person.id_number, person.name, hours="三"),  # row 6
        hours_row("bad-category", person.id_number, person.name, category="leisure"),  # row 7
    ]
    return person, rows


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_hours_dry_run_reports_every_rows_problem_by_row_number_and_writes_nothing(
    hr, troubled_hours_file, tmp_path, suffix
):
    _, rows = troubled_hours_file
    writer = write_csv if suffix == "csv" else write_xlsx
    path = writer(tmp_path / f"province.{suffix}", DOCUMENTED_COLUMNS, rows)
    before = (LedgerEntry.objects.count(), Person.objects.count(), AuditEvent.objects.count())
    lines = dry_run_output("import_hours", str(path), "--as", hr.username).strip().splitlines()
    assert lines == [
        "第 3 行（bad-id）：id_number：身份证号码校验位错误",
        "第 4 行（other-name）：name：姓名与平台登记的该身份证号码持有人不一致",
        "第 5 行（no-title）：title：缺少名称",
        "第 6 行（bad-hours）：hours：学时应为数字",
        "第 7 行（bad-category）：category：应为 general_public、industry_public 或 professional",
        "试运行：共 6 行，可导入 1 行，有问题 5 行；未写入任何数据",
    ]
    assert (LedgerEntry.objects.count(), Person.objects.count(), AuditEvent.objects.count()) == before
    assert not ConnectedSystem.objects.filter(code="zj-province").exists()


def test_hours_import_registers_the_good_rows_and_reports_the_bad_ones(hr, troubled_hours_file, tmp_path):
    person, rows = troubled_hours_file
    path = write_csv(tmp_path / "province.csv", DOCUMENTED_COLUMNS, rows)
    lines = command("import_hours", str(path), "--as", hr.username).strip().splitlines()
    assert lines[-1] == "导入完成：共 6 行，新增 1，已存在（重复） 0，暂缓登记 0，未导入 5"
    assert sorted(line.split("）")[0] for line in lines[:-1]) == [
        "第 3 行（bad-id",
        "第 4 行（other-name",
        "第 5 行（no-title",
        "第 6 行（bad-hours",
        "第 7 行（bad-category",
    ]
    assert list(LedgerEntry.objects.values_list("source_record_id", flat=True)) == ["ok-1"]
    assert totals_by_id_number(2025) == {person.id_number: ["0.0", "0.0", "3.0"]}


def test_hours_file_without_a_required_column_is_refused_naming_it(hr, make_person, tmp_path):
    person = make_person()
    header = [c for c in DOCUMENTED_COLUMNS if c not in {"name", "title"}]
    row = [
        v
        for c, v in zip(DOCUMENTED_COLUMNS, hours_row("x-1", person.id_number, person.name), strict=True)
        if c in header
    ]
    path = write_csv(tmp_path / "province.csv", header, [row])
    for args in ((), ("--dry-run",)):
        with pytest.raises(CommandError, match="^缺少列：name, title$"):
            command("import_hours", str(path), "--as", hr.username, *args)
    assert not LedgerEntry.objects.exists()


def test_a_workbook_with_rows_on_a_second_sheet_is_refused_whole_and_an_empty_one_is_not(hr, make_person, tmp_path):
    """Only the first sheet is imported: rows on another would be lost without a word."""
    person = make_person()
    workbook = Workbook()
    first = workbook.active
    first.append(DOCUMENTED_COLUMNS)
    first.append(hours_row("x-1", person.id_number, person.name))
    second = workbook.create_sheet("学时（2）")
    second.append(DOCUMENTED_COLUMNS)
    second.append(hours_row("x-2", person.id_number, person.name))
    workbook.create_sheet("Sheet3")  # empty, as Excel makes them
    path = tmp_path / "two-sheets.xlsx"
    workbook.save(path)

    for args in ((), ("--dry-run",)):
        with pytest.raises(CommandError, match="^工作表“学时（2）”中也有数据：只导入第一个工作表"):
            command("import_hours", str(path), "--as", hr.username, *args)
    assert not LedgerEntry.objects.exists()

    del workbook["学时（2）"]
    workbook.save(path)
    lines = command("import_hours", str(path), "--as", hr.username).strip().splitlines()
    assert lines[-1].startswith("导入完成：共 1 行，新增 1")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("hours.txt", b"source_record_id\n", "^只支持 .csv 与 .xlsx 文件$"),
        ("hours.xlsx", b"not a workbook", "^无法读取 XLSX 文件"),
        ("hours.csv", b"", "^文件为空$"),
    ],
)
def test_a_file_that_is_not_a_table_is_refused_with_a_chinese_message(hr, tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        command("import_hours", str(path), "--as", hr.username)


def test_a_gb18030_csv_from_excel_is_read(hr, make_person, tmp_path):
    person = make_person(name="欧阳娜")
    text = io.StringIO()
    csv.writer(text).writerows([DOCUMENTED_COLUMNS, hours_row("gb-1", person.id_number, person.name)])
    path = tmp_path / "province.csv"
    path.write_bytes(text.getvalue().encode("gb18030"))
    said = command("import_hours", str(path), "--as", hr.username)
    assert said.strip().endswith("新增 1，已存在（重复） 0，暂缓登记 0，未导入 0")
    assert LedgerEntry.objects.get(source_record_id="gb-1").title == "省平台专业科目学习"


def test_long_imports_show_their_progress(hr, tmp_path):
    number = new_id_number()
    rows = [hours_row(f"p-{i}", number, "宋佳", "0.5") for i in range(1001)]
    path = write_csv(tmp_path / "province.csv", DOCUMENTED_COLUMNS, rows)
    err = StringIO()
    call_command("import_hours", str(path), "--as", hr.username, stdout=StringIO(), stderr=err)
    assert err.getvalue().splitlines() == ["已处理 1000 行…", "已处理 1001 行…"]
    assert totals_by_id_number(2025) == {number: ["0.0", "0.0", "500.5"]}


@pytest.mark.parametrize("kind", ["import_hours", "import_roster"])
def test_only_hr_administrators_may_import(make_staff, tmp_path, kind):
    unit_staff = make_staff("unit_staff", unit="hospital")
    path = write_csv(tmp_path / "file.csv", DOCUMENTED_COLUMNS + ["credit_code", "county_code"], [])
    extra = ["--kind", "units"] if kind == "import_roster" else []
    with pytest.raises(CommandError, match="^只有人力社保部门管理员可以导入"):
        command(kind, str(path), "--as", unit_staff.username, *extra)
    with pytest.raises(CommandError, match="^--as：找不到有效账号 nobody$"):
        command(kind, str(path), "--as", "nobody", *extra)


# rosters

UNIT_HEADER = ["credit_code", "name", "county_code", "series_code", "self_evaluating"]
PEOPLE_HEADER = [
    "id_number",
    "name",
    "unit_credit_code",
    "series_code",
    "county_code",
    "title_level",
    "title_obtained_on",
]


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_unit_roster_dry_run_import_reimport_and_change(hr, city, tmp_path, suffix):
    writer = write_csv if suffix == "csv" else write_xlsx
    hospital, school = synthetic_credit_code(_rng, "331123"), synthetic_credit_code(_rng, "331181")
    good = [
        [hospital, "遂昌县人民医院", "331123", "health", "否"],
        [school.lower(), "龙泉市第一中学", "331181", "education", "是"],
    ]
    bad = [
        [hospital[:17] + ("0" if hospital[17] != "0" else "1"), "校验位错的单位", "331123", "", ""],  # row 4
        [synthetic_credit_code(_rng, "330102"), "杭州的单位", "330102", "", ""],  # row 5
        [synthetic_credit_code(_rng, "331102"), "", "331102", "astrology", "maybe"],  # row 6
    ]
    units_before = Unit.objects.count()
    path = writer(tmp_path / f"units.{suffix}", UNIT_HEADER, good + bad)

    lines = dry_run_output("import_roster", str(path), "--kind", "units", "--as", hr.username).splitlines()
    assert [line.split("：")[0] for line in lines[:-1]] == [
        f"第 4 行（{bad[0][0]}）",
        f"第 5 行（{bad[1][0]}）",
        f"第 6 行（{bad[2][0]}）",
    ]
    assert "credit_code：统一社会信用代码校验位错误" in lines[0]
    assert "county_code：不是丽水市的县（市、区）代码：330102" in lines[1]
    assert all(
        m in lines[2]
        for m in (
            "name：单位名称不能为空",
            "series_code：找不到行业（系列）代码 astrology",
            "self_evaluating：应为 是/否",
        )
    )
    assert lines[-1] == "试运行：共 5 行，可导入 2 行，有问题 3 行；未写入任何数据"
    assert Unit.objects.count() == units_before

    said = command("import_roster", str(path), "--kind", "units", "--as", hr.username).splitlines()
    assert said[-1] == "导入完成：共 5 行，新增 2，更新 0，无变化 0，未导入 3"
    created = Unit.objects.get(credit_code=school)
    assert (created.name, created.county_id, created.series_id, created.self_evaluating) == (
        "龙泉市第一中学",
        "331181",
        "education",
        True,
    )
    said = command("import_roster", str(path), "--kind", "units", "--as", hr.username).splitlines()
    assert said[-1] == "导入完成：共 5 行，新增 0，更新 0，无变化 2，未导入 3"

    changed = [[hospital, "遂昌县人民医院（总院）", "331123", "health", "是"], good[1]]
    path = writer(tmp_path / f"units2.{suffix}", UNIT_HEADER, changed)
    said = command("import_roster", str(path), "--kind", "units", "--as", hr.username).splitlines()
    assert said[-1] == "导入完成：共 2 行，新增 0，更新 1，无变化 1，未导入 0"
    renamed = Unit.objects.get(credit_code=hospital)
    assert (renamed.name, renamed.self_evaluating) == ("遂昌县人民医院（总院）", True)
    assert Unit.objects.count() == units_before + 2


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_people_roster_dry_run_import_reimport_and_change(hr, city, make_person, make_system, tmp_path, suffix):
    writer = write_csv if suffix == "csv" else write_xlsx
    hospital = city["units"]["hospital"]
    # Typed cells as a person keys them into Excel: a date, a number for the county code.
    obtained = date(2019, 12, 1) if suffix == "xlsx" else "2019-12-01"
    county_cell = 331121 if suffix == "xlsx" else "331121"
    doctor, freelancer = new_id_number(), new_id_number(QINGTIAN)
    registered = make_person(name="钟华")
    # First seen in a connected system's record: not yet confirmed by a unit (R3).
    seen_in_record = new_id_number()
    system, _ = make_system("health-platform")
    records_intake(system=system, records=[online("c-1", seen_in_record, "廖飞")])
    assert Person.objects.get(id_number_hash=id_number_hash(seen_in_record)).unit_confirmed is False
    rows = [
        [doctor, "纪宁", hospital.credit_code.lower(), "", "", "副主任医师", obtained],  # row 2
        [freelancer, "施雨", "", "education", county_cell, "", ""],  # row 3
        [seen_in_record, "廖飞", hospital.credit_code, "", "", "主治医师", ""],  # row 4
        [_wrong_check_digit(new_id_number()), "错号", "", "", "331102", "", ""],  # row 5
        [new_id_number(), "无单位", synthetic_credit_code(_rng, "331102"), "", "", "", ""],  # row 6
        [registered.id_number, "钟桦", "", "", "331102", "", ""],  # row 7
        [new_id_number("110101"), "外地人", "", "", "", "", ""],  # row 8
        [new_id_number(), "日期错", "", "", "331102", "", "2019/12/01"],  # row 9
    ]
    path = writer(tmp_path / f"people.{suffix}", PEOPLE_HEADER, rows)
    people_before = Person.objects.count()

    lines = dry_run_output("import_roster", str(path), "--kind", "people", "--as", hr.username).splitlines()
    assert [line.split("（")[0] for line in lines[:-1]] == ["第 5 行", "第 6 行", "第 7 行", "第 8 行", "第 9 行"]
    assert "id_number：身份证号码校验位错误" in lines[0]
    assert "unit_credit_code：找不到单位" in lines[1]
    assert "name：与平台登记的姓名不一致；更名须经单位确认，未导入" in lines[2]
    assert "county_code：须为丽水市的县（市、区）代码，或提供所在单位" in lines[3]
    assert "title_obtained_on：应为“年-月-日”格式的日期，如 2025-03-01" in lines[4]
    assert registered.id_number not in "\n".join(lines)  # ID numbers are shown masked
    assert lines[-1] == "试运行：共 8 行，可导入 3 行，有问题 5 行；未写入任何数据"
    assert Person.objects.count() == people_before

    said = command("import_roster", str(path), "--kind", "people", "--as", hr.username).splitlines()
    assert said[-1] == "导入完成：共 8 行，新增 2，更新 1，无变化 0，未导入 5"
    imported = Person.objects.get(id_number_hash=id_number_hash(doctor))
    assert (imported.name, imported.unit, imported.county_id, imported.series_id) == (
        "纪宁",
        hospital,
        "331102",
        "health",
    )
    assert (imported.title_level, imported.title_obtained_on, imported.unit_confirmed) == (
        "副主任医师",
        date(2019, 12, 1),
        True,
    )
    alone = Person.objects.get(id_number_hash=id_number_hash(freelancer))
    assert (alone.county_id, alone.series_id, alone.unit_id, alone.unit_confirmed) == (
        "331121",
        "education",
        None,
        False,
    )
    confirmed = Person.objects.get(id_number_hash=id_number_hash(seen_in_record))
    assert (confirmed.unit, confirmed.unit_confirmed, confirmed.title_level) == (hospital, True, "主治医师")
    assert Person.objects.get(pk=registered.pk).name == "钟华"  # never renamed by a roster

    said = command("import_roster", str(path), "--kind", "people", "--as", hr.username).splitlines()
    assert said[-1] == "导入完成：共 8 行，新增 0，更新 0，无变化 3，未导入 5"

    rows[0][5] = "主任医师"
    path = writer(tmp_path / f"people2.{suffix}", PEOPLE_HEADER, rows[:3])
    said = command("import_roster", str(path), "--kind", "people", "--as", hr.username).splitlines()
    assert said[-1] == "导入完成：共 3 行，新增 0，更新 1，无变化 2，未导入 0"
    assert Person.objects.get(id_number_hash=id_number_hash(doctor)).title_level == "主任医师"
    events = AuditEvent.objects.filter(action="exchange.people_imported", actor=hr).order_by("seq")
    assert [e.after for e in events] == [
        {"created": 2, "updated": 1, "unchanged": 0, "rejected": 5},
        {"created": 0, "updated": 0, "unchanged": 3, "rejected": 5},
        {"created": 0, "updated": 1, "unchanged": 2, "rejected": 0},
    ]


def test_roster_without_its_key_columns_is_refused_naming_them(hr, tmp_path):
    path = write_csv(tmp_path / "people.csv", ["姓名", "身份证号"], [["张三", "x"]])
    with pytest.raises(CommandError, match="^缺少列：id_number, name$"):
        command("import_roster", str(path), "--kind", "people", "--as", hr.username)
    path = write_csv(tmp_path / "units.csv", ["credit_code", "name"], [["x", "y"]])
    with pytest.raises(CommandError, match="^缺少列：county_code$"):
        command("import_roster", str(path), "--kind", "units", "--as", hr.username)
