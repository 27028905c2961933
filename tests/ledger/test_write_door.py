"""The ledger's one write door (DESIGN §5 "Every path into the ledger passes the same checks").

Two kinds of test: a scan of the source tree that fails, naming file and line, when a module
outside the ledger app writes the ledger's tables itself; and the door's behaviour — per-entry
outcomes, totals equal to the entries, one audit event per batch — on whichever database the
suite runs (SQLite by default, PostgreSQL with DATABASE_URL).
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import transaction
from django.db.models import Sum

from cehours.audit.models import AuditEvent
from cehours.ledger.models import LedgerEntry, PersonYearTotal, Source
from cehours.ledger.services import NewEntry, Outcome, entries_register_bulk, entry_register, totals_rebuild

SOURCE = Path(__file__).resolve().parents[2] / "src" / "cehours"
LEDGER_APP = SOURCE / "ledger"

# Writes of the ledger's tables that only ledger/ may make (reads through the ORM are anyone's).
_ORM_WRITE = r"\.objects\b[^\n]*\.(create|bulk_create|get_or_create|update_or_create|update|delete)\("
_WRITES = [
    (r"\bLedgerEntry\s*\(", "builds a LedgerEntry to save"),
    (r"\bLedgerEntry" + _ORM_WRITE, "ORM write"),
    (r"\bPersonYearTotal\s*\(", "builds a PersonYearTotal to save"),
    (r"\bPersonYearTotal" + _ORM_WRITE, "ORM write"),
    (r"\b(LedgerEntry|PersonYearTotal)\._meta\.db_table\b", "raw SQL on a ledger table"),
    (r"ledger_ledgerentry|ledger_personyeartotal", "raw SQL on a ledger table"),
]
_PATTERNS = [(re.compile(pattern), why) for pattern, why in _WRITES]


def ledger_writes_in(text: str) -> list[tuple[int, str]]:
    """(line number, what) for each line of the text that writes a ledger table directly."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        code = line.split("#", 1)[0]
        for pattern, why in _PATTERNS:
            if pattern.search(code):
                found.append((number, why))
                break
    return found


def _modules_outside_the_ledger():
    for path in sorted(SOURCE.rglob("*.py")):
        if path.is_relative_to(LEDGER_APP) or "migrations" in path.parts:
            continue
        yield path


def test_no_module_outside_the_ledger_writes_its_tables():
    offences = [
        f"{path.relative_to(SOURCE.parent)}:{line}: {why}"
        for path in _modules_outside_the_ledger()
        for line, why in ledger_writes_in(path.read_text(encoding="utf-8"))
    ]
    assert not offences, "register hours through cehours.ledger.services.entries_register_bulk:\n" + "\n".join(offences)


def test_the_scan_sees_each_kind_of_direct_write():
    sample = "\n".join(
        [
            "LedgerEntry.objects.create(person=p)",
            "LedgerEntry.objects.bulk_create(batch, batch_size=2000)",
            "entries.append(LedgerEntry(person_id=1))",
            "PersonYearTotal.objects.filter(person=p).update(professional=1)",
            "PersonYearTotal.objects.update_or_create(person=p, year=2025)",
            "table = LedgerEntry._meta.db_table",
            'cursor.execute("INSERT INTO ledger_personyeartotal VALUES (1)")',
            "LedgerEntry.objects.filter(person=p).values_list('pk')",  # a read: allowed
            "def f(entry: LedgerEntry) -> LedgerEntry:",  # a type: allowed
        ]
    )
    assert [line for line, _ in ledger_writes_in(sample)] == [1, 2, 3, 4, 5, 6, 7]


def _entry(person, record_id: str = "", hours: Decimal | str = "2.0", **extra) -> NewEntry:
    values = {
        "person_id": person.pk,
        "category": "professional",
        "hours": hours,
        "source": Source.CONNECTED_SYSTEM,
        "title": f"课程 {record_id}",
        "completed_on": date(2025, 5, 1),
        "source_system": "door-test" if record_id else "",
        "source_record_id": record_id,
        "source_fingerprint": f"fp-{record_id}" if record_id else "",
        **extra,
    }
    return NewEntry(**values)


def _sum_of_entries(person, year: int = 2025) -> Decimal:
    return LedgerEntry.objects.filter(person=person, year=year, category="professional").aggregate(s=Sum("hours"))["s"]


def test_a_batch_answers_per_entry_and_a_resent_source_record_is_a_duplicate(make_person):
    person = make_person()
    (first,) = entries_register_bulk(entries=[_entry(person, "r-1", "3.0")], by_label="system:door-test")
    events = AuditEvent.objects.count()

    outcomes = entries_register_bulk(
        entries=[_entry(person, "r-1", "3.0"), _entry(person, "r-2", "1.5"), _entry(person, "", "0.5")],
        by_label="system:door-test",
        audit_action="intake.batch_registered",
        audit_object_type="connected_system",
        audit_object_id="door-test",
    )

    assert [o.status for o in outcomes] == [Outcome.DUPLICATE, Outcome.CREATED, Outcome.CREATED]
    assert (outcomes[0].entry_id, outcomes[0].stored_fingerprint) == (first.entry_id, "fp-r-1")
    assert LedgerEntry.objects.filter(source_system="door-test", source_record_id="r-1").count() == 1
    assert LedgerEntry.objects.get(pk=outcomes[1].entry_id).source_record_id == "r-2"
    assert LedgerEntry.objects.get(pk=outcomes[2].entry_id).hours == Decimal("0.5")
    total = PersonYearTotal.objects.get(person=person, year=2025).professional
    assert total == _sum_of_entries(person) == Decimal("5.0")
    (event,) = AuditEvent.objects.order_by("-seq")[: AuditEvent.objects.count() - events]
    assert (event.action, event.object_type, event.object_id, event.actor_label) == (
        "intake.batch_registered",
        "connected_system",
        "door-test",
        "system:door-test",
    )
    assert event.after["created"] == 2
    assert event.after["entry_ids"] == sorted([outcomes[1].entry_id, outcomes[2].entry_id])
    assert event.after["source_record_ids"] == ["r-2"]


