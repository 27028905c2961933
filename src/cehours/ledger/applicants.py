"""An evaluation committee's list of applicants, each judged by R13 and R20 at once.

A list is read as a whole: every ID number looked up in one query through the scope filter, the
title table read once for all the series, and the verdicts computed by `people_eligibility` in
bulk. Each row stands on its own: a malformed row is reported with the field to fix and the rest
are still judged; an applicant outside the caller's scope is "not found", exactly as an unknown
number is (DESIGN §5); and the lookup throttle (cehours.privacy) holds inside a list as it does
across single lookups, so a list of guessed numbers stops finding anyone after the allowed misses.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from cehours.errors import ErrorCode
from cehours.people.models import Person
from cehours.people.selectors import people_by_id_numbers, person_eligibility_basis, title_requirement_rows_of
from cehours.rules.eligibility import Eligibility
from cehours.rules.identifiers import InvalidIdentifier, normalize_id_number
from cehours.rules.titles import EligibilityBasis, EligibilityBasisError, TitleLevel, since_year_problem

from .selectors import EligibilityQuestion, people_eligibility

# One list is answered in one request; a longer one is several lists.
MAX_APPLICANTS = 1000


class RowStatus(StrEnum):
    FOUND = "found"  # judged: see the verdict
    NOT_FOUND = "not_found"  # nobody the caller may see has this number
    INVALID = "invalid"  # the row cannot be judged as given: `errors` names the field
    REFUSED = "refused"  # the caller's allowance of misses ran out before this row


ROW_STATUS_LABELS = {
    RowStatus.FOUND: "已判断",
    RowStatus.NOT_FOUND: "未找到该人员，或不在您的查询范围内",
    RowStatus.INVALID: "填写有误",
    RowStatus.REFUSED: "查询未登记身份证号码次数过多，本行未查询",
}


@dataclass(frozen=True)
class Applicant:
    """One row of the list as the committee gave it; blanks take the same defaults as one lookup."""

    id_number: str
    name: str = ""
    series: str = ""  # the series' code or name, compared with the person's
    level: TitleLevel | None = None
    application_year: int | None = None
    required_years: int | None = None
    since_year: int | None = None
    override_reason: str = ""


@dataclass(frozen=True)
class RowError:
    field: str
    code: ErrorCode
    message: str


@dataclass(frozen=True)
class ApplicantVerdict:
    applicant: Applicant
    status: RowStatus
    application_year: int
    person: Person | None = None
    basis: EligibilityBasis | None = None
    result: Eligibility | None = None
    errors: tuple[RowError, ...] = ()
    notes: tuple[str, ...] = ()  # where the list and the register disagree on the name or series


def applicants_judged(
    user, applicants: Sequence[Applicant], *, today: date, misses_allowed: int
) -> list[ApplicantVerdict]:
    """Every applicant's verdict, in the order given.

    `misses_allowed` is what is left of the caller's hourly allowance of lookups that find nobody:
    once this list has used it up, every later row is refused unread, found or not, as a single
    lookup over the limit is."""
    numbers: list[str | InvalidIdentifier] = []
    for applicant in applicants:
        try:
            numbers.append(normalize_id_number(applicant.id_number))
        except InvalidIdentifier as exc:
            numbers.append(exc)
    people = people_by_id_numbers(user, {n for n in numbers if isinstance(n, str)})
    title_rows = title_requirement_rows_of({p.series_id for p in people.values()})

    rows: list[ApplicantVerdict] = []
    misses = 0
    for applicant, number in zip(applicants, numbers, strict=True):
        year = applicant.application_year or today.year
        if isinstance(number, InvalidIdentifier):
            rows.append(_invalid(applicant, year, "id_number", ErrorCode.INVALID_ID_NUMBER, str(number)))
            continue
        if problem := since_year_problem(year, applicant.since_year):  # as one lookup: before it
            rows.append(_invalid(applicant, year, "since_year", ErrorCode.OUT_OF_RANGE, problem))
            continue
        if misses >= misses_allowed:
            rows.append(ApplicantVerdict(applicant, RowStatus.REFUSED, year))
            continue
        person = people.get(number)
        if person is None:
            misses += 1
            rows.append(ApplicantVerdict(applicant, RowStatus.NOT_FOUND, year))
            continue
        try:
            basis = person_eligibility_basis(
                person,
                application_year=year,
                level=applicant.level,
                required_years=applicant.required_years,
                since_year=applicant.since_year,
                override_reason=applicant.override_reason,
                title_rows=title_rows,
            )
        except EligibilityBasisError as exc:
            rows.append(_invalid(applicant, year, exc.field, exc.code, exc.message, person=person))
            continue
        notes = _notes(applicant, person)
        rows.append(ApplicantVerdict(applicant, RowStatus.FOUND, year, person=person, basis=basis, notes=notes))

    questions = [
        EligibilityQuestion(row.person, row.application_year, row.basis.required_years, row.basis.since_year)
        for row in rows
        if row.person is not None and row.basis is not None
    ]
    results = iter(people_eligibility(questions, today=today))
    return [replace(row, result=next(results)) if row.basis is not None else row for row in rows]


def _invalid(
    applicant: Applicant, year: int, field: str, code: ErrorCode, message: str, *, person: Person | None = None
) -> ApplicantVerdict:
    return ApplicantVerdict(applicant, RowStatus.INVALID, year, person=person, errors=(RowError(field, code, message),))


def _notes(applicant: Applicant, person: Person) -> tuple[str, ...]:
    """Where the list disagrees with the register: judged all the same (the number decides who),
    but a committee should see that its list names someone else, or another series."""
    notes = []
    name = applicant.name.strip()
    if name and name != person.name:
        notes.append(f"名单上的姓名“{name}”与登记的姓名“{person.name}”不一致")
    series, registered = applicant.series.strip(), person.series
    if series and registered is None:
        notes.append(f"名单上的系列“{series}”，登记中未填写职称系列")
    elif series and registered is not None and series not in (registered.code, registered.name):
        notes.append(f"名单上的系列“{series}”与登记的系列“{registered.name}”不一致")
    return tuple(notes)


def record_verdict_reads(request, action, verdicts: Sequence[ApplicantVerdict]) -> None:
    """The access log of a judged list: a read of each person found, a miss for each row not found
    (what the throttle counts), a refusal for each row left unread."""
    from cehours.privacy.models import ReadOutcome
    from cehours.privacy.services import record_read

    for row in verdicts:
        if row.person is not None:  # judged, or found with a field to fix
            record_read(request, action, person=row.person)
        elif row.status is RowStatus.NOT_FOUND:
            record_read(request, action, outcome=ReadOutcome.MISSED)
        elif row.status is RowStatus.REFUSED:
            record_read(request, action, outcome=ReadOutcome.REFUSED)
