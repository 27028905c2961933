"""Loading the stored rule versions into the pure rules (R12d), and their stored (JSON) form."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import cast

from cehours.rules.ruleset import FIELD_SPECS, OFF, FieldKind, RuleSet, RuleVersion, rules_in_force

from .models import RuleVersionRecord


def _typed(name: str, value: object) -> object:
    """A stored value typed by its field's kind. Lenient (no range checks): what was stored is
    read back as it was; `rule_value` checked it on the way in."""
    if value is None or value == OFF:
        return value
    spec = FIELD_SPECS.get(name)
    kind = spec.kind if spec else None
    if kind in (FieldKind.HOURS, FieldKind.QUANTUM):
        return Decimal(str(value))
    if kind in (FieldKind.HOURS_LIMITS, FieldKind.SYSTEM_HOURS_LIMITS):
        pairs = value.items() if isinstance(value, dict) else cast(Iterable[tuple[object, object]], value)
        return tuple((str(key), Decimal(str(limit))) for key, limit in pairs)
    if kind in (FieldKind.COUNT, FieldKind.OPTIONAL_COUNT):
        return int(value)  # type: ignore[call-overload]
    return value  # an unknown name: RuleVersion refuses it, naming it


def stored_value(value: object) -> object:
    """A typed value as JSON keeps it: decimals as strings (exact), limits as an object."""
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, tuple):
        return {str(key): str(limit) for key, limit in value}
    return value


def version_of(row: RuleVersionRecord) -> RuleVersion:
    return RuleVersion(
        code=row.code,
        issuing_level=row.issuing_level,  # type: ignore[arg-type]
        effective_from=row.effective_from,
        values={k: _typed(k, v) for k, v in row.values.items()},
        series=row.series_id,
        sequence=row.pk,
    )


def stored_versions() -> list[RuleVersion]:
    return [version_of(row) for row in RuleVersionRecord.objects.order_by("pk")]


def rules_on(day: date, versions: list[RuleVersion] | None = None, *, series: str | None = None) -> RuleSet:
    """The rules applying to learning completed on `day` by a person of `series` (None: city-wide only)."""
    return rules_in_force(stored_versions() if versions is None else versions, day, series)


def rules_for_year(year: int, versions: list[RuleVersion] | None = None, *, series: str | None = None) -> RuleSet:
    """A year's requirement is judged by the rules in force on its last day (31 December)."""
    return rules_on(date(year, 12, 31), versions, series=series)
