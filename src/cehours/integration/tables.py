"""Reading and writing tabular exchange files (CSV in UTF-8 with BOM, and XLSX), safe in both directions.

Writing (DESIGN §7, OWASP "CSV injection"): any text a spreadsheet would take for a formula — it
starts with `=`, `+`, `-`, `@`, a tab, a carriage return or a line feed — is written with a leading `'`, and
every XLSX cell is written as a string cell, so a title pushed by a connected system never becomes
a live formula on an HR officer's desk. Reading undoes exactly that, so our own exports import back
unchanged. `neutralise` / `unneutralise` are the one pair every writer and reader here goes through.

Reading an XLSX (DESIGN §7, 等保 2.0 第三级 "恶意代码防范"): the file is a zip archive whose
directory is checked before openpyxl sees it — member count, total uncompressed size, compression
ratio, the shared-strings part's size and entry count — and its XML is parsed by defusedxml, which
openpyxl uses when it is installed, so entity declarations (a "billion laughs", an external
entity naming a local file) are refused rather than expanded. Every row count is bounded. A file
that fails any check is a TableError with a Chinese message naming the limit, never a 500.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

MB = 1024 * 1024

# Limits on an XLSX before and while it is read. A full year's export of the city (tens of
# thousands of rows, 15 columns) is far inside every one of them.
MAX_ZIP_MEMBERS = 200
MAX_CENTRAL_DIRECTORY_BYTES = 1 * MB  # read from the end record, before zipfile builds an entry per member
MAX_UNCOMPRESSED_BYTES = 100 * MB
MAX_COMPRESSION_RATIO = 200  # for members larger than RATIO_CHECKED_ABOVE once uncompressed
RATIO_CHECKED_ABOVE = 1 * MB
MAX_CONTENT_TYPES_BYTES = 1 * MB
MAX_SHARED_STRINGS_BYTES = 64 * MB
MAX_SHARED_STRINGS = 2_000_000
# Any table, CSV or XLSX: rows read (the header and empty rows included), and columns read per row.
MAX_ROWS = 200_000
MAX_COLUMNS = 100

# OWASP's list, and a line feed: XML reads a carriage return back as one, so a quoted "\r…" cell in
# an XLSX returns as "\n…" and must still lose its quote.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "\n")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?", re.ASCII)
_SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
# The shared-strings root, naming the namespace prefix its entries carry: <sst ...> or <x:sst ...>.
_SST_ROOT = re.compile(rb"<((?:[A-Za-z_][\w.-]{0,30}:)?)sst[\s>]")
_END_OF_CENTRAL_DIRECTORY = b"PK\x05\x06"
_END_RECORD = struct.Struct("<4s4H2LH")  # signature, disk numbers, entry counts, directory size and offset
_MAX_ZIP_COMMENT = 0xFFFF


class TableError(ValueError):
    """The file cannot be read as a table; the message says why, in Chinese."""


def _is_formula_like(text: str) -> bool:
    # A plain number ("-3.0", "+5") cannot do anything a formula can, and must stay a number.
    return text.startswith(FORMULA_TRIGGERS) and not _PLAIN_NUMBER.fullmatch(text)


def neutralise(text: str) -> str:
    """The text with a `'` in front if a spreadsheet could read it as a formula.

    Text that already starts with quotes before such a character gets one more, so that
    `unneutralise(neutralise(t)) == t` for every t: what we export imports back exactly.
    """
    return "'" + text if _is_formula_like(text.lstrip("'")) else text


def unneutralise(text: str) -> str:
    """The inverse of `neutralise`: drops the one `'` it would have added."""
    return text[1:] if text.startswith("'") and _is_formula_like(text.lstrip("'")) else text


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str):
        return unneutralise(value).strip()
    return str(value).strip()


def read_table(name: str, content: bytes, required: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, {column: text}) for each non-empty row."""
    suffix = Path(name).suffix.lower()
    rows: Iterator[Sequence[object]]
    if suffix == ".csv":
        rows = _csv_rows(content)
    elif suffix == ".xlsx":
        rows = _xlsx_rows(content)
    else:
        raise TableError("只支持 .csv 与 .xlsx 文件")
    header = next(rows, None)
    if header is None:
        raise TableError("文件为空")
    columns = [_cell(c) for c in header]
    missing = [c for c in required if c not in columns]
    if missing:
        raise TableError(f"缺少列：{', '.join(missing)}")
    for number, row in enumerate(rows, start=2):
        if number > MAX_ROWS:
            raise TableError(f"文件超过 {MAX_ROWS} 行，拒绝处理：请分成多个文件导入")
        values = [_cell(v) for v in row]
        if not any(values):
            continue
        yield number, {c: (values[i] if i < len(values) else "") for i, c in enumerate(columns) if c}


