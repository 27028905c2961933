"""Fixtures for attacking the audit trail the way the finding did: raw SQL with the triggers lifted."""

from __future__ import annotations

from contextlib import contextmanager
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from cehours.audit import chain, triggers
from cehours.audit.models import AuditEvent, AuditHead, ChainVersion
from cehours.audit.services import audit_record

WRONG_KEY = b"not-the-audit-key-but-32-bytes-long!"


@pytest.fixture
def five_events(db) -> list[AuditEvent]:
    """Exactly five events, seq 1–5, written through the real append path."""
    events = [
        audit_record(actor=None, action="test.step", object_type="thing", object_id=n, after={"n": n})
        for n in range(1, 6)
    ]
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    return events


def run(name: str, *args, **options) -> tuple[int, str, str]:
    """call_command, returning (exit status, stdout, stderr) as the console would see them."""
    out, err = StringIO(), StringIO()
    try:
        call_command(name, *args, stdout=out, stderr=err, **options)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


@contextmanager
def triggers_lifted():
    """What someone with the database password (or the SQLite file) can do: drop the triggers,
    act, and put them back so that nothing looks different afterwards."""
    with connection.cursor() as cursor:
        for statement in triggers.drop_statements(connection.vendor):
            cursor.execute(statement)
    try:
        yield
    finally:
        triggers.ensure(connection)


def rechain(*, version: int, key: bytes, fake_key_id: str | None = None) -> None:
    """Recompute every event's digest from the genesis with the given rule, and move the head to
    match: the attacker's tool. Call inside triggers_lifted()."""
    prev_hash = chain.GENESIS
    for event in AuditEvent.objects.order_by("seq"):
        event.chain_version = version
        event.key_id = "" if version == ChainVersion.SHA256 else (fake_key_id or chain.key_id(key))
        event.prev_hash = prev_hash
        event.hash = chain.digest(version, prev_hash, chain.chained_fields(event), key)
        AuditEvent.objects.filter(pk=event.pk).update(
            chain_version=event.chain_version, key_id=event.key_id, prev_hash=event.prev_hash, hash=event.hash
        )
        prev_hash = event.hash
    last = AuditEvent.objects.order_by("-seq").first()
    AuditHead.objects.filter(pk=1).update(seq=last.seq if last else 0, hash=prev_hash)


def delete_and_renumber(seq: int) -> None:
    """Delete one event and close the gap, so that only the digests could give it away."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {triggers.TABLE} WHERE seq = %s", [seq])
        # One row at a time, upwards: seq is unique and checked row by row.
        for later in AuditEvent.objects.filter(seq__gt=seq).order_by("seq").values_list("seq", flat=True):
            cursor.execute(f"UPDATE {triggers.TABLE} SET seq = %s WHERE seq = %s", [later - 1, later])
