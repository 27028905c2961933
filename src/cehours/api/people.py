"""A person's hours, compliance (R11) and title eligibility (R13, R20), for callers whose scope holds them."""

from __future__ import annotations

from django.utils import timezone
from ninja import Field, Query, Router, Schema

from cehours.ledger.selectors import FIGURE_CATEGORIES, person_compliance, person_eligibility, person_entries
from cehours.people.models import Person
from cehours.people.selectors import person_by_id_number, person_eligibility_basis
from cehours.privacy.models import ReadAction
from cehours.privacy.services import LookupLimited, record_lookup, refuse_if_over_limit
from cehours.rules.eligibility import Eligibility
from cehours.rules.hours import format_hours
from cehours.rules.identifiers import InvalidIdentifier
from cehours.rules.titles import EligibilityBasis, EligibilityBasisError, TitleLevel, since_year_problem

from .errors import ApiInputError, ErrorCode
from .schemas import ComplianceOut, EligibilityOut, EntryOut, ErrorOut, year_out

router = Router(tags=["people"])

MIN_YEAR, MAX_YEAR = 1990, 2100
MAX_SPAN = 30
ERRORS = {401: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}


def _person(request, id_number: str, action: ReadAction) -> Person:
    """The one lookup every endpoint here uses: scope first; out of scope looks exactly like unknown.

    Throttled and recorded (cehours.privacy): a caller who missed too many ID numbers in the last
    hour is refused every lookup (429), so the masked number cannot be reversed by trying them all.
    """
    try:
        refuse_if_over_limit(request, action)
    except LookupLimited as exc:
        raise ApiInputError(exc.field, exc.message, ErrorCode.RATE_LIMITED, status=429) from None
    try:
        person = person_by_id_number(request.auth, id_number)
    except InvalidIdentifier as exc:  # a malformed number reveals nobody: not a miss
        raise ApiInputError("id_number", f"id_number：{exc}", ErrorCode.INVALID_ID_NUMBER) from exc
    record_lookup(request, action, person)
    if person is None:
        raise ApiInputError("id_number", "未找到该人员，或不在您的查询范围内", ErrorCode.NOT_FOUND, status=404)
    return person


def person_ref(person: Person, user) -> dict:
    return {
        "name": person.name,
        "id_number": person.id_number_for(user),
        "unit": person.unit.name if person.unit else None,
        "county": person.county.name if person.county else None,
        "series": person.series.name if person.series else None,
    }


class ComplianceQuery(Schema):
    from_year: int | None = Field(
        None, alias="from", ge=MIN_YEAR, le=MAX_YEAR, description="起始年度，默认为截止年度前四年"
    )
    to_year: int | None = Field(None, alias="to", ge=MIN_YEAR, le=MAX_YEAR, description="截止年度，默认为当年")


@router.get("/people/{id_number}/compliance", response={200: ComplianceOut, **ERRORS})
def compliance(request, id_number: str, query: Query[ComplianceQuery]):
    """Each year's hours by category against the annual requirement (R11), with what is missing."""
    to_year = query.to_year or timezone.localdate().year
    from_year = query.from_year or max(MIN_YEAR, to_year - 4)
    if from_year > to_year:
        raise ApiInputError("from", "from：起始年度不能晚于截止年度", ErrorCode.OUT_OF_RANGE)
    if to_year - from_year >= MAX_SPAN:
        raise ApiInputError("from", f"from：一次最多查询 {MAX_SPAN} 个年度", ErrorCode.OUT_OF_RANGE)
    person = _person(request, id_number, ReadAction.API_COMPLIANCE)
    rows = person_compliance(person, from_year, to_year)
    return {
        "person": person_ref(person, request.auth),
        "from_year": from_year,
        "to_year": to_year,
        "years": [year_out(row) for row in rows],
    }


class EligibilityQuery(Schema):
    application_year: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR, description="申报年度，默认为当年")
    level: TitleLevel | None = Field(
        None,
        description="申报等级：junior（初级）、intermediate（中级）、deputy_senior（副高级）、senior（正高级）；"
        "默认为现职称等级的上一级",
    )
    required_years: int | None = Field(
        None,
        ge=0,
        le=20,
        description="规定年限；默认取职称年限表中该系列、该等级在申报年度 1 月 1 日有效的年限。"
        "与默认值不同即为调整，须填写 override_reason；表中无此规定时须填写",
    )
    since_year: int | None = Field(
        None,
        ge=MIN_YEAR,
        le=MAX_YEAR,
        description="起算年份（取得现职称的年份）；默认为取得现职称日期所在年份。与默认值不同须填写 override_reason",
    )
    override_reason: str = Field("", max_length=200, description="调整规定年限或起算年份的理由，显示在判断结果中")


