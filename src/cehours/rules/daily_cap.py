"""R12a across sources: a person's offline hours on any calendar day never exceed the day cap.

第十二条 caps offline learning at 6 hours a day. However many records describe a day — a
declaration, a connected system's training, a 高研班 — the person trained at most that long. A
record's hours are spread evenly over its inclusive days; a new record is admitted at the largest
even per-day amount that keeps every one of its days within the cap (and no more than it claims),
so the invariant holds for any sequence of records in any order. What would exceed is not
registered, and the record says so.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_DOWN, Decimal
from fractions import Fraction

from .conversion import inclusive_days

ZERO = Decimal("0")
# Shares are kept as exact fractions: 10 hours over 3 days is 10/3 a day, and three such thirds
# must add up to exactly 10 — Decimal division would leave 6.000…001 on a full day.
_NOTHING = Fraction(0)


@dataclass(frozen=True)
class Span:
    """Offline hours over inclusive days, spread evenly."""

    start_on: date
    end_on: date
    hours: Decimal

    @property
    def days(self) -> int:
        return inclusive_days(self.start_on, self.end_on)

    def each_day(self) -> Iterable[date]:
        for offset in range(self.days):
            yield self.start_on + timedelta(days=offset)

    @property
    def per_day(self) -> Fraction:
        return Fraction(self.hours) / self.days


class DayLoad:
    """The offline hours already on each day of one person, as the records spread them."""

    def __init__(self, spans: Iterable[Span] = ()):
        self._load: dict[date, Fraction] = defaultdict(lambda: _NOTHING)
        for span in spans:
            self.add(span)

    def add(self, span: Span) -> None:
        if span.hours <= 0:
            return
        share = span.per_day
        for day in span.each_day():
            self._load[day] += share

    def on(self, day: date) -> Fraction:
        return self._load.get(day, _NOTHING)

    def busiest(self) -> Fraction:
        return max(self._load.values(), default=_NOTHING)


@dataclass(frozen=True)
class Admission:
    """How much of a record fits under the day cap."""

    claimed: Decimal
    hours: Decimal
    fullest_day: date | None  # the day that limited it, when it was limited

    @property
    def limited(self) -> bool:
        return self.hours < self.claimed

    def explanation(self, cap: Decimal) -> str:
        if not self.limited or self.fullest_day is None:
            return ""
        day = self.fullest_day.isoformat()
        if self.hours == 0:
            return f"{day} 当天线下学习已达每天 {cap:g} 学时上限（第十二条），本记录不予登记"
        return (
            f"线下学习每天最多 {cap:g} 学时（第十二条，各来源合计）；{day} 等日已有其他记录，"
            f"申报 {self.claimed} 学时按 {self.hours} 学时登记"
        )


def admit(load: DayLoad, span: Span, cap: Decimal, quantum: Decimal = Decimal("0.1")) -> Admission:
    """The part of `span` that keeps every one of its days at or under `cap` (R12a)."""
    if span.hours <= 0:
        return Admission(claimed=span.hours, hours=span.hours, fullest_day=None)
    days = span.days
    room, fullest = min(((Fraction(cap) - load.on(day), day) for day in span.each_day()), key=lambda pair: pair[0])
    if room >= span.per_day:
        return Admission(claimed=span.hours, hours=span.hours, fullest_day=None)
    # Truncation can only lower the total, so the even share stays within the room on every day.
    exact = max(room, _NOTHING) * days
    fitting = Decimal(exact.numerator) / Decimal(exact.denominator)
    hours = min(fitting.quantize(quantum, rounding=ROUND_DOWN), span.hours)
    if Fraction(hours) > exact:  # the division rounded up past the exact room: one quantum less
        hours -= quantum
    return Admission(claimed=span.hours, hours=hours, fullest_day=fullest)
