"""Title levels and the years of qualified hours an application requires (R13): which row is in force,
the level applied for, and the defaults an evaluator may override with a reason."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from cehours.errors import ErrorCode, FieldError

MIN_REQUIRED_YEARS, MAX_REQUIRED_YEARS = 1, 10
# No career asks for more than 40 years of hours; a since-year further back is a typing slip.
MAX_PERIOD_YEARS = 40

PLACEHOLDER_LABEL = "占位值，待市人力社保局确认"


class TitleLevel(StrEnum):
    """The four title levels, lowest first (职称等级)."""

    JUNIOR = "junior"
    INTERMEDIATE = "intermediate"
    DEPUTY_SENIOR = "deputy_senior"
    SENIOR = "senior"


LEVEL_LABELS = {
    TitleLevel.JUNIOR: "初级",
    TitleLevel.INTERMEDIATE: "中级",
    TitleLevel.DEPUTY_SENIOR: "副高级",
    TitleLevel.SENIOR: "正高级",
}
LEVEL_ORDER = tuple(TitleLevel)
_SHORT_NAMES = {"副高": TitleLevel.DEPUTY_SENIOR, "正高": TitleLevel.SENIOR}


def next_level(level: TitleLevel) -> TitleLevel | None:
    """The level one above; None above 正高级."""
    index = LEVEL_ORDER.index(level)
    return LEVEL_ORDER[index + 1] if index + 1 < len(LEVEL_ORDER) else None


def since_year_problem(application_year: int, since_year: int | None) -> str:
    """What is wrong with a period starting in `since_year` for this application; "" when nothing."""
    if since_year is None:
        return ""
    if since_year > application_year:
        return "取得现职称年份不能晚于申报年度"
    if application_year - since_year > MAX_PERIOD_YEARS:
        return f"取得现职称年份不能早于申报年度{MAX_PERIOD_YEARS}年以上"
    return ""


@dataclass(frozen=True)
class TitleRequirementRow:
    """One row of city HR's table for one series, as the rules need it."""

    pk: int
    level: TitleLevel
    required_years: int
    effective_from: date
    local_name: str = ""
    placeholder: bool = False


def requirement_in_force(
    rows: Iterable[TitleRequirementRow], level: TitleLevel, on: date
) -> TitleRequirementRow | None:
    """The row for `level` in force on `on`: the latest effective_from ≤ on; of those, the latest entered.

    The table is append-only, so a correction is a later row: the same date entered later wins.
    """
    candidates = [row for row in rows if row.level == level and row.effective_from <= on]
    return max(candidates, key=lambda row: (row.effective_from, row.pk), default=None)


def level_of(title_level: str, local_names: Mapping[str, TitleLevel]) -> TitleLevel | None:
    """A person's current level from the free text stored for them: 初级/中级/副高级/正高级, a level
    code, or the series' own name for a level (主治医师). None when it names none of these."""
    text = (title_level or "").strip()
    if not text:
        return None
    for level, label in LEVEL_LABELS.items():
        if text in (label, level.value):
            return level
    return _SHORT_NAMES.get(text) or local_names.get(text)


class EligibilityBasisError(FieldError):
    """The defaults cannot be found or an override lacks its reason; `field` names the input to fix."""


# Where a figure came from: the table, the evaluator's change of a default, or the evaluator's
# figure where there is no default to change.
SOURCE_TABLE = "table"
SOURCE_TITLE_DATE = "title_obtained_on"
SOURCE_OVERRIDE = "override"
SOURCE_ENTERED = "entered"
SOURCE_NONE = "none"


@dataclass(frozen=True)
class EligibilityBasis:
    """What an R13 evaluation is judged against, each figure with where it came from in words."""

    application_year: int
    level: TitleLevel | None
    level_note: str
    required_years: int
    required_years_source: str
    required_years_basis: str
    since_year: int | None
    since_year_source: str
    since_year_basis: str
    override_reason: str
    placeholder: bool

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level] if self.level else ""