def _csv_rows(content: bytes) -> Iterator[list]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise TableError("CSV 文件编码无法识别：请另存为 UTF-8") from exc
    try:
        for row in csv.reader(io.StringIO(text)):
            yield row[:MAX_COLUMNS]
    except csv.Error as exc:  # a field over csv's size limit, a stray quote in strict mode
        raise TableError(f"CSV 文件格式有误：{exc}") from exc


def _xlsx_rows(content: bytes) -> Iterator[tuple]:
    import openpyxl.xml.functions
    from openpyxl import load_workbook

    if not openpyxl.xml.functions.iterparse.__module__.startswith("defusedxml"):
        # openpyxl picks defusedxml when it is importable unless OPENPYXL_DEFUSEDXML=False: fail closed,
        # before even the content-types part is parsed.
        raise TableError("服务器未启用安全的 XML 解析（defusedxml），暂不能读取 XLSX 文件：请改用 CSV")
    check_xlsx_archive(content)
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _unreadable(exc) from exc
    try:
        sheet, *others = workbook.worksheets
        # Only the first sheet is read: rows on another would be lost without a word, so a workbook
        # with data on more than one is refused before a row is read (an empty sheet such as
        # Excel's default Sheet2 does not count).
        if filled := [other.title for other in others if _has_values(other)]:
            names = "、".join(f"“{title[:31]}”" for title in filled[:5]) + ("等" if len(filled) > 5 else "")
            raise TableError(f"工作表{names}中也有数据：只导入第一个工作表，请把数据放在一个工作表中，或分成多个文件")
        # max_col: a cell at column XFD must not make every row 16,384 values wide.
        yield from sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    except TableError:
        raise
    except Exception as exc:  # a worksheet is parsed only as its rows are read
        raise _unreadable(exc) from exc
    finally:
        workbook.close()


def _has_values(sheet) -> bool:
    return any(
        any(value not in (None, "") for value in row) for row in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS)
    )


def _unreadable(exc: BaseException) -> TableError:
    """The TableError for what openpyxl raised; it wraps defusedxml's refusal in a ValueError of its own."""
    from defusedxml import DefusedXmlException

    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, DefusedXmlException):
            return TableError(_XML_ENTITIES)
        seen = seen.__cause__ or seen.__context__
    return TableError(_DAMAGED)


_DAMAGED = "无法读取 XLSX 文件：文件已损坏或不是 Excel 工作簿"
_XML_ENTITIES = "XLSX 文件含有 XML 实体声明（DTD），出于安全原因拒绝处理：请用 Excel 重新另存后再上传"


def check_xlsx_archive(content: bytes) -> None:
    """TableError unless the XLSX zip archive is within every limit; reads the directory, and
    decompresses only the content-types part and the shared strings (counted as they stream)."""
    directory_size, entries = _central_directory(content)
    if entries > MAX_ZIP_MEMBERS:
        raise TableError(f"XLSX 文件包含的部件超过 {MAX_ZIP_MEMBERS} 个，拒绝处理")
    if directory_size > MAX_CENTRAL_DIRECTORY_BYTES:
        raise TableError(f"XLSX 文件目录超过 {MAX_CENTRAL_DIRECTORY_BYTES // MB} MB，拒绝处理")
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError) as exc:
        raise TableError(_DAMAGED) from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            raise TableError(f"XLSX 文件包含的部件超过 {MAX_ZIP_MEMBERS} 个，拒绝处理")
        if sum(m.file_size for m in members) > MAX_UNCOMPRESSED_BYTES:
            raise TableError(f"文件解压后超过 {MAX_UNCOMPRESSED_BYTES // MB} MB，拒绝处理")
        for member in members:
            # zipfile stops at the size the directory states (and fails the CRC), so these bound what
            # openpyxl can ever decompress.
            if member.file_size > RATIO_CHECKED_ABOVE and (
                member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1)
            ):
                raise TableError(f"XLSX 文件的压缩比超过 {MAX_COMPRESSION_RATIO}:1（疑似压缩炸弹），拒绝处理")
        for member in _shared_strings_parts(archive):
            if member.file_size > MAX_SHARED_STRINGS_BYTES:
                raise TableError(f"XLSX 文件的共享字符串表解压后超过 {MAX_SHARED_STRINGS_BYTES // MB} MB，拒绝处理")
            if _count_shared_strings(archive, member, stop_after=MAX_SHARED_STRINGS) > MAX_SHARED_STRINGS:
                raise TableError(f"XLSX 文件的共享字符串超过 {MAX_SHARED_STRINGS} 个，拒绝处理")


