"""Audit events are append-only in the database itself: raw UPDATE and DELETE are refused."""

import pytest
from django.db import DatabaseError, IntegrityError, connection, transaction

from cehours.audit import triggers
from cehours.audit.models import AuditEvent, AuditHead
from cehours.audit.services import audit_record, audit_verify


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_auditevent SET action = 'audit.nothing_happened' WHERE seq = 3",
        "UPDATE audit_auditevent SET after = NULL, hash = prev_hash",
        "DELETE FROM audit_auditevent WHERE seq = 5",
        "DELETE FROM audit_auditevent",
    ],
    ids=["update-one", "update-all", "delete-last", "delete-all"],
)
def test_raw_sql_cannot_edit_or_delete_events(five_events, statement):
    with pytest.raises((DatabaseError, IntegrityError)) as refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert triggers.MESSAGE in str(refused.value)
    assert AuditEvent.objects.count() == 5
    assert AuditEvent.objects.get(seq=3).action == "test.step"
    assert audit_verify() == (5, [])


def test_the_orm_cannot_delete_an_event_either(five_events):
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic():
        AuditEvent.objects.filter(seq=1).delete()
    assert AuditEvent.objects.count() == 5


def test_the_head_stays_movable_by_the_append_path(five_events):
    sixth = audit_record(actor=None, action="test.after", object_type="thing")
    head = AuditHead.objects.get(pk=1)
    assert (head.seq, head.hash) == (6, sixth.hash)
    assert audit_verify() == (6, [])


def test_triggers_come_back_after_being_dropped_and_ensured(five_events):
    with connection.cursor() as cursor:
        for statement in triggers.drop_statements(connection.vendor):
            cursor.execute(statement)
    triggers.ensure(connection)
    triggers.ensure(connection)  # idempotent, as post_migrate runs it after every migrate
    with pytest.raises((DatabaseError, IntegrityError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = 2")
