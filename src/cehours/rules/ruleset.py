"""Versioned rule sets (R12d): which conversion and requirement figures apply on a given day.

The regulation (第十二条) lets provincial rules on conversion take precedence (从其规定). A rule
version therefore names its issuing level and effective date and may leave a field unset (None):
for each field the in-force provincial value wins, otherwise the latest city value, otherwise the
regulation's own figure. This way a provincial rule that only changes, say, the online minutes per
hour does not silently reset the city's annual requirements.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from enum import StrEnum


class IssuingLevel(StrEnum):
    CITY = "city"
    PROVINCE = "province"


class SeminarLevel(StrEnum):
    """R12c 第十二条: 高研班 approved at national, provincial or municipal level."""

    NATIONAL = "national"
    PROVINCIAL = "provincial"
    MUNICIPAL = "municipal"


@dataclass(frozen=True)
class RuleSet:
    """The figures in force on one day, every one of them data (R11, R12a–c, R20)."""

    # R11 第十一条
    annual_total: Decimal = Decimal("90")
    annual_professional: Decimal = Decimal("60")
    annual_public: Decimal = Decimal("18")
    # R12a 第十二条: offline training, hours per day at most
    offline_hours_per_day: Decimal = Decimal("6")
    # R12b 第十二条: courseware minutes per hour
    online_minutes_per_hour: int = 45
    # R12c 第十二条: 高研班 professional hours
    seminar_national_hours: Decimal = Decimal("60")
    seminar_provincial_hours: Decimal = Decimal("48")
    seminar_municipal_hours: Decimal = Decimal("36")
    # Hours are kept to this quantum and truncated to it.
    hours_quantum: Decimal = Decimal("0.1")
    # R20 第二十条: years an integrity entry blocks title applications; None = until lifted by L3.
    integrity_block_years: int | None = None
    # R16.2 第十六条: a year's offline learning may be declared until this many days after 31 December.
    declaration_deadline_days: int = 90

    def seminar_hours(self, level: SeminarLevel | str) -> Decimal:
        return {
            SeminarLevel.NATIONAL: self.seminar_national_hours,
            SeminarLevel.PROVINCIAL: self.seminar_provincial_hours,
            SeminarLevel.MUNICIPAL: self.seminar_municipal_hours,
        }[SeminarLevel(level)]


RULE_FIELDS = tuple(f.name for f in fields(RuleSet))


@dataclass(frozen=True)
class RuleVersion:
    """One issued version: a level, an effective date, and the fields it sets (others None)."""

    code: str
    issuing_level: IssuingLevel
    effective_from: date
    values: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.values) - set(RULE_FIELDS)
        if unknown:
            raise ValueError(f"规则版本 {self.code} 含未知字段: {', '.join(sorted(unknown))}")


def rules_in_force(versions: Iterable[RuleVersion], on: date) -> RuleSet:
    """The rule set applying on `on` (R12d): provincial over city, later over earlier, per field."""
    in_force = [v for v in versions if v.effective_from <= on]
    # Lowest precedence first; later items overwrite earlier ones.
    precedence = {IssuingLevel.CITY: 0, IssuingLevel.PROVINCE: 1}
    in_force.sort(key=lambda v: (precedence[IssuingLevel(v.issuing_level)], v.effective_from, v.code))
    merged: dict[str, object] = {}
    for version in in_force:
        merged.update({k: v for k, v in version.values.items() if v is not None})
    return RuleSet(**merged)  # type: ignore[arg-type]
