"""Hours as Decimal with one decimal place, and the three learning categories (R6)."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal, InvalidOperation
from enum import StrEnum

ZERO = Decimal("0.0")
TENTH = Decimal("0.1")


class Category(StrEnum):
    """R6 第六条: 一般公需, 行业公需 and 专业 subjects."""

    GENERAL_PUBLIC = "general_public"
    INDUSTRY_PUBLIC = "industry_public"
    PROFESSIONAL = "professional"

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS = {
    Category.GENERAL_PUBLIC: "一般公需科目",
    Category.INDUSTRY_PUBLIC: "行业公需科目",
    Category.PROFESSIONAL: "专业科目",
}

PUBLIC_CATEGORIES = frozenset({Category.GENERAL_PUBLIC, Category.INDUSTRY_PUBLIC})


def to_hours(value: Decimal | int | str, quantum: Decimal = TENTH) -> Decimal:
    """Hours truncated (never rounded up) to the quantum: nobody is credited time not earned."""
    try:
        number = Decimal(value)
    except (InvalidOperation, TypeError, ValueError) as exc:
        raise ValueError(f"不是有效的学时数: {value!r}") from exc
    if not number.is_finite():
        raise ValueError(f"不是有效的学时数: {value!r}")
    return number.quantize(quantum, rounding=ROUND_DOWN)


def format_hours(value: Decimal) -> str:
    """The decimal string the API and pages show ("1.5", "90.0")."""
    return str(to_hours(value))