@router.get("/people/{id_number}/eligibility", response={200: EligibilityOut, **ERRORS})
def eligibility(request, id_number: str, query: Query[EligibilityQuery]):
    """Whether the person's hours allow a title application (R13) and no integrity entry blocks it (R20).

    The required years and the period start default from the title table and the person's title
    date; a different figure is an override and needs `override_reason`, which the answer repeats
    in `required_years_basis` / `since_year_basis`. `verdict` is `pending` when the only conditions
    not met concern a year that has not ended (its row's `status` is `in_progress`)."""
    application_year = query.application_year or timezone.localdate().year
    # Checked before the lookup, so a slip costs the caller none of their lookups.
    if problem := since_year_problem(application_year, query.since_year):
        raise ApiInputError("since_year", f"since_year：{problem}", ErrorCode.OUT_OF_RANGE)
    person = _person(request, id_number, ReadAction.API_ELIGIBILITY)
    try:
        basis = person_eligibility_basis(
            person,
            application_year=application_year,
            level=query.level,
            required_years=query.required_years,
            since_year=query.since_year,
            override_reason=query.override_reason,
        )
    except EligibilityBasisError as exc:
        raise ApiInputError(exc.field, f"{exc.field}：{exc.message}", exc.code) from exc
    result = person_eligibility(
        person,
        application_year=application_year,
        required_years=basis.required_years,
        since_year=basis.since_year,
        today=timezone.localdate(),
    )
    return eligibility_body(person, request.auth, basis, result)


def eligibility_body(person: Person, user, basis: EligibilityBasis, result: Eligibility) -> dict:
    """An eligibility answer (EligibilityOut), for one lookup and for each row of a list."""
    return {
        "person": person_ref(person, user),
        "application_year": basis.application_year,
        "level": basis.level.value if basis.level else None,
        "level_label": basis.level_label or None,
        "required_years": basis.required_years,
        "required_years_source": basis.required_years_source,
        "required_years_basis": basis.required_years_basis,
        "since_year": basis.since_year,
        "since_year_source": basis.since_year_source,
        "since_year_basis": basis.since_year_basis,
        "override_reason": basis.override_reason,
        "placeholder": basis.placeholder,
        "period_start": result.period_start,
        "period_end": result.period_end,
        "eligible": result.eligible,
        "verdict": result.verdict,
        "reasons": list(result.reasons),
        "integrity_block": result.integrity_block,
        "years": [year_out(row) for row in result.years],
    }


class EntriesQuery(Schema):
    year: int | None = Field(None, ge=MIN_YEAR, le=MAX_YEAR, description="年度")
    figure: str | None = Field(
        None, description="科目：general_public、industry_public、professional、public（公需合计）或 total"
    )


@router.get("/people/{id_number}/entries", response={200: list[EntryOut], **ERRORS})
def entries(request, id_number: str, query: Query[EntriesQuery]):
    """The ledger entries behind a figure, newest first, reversals included."""
    if query.figure is not None and query.figure not in FIGURE_CATEGORIES:
        raise ApiInputError("figure", f"figure：取值应为 {', '.join(FIGURE_CATEGORIES)} 之一")
    person = _person(request, id_number, ReadAction.API_ENTRIES)
    return [
        {
            "id": e.pk,
            "year": e.year,
            "category": e.category,
            "hours": format_hours(e.hours),
            "source": e.source,
            "source_system": e.source_system,
            "source_record_id": e.source_record_id,
            "activity_type": e.activity_type,
            "title": e.title,
            "start_on": e.start_on,
            "end_on": e.end_on,
            "completed_on": e.completed_on,
            "explanation": e.explanation,
            "reverses_id": e.reverses_id,
            "registered_by": e.registered_by_label,
            "registered_at": e.registered_at.isoformat(),
        }
        for e in person_entries(person, year=query.year, figure=query.figure)[:1000]
    ]
