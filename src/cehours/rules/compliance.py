"""Annual requirement (R11) and a year's compliance, with what is missing in plain words."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .hours import ZERO, Category
from .ruleset import RuleSet

# Shortfall categories: the two R11 sub-requirements and the overall figure.
SHORTFALL_PROFESSIONAL = "professional"
SHORTFALL_PUBLIC = "public"
SHORTFALL_TOTAL = "total"

_SHORTFALL_LABELS = {
    SHORTFALL_PROFESSIONAL: "专业科目",
    SHORTFALL_PUBLIC: "公需科目（一般公需与行业公需合计）",
    SHORTFALL_TOTAL: "总",
}


@dataclass(frozen=True)
class YearTotals:
    """One person's hours in one year, by category (R6)."""

    general_public: Decimal = ZERO
    industry_public: Decimal = ZERO
    professional: Decimal = ZERO

    @property
    def public(self) -> Decimal:
        return self.general_public + self.industry_public

    @property
    def total(self) -> Decimal:
        return self.public + self.professional

    def of(self, category: Category | str) -> Decimal:
        return getattr(self, Category(category).value)

    def plus(self, category: Category | str, hours: Decimal) -> YearTotals:
        values = {c.value: self.of(c) for c in Category}
        values[Category(category).value] += hours
        return YearTotals(**values)


@dataclass(frozen=True)
class Shortfall:
    category: str
    missing_hours: Decimal
    message: str


# A year's status as pages and the API show it. A year not yet ended that is not (yet) qualified is
# in progress, not failed: its hours can still come (DESIGN §2, a year is the calendar year).
STATUS_QUALIFIED = "qualified"
STATUS_NOT_QUALIFIED = "not_qualified"
STATUS_IN_PROGRESS = "in_progress"


@dataclass(frozen=True)
class YearCompliance:
    year: int
    totals: YearTotals
    qualified: bool
    shortfalls: tuple[Shortfall, ...]
    # The calendar year has not ended yet (the current year or a later one).
    ongoing: bool = False

    @property
    def in_progress(self) -> bool:
        """Not qualified so far, but the year is not over: neither 合格 nor 不合格 yet."""
        return self.ongoing and not self.qualified

    @property
    def status(self) -> str:
        if self.qualified:
            return STATUS_QUALIFIED
        return STATUS_IN_PROGRESS if self.ongoing else STATUS_NOT_QUALIFIED

    @property
    def status_label(self) -> str:
        if self.qualified:
            return "合格"
        return "进行中" if self.ongoing else "不合格"


def year_compliance(
    year: int, totals: YearTotals, rules: RuleSet, *, current_year: int | None = None
) -> YearCompliance:
    """R11 第十一条: ≥ annual_total in all, of which ≥ professional and ≥ public (general+industry).

    With `current_year`, a year from it on is marked ongoing (in progress while not qualified)."""
    checks = (
        (SHORTFALL_PROFESSIONAL, totals.professional, rules.annual_professional),
        (SHORTFALL_PUBLIC, totals.public, rules.annual_public),
        (SHORTFALL_TOTAL, totals.total, rules.annual_total),
    )
    shortfalls = []
    for category, have, need in checks:
        if have < need:
            missing = (need - have).quantize(rules.hours_quantum)
            label = _SHORTFALL_LABELS[category]
            shortfalls.append(
                Shortfall(
                    category=category,
                    missing_hours=missing,
                    message=f"{year}年还需{label}学时 {missing}（要求 {need}，已有 {have}）",
                )
            )
    return YearCompliance(
        year=year,
        totals=totals,
        qualified=not shortfalls,
        shortfalls=tuple(shortfalls),
        ongoing=current_year is not None and year >= current_year,
    )


@dataclass(frozen=True)
class Progress:
    """One of R11's three figures for a year in progress: what is there against what is required."""

    label: str
    have: Decimal
    need: Decimal

    @property
    def missing(self) -> Decimal:
        return max(self.need - self.have, ZERO)

    @property
    def percent(self) -> int:
        """How full the bar is, 0–100 (whole percent, capped: more than required is 100)."""
        if self.need <= 0:
            return 100
        return int(min(self.have / self.need, Decimal(1)) * 100)


def year_progress(totals: YearTotals, rules: RuleSet) -> tuple[Progress, ...]:
    """R11's figures toward the year's requirement, total first, as a person reads them on /me/."""
    return (
        Progress("总学时", totals.total, rules.annual_total),
        Progress("专业科目", totals.professional, rules.annual_professional),
        Progress("公需科目（一般公需与行业公需合计）", totals.public, rules.annual_public),
    )
