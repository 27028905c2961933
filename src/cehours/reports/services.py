"""Issuing and withdrawing hours certificates: the only writes of the reports app, each audited."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from cehours.access.policy import Action, require
from cehours.audit.services import audit_record
from cehours.errors import ErrorCode, FieldError
from cehours.people.models import Person

from .codes import new_code
from .models import Certificate
from .pdf import certificate_pdf
from .selectors import figures_today
from .signing import sign_pdf

EARLIEST_YEAR = 1990
MAX_SPAN_YEARS = 20  # a committee asks for the years since the last title: never more than this
REASON_MAX = 255


@dataclass(frozen=True)
class Issued:
    certificate: Certificate
    pdf: bytes

    @property
    def filename(self) -> str:
        c = self.certificate
        return f"学时证明-{c.person.name}-{c.first_year}-{c.last_year}.pdf"


def years_problem(first: int | None, last: int | None, *, today: date) -> FieldError | None:
    """Why these years cannot be certified, naming the field (from / to), or None."""
    if first is None:
        return FieldError("from", "请填写起始年度", ErrorCode.REQUIRED)
    if last is None:
        return FieldError("to", "请填写截止年度", ErrorCode.REQUIRED)
    if not EARLIEST_YEAR <= first <= today.year:
        return FieldError("from", f"起始年度应在 {EARLIEST_YEAR} 年至 {today.year} 年之间", ErrorCode.OUT_OF_RANGE)
    if not EARLIEST_YEAR <= last <= today.year:
        return FieldError("to", f"截止年度应在 {EARLIEST_YEAR} 年至 {today.year} 年之间", ErrorCode.OUT_OF_RANGE)
    if first > last:
        return FieldError("from", "起始年度不能晚于截止年度", ErrorCode.INVALID)
    if last - first + 1 > MAX_SPAN_YEARS:
        return FieldError("from", f"一份证明最多包含 {MAX_SPAN_YEARS} 个年度", ErrorCode.OUT_OF_RANGE)
    return None


def issue_certificate(by, person: Person, first: int, last: int, *, verify_base: str) -> Issued:
    """A signed certificate of `person`'s hours for the years first..last, as the ledger has them now.

    `by` is the person themselves or staff whose scope holds them (VIEW_PERSON, the same as reading
    the figures on a page). The PDF is rendered and signed before the row is written, outside the
    transaction: the write is one INSERT and its audit event. Raises FieldError for bad years,
    PolicyDenied, FontMissing or SigningUnavailable."""
    today = timezone.localdate()
    problem = years_problem(first, last, today=today)
    if problem is not None:
        raise problem
    require(by, Action.VIEW_PERSON, person)
    figures = figures_today(person, first, last, today=today)
    issued_at = timezone.now()
    for _attempt in range(3):  # 16 random symbols: a collision is a theoretical retry
        code = new_code()
        verify_url = f"{verify_base.rstrip('/')}/verify/{code}/"
        pdf = certificate_pdf(
            figures,
            code=code,
            verify_url=verify_url,
            issuer=settings.CEHOURS_CERTIFICATE_ISSUER,
            issued_on=timezone.localtime(issued_at).strftime("%Y年%m月%d日"),
        )
        signed = sign_pdf(pdf, reason="继续教育学时证明", location="丽水市")
        try:
            with transaction.atomic():
                certificate = Certificate.objects.create(
                    code=code,
                    person=person,
                    first_year=first,
                    last_year=last,
                    figures=figures,
                    issued_at=issued_at,
                    issued_by=by if getattr(by, "pk", None) else None,
                    digest=hashlib.sha256(signed).hexdigest(),
                )
                audit_record(
                    actor=by,
                    action="certificate.issue",
                    object_type="certificate",
                    object_id=certificate.pk,
                    after={"person": person.pk, "first_year": first, "last_year": last, "digest": certificate.digest},
                )
        except IntegrityError:
            if Certificate.objects.filter(code=code).exists():
                continue
            raise
        return Issued(certificate, signed)
    raise RuntimeError("未能生成唯一的验证码")


def withdraw_certificate(by, certificate: Certificate, reason: str) -> Certificate:
    """Mark a certificate withdrawn (the verify page then says so); the figures stay as issued."""
    reason = (reason or "").strip()
    if not reason:
        raise FieldError("reason", "请填写撤销理由", ErrorCode.REQUIRED)
    if len(reason) > REASON_MAX:
        raise FieldError("reason", f"撤销理由不能超过 {REASON_MAX} 个字", ErrorCode.INVALID)
    require(by, Action.WITHDRAW_CERTIFICATE, certificate.person)
    with transaction.atomic():
        locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if locked.withdrawn_at is not None:
            raise FieldError("", "该证明已被撤销", ErrorCode.CONFLICT)
        locked.withdrawn_at = timezone.now()
        locked.withdrawn_by = by
        locked.withdrawn_reason = reason
        locked.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
        audit_record(
            actor=by,
            action="certificate.withdraw",
            object_type="certificate",
            object_id=locked.pk,
            before={"withdrawn": False},
            after={"withdrawn": True, "reason": reason},
        )
    return locked
