"""Finding people, always through the scope filter."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from django.db.models import OuterRef, QuerySet, Subquery

from cehours.access.policy import Action
from cehours.batching import chunked
from cehours.integration.models import ConnectedSystem
from cehours.ledger.models import LedgerEntry
from cehours.rules.identifiers import InvalidIdentifier, normalize_id_number
from cehours.rules.titles import (
    LEVEL_LABELS,
    EligibilityBasis,
    TitleLevel,
    TitleRequirementRow,
    eligibility_basis,
    level_of,
    requirement_in_force,
)

from .crypto import id_number_hash
from .models import Person, TitleRequirement


def person_by_id_number(user, id_number: str) -> Person | None:
    """The person with this ID number if the user may see them; None otherwise (same as unknown)."""
    number = normalize_id_number(id_number)
    return (
        Person.objects.visible_to(user)
        .select_related("unit", "series", "county")
        .filter(id_number_hash=id_number_hash(number))
        .first()
    )


def people_by_id_numbers(user, numbers: Iterable[str]) -> dict[str, Person]:
    """Those of these (normalised) ID numbers held by someone the user may see, by number; the rest
    are missing, exactly as unknown numbers are. One query for a chunk of numbers."""
    by_hash = {id_number_hash(number): number for number in numbers}
    found: dict[str, Person] = {}
    for chunk in chunked(by_hash):
        people = Person.objects.visible_to(user).select_related("unit", "series", "county")
        for person in people.filter(id_number_hash__in=chunk):
            found[by_hash[person.id_number_hash]] = person
    return found


def person_visible(user, pk: int) -> Person | None:
    return Person.objects.visible_to(user).select_related("unit", "series", "county").filter(pk=pk).first()


def id_number_query(query: str) -> str | None:
    """The ID number a search query is, normalised; None for a name (or anything else)."""
    try:
        return normalize_id_number((query or "").strip())
    except InvalidIdentifier:
        return None


def people_search(user, query: str, unit: str = "") -> QuerySet[Person]:
    """By exact ID number, or by name (prefix match) and/or unit (part of its name), inside the
    user's scope; all of them, ordered, for the page to paginate."""
    people = Person.objects.visible_to(user).select_related("unit", "series", "county")
    query, unit = (query or "").strip(), (unit or "").strip()
    if not query and not unit:
        return people.none()
    number = id_number_query(query)
    if number is not None:
        return people.filter(id_number_hash=id_number_hash(number)).order_by("pk")  # one, ordered for the pager
    if query:
        people = people.filter(name__startswith=query)
    if unit:
        people = people.filter(unit__name__contains=unit)
    return people.order_by("name", "pk")


def unplaced_people(user) -> QuerySet[Person]:
    """People with no unit (待确认人员) whom the user may see, newest first (people/placement.py).

    Through the access policy like every read: a person first seen in a record without a known unit
    has no county either, so city-wide staff and the industry authority of their series see them, a
    county's staff do not (a unit-less person registered with a county stays in that county's view).
    `first_system` is the code of the connected system whose entry for them was registered first.
    """
    first_system = (
        LedgerEntry.objects.filter(person=OuterRef("pk"))
        .exclude(source_system="")
        .order_by("pk")
        .values("source_system")
    )
    return (
        Person.objects.restrict(user, Action.VIEW_PERSON)
        .filter(unit__isnull=True)
        .select_related("series", "county")
        .annotate(first_system=Subquery(first_system[:1]))
        .order_by("-created_at", "-pk")
    )


def system_names(codes) -> dict[str, str]:
    """Connected systems' names by code, for the codes given (no query for none)."""
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    return dict(ConnectedSystem.objects.filter(code__in=wanted).values_list("code", "name"))


def title_requirement_rows(series_id: str | None) -> list[TitleRequirementRow]:
    """Every row of the title table for one series (R13), as the pure rules take them; one query."""
    return title_requirement_rows_of([series_id]).get(series_id or "", [])


