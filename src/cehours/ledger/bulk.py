"""The SQL of the ledger's write door: set-based inserts of entries and upserts of totals.

Used only by ledger/services.py, which checks what enters and records the audit trail; nothing
outside the ledger app writes these tables. One batch is one INSERT per chunk whatever its size:

- entries go in with ON CONFLICT DO NOTHING on the (source_system, source_record_id) index, so a
  record that a concurrent transaction registered first is skipped, never stored twice; what
  RETURNING gives back is what this call registered;
- PostgreSQL takes the rows by COPY into a session-local staging table and one INSERT … SELECT
  (measured: 19 ms against 60–145 ms for 1,000 rows as a VALUES list with thousands of
  parameters); SQLite takes multi-row VALUES in chunks under its bound-parameter limit;
- totals are one upsert per batch with the rows in (person, year) order, so that concurrent
  batches lock the total rows in the same order and cannot deadlock on them.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal

from django.db import connection

from cehours.rules.hours import Category

from .models import LedgerEntry, PersonYearTotal

ENTRY_COLUMNS = (
    "person_id", "year", "category", "hours", "source", "source_system", "source_record_id", "source_fingerprint",
    "activity_type", "title", "start_on", "end_on", "completed_on", "provider", "external_url", "explanation",
    "reverses_id", "registered_by_id", "registered_by_label", "registered_at", "day_capped",
)  # fmt: skip
# Positions of the values SQLite needs adapted (PostgreSQL's COPY takes the Python values as they are).
_DECIMAL, _DATES, _DATETIME = 3, (10, 11, 12), 19
_RECORD_ID = ENTRY_COLUMNS.index("source_record_id")
_CHUNK = 500  # rows per INSERT on SQLite: 21 columns × 500 stays far under its bound-parameter limit

_ENTRIES = LedgerEntry._meta.db_table
_TOTALS = PersonYearTotal._meta.db_table
_COLUMNS = ", ".join(ENTRY_COLUMNS)
_STAGE = "ledger_entry_stage"
_ORDINALS = itertools.count()
_CATEGORY_COLUMNS = tuple(c.value for c in Category)  # validated identifiers, never user text
_ZERO = Decimal("0")
# The conflict target must repeat the unique index's predicate for the database to pick that index.
_ON_CONFLICT = """ON CONFLICT ("source_system", "source_record_id") WHERE NOT ("source_record_id" = '') DO NOTHING"""
_RETURNING = "RETURNING id, source_system, source_record_id"


def entries_insert(rows: Sequence[tuple]) -> list[tuple[int, str, str]]:
    """Insert rows (values in ENTRY_COLUMNS order); (id, source_system, source_record_id) of each
    row stored, in the order the rows were given — rows skipped as already registered are absent."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        return _insert_postgresql(rows)
    return _insert_values(rows)


def _insert_postgresql(rows: Sequence[tuple]) -> list[tuple[int, str, str]]:
    # Each staged row carries an ordinal from a counter that only grows in this process. It picks
    # this call's rows out of the stage (which ON COMMIT DELETE ROWS empties only at commit, so an
    # earlier call in the same transaction may have left rows there) without a DELETE per call, and,
    # where several rows have no source record and are told apart only by their place in RETURNING,
    # it keeps the caller's order through the INSERT … SELECT. Keyed rows are matched by key.
    first = next(_ORDINALS)
    keyless = sum(1 for row in rows if not row[_RECORD_ID])
    order = "ORDER BY ord" if keyless > 1 else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} ON COMMIT DELETE ROWS AS "
            f"SELECT 0::bigint AS ord, {_COLUMNS} FROM {_ENTRIES} WITH NO DATA"
        )
        with cursor.cursor.copy(f"COPY {_STAGE} (ord, {_COLUMNS}) FROM STDIN") as copy:
            copy.write_row((first, *rows[0]))
            for row in rows[1:]:
                copy.write_row((next(_ORDINALS), *row))
        cursor.execute(
            f"INSERT INTO {_ENTRIES} ({_COLUMNS}) SELECT {_COLUMNS} FROM {_STAGE} WHERE ord >= %s {order} "
            f"{_ON_CONFLICT} {_RETURNING}",
            [first],
        )
        return cursor.fetchall()


def _insert_values(rows: Sequence[tuple]) -> list[tuple[int, str, str]]:
    ops = connection.ops
    stored: list[tuple[int, str, str]] = []
    marks = "(" + ",".join(["%s"] * len(ENTRY_COLUMNS)) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), _CHUNK):
            chunk = rows[start : start + _CHUNK]
            params: list = []
            for row in chunk:
                values = list(row)
                values[_DECIMAL] = ops.adapt_decimalfield_value(values[_DECIMAL], 7, 1)
                for i in _DATES:
                    values[i] = ops.adapt_datefield_value(values[i])
                values[_DATETIME] = ops.adapt_datetimefield_value(values[_DATETIME])
                params.extend(values)
            placeholders = ",".join([marks] * len(chunk))
            cursor.execute(
                f"INSERT INTO {_ENTRIES} ({_COLUMNS}) VALUES {placeholders} {_ON_CONFLICT} {_RETURNING}", params
            )
            stored.extend(cursor.fetchall())
    return stored


def totals_add(changes: Iterable[tuple[int, int, str, Decimal]]) -> None:
    """Add (person_id, year, category, hours) to the person-year totals: one upsert per batch."""
    sums: dict[tuple[int, int], dict[str, Decimal]] = {}
    for person_id, year, category, hours in changes:
        figures = sums.get((person_id, year))
        if figures is None:
            figures = sums[(person_id, year)] = dict.fromkeys(_CATEGORY_COLUMNS, _ZERO)
        figures[category] += hours
    if sums:
        _upsert_totals(sums)


def _upsert_totals(sums: Mapping[tuple[int, int], Mapping[str, Decimal]]) -> None:
    cols = _CATEGORY_COLUMNS
    keys = sorted(sums)
    updates = ", ".join(f"{c} = {_TOTALS}.{c} + excluded.{c}" for c in cols)
    on_conflict = f"ON CONFLICT (person_id, year) DO UPDATE SET {updates}"
    insert = f"INSERT INTO {_TOTALS} (person_id, year, {', '.join(cols)})"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            arrays: list[list[int] | list[Decimal]] = [
                [k[0] for k in keys],
                [k[1] for k in keys],
                *([sums[k][c] for k in keys] for c in cols),
            ]
            cursor.execute(
                f"{insert} SELECT * FROM unnest(%s::bigint[], %s::int[], %s::numeric[], %s::numeric[], "
                f"%s::numeric[]) ORDER BY 1, 2 {on_conflict}",
                arrays,
            )
            return
        for start in range(0, len(keys), _CHUNK):
            chunk = keys[start : start + _CHUNK]
            params: list = []
            for key in chunk:
                params.extend((*key, *(str(sums[key][c]) for c in cols)))
            cursor.execute(f"{insert} VALUES {','.join(['(%s,%s,%s,%s,%s)'] * len(chunk))} {on_conflict}", params)
