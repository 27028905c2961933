"""Uploads bounded before they are read (DESIGN §7), attacked from outside as a user would.

- A request body over its route's limit is answered 413 from its Content-Length alone (a page in
  Chinese, or the JSON error shape under /api/), in the test client and in the served process.
- An XLSX is checked as a zip archive before openpyxl sees it: a 200 KB workbook holding five
  million shared strings is refused in milliseconds, on the exchange page and as an attendee list.
- Its XML is parsed without entity expansion: a "billion laughs" and an external entity naming
  /etc/passwd are refused with 400, never a 500 and never the file's content.
- A declaration takes at most 10 proof files; a proof file is served sandboxed and never cached.
"""

from __future__ import annotations

import io
import json
import random
import socket
import time
import tracemalloc
import zipfile
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

import cehours.integration.tables as tables
from cehours.declarations.models import AttendeeList, Evidence
from cehours.declarations.seminars import seminar_register_approved
from cehours.declarations.services import DeclarationError, evidence_add
from cehours.integration.keys import key_issue, system_save
from cehours.integration.tables import TableError, read_table
from cehours.ledger.models import LedgerEntry
from tests.conftest import PASSWORD
from tests.declarations.support import declare, pdf_bytes
from tests.integration.processes import SeparateDatabase
from tests.integration.support import BATCH_URL

MB = 1024 * 1024
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
HEADER_SHEET = (
    f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}"><sheetData>'
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
    "</sheetData></worksheet>"
)
HEADER_STRINGS = b"<si><t>id_number</t></si><si><t>name</t></si>"


# Workbooks built part by part, as an attacker would: the same parts Excel writes, nothing more.


def workbook(strings=lambda part: part.write(HEADER_STRINGS), sheet: str = HEADER_SHEET, prefix: str = "") -> bytes:
    """A minimal XLSX whose shared-strings part is streamed by `strings(part)` (never held whole)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}"/>'
            "</Types>",
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="xl/workbook.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
            "</Relationships>",
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
            '<Relationship Id="rId2" Target="sharedStrings.xml" '
            'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
            "</Relationships>",
        )
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        with archive.open("xl/sharedStrings.xml", "w") as part:
            namespace = f'xmlns:{prefix[:-1]}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
            part.write(f'<?xml version="1.0" encoding="UTF-8"?><{prefix}sst {namespace}>'.encode())
            strings(part)
            part.write(f"</{prefix}sst>".encode())
    return out.getvalue()


def five_million_strings(part) -> None:
    part.write(HEADER_STRINGS)
    block = b"<si><t>x</t></si>" * 10_000
    for _ in range(500):
        part.write(block)


def billion_laughs_sheet() -> str:
    entities = "".join(f'<!ENTITY l{i + 1} "{f"&l{i};" * 10}">' for i in range(9))
    return (
        f'<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY l0 "lol">{entities}]>'
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&l9;</t></is></c>'
        "</row></sheetData></worksheet>"
    )


def external_entity_sheet() -> str:
    return (
        '<?xml version="1.0"?><!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&x;</t></is></c>'
        "</row></sheetData></worksheet>"
    )


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def refused_within_bounds(send) -> tuple[object, float, int]:
    """(answer, seconds, peak bytes Python allocated) for one request; timed without tracemalloc's cost."""
    started = time.perf_counter()
    answer = send()
    seconds = time.perf_counter() - started
    tracemalloc.start()
    try:
        send()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return answer, seconds, peak


@pytest.fixture
def hr_client(client, make_staff):
    user = make_staff("hr_admin", username="hr_uploads")
    assert client.login(username=user.username, password=PASSWORD)
    return client


# The shared-strings bomb


def test_a_shared_strings_bomb_is_refused_on_the_exchange_page_fast_and_in_bounded_memory(hr_client):
    bomb = workbook(five_million_strings)
    assert len(bomb) < 300 * 1024  # 85 MB of XML once unpacked

    def send():
        return hr_client.post(
            "/exchange/import/", {"kind": "hours", "action": "dry_run", "file": upload("h.xlsx", bomb)}
        )

    response, seconds, peak = refused_within_bounds(send)
    assert response.status_code == 400
    assert "拒绝处理" in response.content.decode()
    assert seconds < 2, seconds
    assert peak < 100 * MB, peak
    assert not LedgerEntry.objects.exists()


