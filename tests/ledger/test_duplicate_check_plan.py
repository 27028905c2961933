"""Issue 14: the intake's duplicate check costs the same however large the ledger grows (and the export
finds the reversed entries through an index).

An intake batch asks which of its (up to 1,000) source record ids a system has already registered,
and which are already held. Both tables have a partial unique index on (source_system,
source_record_id) WHERE source_record_id <> ''. PostgreSQL proves such a predicate from an IN list
of at most 100 items, so without the predicate in the query a batch of 1,000 scanned the whole
ledger. Here the planner is forbidden sequential scans: a query that can use the index gets an
index scan through it; one that cannot gets a sequential scan regardless. (On a populated ledger
the index condition then holds both columns: 600,000 rows, 1,000 ids, 38 ms → 9 ms.)
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cehours.ledger.holds import _held_under
from cehours.ledger.selectors import source_records_registered

pytestmark = pytest.mark.django_db

BATCH = [f"rec-{i}" for i in range(1000)]


def _plan_of(run) -> str:
    if connection.vendor != "postgresql":
        pytest.skip("the plan asserted is PostgreSQL's (partial index predicates and IN lists)")
    with CaptureQueriesContext(connection) as captured:
        run()
    (query,) = [q["sql"] for q in captured.captured_queries if "source_record_id" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {query}")
        return "\n".join(row[0][:200] for row in cursor.fetchall())  # not the 1,000 ids in full


def test_the_ledger_duplicate_check_of_a_1000_record_batch_uses_the_index():
    plan = _plan_of(lambda: source_records_registered(source_system="city-system", source_record_ids=BATCH))
    assert "ledger_entry_source_record_once" in plan, plan
    assert "Seq Scan" not in plan, plan


def test_the_held_record_check_of_a_1000_record_batch_uses_the_index():
    plan = _plan_of(lambda: _held_under([("city-system", r) for r in BATCH]))
    assert "held_record_source_record_once" in plan, plan
    assert "Seq Scan" not in plan, plan


def test_the_platforms_own_postgresql_connections_run_without_jit():
    """Issue 14: JIT compilation cost report queries and the duplicate check more than it saved."""
    if connection.vendor != "postgresql":
        pytest.skip("JIT is PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_the_hours_export_finds_the_reversed_entries_through_the_index_not_the_whole_ledger(make_staff, make_person):
    """Issue 14: "not reversed" must not hash every entry of the ledger to find the few reversals
    (at city scale 25 million rows a county's export); the reversals come from the unique index
    on reverses_id, and the anti-join is estimated as what it is."""
    from cehours.integration.exchange import export_hours

    hr = make_staff("hr_admin")
    make_person()  # one step of people, so the entries are asked for
    if connection.vendor != "postgresql":
        pytest.skip("the plan asserted is PostgreSQL's")
    with CaptureQueriesContext(connection) as captured:
        list(export_hours(user=hr, year=2025))
    (query,) = [q["sql"] for q in captured.captured_queries if "FROM \"ledger_ledgerentry\"" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {query}")
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Anti Join" in plan, plan
    # Not the whole index either: only its entries that reverse something.
    assert re.search(r"Index (Only )?Scan using ledger_ledgerentry_reverses_id_key", plan), plan
    assert re.search(r"Index Cond: \(.*reverses_id IS NOT NULL\)", plan), plan
