"""Hours of a declared activity from its industry's catalogue (R8) and the 6-hours-a-day cap (R12a)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from .conversion import inclusive_days
from .hours import to_hours
from .ruleset import RuleSet


class Formula(StrEnum):
    PER_DAY = "per_day"  # hours per day of attendance, e.g. training; R12a caps it at 6 a day
    PER_ITEM = "per_item"  # hours per paper, patent, credit …
    FIXED = "fixed"  # a fixed number of hours for the activity


@dataclass(frozen=True)
class ActivityRule:
    """One catalogue line as the rule needs it (the industry authority edits these, R8)."""

    name: str
    formula: Formula
    hours_per_unit: Decimal
    unit_label: str = ""
    per_item_cap: Decimal | None = None  # cap for one declaration
    per_year_cap: Decimal | None = None  # cap for all declarations of this type in a year


def _figure(value: Decimal) -> str:
    """A number as the person writes it, whatever its stored precision: 1.0 and 1.00 both read "1"."""
    return format(value.normalize(), "f")


@dataclass(frozen=True)
class ClaimHours:
    hours: Decimal
    explanation: str


def claim_hours(
    rule: ActivityRule,
    *,
    quantity: Decimal,
    start_on: date,
    end_on: date,
    already_this_year: Decimal,
    rules: RuleSet,
) -> ClaimHours:
    """Hours a declaration is worth, each step explained in words the person reads before submitting."""
    if quantity < 0:
        raise ValueError("数量不能为负数")
    days = inclusive_days(start_on, end_on)
    steps: list[str] = []
    if rule.formula == Formula.PER_DAY:
        if quantity > days:
            raise ValueError(f"天数（{_figure(quantity)}）不能超过起止日期之间的 {days} 天")
        per_day = min(rule.hours_per_unit, rules.offline_hours_per_day)  # R12a 第十二条
        hours = per_day * quantity
        steps.append(f"{_figure(quantity)} 天 × 每天 {_figure(per_day)} 学时 = {_figure(hours)} 学时")
        if rule.hours_per_unit > rules.offline_hours_per_day:
            steps.append(f"线下学习每天最多折算 {_figure(rules.offline_hours_per_day)} 学时（第十二条）")
    elif rule.formula == Formula.PER_ITEM:
        hours = rule.hours_per_unit * quantity
        unit = rule.unit_label or "项"
        steps.append(f"{_figure(quantity)} {unit} × {_figure(rule.hours_per_unit)} 学时 = {_figure(hours)} 学时")
    else:
        hours = rule.hours_per_unit
        steps.append(f"{rule.name}认定 {_figure(hours)} 学时")
    if rule.per_item_cap is not None and hours > rule.per_item_cap:
        hours = rule.per_item_cap
        steps.append(f"单项最多 {_figure(rule.per_item_cap)} 学时")
    if rule.per_year_cap is not None:
        room = max(Decimal(0), rule.per_year_cap - already_this_year)
        if hours > room:
            hours = room
            steps.append(
                f"本年度此类最多 {_figure(rule.per_year_cap)} 学时，"
                f"已登记 {_figure(already_this_year)} 学时，本次最多 {_figure(room)} 学时"
            )
    hours = to_hours(hours, rules.hours_quantum)
    steps.append(f"计 {hours} 学时")
    return ClaimHours(hours=hours, explanation="；".join(steps))
