"""Reading and writing tabular exchange files (CSV in UTF-8 with BOM, and XLSX)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from pathlib import Path


class TableError(ValueError):
    """The file cannot be read as a table; the message says why, in Chinese."""


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(name: str, content: bytes, required: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, {column: text}) for each non-empty row."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = content.decode("gb18030")
            except UnicodeDecodeError as exc:
                raise TableError("CSV 文件编码无法识别：请另存为 UTF-8") from exc
        reader = csv.reader(io.StringIO(text))
        rows: Iterator[list] = iter(reader)
    elif suffix == ".xlsx":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise TableError("无法读取 XLSX 文件：文件已损坏或不是 Excel 工作簿") from exc
        rows = (list(r) for r in workbook.worksheets[0].iter_rows(values_only=True))
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
        values = [_cell(v) for v in row]
        if not any(values):
            continue
        yield number, {c: (values[i] if i < len(values) else "") for i, c in enumerate(columns) if c}


def write_csv(columns: list[str], rows: Iterable[list], stream: io.TextIOBase) -> int:
    """UTF-8 with BOM, so that Excel opens the Chinese text correctly."""
    stream.write("\ufeff")
    writer = csv.writer(stream)
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([_out(v) for v in row])
        count += 1
    return count


def write_xlsx(columns: list[str], rows: Iterable[list], stream) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("学时")
    sheet.append(columns)
    count = 0
    for row in rows:
        # Text cells throughout: ID numbers and hours must not become floats in Excel.
        sheet.append([_out(v) for v in row])
        count += 1
    workbook.save(stream)
    return count


def _out(value) -> str:
    return "" if value is None else str(value)