def test_a_shared_strings_bomb_is_refused_as_an_attendee_list(client, make_staff, city):
    provider = make_staff("provider", username="bomb_provider")
    project = seminar_register_approved(
        by=make_staff("hr_admin", username="bomb_hr"),
        provider=provider,
        name="重症医学高级研修班",
        organiser="浙江省卫生健康委员会",
        level="national",
        series=city["series"]["health"],
        approval_document="浙人社发〔2026〕12号",
        year=timezone.localdate().year,
        start_on=date(timezone.localdate().year, 1, 1),
        end_on=date(timezone.localdate().year, 1, 3),
    )
    client.force_login(provider)
    bomb = workbook(five_million_strings)

    def send():
        url = f"/seminars/{project.pk}/attendees/"
        return client.post(url, {"file": upload("学员名单.xlsx", bomb)}, follow=True)

    response, seconds, peak = refused_within_bounds(send)
    assert response.status_code == 200
    assert "学员名单：XLSX 文件的压缩比超过 200:1（疑似压缩炸弹），拒绝处理" in response.content.decode()
    assert seconds < 2 and peak < 100 * MB, (seconds, peak)
    assert not AttendeeList.objects.exists()


@pytest.mark.parametrize("prefix", ["", "x:"])
def test_shared_strings_are_counted_as_they_stream_whatever_their_prefix(monkeypatch, prefix):
    """Entries that compress no better than text (so the ratio check passes) are still counted."""
    rng = random.Random(5)

    def many(part):
        part.write(f"<{prefix}si><{prefix}t>id_number</{prefix}t></{prefix}si>".encode())
        for _ in range(3000):
            part.write(f"<{prefix}si><{prefix}t>{rng.getrandbits(64):x}</{prefix}t></{prefix}si>".encode())

    content = workbook(many, prefix=prefix)
    monkeypatch.setattr(tables, "MAX_SHARED_STRINGS", 2500)
    with pytest.raises(TableError, match="^XLSX 文件的共享字符串超过 2500 个，拒绝处理$"):
        list(read_table("a.xlsx", content, []))
    monkeypatch.setattr(tables, "MAX_SHARED_STRINGS", 3001)
    assert list(read_table("a.xlsx", content, [])) == []  # exactly at the limit: read (the header only)


def _many_members() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for i in range(201):
            archive.writestr(f"xl/media/{i}.xml", "<a/>")
    return out.getvalue()


