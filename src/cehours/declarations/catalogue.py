"""Reads of the activity catalogue: an industry's own lines replace the platform defaults (R8)."""

from __future__ import annotations

from decimal import Decimal

from cehours.people.models import Person
from cehours.rules.catalogue import ActivityRule, Formula

from .models import ActivityType


def catalogue_for(person: Person) -> list[ActivityType]:
    rows = ActivityType.objects.filter(active=True, series__isnull=True, superseded_at__isnull=True)
    chosen = {row.code: row for row in rows}
    if person.series_id:
        for row in ActivityType.objects.filter(active=True, series_id=person.series_id, superseded_at__isnull=True):
            chosen[row.code] = row
    return sorted(chosen.values(), key=lambda row: row.code)


def activity_rule(row: ActivityType) -> ActivityRule:
    return ActivityRule(
        name=row.name,
        formula=Formula(row.formula),
        hours_per_unit=Decimal(row.hours_per_unit),
        unit_label=row.unit_label,
        per_item_cap=row.per_item_cap,
        per_year_cap=row.per_year_cap,
    )
