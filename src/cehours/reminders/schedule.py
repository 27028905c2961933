"""When reminders go out and what they say: plain functions, no I/O."""

from __future__ import annotations

from datetime import date

from cehours.rules.compliance import YearCompliance

DEFAULT_DATES = "09-01,11-01,12-01"  # 1 September, 1 November, 1 December


class DatesInvalid(ValueError):
    pass


def reminder_days(spec: str) -> list[tuple[int, int]]:
    """(month, day) pairs from "MM-DD,MM-DD"; DatesInvalid naming the bad one."""
    days = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        month, _, day = part.partition("-")
        try:
            date(2024, int(month), int(day))  # a leap year: 02-29 is a date
        except ValueError:
            raise DatesInvalid(f"提醒日期“{part}”应为“月-日”，如 09-01") from None
        days.append((int(month), int(day)))
    return days


def is_reminder_day(today: date, days: list[tuple[int, int]]) -> bool:
    return (today.month, today.day) in days


def reminder_text(name: str, row: YearCompliance, today: date) -> str:
    """"张三：您2026年的继续教育学时尚未达到要求。…还需专业科目学时 12.0…距年底还有 30 天。"""
    left = (date(row.year, 12, 31) - today).days
    needs = "；".join(s.message for s in row.shortfalls)
    tail = f"距年底还有 {left} 天，" if left >= 0 else ""
    return f"{name}：您{row.year}年的继续教育学时尚未达到要求。{needs}。{tail}可登录平台查看并申报学时。"
