"""The ledger (R3, R6, R14): append-only entries, reversals, totals kept in the same transaction."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from cehours.audit.models import AuditEvent
from cehours.ledger.models import LedgerEntry, PersonYearTotal, Source
from cehours.ledger.selectors import person_compliance, person_entries
from cehours.ledger.services import LedgerError, entry_register, entry_reverse, totals_rebuild


def _register(person, hours="6.0", category="professional", on=date(2025, 5, 1), **extra):
    return entry_register(
        person=person, category=category, hours=hours, source=Source.DECLARATION, title="培训", completed_on=on, **extra
    )


def test_r14_registered_entry_counts_in_its_completion_year(make_person):
    person = make_person()
    _register(person, "6.0", on=date(2025, 12, 31))
    _register(person, "3.0", on=date(2026, 1, 1))
    totals = {t.year: t.professional for t in PersonYearTotal.objects.filter(person=person)}
    assert totals == {2025: Decimal("6.0"), 2026: Decimal("3.0")}


def test_r6_each_category_is_totalled_separately(make_person):
    person = make_person()
    _register(person, "1.5", category="general_public")
    _register(person, "2.5", category="industry_public")
    _register(person, "4.0", category="professional")
    (year,) = person_compliance(person, 2025, 2025)
    assert (year.totals.general_public, year.totals.industry_public, year.totals.professional) == (
        Decimal("1.5"),
        Decimal("2.5"),
        Decimal("4.0"),
    )
    assert year.totals.public == Decimal("4.0")
    assert year.totals.total == Decimal("8.0")


def test_ledger_refuses_an_update_of_hours_at_the_database(make_person):
    entry = _register(make_person())
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_ledgerentry SET hours = 60 WHERE id = %s", [entry.pk])
    assert LedgerEntry.objects.get(pk=entry.pk).hours == Decimal("6.0")


def test_ledger_refuses_a_delete_at_the_database(make_person):
    entry = _register(make_person())
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_ledgerentry WHERE id = %s", [entry.pk])
    assert LedgerEntry.objects.filter(pk=entry.pk).exists()


def test_ledger_refuses_a_model_save_of_an_existing_entry(make_person):
    entry = _register(make_person())
    entry.hours = Decimal("60.0")
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        entry.save()


def test_reversal_cancels_an_entry_and_keeps_the_original(make_person, make_staff):
    person = make_person()
    entry = _register(person, "6.0")
    reviewer = make_staff("reviewer", level=3)
    reversal = entry_reverse(entry=entry, by=reviewer, reason="证明材料不实")
    assert reversal.hours == Decimal("-6.0")
    assert reversal.reverses == entry
    assert LedgerEntry.objects.get(pk=entry.pk).hours == Decimal("6.0")
    assert PersonYearTotal.objects.get(person=person, year=2025).professional == Decimal("0.0")
    listed = list(person_entries(person, year=2025, figure="professional"))
    assert {e.pk for e in listed} == {entry.pk, reversal.pk}
    event = AuditEvent.objects.get(action="ledger.entry_reversed", object_id=str(entry.pk))
    assert event.actor == reviewer
    assert event.after["reason"] == "证明材料不实"


def test_an_entry_cannot_be_reversed_twice(make_person):
    entry = _register(make_person())
    entry_reverse(entry=entry, by=None, reason="重复登记")
    with pytest.raises(LedgerError, match="已被冲销"):
        entry_reverse(entry=entry, by=None, reason="重复登记")


def test_a_reversal_needs_a_reason(make_person):
    entry = _register(make_person())
    with pytest.raises(LedgerError) as caught:
        entry_reverse(entry=entry, by=None, reason="  ")
    assert caught.value.field == "reason"
    assert LedgerEntry.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "kwargs"),
    [
        ("category", {"category": "leisure"}),
        ("hours", {"hours": "-1"}),
        ("hours", {"hours": "abc"}),
        ("title", {"title": " "}),
        ("end_on", {"start_on": date(2025, 5, 2), "end_on": date(2025, 5, 1)}),
    ],
)
def test_bad_registration_names_the_field_and_changes_nothing(make_person, field, kwargs):
    person = make_person()
    events = AuditEvent.objects.count()
    arguments = {
        "person": person,
        "category": "professional",
        "hours": "6",
        "source": Source.DECLARATION,
        "title": "培训",
        "completed_on": date(2025, 5, 1),
        **kwargs,
    }
    with pytest.raises(LedgerError) as caught:
        entry_register(**arguments)
    assert caught.value.field == field
    assert LedgerEntry.objects.count() == 0
    assert PersonYearTotal.objects.count() == 0
    assert AuditEvent.objects.count() == events


def test_the_same_source_record_registers_once(make_person):
    person = make_person()
    _register(person, source_system="prov", source_record_id="A-1")
    with pytest.raises(LedgerError) as caught:
        _register(person, source_system="prov", source_record_id="A-1")
    assert (caught.value.field, caught.value.code) == ("source_record_id", "conflict")
    assert LedgerEntry.objects.filter(source_system="prov", source_record_id="A-1").count() == 1
    assert PersonYearTotal.objects.get(person=person, year=2025).professional == Decimal("6.0")


def test_rebuild_totals_finds_and_repairs_drift(make_person):
    person = make_person()
    _register(person, "6.0")
    _register(person, "1.5", category="general_public")
    assert totals_rebuild(fix=False) == []
    PersonYearTotal.objects.filter(person=person).update(professional=Decimal("99.0"))
    (drift,) = totals_rebuild(fix=False)
    assert (drift.year, drift.category, drift.stored, drift.actual) == (
        2025,
        "professional",
        Decimal("99.0"),
        Decimal("6.0"),
    )
    assert len(totals_rebuild(fix=True)) == 1
    assert totals_rebuild(fix=False) == []
    assert PersonYearTotal.objects.get(person=person).professional == Decimal("6.0")


def test_totals_of_many_tenths_stay_exact(make_person):
    person = make_person()
    for _ in range(30):
        _register(person, "0.1", category="general_public")
    assert PersonYearTotal.objects.get(person=person).general_public == Decimal("3.0")
    assert totals_rebuild(fix=False) == []
