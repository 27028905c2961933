"""Title-application eligibility (R13) and the integrity block (R20)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from .compliance import YearCompliance


@dataclass(frozen=True)
class IntegrityRecord:
    """R20 第二十条: an integrity-archive entry as the block rule needs it."""

    recorded_on: date
    lifted_on: date | None = None


def integrity_block_active(records: Iterable[IntegrityRecord], on: date, block_years: int | None) -> bool:
    """R20: an entry blocks applications from its date until lifted, or for `block_years` if set."""
    for record in records:
        if record.recorded_on > on:
            continue
        if record.lifted_on is not None and record.lifted_on <= on:
            continue
        if block_years is not None:
            try:
                expires = record.recorded_on.replace(year=record.recorded_on.year + block_years)
            except ValueError:  # 29 February into a non-leap year
                expires = date(record.recorded_on.year + block_years, 3, 1)
            if on >= expires:
                continue
        return True
    return False


# The verdict: eligible; not eligible; or not yet decidable, because every condition that fails does
# so only for a year that has not ended (R13 asks that a year be 合格, which a year in progress may
# still become). `Eligibility.eligible` is True only for the first.
VERDICT_ELIGIBLE = "eligible"
VERDICT_NOT_ELIGIBLE = "not_eligible"
VERDICT_PENDING = "pending"
VERDICT_LABELS = {
    VERDICT_ELIGIBLE: "继续教育学时符合申报条件",
    VERDICT_NOT_ELIGIBLE: "继续教育学时不符合申报条件",
    VERDICT_PENDING: "尚不能判定：所需年度尚未结束，学时尚未达到要求",
}


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reasons: tuple[str, ...]
    years: tuple[YearCompliance, ...]
    integrity_block: bool
    period_start: int
    period_end: int
    verdict: str = VERDICT_NOT_ELIGIBLE

    @property
    def verdict_label(self) -> str:
        return VERDICT_LABELS[self.verdict]


def evaluation_years(application_year: int, required_years: int, since_year: int | None) -> list[int]:
    """The years R13 looks at: the qualifying period, plus the application year for 初定 (N < 2)."""
    start = since_year if since_year is not None else application_year - required_years
    start = min(start, application_year - 1) if required_years >= 2 else start
    years = list(range(start, application_year))
    if required_years < 2:
        years.append(application_year)
    return years


def title_eligibility(
    *,
    application_year: int,
    required_years: int,
    since_year: int | None,
    compliance_of: Callable[[int], YearCompliance],
    integrity_block: bool,
) -> Eligibility:
    """R13 第十三条 as DESIGN §2 reads it.

    The period runs from `since_year` (the year the current title was obtained), or from
    application_year − required_years when unknown, to application_year − 1. Eligible when at least
    `required_years` years of the period are qualified and the latest two years (A−1, A−2) are both
    qualified. Where fewer than two years are required (初定), the application year itself must be
    qualified instead — and it alone, since 第十三条 asks only that "当年合格".

    A year that has not ended and is not yet qualified (`YearCompliance.in_progress`) does not fail
    a condition: the condition is open. When every failing condition is open, the verdict is
    `VERDICT_PENDING` (not yet decidable); any closed failure makes it `VERDICT_NOT_ELIGIBLE`.
    """
    if required_years < 0:
        raise ValueError("规定年限不能为负数")
    if since_year is not None and since_year > application_year:
        raise ValueError("取得现职称年份不能晚于申报年份")
    a = application_year
    rows = [compliance_of(y) for y in evaluation_years(a, required_years, since_year)]
    by_year = {row.year: row for row in rows}
    reasons: list[str] = []
    closed_failure = integrity_block

    if required_years < 2:
        current = by_year[a]
        if current.in_progress:
            reasons.append(
                f"初定专业技术资格规定年限少于两年，申报当年（{a}年）学时须合格：{a}年尚未结束，学时尚未达到要求（进行中）"
            )
            reasons.extend(s.message for s in current.shortfalls)
        elif not current.qualified:
            closed_failure = True
            reasons.append(f"初定专业技术资格规定年限少于两年，申报当年（{a}年）学时须合格")
            reasons.extend(s.message for s in current.shortfalls)
        period_start, period_end = min(by_year), a
    else:
        period = [row for row in rows if row.year < a]
        qualified = sum(1 for row in period if row.qualified)
        still_open = sum(1 for row in period if row.in_progress)
        period_start = period[0].year if period else a - 1
        period_end = a - 1
        if qualified < required_years:
            words = (
                f"{period_start}—{period_end}年学时合格年数为 {qualified} 年，少于申报资格规定的 {required_years} 年"
            )
            if qualified + still_open >= required_years:
                words += f"（其中 {still_open} 个年度尚未结束，进行中）"
            else:
                closed_failure = True
            reasons.append(words)
        for year in (a - 2, a - 1):
            row = by_year.get(year) or compliance_of(year)
            if row.year not in by_year:
                by_year[year] = row
                rows.append(row)
            if row.in_progress:
                reasons.append(f"近两年学时须合格：{year}年尚未结束，学时尚未达到要求（进行中）")
                reasons.extend(s.message for s in row.shortfalls)
            elif not row.qualified:
                closed_failure = True
                reasons.append(f"近两年学时须合格：{year}年不合格")
                reasons.extend(s.message for s in row.shortfalls)

    if integrity_block:
        reasons.insert(0, "存在继续教育学时弄虚作假诚信记录，取消职称申报资格（第二十条）")
    verdict = VERDICT_NOT_ELIGIBLE if closed_failure else VERDICT_PENDING
    if not reasons:
        verdict = VERDICT_ELIGIBLE

    rows.sort(key=lambda row: row.year)
    return Eligibility(
        eligible=not reasons,
        reasons=tuple(reasons),
        years=tuple(rows),
        integrity_block=integrity_block,
        period_start=period_start,
        period_end=period_end,
        verdict=verdict,
    )
