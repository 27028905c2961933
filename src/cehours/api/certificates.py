"""Hours certificates over the API (第十八条): a signed PDF for a person in the caller's scope, and
the verify page's answer for a code (no token needed, throttled like the page)."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpResponse
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema

from cehours.errors import FieldError
from cehours.privacy.models import ReadAction
from cehours.privacy.services import LookupLimited, record_lookup, refuse_if_over_limit
from cehours.reports.codes import ALPHABET, LENGTH, grouped
from cehours.reports.pdf import FontMissing
from cehours.reports.selectors import certificate_by_code, verification
from cehours.reports.services import issue_certificate, years_problem
from cehours.reports.signing import SigningUnavailable

from .errors import ApiInputError, ErrorCode
from .people import MAX_YEAR, MIN_YEAR, _person
from .schemas import ErrorOut, Out

router = Router(tags=["certificates"])
CODE_PATTERN = f"^[{ALPHABET}]{{{LENGTH}}}$"

PDF_RESPONSE = {
    "description": "已签名的学时证明 PDF（PAdES），附核验二维码",
    "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
}


class CertificateQuery(Schema):
    from_year: int = Field(..., alias="from", ge=MIN_YEAR, le=MAX_YEAR, description="起始年度")
    to_year: int = Field(..., alias="to", ge=MIN_YEAR, le=MAX_YEAR, description="截止年度")


@router.get(
    "/people/{id_number}/certificate",
    response={401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut, 503: ErrorOut},
    openapi_extra={"responses": {"200": PDF_RESPONSE}},
)
def certificate(request, id_number: str, query: Query[CertificateQuery]):
    """A signed hours certificate for the years from..to, as the ledger has them now; the answer's
    `X-Certificate-Code` header carries its verification code."""
    problem = years_problem(query.from_year, query.to_year, today=timezone.localdate())
    if problem is not None:  # checked before the lookup: a bad year spends none of the allowance
        raise ApiInputError(problem.field, f"{problem.field}：{problem.message}", problem.code)
    if not isinstance(request.auth, AbstractBaseUser):  # a connected system sends hours, it certifies none
        message = "对接系统密钥不能出具学时证明，请使用工作人员或本人的接口令牌"
        raise ApiInputError("", message, ErrorCode.FORBIDDEN, status=403)
    person = _person(request, id_number, ReadAction.API_CERTIFICATE)
    base = settings.CEHOURS_PUBLIC_URL or request.build_absolute_uri("/").rstrip("/")
    try:
        issued = issue_certificate(request.auth, person, query.from_year, query.to_year, verify_base=base)
    except FieldError as exc:  # the years were checked above: what is left is the policy's refusal
        raise ApiInputError(exc.field, exc.message, ErrorCode.FORBIDDEN, status=403) from exc
    except (FontMissing, SigningUnavailable) as exc:
        raise ApiInputError("", str(exc), ErrorCode.UNAVAILABLE, status=503) from exc
    response = HttpResponse(issued.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(issued.filename, safe='')}"
    response["X-Certificate-Code"] = issued.certificate.code
    return response


class CertificatePersonOut(Out):
    name: str
    id_number_masked: str
    unit: str
    county: str
    series: str
    title_level: str


class CertificateYearOut(Out):
    year: int
    general_public: str
    industry_public: str
    public: str
    professional: str
    total: str
    need_total: str
    need_professional: str
    need_public: str
    status: str
    status_label: str
    shortfalls: list[str]
    by_source: dict[str, str]


class CertificateOut(Out):
    code: str
    issued_at: datetime
    from_year: int
    to_year: int
    person: CertificatePersonOut
    years: list[CertificateYearOut]
    withdrawn: bool
    withdrawn_at: datetime | None
    withdrawn_reason: str
    # The figures as issued agree with the ledger of today; otherwise `changes` says what moved.
    agrees_today: bool
    changes: list[str]


@router.get(
    "/certificates/{code}", auth=None, response={200: CertificateOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
)
def certificate_verify(
    request,
    code: str = Path(..., pattern=CODE_PATTERN, description="证明上印的 16 位验证码（大写，不含短横线）"),
):
    """What the verify page shows: the certificate's figures as issued (ID masked), whether the
    ledger agrees today or what changed, and whether it was withdrawn. No token needed."""
    try:
        refuse_if_over_limit(request, ReadAction.API_CERTIFICATE_VERIFY)
    except LookupLimited:
        message = "验证码输入错误次数过多，请一小时后再试"
        raise ApiInputError("code", message, ErrorCode.RATE_LIMITED, status=429) from None
    found = certificate_by_code(code)
    record_lookup(request, ReadAction.API_CERTIFICATE_VERIFY, found.person if found else None)
    if found is None:
        raise ApiInputError("code", "未找到该验证码对应的学时证明", ErrorCode.NOT_FOUND, status=404)
    checked = verification(found, today=timezone.localdate())
    figures = found.figures
    return {
        "code": grouped(found.code),
        "issued_at": found.issued_at,
        "from_year": found.first_year,
        "to_year": found.last_year,
        "person": figures["person"],
        "years": figures["years"],
        "withdrawn": checked.withdrawn,
        "withdrawn_at": found.withdrawn_at,
        "withdrawn_reason": found.withdrawn_reason,
        "agrees_today": not checked.changes,
        "changes": checked.changes,
    }