def eligibility_basis(
    *,
    application_year: int,
    series_name: str,
    current_level: TitleLevel | None,
    level: TitleLevel | None,
    rows: Iterable[TitleRequirementRow],
    title_obtained_on: date | None,
    required_years: int | None,
    since_year: int | None,
    override_reason: str,
) -> EligibilityBasis:
    """R13's figures for one application: the defaults, and the evaluator's overrides with their reason.

    The level applied for is `level` if given, else the one above the current level. The required
    years are the table's row for (series, level) in force on 1 January of the application year; the
    period starts in the year the current title was obtained. Changing a default needs a reason
    (`override_reason`); a figure given where there is no default is the evaluator's own, and a
    missing one is asked for, never guessed.
    """
    reason = (override_reason or "").strip()
    level_note = ""
    if level is None and current_level is not None:
        level = next_level(current_level)
        level_note = (
            f"现职称{LEVEL_LABELS[current_level]}的上一级"
            if level
            else f"现职称已是{LEVEL_LABELS[current_level]}，无更高等级"
        )
    elif level is not None:
        level_note = "评委会选定"
    on = date(application_year, 1, 1)
    row = requirement_in_force(list(rows), level, on) if level is not None else None
    overriding: list[str] = []
    table_words = ""
    if row is not None:
        name = f"（{row.local_name}）" if row.local_name else ""
        table_words = f"依据：{series_name}系列 {LEVEL_LABELS[row.level]}{name} 规定，自 {row.effective_from} 起"
        if row.placeholder:
            table_words += f"；{PLACEHOLDER_LABEL}"
    if required_years is None:
        if row is None:
            raise EligibilityBasisError(
                "required_years", _no_default_message(series_name, level, level_note, on), ErrorCode.REQUIRED
            )
        years, years_source, years_basis = (
            row.required_years,
            SOURCE_TABLE,
            f"规定年限 {row.required_years} 年（{table_words}）",
        )
    elif row is not None and required_years != row.required_years:
        overriding.append("required_years")
        years, years_source = required_years, SOURCE_OVERRIDE
        years_basis = f"规定年限 {years} 年（评委会调整：{reason}；职称年限表为 {row.required_years} 年）"
    elif row is not None:
        years, years_source, years_basis = (
            required_years,
            SOURCE_TABLE,
            f"规定年限 {required_years} 年（{table_words}）",
        )
    else:
        years, years_source = required_years, SOURCE_ENTERED
        years_basis = f"规定年限 {years} 年（评委会填写；职称年限表中无可用规定）"

    default_since = title_obtained_on.year if title_obtained_on else None
    if since_year is None:
        start = default_since
        if title_obtained_on is not None:
            since_source, since_basis = (
                SOURCE_TITLE_DATE,
                f"起算年份 {start} 年（依据：取得现职称日期 {title_obtained_on}）",
            )
        else:
            since_source = SOURCE_NONE
            since_basis = f"起算年份 {application_year - years} 年（未登记取得现职称日期，按申报年度前 {years} 年起算）"
    elif default_since is not None and since_year != default_since:
        overriding.append("since_year")
        start, since_source = since_year, SOURCE_OVERRIDE
        since_basis = f"起算年份 {start} 年（评委会调整：{reason}；取得现职称日期为 {title_obtained_on}）"
    elif default_since is not None:
        start, since_source = since_year, SOURCE_TITLE_DATE
        since_basis = f"起算年份 {start} 年（依据：取得现职称日期 {title_obtained_on}）"
    else:
        start, since_source = since_year, SOURCE_ENTERED
        since_basis = f"起算年份 {start} 年（评委会填写；未登记取得现职称日期）"

    if overriding and not reason:
        names = "、".join({"required_years": "规定年限", "since_year": "取得现职称年份"}[n] for n in overriding)
        raise EligibilityBasisError(
            "override_reason", f"调整了默认的{names}，请填写调整理由（将显示在判断结果中）", ErrorCode.REQUIRED
        )
    if start is not None and start > application_year:  # the 40-year check is for a figure typed in
        raise EligibilityBasisError("since_year", since_year_problem(application_year, start), ErrorCode.OUT_OF_RANGE)
    return EligibilityBasis(
        application_year=application_year,
        level=level,
        level_note=level_note,
        required_years=years,
        required_years_source=years_source,
        required_years_basis=years_basis,
        since_year=start,
        since_year_source=since_source,
        since_year_basis=since_basis,
        override_reason=reason if overriding else "",
        placeholder=bool(row and row.placeholder and years_source == SOURCE_TABLE),
    )


def _no_default_message(series_name: str, level: TitleLevel | None, level_note: str, on: date) -> str:
    if level is None:
        why = level_note or "现职称等级未登记或无法识别，无法确定申报等级"
        return f"{why}：请选择申报等级，或直接填写规定年限"
    series = f"{series_name}系列" if series_name else "未登记职称系列的人员"
    return f"职称年限表中没有{series} {LEVEL_LABELS[level]} 在 {on} 有效的规定年限，请填写规定年限"
