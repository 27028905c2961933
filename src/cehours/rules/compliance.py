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


@dataclass(frozen=True)
class YearCompliance:
    year: int
    totals: YearTotals
    qualified: bool
    shortfalls: tuple[Shortfall, ...]


def year_compliance(year: int, totals: YearTotals, rules: RuleSet) -> YearCompliance:
    """R11 第十一条: ≥ annual_total in all, of which ≥ professional and ≥ public (general+industry)."""
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
    return YearCompliance(year=year, totals=totals, qualified=not shortfalls, shortfalls=tuple(shortfalls))
