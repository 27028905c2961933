"""A committee's applicant list as a file (R13, R18): its rows read into Applicants, a field that
cannot be read reported on its row, and the rows judged together by `applicants_judged`.

The columns are the template's Chinese headers; only 身份证号码 is required, every other blank takes
the same default as one lookup on the person's page."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from cehours.errors import ErrorCode
from cehours.rules.titles import LEVEL_LABELS, TitleLevel

from .applicants import Applicant, ApplicantVerdict, RowError, RowStatus, applicants_judged

ID_COLUMN = "身份证号码"
COLUMNS = (ID_COLUMN, "姓名", "职称系列", "申报等级", "申报年度", "规定年限", "取得现职称年份", "调整理由")
_LEVELS = {**{label: level for level, label in LEVEL_LABELS.items()}, **{level.value: level for level in TitleLevel}}
_YEAR_FIELDS = {"申报年度": ("application_year", 1990, 2100), "取得现职称年份": ("since_year", 1990, 2100)}
TEXT_LIMITS = {"姓名": 50, "职称系列": 64, "调整理由": 200, ID_COLUMN: 32}


@dataclass(frozen=True)
class ListedApplicant:
    line: int  # the row number as the spreadsheet shows it
    applicant: Applicant
    errors: tuple[RowError, ...] = ()


def _number(text: str, column: str, low: int, high: int) -> tuple[int | None, RowError | None]:
    if not text:
        return None, None
    if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
        return None, RowError(column, ErrorCode.INVALID, f"应为 {low}–{high} 之间的整数，表中为“{text[:20]}”")
    return int(text), None


def applicants_of(rows: Iterable[tuple[int, dict[str, str]]]) -> list[ListedApplicant]:
    """Each non-empty row of the file as an Applicant, with what could not be read on it."""
    listed = []
    for line, row in rows:
        values = {column: (row.get(column) or "").strip() for column in COLUMNS}
        errors = [
            RowError(column, ErrorCode.INVALID, f"不能超过 {limit} 个字")
            for column, limit in TEXT_LIMITS.items()
            if len(values[column]) > limit
        ]
        level = _LEVELS.get(values["申报等级"]) if values["申报等级"] else None
        if values["申报等级"] and level is None:
            errors.append(RowError("申报等级", ErrorCode.INVALID, "应为初级、中级、副高级或正高级"))
        numbers: dict[str, int | None] = {}
        for column, (field, low, high) in _YEAR_FIELDS.items():
            numbers[field], problem = _number(values[column], column, low, high)
            errors += [problem] if problem else []
        numbers["required_years"], problem = _number(values["规定年限"], "规定年限", 0, 20)
        errors += [problem] if problem else []
        applicant = Applicant(
            id_number=values[ID_COLUMN][:32],
            name=values["姓名"][:50],
            series=values["职称系列"][:64],
            level=level,
            override_reason=values["调整理由"][:200],
            **numbers,
        )
        listed.append(ListedApplicant(line, applicant, tuple(errors)))
    return listed


def listed_applicants_judged(
    user, listed: list[ListedApplicant], *, today: date, misses_allowed: int
) -> list[ApplicantVerdict]:
    """The rows that could be read judged at once; the others reported with their errors, unread
    (a row nobody could judge spends none of the caller's allowance of misses)."""
    readable = [item.applicant for item in listed if not item.errors]
    judged = iter(applicants_judged(user, readable, today=today, misses_allowed=misses_allowed))
    out = []
    for item in listed:
        if item.errors:
            year = item.applicant.application_year or today.year
            out.append(ApplicantVerdict(item.applicant, RowStatus.INVALID, year, errors=item.errors))
        else:
            out.append(next(judged))
    return out