def title_requirement_rows_of(series_ids: Iterable[str | None]) -> dict[str, list[TitleRequirementRow]]:
    """The title table's rows for each of these series, by series code, in the order entered; one query."""
    wanted = {series for series in series_ids if series}
    rows: dict[str, list[TitleRequirementRow]] = {}
    if not wanted:
        return rows
    for row in TitleRequirement.objects.filter(series_id__in=wanted).order_by("pk"):
        rows.setdefault(row.series_id, []).append(
            TitleRequirementRow(
                pk=row.pk,
                level=TitleLevel(row.level),
                required_years=row.required_years,
                effective_from=row.effective_from,
                local_name=row.local_name,
                placeholder=row.placeholder,
            )
        )
    return rows


def title_requirement_in_force(series_id: str | None, level: TitleLevel, on: date) -> TitleRequirementRow | None:
    """The row for (series, level) in force on `on`; None when the table has none."""
    return requirement_in_force(title_requirement_rows(series_id), level, on)


def person_eligibility_basis(
    person: Person,
    *,
    application_year: int,
    level: TitleLevel | None = None,
    required_years: int | None = None,
    since_year: int | None = None,
    override_reason: str = "",
    title_rows: dict[str, list[TitleRequirementRow]] | None = None,
) -> EligibilityBasis:
    """R13's figures for this person's application: defaults from the title table and their title
    date, the evaluator's overrides with their reason (rules/titles.py `eligibility_basis`).

    Reads the table only when a default can come from it: no query for a person whose level is not
    known and whose years the evaluator gave. A list of applicants passes `title_rows`, the table
    read once for all their series (title_requirement_rows_of)."""
    rows: list[TitleRequirementRow] = []
    current = level_of(person.title_level, {})
    if person.series_id and (level is not None or person.title_level):
        if title_rows is None:
            title_rows = title_requirement_rows_of([person.series_id])
        rows = title_rows.get(person.series_id, [])
        local_names = {row.local_name: row.level for row in rows if row.local_name}
        current = level_of(person.title_level, local_names)
    return eligibility_basis(
        application_year=application_year,
        series_name=person.series.name if person.series else "",
        current_level=current,
        level=level,
        rows=rows,
        title_obtained_on=person.title_obtained_on,
        required_years=required_years,
        since_year=since_year,
        override_reason=override_reason,
    )


@dataclass(frozen=True)
class ListedTitleRequirement:
    """A row of the title table as its page lists it."""

    series_name: str
    level_label: str
    local_name: str
    required_years: int
    effective_from: date
    placeholder: bool
    in_force: bool
    created_at: object
    created_by: str


def title_requirements_listed(on: date) -> list[ListedTitleRequirement]:
    """Every row, by series and level, latest first; `in_force` marks the row each (series, level) uses on `on`."""
    stored = list(TitleRequirement.objects.select_related("series", "created_by"))
    by_key: dict[tuple[str, str], list[TitleRequirement]] = {}
    for row in stored:
        by_key.setdefault((row.series_id, row.level), []).append(row)
    in_force: set[int] = set()
    for (_, level), rows in by_key.items():
        chosen = requirement_in_force(
            [
                TitleRequirementRow(
                    pk=r.pk, level=TitleLevel(level), required_years=r.required_years, effective_from=r.effective_from
                )
                for r in rows
            ],
            TitleLevel(level),
            on,
        )
        if chosen is not None:
            in_force.add(chosen.pk)
    order = {level: i for i, level in enumerate(TitleLevel)}
    stored.sort(key=lambda r: (r.series_id, order[TitleLevel(r.level)], -r.effective_from.toordinal(), -r.pk))
    return [
        ListedTitleRequirement(
            series_name=row.series.name,
            level_label=LEVEL_LABELS[TitleLevel(row.level)],
            local_name=row.local_name,
            required_years=row.required_years,
            effective_from=row.effective_from,
            placeholder=row.placeholder,
            in_force=row.pk in in_force,
            created_at=row.created_at,
            created_by=row.created_by.get_username() if row.created_by else "演示数据",
        )
        for row in stored
    ]
