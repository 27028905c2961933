"""POST /api/v1/eligibility/batch: an evaluation committee's list of applicants, judged at once (R13, R20)."""

from __future__ import annotations

from typing import Annotated

from django.utils import timezone
from ninja import Field, Router
from pydantic import BaseModel, Strict

from cehours.ledger.applicants import (
    MAX_APPLICANTS,
    ROW_STATUS_LABELS,
    Applicant,
    RowStatus,
    applicants_judged,
    record_verdict_reads,
)
from cehours.privacy.models import ReadAction
from cehours.privacy.services import LookupLimited, refuse_if_over_limit
from cehours.rules.eligibility import VERDICT_LABELS
from cehours.rules.titles import TitleLevel

from .errors import ApiInputError, ErrorCode
from .people import MAX_YEAR, MIN_YEAR, eligibility_body
from .schemas import EligibilityOut, ErrorItem, ErrorOut, Out

router = Router(tags=["eligibility"])


# JSON true is not a year: lax pydantic would take it as 1 and the caller would never learn.
_Int = Annotated[int, Strict()]


class ApplicantIn(BaseModel):
    id_number: str = Field(..., max_length=32, description="公民身份号码")
    name: str = Field("", max_length=50, description="姓名；与登记不一致时在 notes 中说明，仍按身份证号码判断")
    series: str = Field("", max_length=64, description="职称系列代码或名称；与登记不一致时在 notes 中说明")
    level: TitleLevel | None = Field(None, description="申报等级，默认为现职称等级的上一级")
    application_year: _Int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR, description="申报年度，默认为当年")
    required_years: _Int | None = Field(None, ge=0, le=20, description="规定年限，默认取职称年限表")
    since_year: _Int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR, description="起算年份，默认为取得现职称年份")
    override_reason: str = Field("", max_length=200, description="调整规定年限或起算年份的理由")


class EligibilityBatchIn(BaseModel):
    applicants: list[ApplicantIn] = Field(..., min_length=1, max_length=MAX_APPLICANTS)


class ApplicantOut(Out):
    row: int  # 1 for the first applicant sent
    id_number: str  # as sent for a row not found; as the caller may see it for a person found
    # found | not_found | invalid | refused (the caller's allowance of misses ran out)
    status: str
    status_label: str
    verdict: str | None  # eligible | not_eligible | pending, for a row found
    verdict_label: str | None
    errors: list[ErrorItem]
    notes: list[str]
    result: EligibilityOut | None


class EligibilityBatchOut(Out):
    count: int
    found: int
    not_found: int
    invalid: int
    refused: int
    eligible: int
    not_eligible: int
    pending: int
    applicants: list[ApplicantOut]


@router.post("/eligibility/batch", response={200: EligibilityBatchOut, 401: ErrorOut, 422: ErrorOut, 429: ErrorOut})
def eligibility_batch(request, payload: EligibilityBatchIn):
    """Up to 1,000 applicants of a title-evaluation session, each judged as
    `GET /people/{id_number}/eligibility` judges one, in the order sent.

    A row the committee mistyped is `invalid` with the field to fix (`errors[].field` is
    `applicants.<index>.<field>`, from 0); the other rows are judged all the same. An applicant
    outside the caller's scope is `not_found`, exactly like an unknown number. Each row not found
    counts towards the caller's hourly allowance of lookups that miss; once it is spent the rest of
    the list is `refused` unread, and a caller already over it gets 429 for the whole list."""
    action = ReadAction.API_ELIGIBILITY_BATCH
    try:
        allowed = refuse_if_over_limit(request, action)
    except LookupLimited as exc:
        raise ApiInputError(exc.field, exc.message, ErrorCode.RATE_LIMITED, status=429) from None
    applicants = [Applicant(**row.model_dump()) for row in payload.applicants]
    verdicts = applicants_judged(request.auth, applicants, today=timezone.localdate(), misses_allowed=allowed)

    record_verdict_reads(request, action, verdicts)
    out = []
    for index, row in enumerate(verdicts):
        result = row.result
        out.append(
            {
                "row": index + 1,
                "id_number": row.person.id_number_for(request.auth) if row.person else row.applicant.id_number,
                "status": row.status.value,
                "status_label": ROW_STATUS_LABELS[row.status],
                "verdict": result.verdict if result else None,
                "verdict_label": result.verdict_label if result else None,
                "errors": [
                    {"field": f"applicants.{index}.{e.field}", "code": e.code, "message": f"{e.field}：{e.message}"}
                    for e in row.errors
                ],
                "notes": list(row.notes),
                "result": eligibility_body(row.person, request.auth, row.basis, result)
                if row.person and row.basis and result
                else None,
            }
        )
    verdict_counts = {verdict: sum(1 for r in out if r["verdict"] == verdict) for verdict in VERDICT_LABELS}
    return {
        "count": len(out),
        **{status.value: sum(1 for r in out if r["status"] == status) for status in RowStatus},
        **verdict_counts,
        "applicants": out,
    }
