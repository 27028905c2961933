"""Loading the stored rule versions into the pure rules (R12d)."""

from __future__ import annotations

from dataclasses import fields
from datetime import date
from decimal import Decimal

from cehours.rules.ruleset import RuleSet, RuleVersion, rules_in_force

from .models import RuleVersionRecord

_DEFAULTS = RuleSet()
_FIELD_TYPES = {f.name: type(getattr(_DEFAULTS, f.name)) for f in fields(RuleSet)}


def _typed(name: str, value: object) -> object:
    if value is None:
        return None
    kind = _FIELD_TYPES.get(name)
    if kind is Decimal:
        return Decimal(str(value))
    if name == "integrity_block_years" or kind is int:
        return int(value)  # type: ignore[arg-type]
    return value


def stored_versions() -> list[RuleVersion]:
    return [
        RuleVersion(
            code=row.code,
            issuing_level=row.issuing_level,
            effective_from=row.effective_from,
            values={k: _typed(k, v) for k, v in row.values.items()},
        )
        for row in RuleVersionRecord.objects.all()
    ]


def rules_on(day: date, versions: list[RuleVersion] | None = None) -> RuleSet:
    """The rules applying to learning completed on `day`."""
    return rules_in_force(stored_versions() if versions is None else versions, day)


def rules_for_year(year: int, versions: list[RuleVersion] | None = None) -> RuleSet:
    """A year's requirement is judged by the rules in force on its last day (31 December)."""
    return rules_on(date(year, 12, 31), versions)
