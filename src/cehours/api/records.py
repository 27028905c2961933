"""Connected systems push completed learning (R15, R16.1) and read back what they registered."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import field_validator

from cehours.integration.intake import MAX_BATCH, records_intake
from cehours.ledger.models import LedgerEntry
from cehours.rules.hours import format_hours

from .auth import SYSTEM_AUTH
from .schemas import ErrorOut

router = Router(tags=["records"], auth=SYSTEM_AUTH)


class BatchIn(Schema):
    records: list[dict[str, Any]] = Field(
        ..., min_length=1, max_length=MAX_BATCH, description=f"学习记录，每批 1–{MAX_BATCH} 条"
    )


class RecordErrorOut(Schema):
    field: str
    code: str
    message: str


class RecordResultOut(Schema):
    source_record_id: str
    status: str = Field(..., description="created | duplicate | rejected")
    hours: str | None
    errors: list[RecordErrorOut]


class BatchOut(Schema):
    results: list[RecordResultOut]
    created: int
    duplicate: int
    rejected: int


@router.post("/records/batch", response={200: BatchOut, 401: ErrorOut, 422: ErrorOut})
def batch(request, payload: BatchIn):
    """Register a batch; each record answers created / duplicate / rejected (with reasons), in the order sent."""
    result = records_intake(system=request.auth, records=payload.records, today=timezone.localdate())
    return result.as_dict()


class RecordOut(Schema):
    id: int
    source_record_id: str
    id_number: str
    name: str
    year: int
    category: str
    hours: str
    activity: str
    title: str
    completed_on: str
    reversed: bool


class RecordsQuery(Schema):
    source_record_id: str = Field(..., min_length=1, max_length=128, description="来源记录号")

    @field_validator("source_record_id")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        # As in intake: PostgreSQL cannot compare text with NUL, so it is bad input, not a 500.
        if "\x00" in value:
            raise ValueError("来源记录号不能含有空字符（\\x00）")
        return value


@router.get("/records", response={200: list[RecordOut], 401: ErrorOut, 422: ErrorOut})
def records(request, query: Query[RecordsQuery]):
    """A system reads back its own records (never another system's)."""
    entries = (
        LedgerEntry.objects.filter(source_system=request.auth.code, source_record_id=query.source_record_id)
        .select_related("person")
        .prefetch_related("reversed_by")
    )
    return [
        {
            "id": e.pk,
            "source_record_id": e.source_record_id,
            "id_number": e.person.id_number_masked,
            "name": e.person.name,
            "year": e.year,
            "category": e.category,
            "hours": format_hours(e.hours),
            "activity": e.activity_type,
            "title": e.title,
            "completed_on": e.completed_on.isoformat(),
            "reversed": hasattr(e, "reversed_by"),
        }
        for e in entries
    ]