def _one_large_member(size: int) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("xl/big.xml", "w") as part:
        for _ in range(size // MB):
            part.write(b"\0" * MB)
    return out.getvalue()


@pytest.mark.parametrize(
    ("content", "limits", "message"),
    [
        (_many_members(), {}, "^XLSX 文件包含的部件超过 200 个，拒绝处理$"),
        (_one_large_member(2 * MB), {}, r"^XLSX 文件的压缩比超过 200:1（疑似压缩炸弹），拒绝处理$"),
        (_one_large_member(3 * MB), {"MAX_UNCOMPRESSED_BYTES": 2 * MB}, "^文件解压后超过 2 MB，拒绝处理$"),
        (
            # Random text in a comment: compresses no better than 2:1, so only the size check sees it.
            workbook(lambda part: part.write(HEADER_STRINGS + b"<!--" + random.randbytes(MB).hex().encode() + b"-->")),
            {"MAX_SHARED_STRINGS_BYTES": 1 * MB},
            "^XLSX 文件的共享字符串表解压后超过 1 MB，拒绝处理$",
        ),
        (b"PK\x03\x04 not really a zip", {}, "^无法读取 XLSX 文件：文件已损坏或不是 Excel 工作簿$"),
    ],
    ids=["members", "ratio", "uncompressed", "shared-strings-size", "damaged"],
)
def test_an_xlsx_outside_the_archive_limits_is_refused_naming_the_limit(monkeypatch, content, limits, message):
    for name, value in limits.items():
        monkeypatch.setattr(tables, name, value)
    with pytest.raises(TableError, match=message):
        list(read_table("a.xlsx", content, []))


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_rows_past_the_limit_are_refused_not_read(monkeypatch, suffix):
    monkeypatch.setattr(tables, "MAX_ROWS", 10)
    rows = "".join(f"<row r='{r}'><c r='A{r}' t='inlineStr'><is><t>v{r}</t></is></c></row>" for r in range(2, 30))
    content = (
        ("id_number\n" + "".join(f"v{r}\n" for r in range(2, 30))).encode()
        if suffix == "csv"
        else workbook(sheet=HEADER_SHEET.replace("</row>", "</row>" + rows, 1))
    )
    read = read_table(f"a.{suffix}", content, ["id_number"])
    assert [number for _, (number, _) in zip(range(9), read, strict=False)] == list(range(2, 11))
    with pytest.raises(TableError, match="^文件超过 10 行，拒绝处理：请分成多个文件导入$"):
        list(read)


def test_a_cell_in_the_last_column_does_not_widen_every_row():
    far = HEADER_SHEET.replace("</row>", "</row><row r='2'><c r='XFD2' t='inlineStr'><is><t>far</t></is></c></row>", 1)
    assert list(read_table("a.xlsx", workbook(sheet=far), ["id_number"])) == []


# XML entities


@pytest.mark.parametrize("sheet", [billion_laughs_sheet(), external_entity_sheet()], ids=["billion-laughs", "external"])
def test_an_xlsx_declaring_xml_entities_is_refused_400_without_its_content(hr_client, sheet):
    response = hr_client.post(
        "/exchange/import/", {"kind": "people", "action": "dry_run", "file": upload("p.xlsx", workbook(sheet=sheet))}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "XLSX 文件含有 XML 实体声明（DTD），出于安全原因拒绝处理" in page
    assert "root:" not in page and "lol" not in page


def test_an_xlsx_with_entities_in_its_content_types_is_refused_too():
    def strings(part):
        part.write(HEADER_STRINGS)

    content = workbook(strings)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(content)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "[Content_Types].xml":
                data = data.replace(b"<Types", b'<!DOCTYPE Types [<!ENTITY x SYSTEM "file:///etc/passwd">]><Types', 1)
            target.writestr(info.filename, data)
    with pytest.raises(TableError, match="XML 实体声明"):
        list(read_table("a.xlsx", out.getvalue(), []))


def test_a_well_formed_workbook_within_the_limits_still_reads():
    sheet = HEADER_SHEET.replace(
        "</row>",
        "</row><row r='2'><c r='A2' t='inlineStr'><is><t>331102200101010011</t></is></c>"
        "<c r='B2' t='inlineStr'><is><t>'=张三</t></is></c></row>",
        1,
    )
    assert list(read_table("a.xlsx", workbook(sheet=sheet), ["id_number", "name"])) == [
        (2, {"id_number": "331102200101010011", "name": "=张三"})
    ]


# The request-body cap


class Unreadable(io.RawIOBase):
    """A request body that fails the test if anybody reads it."""

    def read(self, *args):
        raise AssertionError("the body was read")

    readline = read


def post_claiming(client, path: str, length: int, **extra):
    return client.generic(
        "POST",
        path,
        data=b"x",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": Unreadable()},
        **extra,
    )


def test_a_60_mb_post_to_the_import_page_is_answered_413_before_its_body_is_read(hr_client):
    response = post_claiming(hr_client, "/exchange/import/", 60 * MB)
    assert response.status_code == 413
    assert response["Content-Type"].startswith("text/html")
    assert "请求内容过大：上传的文件不能超过 50 MB" in response.content.decode()


@pytest.mark.parametrize(
    ("path", "length", "message"),
    [
        ("/declarations/1/act/", 11 * MB, "请求内容过大：上传的文件不能超过 10 MB"),
        ("/declarations/", 11 * MB, "请求内容过大：上传的文件不能超过 10 MB"),
        ("/seminars/1/attendees/", 51 * MB, "请求内容过大：上传的文件不能超过 50 MB"),
        ("/login/", 13 * MB, "请求内容过大：请求体不能超过 12 MB"),  # a file part would go to disk on any page
    ],
)
def test_every_route_has_a_body_cap(client, path, length, message):
    response = post_claiming(client, path, length)
    assert response.status_code == 413
    assert message in response.content.decode()


def test_an_oversized_api_request_gets_the_json_error_shape(client):
    response = client.generic(
        "POST",
        BATCH_URL,
        data=b"{}",
        content_type="application/json",
        CONTENT_LENGTH=str(60 * MB),
        **{"wsgi.input": Unreadable()},
    )
    assert response.status_code == 413
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "errors": [{"field": "", "code": "too_large", "message": "请求内容过大：请求体不能超过 12 MB"}]
    }


def test_a_body_without_a_length_is_refused(hr_client):
    response = hr_client.generic(
        "POST", "/exchange/import/", HTTP_TRANSFER_ENCODING="chunked", **{"wsgi.input": Unreadable()}
    )
    assert response.status_code == 411
    assert "请求须带 Content-Length 头" in response.content.decode()


def test_an_upload_within_the_cap_still_reaches_the_page(hr_client):
    content = b"id_number,name\n"
    response = hr_client.post(
        "/exchange/import/", {"kind": "people", "action": "dry_run", "file": upload("p.csv", content)}
    )
    assert response.status_code == 200


@pytest.mark.slow
def test_the_served_process_answers_413_without_waiting_for_the_body(tmp_path):
    """gunicorn, as an operator runs it: the answer comes while 60 MB are still unsent."""
    database = SeparateDatabase(tmp_path / "data", migrate=False)
    try:
        with database.serve("--no-migrate", "--workers", "1") as server:
            with socket.create_connection(("127.0.0.1", server.port), timeout=10) as connection:
                connection.sendall(
                    b"POST /exchange/import/ HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    b"Content-Type: multipart/form-data; boundary=xyz\r\n"
                    + f"Content-Length: {60 * MB}\r\n\r\n".encode()
                    + b"--xyz\r\n" * 100
                )
                started = time.perf_counter()
                answer = b""
                while b"\r\n\r\n" not in answer and (chunk := connection.recv(65536)):
                    answer += chunk
                seconds = time.perf_counter() - started
            assert answer.startswith(b"HTTP/1.1 413"), answer[:500]
            assert seconds < 5, seconds
            api = _raw_post(server.port, BATCH_URL, 60 * MB)
            assert api.startswith(b"HTTP/1.1 413"), api[:500]
            assert b"application/json" in api and b'"code": "too_large"' in api
    finally:
        database.drop()


def _raw_post(port: int, path: str, claimed: int) -> bytes:
    """The whole answer to a POST that claims `claimed` bytes and sends one; gunicorn closes after it."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            f"Content-Length: {claimed}\r\n\r\n{{".encode()
        )
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
        return answer


# Evidence


@pytest.fixture
def private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_the_eleventh_proof_file_is_refused_naming_the_field(client, make_person, private_media):
    nurse = make_person(unit="hospital", name="柳青", with_login=True)
    draft = declare(nurse, with_evidence=False, submit=False)
    client.force_login(nurse.user)
    for _ in range(10):
        done = client.post(
            f"/declarations/{draft.pk}/act/", {"action": "upload", "file": upload("证书.pdf", pdf_bytes())}, follow=True
        )
        assert "证明材料已上传。" in done.content.decode()
    eleventh = client.post(
        f"/declarations/{draft.pk}/act/", {"action": "upload", "file": upload("证书.pdf", pdf_bytes())}, follow=True
    )
    assert "证明材料：每项申报最多上传 10 个证明材料文件" in eleventh.content.decode()
    assert Evidence.objects.filter(declaration=draft).count() == 10
    with pytest.raises(DeclarationError) as caught:
        evidence_add(declaration=draft, by=nurse.user, name="又一份.pdf", content=pdf_bytes())
    assert caught.value.field == "file"


def test_a_proof_file_is_served_sandboxed_and_never_cached(client, make_person, private_media):
    nurse = make_person(unit="hospital", name="江燕", with_login=True)
    declaration = declare(nurse, submit=False)
    client.force_login(nurse.user)
    served = client.get(f"/evidence/{declaration.evidence.get().pk}/")
    assert served.status_code == 200
    assert served["Content-Security-Policy"] == "sandbox"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in served["Cache-Control"]


def test_system_keys_still_work_under_the_cap(client, make_person):
    """A batch of ordinary size passes the cap untouched (the cap reads the header only)."""
    system, _ = system_save(code="cap-platform", name="上限测试平台", categories=[], industries=[])
    key = key_issue(system=system)
    response = client.post(
        BATCH_URL, data=json.dumps({"records": []}), content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert response.status_code != 413


def test_without_defusedxml_no_xlsx_is_parsed_at_all(monkeypatch):
    """openpyxl falls back to the stdlib parser when OPENPYXL_DEFUSEDXML=False: XLSX then fails closed."""
    import xml.etree.ElementTree

    import openpyxl.xml.functions

    monkeypatch.setattr(openpyxl.xml.functions, "iterparse", xml.etree.ElementTree.iterparse)
    with pytest.raises(TableError, match="未启用安全的 XML 解析"):
        list(read_table("a.xlsx", workbook(), ["id_number"]))
    assert list(read_table("a.csv", b"id_number\n1\n", ["id_number"])) == [(2, {"id_number": "1"})]
