"""Response shapes shared by API modules (field names in English snake_case, hours as strings)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel

from cehours.rules.compliance import YearCompliance
from cehours.rules.hours import format_hours


class Out(BaseModel):
    """The base of every answer's shape: plain pydantic, not ninja's Schema.

    Answers are built as dicts, never from model objects, so Schema's wrapper that reads Django
    attributes off each object does nothing for them but cost time: 0.55 s of a 1.2 s list of 1,000
    eligibility rows (cProfile), most of it in ninja's _run_root_validator."""


class ErrorItem(Out):
    field: str
    code: str
    message: str


class ErrorOut(Out):
    errors: list[ErrorItem]


class ShortfallOut(Out):
    category: str
    missing_hours: str
    message: str


class YearOut(Out):
    year: int
    general_public: str
    industry_public: str
    public: str
    professional: str
    total: str
    qualified: bool
    # qualified | not_qualified | in_progress (a year not yet ended and not yet qualified)
    status: str
    shortfalls: list[ShortfallOut]


class PersonRef(Out):
    name: str
    id_number: str
    unit: str | None
    county: str | None
    series: str | None


class ComplianceOut(Out):
    person: PersonRef
    from_year: int
    to_year: int
    years: list[YearOut]


class EligibilityOut(Out):
    person: PersonRef
    application_year: int
    level: str | None
    level_label: str | None
    required_years: int
    # table | override | entered (given where the table has no row)
    required_years_source: str
    required_years_basis: str
    since_year: int | None
    # title_obtained_on | override | entered | none (period from application_year − required_years)
    since_year_source: str
    since_year_basis: str
    override_reason: str
    placeholder: bool
    period_start: int
    period_end: int
    eligible: bool
    # eligible | not_eligible | pending (only a year not yet ended stands in the way)
    verdict: str
    reasons: list[str]
    integrity_block: bool
    years: list[YearOut]


class EntryOut(Out):
    id: int
    year: int
    category: str
    hours: str
    source: str
    source_system: str
    source_record_id: str
    activity_type: str
    title: str
    start_on: date | None
    end_on: date | None
    completed_on: date
    explanation: str
    reverses_id: int | None
    registered_by: str
    registered_at: str


def year_out(row: YearCompliance) -> dict:
    t = row.totals
    return {
        "year": row.year,
        "general_public": format_hours(t.general_public),
        "industry_public": format_hours(t.industry_public),
        "public": format_hours(t.public),
        "professional": format_hours(t.professional),
        "total": format_hours(t.total),
        "qualified": row.qualified,
        "status": row.status,
        "shortfalls": [
            {"category": s.category, "missing_hours": format_hours(s.missing_hours), "message": s.message}
            for s in row.shortfalls
        ],
    }
