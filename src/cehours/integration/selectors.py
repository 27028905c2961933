"""Reads of the integration app: what a connected system registered, as it may read it back."""

from __future__ import annotations

from django.db.models import QuerySet

from cehours.ledger.models import HeldRecord, LedgerEntry

from .models import ConnectedSystem


def system_records(*, system: ConnectedSystem, source_record_id: str) -> QuerySet[LedgerEntry]:
    """The system's own entries under a source record id (never another system's), with their person."""
    return (
        LedgerEntry.objects.filter(source_system=system.code, source_record_id=source_record_id)
        .select_related("person")
        .prefetch_related("reversed_by")
    )


def system_held_records(*, system: ConnectedSystem, source_record_id: str) -> QuerySet[HeldRecord]:
    """The system's records under the id that the door held and a reviewer has not registered:
    waiting, or rejected with the reviewer's reason (an approved one reads back as its entry)."""
    return (
        HeldRecord.objects.filter(source_system=system.code, source_record_id=source_record_id)
        .exclude(status=HeldRecord.Status.APPROVED)
        .select_related("person")
    )