def test_the_same_source_record_twice_in_one_batch_registers_the_first(make_person):
    person = make_person()
    first, second = entries_register_bulk(entries=[_entry(person, "twice", "2.0"), _entry(person, "twice", "4.0")])
    assert (first.status, second.status) == (Outcome.CREATED, Outcome.DUPLICATE)
    assert second.entry_id == first.entry_id
    assert PersonYearTotal.objects.get(person=person, year=2025).professional == Decimal("2.0")


@pytest.mark.parametrize(
    ("field", "change"),
    [
        ("category", {"category": "leisure"}),
        ("hours", {"hours": Decimal("-1")}),
        ("hours", {"hours": "abc"}),
        ("hours", {"hours": Decimal("10000.1")}),
        ("title", {"title": "  "}),
        ("end_on", {"start_on": date(2025, 5, 2), "end_on": date(2025, 5, 1)}),
        ("completed_on", {"completed_on": date(1989, 12, 31)}),
        ("source", {"source": Source.CORRECTION}),
        ("source_record_id", {"source_record_id": "x" * 129}),
        ("provider", {"provider": "培训\x00机构"}),
    ],
)
def test_a_refused_entry_names_its_field_and_does_not_stop_the_others(make_person, field, change):
    person = make_person()
    bad, good = entries_register_bulk(entries=[_entry(person, "bad", **change), _entry(person, "good", "2.0")])
    assert bad.status == Outcome.REFUSED
    assert bad.refusal.field == field and bad.refusal.message
    assert good.status == Outcome.CREATED
    assert list(LedgerEntry.objects.values_list("source_record_id", flat=True)) == ["good"]
    assert PersonYearTotal.objects.get(person=person, year=2025).professional == Decimal("2.0")


def test_a_batch_with_nothing_to_register_writes_nothing(make_person):
    person = make_person()
    events = AuditEvent.objects.count()
    (outcome,) = entries_register_bulk(entries=[_entry(person, "bad", hours="-2")])
    assert outcome.status == Outcome.REFUSED
    assert entries_register_bulk(entries=[]) == []
    assert (LedgerEntry.objects.count(), PersonYearTotal.objects.count(), AuditEvent.objects.count()) == (
        0,
        0,
        events,
    )


def test_a_large_batch_maps_every_outcome_to_its_own_entry(make_person):
    """More rows than one SQLite statement takes, keyed and keyless mixed, over two people and years."""
    people = [make_person(), make_person()]
    entries = []
    for i in range(1300):
        person = people[i % 2]
        on = date(2024 + i % 3 // 2, 3, 1 + i % 28)
        entries.append(_entry(person, f"big-{i}" if i % 3 else "", "0.1", title=f"第{i}条", completed_on=on))
    outcomes = entries_register_bulk(entries=entries, by_label="demo", audit_object_type="demo")
    assert all(o.status == Outcome.CREATED for o in outcomes)
    stored = dict(LedgerEntry.objects.values_list("pk", "title"))
    assert [stored[o.entry_id] for o in outcomes] == [e.title for e in entries]
    assert totals_rebuild(fix=False) == []
    assert AuditEvent.objects.filter(action="ledger.entries_registered", object_type="demo").count() == 1


def test_a_single_registration_is_a_batch_of_one_audited_as_the_entry(make_person):
    person = make_person()
    entry = entry_register(
        person=person,
        category="general_public",
        hours="1.55",
        source=Source.DECLARATION,
        title="  线下培训  ",
        completed_on=date(2025, 6, 1),
        source_system="declaration",
        source_record_id="7:1",
    )
    assert (entry.hours, entry.title, entry.year) == (Decimal("1.5"), "线下培训", 2025)
    event = AuditEvent.objects.get(action="ledger.entry_registered")
    assert (event.object_type, event.object_id) == ("ledger_entry", str(entry.pk))
    assert (event.after["hours"], event.after["source_record_id"]) == ("1.5", "7:1")
    assert PersonYearTotal.objects.get(person=person, year=2025).general_public == Decimal("1.5")


def test_two_batches_in_one_transaction_each_register_only_their_own_entries(make_person):
    """PostgreSQL stages rows in a temporary table emptied at commit: a second call before the commit
    must not take the first call's rows again."""
    person = make_person()
    with transaction.atomic():
        first = entries_register_bulk(entries=[_entry(person, "", "1.0", title=f"甲{i}") for i in range(3)])
        second = entries_register_bulk(entries=[_entry(person, "", "2.0", title=f"乙{i}") for i in range(2)])
    assert LedgerEntry.objects.count() == 5
    titles = dict(LedgerEntry.objects.values_list("pk", "title"))
    assert [titles[o.entry_id] for o in first + second] == ["甲0", "甲1", "甲2", "乙0", "乙1"]
    assert PersonYearTotal.objects.get(person=person, year=2025).professional == Decimal("7.0")
