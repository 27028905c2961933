"""Writes to the ledger: registering, reversing and rebuilding totals. One transaction each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Sum

from cehours.audit.services import actor_label_of, audit_record
from cehours.errors import FieldError
from cehours.people.models import Person
from cehours.rules.hours import Category, to_hours

from .models import LedgerEntry, PersonYearTotal, Source


class LedgerError(FieldError):
    """A registration the ledger refuses; `field` names the offending input."""


_TOTALS_TABLE = PersonYearTotal._meta.db_table


def _bump_totals(person_id: int, year: int, category: str, hours: Decimal) -> None:
    """Add hours to the person-year total; an upsert, so concurrent first entries cannot collide."""
    column = Category(category).value  # a validated identifier, never user text
    others = [c.value for c in Category if c.value != column]
    sql = (
        f"INSERT INTO {_TOTALS_TABLE} (person_id, year, {column}, {others[0]}, {others[1]}) "
        f"VALUES (%s, %s, %s, 0, 0) "
        f"ON CONFLICT (person_id, year) DO UPDATE SET {column} = {_TOTALS_TABLE}.{column} + excluded.{column}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [person_id, year, hours])


def _entry_snapshot(entry: LedgerEntry) -> dict:
    return {
        "person_id": entry.person_id,
        "year": entry.year,
        "category": entry.category,
        "hours": str(entry.hours),
        "source": entry.source,
        "source_system": entry.source_system,
        "source_record_id": entry.source_record_id,
        "title": entry.title,
        "completed_on": entry.completed_on,
        "reverses_id": entry.reverses_id,
    }


def entry_register(
    *,
    person: Person,
    category: str,
    hours: Decimal | str | int,
    source: str,
    title: str,
    completed_on: date,
    by=None,
    by_label: str | None = None,
    activity_type: str = "",
    start_on: date | None = None,
    end_on: date | None = None,
    source_system: str = "",
    source_record_id: str = "",
    explanation: str = "",
) -> LedgerEntry:
    """Register hours for a person (R14). The year is the year the learning was completed."""
    try:
        category = Category(category).value
    except ValueError as exc:
        raise LedgerError("category", "科目类别应为 general_public、industry_public 或 professional") from exc
    try:
        hours = to_hours(hours)
    except ValueError as exc:
        raise LedgerError("hours", str(exc)) from exc
    if hours < 0:
        raise LedgerError("hours", "学时不能为负数")
    if source not in Source.values or source == Source.CORRECTION:
        raise LedgerError("source", "来源无效")
    if not title or not title.strip():
        raise LedgerError("title", "名称不能为空")
    if start_on and end_on and end_on < start_on:
        raise LedgerError("end_on", "结束日期不能早于开始日期")
    with transaction.atomic():
        entry = LedgerEntry.objects.create(
            person=person,
            year=completed_on.year,
            category=category,
            hours=hours,
            source=source,
            source_system=source_system,
            source_record_id=source_record_id,
            activity_type=activity_type,
            title=title.strip()[:255],
            start_on=start_on,
            end_on=end_on,
            completed_on=completed_on,
            explanation=explanation[:255],
            registered_by=by if getattr(by, "pk", None) else None,
            registered_by_label=by_label or actor_label_of(by),
        )
        _bump_totals(person.pk, entry.year, category, hours)
        audit_record(
            actor=by,
            actor_label=by_label,
            action="ledger.entry_registered",
            object_type="ledger_entry",
            object_id=entry.pk,
            after=_entry_snapshot(entry),
        )
    return entry


def entry_reverse(*, entry: LedgerEntry, by, reason: str) -> LedgerEntry:
    """Cancel an entry with a reversing entry that points at it; the original stays as it was."""
    if not reason or not reason.strip():
        raise LedgerError("reason", "冲销原因不能为空")
    with transaction.atomic():
        original = LedgerEntry.objects.select_for_update().get(pk=entry.pk)
        if original.reverses_id is not None:
            raise LedgerError("entry", "冲销记录本身不能再冲销")
        if LedgerEntry.objects.filter(reverses=original).exists():
            raise LedgerError("entry", "该记录已被冲销")
        reversal = LedgerEntry.objects.create(
            person_id=original.person_id,
            year=original.year,
            category=original.category,
            hours=-original.hours,
            source=Source.CORRECTION,
            activity_type=original.activity_type,
            title=f"冲销：{original.title}"[:255],
            completed_on=original.completed_on,
            explanation=reason.strip()[:255],
            reverses=original,
            registered_by=by if getattr(by, "pk", None) else None,
            registered_by_label=actor_label_of(by),
        )
        _bump_totals(original.person_id, original.year, original.category, -original.hours)
        audit_record(
            actor=by,
            action="ledger.entry_reversed",
            object_type="ledger_entry",
            object_id=original.pk,
            before=_entry_snapshot(original),
            after={**_entry_snapshot(reversal), "reason": reason.strip()},
        )
    return reversal


@dataclass(frozen=True)
class TotalsDrift:
    person_id: int
    year: int
    category: str
    stored: Decimal
    actual: Decimal


def totals_rebuild(*, by=None, fix: bool = True) -> list[TotalsDrift]:
    """Recompute every person-year total from the entries; report (and by default repair) drift."""
    actual: dict[tuple[int, int], dict[str, Decimal]] = {}
    sums = LedgerEntry.objects.values("person_id", "year", "category").annotate(total=Sum("hours")).order_by()
    for row in sums.iterator(chunk_size=5000):
        key = (row["person_id"], row["year"])
        actual.setdefault(key, {c.value: Decimal("0.0") for c in Category})[row["category"]] = to_hours(row["total"])
    stored: dict[tuple[int, int], dict[str, Decimal]] = {}
    for total in PersonYearTotal.objects.all().iterator(chunk_size=5000):
        stored[(total.person_id, total.year)] = {c.value: to_hours(getattr(total, c.value)) for c in Category}

    zero = {c.value: Decimal("0.0") for c in Category}
    drift = []
    for key in sorted(set(actual) | set(stored)):
        have, want = stored.get(key, zero), actual.get(key, zero)
        drift.extend(TotalsDrift(*key, c, have[c], want[c]) for c in want if have[c] != want[c])
    if fix and drift:
        with transaction.atomic():
            PersonYearTotal.objects.all().delete()
            PersonYearTotal.objects.bulk_create(
                [PersonYearTotal(person_id=p, year=y, **figures) for (p, y), figures in actual.items()],
                batch_size=2000,
            )
            audit_record(
                actor=by,
                action="ledger.totals_rebuilt",
                object_type="person_year_total",
                after={"drifted_figures": len(drift), "person_years": len(actual)},
            )
    return drift