def _central_directory(content: bytes) -> tuple[int, int]:
    """(size in bytes, number of entries) of the zip directory, from the end record alone."""
    start = content.rfind(_END_OF_CENTRAL_DIRECTORY, max(0, len(content) - _END_RECORD.size - _MAX_ZIP_COMMENT))
    if start < 0 or len(content) - start < _END_RECORD.size:
        raise TableError(_DAMAGED)
    _, _, _, _, entries, directory_size, _, _ = _END_RECORD.unpack_from(content, start)
    if entries == 0xFFFF or directory_size == 0xFFFFFFFF:  # ZIP64: never needed by a spreadsheet this small
        raise TableError("XLSX 文件使用 ZIP64 超大文件格式，拒绝处理：请用 Excel 重新另存后再上传")
    return directory_size, entries


def _shared_strings_parts(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The parts [Content_Types].xml declares as shared strings: the ones openpyxl would read."""
    from openpyxl.packaging.manifest import Manifest
    from openpyxl.xml.constants import ARC_CONTENT_TYPES
    from openpyxl.xml.functions import fromstring

    try:
        info = archive.getinfo(ARC_CONTENT_TYPES)
    except KeyError as exc:
        raise TableError(_DAMAGED) from exc
    if info.file_size > MAX_CONTENT_TYPES_BYTES:
        raise TableError(f"XLSX 文件的内容类型表超过 {MAX_CONTENT_TYPES_BYTES // MB} MB，拒绝处理")
    try:
        tree: Any = fromstring(archive.read(info))  # an Element; openpyxl's stubs name another type
        manifest = Manifest.from_tree(tree)
    except Exception as exc:
        raise _unreadable(exc) from exc
    if manifest is None:
        raise TableError(_DAMAGED)
    names = {override.PartName.lstrip("/") for override in manifest.findall(_SHARED_STRINGS_TYPE)}
    return [m for m in archive.infolist() if m.filename in names]


def _count_shared_strings(archive: zipfile.ZipFile, member: zipfile.ZipInfo, *, stop_after: int) -> int:
    """Entries (`<si` start tags) counted while decompressing in chunks; stops once past `stop_after`.

    bytes.count, not a regex or an XML parser, so that millions of entries are counted in a
    fraction of a second: in a shared-strings part no other element name starts with "si", and a
    "<" inside text is always escaped.
    """
    count, needle, tail = 0, b"", b""
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(1 * MB):
                data = tail + chunk
                if not needle:
                    root = _SST_ROOT.search(data)
                    if root is None:
                        raise TableError(_DAMAGED)
                    needle = b"<" + root.group(1) + b"si"
                count += data.count(needle)
                if count > stop_after:
                    return count
                # Shorter than the needle: no entry in it is counted twice, none split across chunks is lost.
                tail = data[-(len(needle) - 1) :]
    except TableError:
        raise
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError) as exc:
        raise TableError(_DAMAGED) from exc
    return count


def write_csv(columns: list[str], rows: Iterable[list], stream: io.TextIOBase) -> int:
    """UTF-8 with BOM, so that Excel opens the Chinese text correctly; formula-like text neutralised."""
    stream.write("\ufeff")
    writer = csv.writer(stream)
    writer.writerow([_out(c) for c in columns])
    count = 0
    for row in rows:
        writer.writerow([_out(v) for v in row])
        count += 1
    return count


# A worksheet holds at most 1,048,576 rows (Excel and WPS refuse more): the header and the rest.
XLSX_SHEET_ROWS = 1_048_576


def write_xlsx(columns: list[str], rows: Iterable[list], stream, *, rows_per_sheet: int = XLSX_SHEET_ROWS - 1) -> int:
    """String cells, formula-like text neutralised; a sheet "学时", and past a sheet's limit of rows
    "学时（2）", "学时（3）"…, each with the header, so a whole city's year fits in one file."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("学时")
    sheet.append(_text_cells(sheet, columns))
    count = 0
    for row in rows:
        if count and count % rows_per_sheet == 0:
            sheet = workbook.create_sheet(f"学时（{count // rows_per_sheet + 1}）")
            sheet.append(_text_cells(sheet, columns))
        sheet.append(_text_cells(sheet, row))
        count += 1
    workbook.save(stream)
    return count


def _text_cells(sheet, values) -> list:
    """Text cells throughout: ID numbers and hours must not become floats in Excel, and no value
    may become a formula (openpyxl would store text starting with `=` as one) or an error code."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        cell = WriteOnlyCell(sheet, value=_out(value))
        cell.data_type = "s"
        cells.append(cell)
    return cells


# What a text must start with for neutralise to change it: a trigger, or quotes before one.
_NEUTRALISED_FIRST = frozenset("".join(FORMULA_TRIGGERS) + "'")


def _out(value) -> str:
    # Numbers pass unchanged: neutralise leaves a plain number such as "-3.0" alone. Only a text
    # whose first character could start a formula is looked at closer: an export writes 15 values
    # a row for millions of rows, and the full check was a third of its time (cProfile).
    if value is None:
        return ""
    text = str(value)
    return neutralise(text) if text[:1] in _NEUTRALISED_FIRST else text
