"""Reads of the integration app: what a connected system registered, as it may read it back."""

from __future__ import annotations

from django.db.models import QuerySet

from cehours.ledger.models import LedgerEntry

from .models import ConnectedSystem


def system_records(*, system: ConnectedSystem, source_record_id: str) -> QuerySet[LedgerEntry]:
    """The system's own entries under a source record id (never another system's), with their person."""
    return (
        LedgerEntry.objects.filter(source_system=system.code, source_record_id=source_record_id)
        .select_related("person")
        .prefetch_related("reversed_by")
    )
