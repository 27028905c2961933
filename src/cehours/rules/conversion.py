"""Conversion of learning into hours (R12a, R12b, R12c)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_DOWN, Decimal

from .hours import to_hours
from .ruleset import RuleSet, SeminarLevel


def online_hours(minutes: int, rules: RuleSet) -> Decimal:
    """R12b 第十二条: every `online_minutes_per_hour` minutes of courseware is one hour, truncated."""
    return courseware_hours(minutes * 60, rules)


def courseware_hours(seconds: int, rules: RuleSet) -> Decimal:
    """R12b for a platform course: its courseware's exact length (seconds, as measured from the
    files) over `online_minutes_per_hour` minutes, truncated to the quantum."""
    if seconds < 0:
        raise ValueError("课件时长不能为负数")
    exact = Decimal(seconds) / Decimal(rules.online_minutes_per_hour * 60)
    return exact.quantize(rules.hours_quantum, rounding=ROUND_DOWN)


def inclusive_days(start_on: date, end_on: date) -> int:
    if end_on < start_on:
        raise ValueError("结束日期不能早于开始日期")
    return (end_on - start_on).days + 1


@dataclass(frozen=True)
class OfflineHours:
    """Hours registered for an offline training, with the cap and why it applied."""

    claimed: Decimal
    cap: Decimal
    hours: Decimal
    days: int

    @property
    def capped(self) -> bool:
        return self.claimed > self.cap

    @property
    def explanation(self) -> str:
        if not self.capped:
            return f"按申报学时 {self.hours} 登记"
        return (
            f"线下培训每天最多折算 {self.cap / self.days:g} 学时，{self.days} 天最多 {self.cap} 学时，"
            f"申报 {self.claimed} 学时按 {self.hours} 学时登记"
        )


def offline_training_hours(start_on: date, end_on: date, claimed: Decimal, rules: RuleSet) -> OfflineHours:
    """R12a 第十二条: offline training counts at most `offline_hours_per_day` a day, days inclusive."""
    claimed = to_hours(claimed, rules.hours_quantum)
    if claimed.is_signed():  # also a claim like -0.05, which truncates to -0.0
        raise ValueError("申报学时不能为负数")
    days = inclusive_days(start_on, end_on)
    cap = to_hours(rules.offline_hours_per_day * days, rules.hours_quantum)
    return OfflineHours(claimed=claimed, cap=cap, hours=min(claimed, cap), days=days)


def seminar_hours(level: SeminarLevel | str, rules: RuleSet) -> Decimal:
    """R12c 第十二条: an approved 高研班 grants a fixed number of professional hours by level."""
    return to_hours(rules.seminar_hours(level), rules.hours_quantum)
