"""Reads of the ledger shared by pages and the API: totals, compliance, eligibility, entries."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import overload

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    F,
    FilteredRelation,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from cehours.batching import chunked
from cehours.declarations.selectors import integrity_records_of
from cehours.people.models import Person
from cehours.rules.compliance import YearCompliance, YearTotals, year_compliance
from cehours.rules.eligibility import Eligibility, integrity_block_active, title_eligibility
from cehours.rules.hours import PUBLIC_CATEGORIES, Category, to_hours
from cehours.rules.ruleset import RuleSet

from .models import HeldRecord, LedgerEntry, PersonYearTotal
from .rulesets import rules_for_year, rules_on, stored_versions

# Figure names a page or the API can open down to its entries: the categories plus their sums.
FIGURE_CATEGORIES = {
    Category.GENERAL_PUBLIC.value: [Category.GENERAL_PUBLIC.value],
    Category.INDUSTRY_PUBLIC.value: [Category.INDUSTRY_PUBLIC.value],
    Category.PROFESSIONAL.value: [Category.PROFESSIONAL.value],
    "public": [c.value for c in PUBLIC_CATEGORIES],
    "total": [c.value for c in Category],
}


def person_year_totals(person: Person, first: int, last: int) -> dict[int, YearTotals]:
    stored = _year_totals_of([person.pk], first, last).get(person.pk, {})
    return {year: stored.get(year, YearTotals()) for year in range(first, last + 1)}


def person_compliance(person: Person, first: int, last: int, *, today: date | None = None) -> list[YearCompliance]:
    """R11 for each year from first to last, judged by each year's own rules; a year not ended by
    `today` (default: today) and not yet qualified is in progress."""
    current_year = (today or timezone.localdate()).year
    versions = stored_versions()
    totals = person_year_totals(person, first, last)
    return [
        year_compliance(
            year, totals[year], rules_for_year(year, versions, series=person.series_id), current_year=current_year
        )
        for year in range(first, last + 1)
    ]


def people_year_compliance(
    people: QuerySet[Person], year: int, *, today: date | None = None
) -> dict[int, YearCompliance]:
    """R11 for one year for each of many people (a unit's roster), by person id: the same totals and
    the same rule, with each person's series rules, as person_compliance gives their own page; the
    totals in one query however many people."""
    current_year = (today or timezone.localdate()).year
    versions = stored_versions()
    columns = [c.value for c in Category]
    totals = {
        row[0]: YearTotals(**{name: to_hours(value) for name, value in zip(columns, row[1:], strict=True)})
        for row in PersonYearTotal.objects.filter(person__in=people.values("pk"), year=year).values_list(
            "person_id", *columns
        )
    }
    return {
        pk: year_compliance(
            year, totals.get(pk, YearTotals()), rules_for_year(year, versions, series=series), current_year=current_year
        )
        for pk, series in people.values_list("pk", "series_id")
    }


@dataclass(frozen=True)
class EligibilityQuestion:
    """One application R13 is asked about: whose, which year, how many qualified years since when."""

    person: Person
    application_year: int
    required_years: int
    since_year: int | None


def person_eligibility(
    person: Person, *, application_year: int, required_years: int, since_year: int | None, today: date
) -> Eligibility:
    """R13 + R20 for one person (see people_eligibility)."""
    question = EligibilityQuestion(person, application_year, required_years, since_year)
    return people_eligibility([question], today=today)[0]


def people_eligibility(questions: Sequence[EligibilityQuestion], *, today: date) -> list[Eligibility]:
    """R13 + R20 for many applications at once (a committee's list), in the order asked.

    The same rules as one person's page, fed in bulk: the rule versions read once, every person's
    totals for every year the rule looks at and their integrity entries fetched a chunk of people at
    a time, each (year, series) rule set resolved once. Three queries a person made 10,000 verdicts
    take 27 s (issue 14); this is a handful of queries for the whole list.
    """
    if not questions:
        return []
    versions = stored_versions()
    ids = sorted({q.person.pk for q in questions})
    first = min(_first_year(q) for q in questions)
    last = max(q.application_year for q in questions)
    totals = _year_totals_of(ids, first, last)
    integrity = integrity_records_of(ids)
    # A few (year, series) pairs serve the whole list: each resolved once.
    year_rules = functools.cache(lambda year, series: rules_for_year(year, versions, series=series))
    today_rules = functools.cache(lambda series: rules_on(today, versions, series=series))

    results = []
    for q in questions:
        person_totals = totals.get(q.person.pk, {})
        series = q.person.series_id

        def compliance_of(year: int, person_totals=person_totals, series=series) -> YearCompliance:
            return year_compliance(
                year,
                person_totals.get(year, YearTotals()),
                year_rules(year, series),
                current_year=today.year,
            )

        block_years = today_rules(series).integrity_block_years
        results.append(
            title_eligibility(
                application_year=q.application_year,
                required_years=q.required_years,
                since_year=q.since_year,
                compliance_of=compliance_of,
                integrity_block=integrity_block_active(integrity.get(q.person.pk, []), today, block_years),
            )
        )
    return results


def _first_year(q: EligibilityQuestion) -> int:
    start = q.since_year if q.since_year is not None else q.application_year - q.required_years
    return min(start, q.application_year - 2)


def _year_totals_of(person_ids: list[int], first: int, last: int) -> dict[int, dict[int, YearTotals]]:
    """Stored year totals of many people from `first` to `last`, by person id then year."""
    columns = [c.value for c in Category]
    totals: dict[int, dict[int, YearTotals]] = {}
    for chunk in chunked(person_ids):
        rows = PersonYearTotal.objects.filter(person_id__in=chunk, year__gte=first, year__lte=last)
        for person_id, year, *values in rows.values_list("person_id", "year", *columns):
            totals.setdefault(person_id, {})[year] = YearTotals(
                **{name: to_hours(value) for name, value in zip(columns, values, strict=True)}
            )
    return totals


def person_entries(person: Person, *, year: int | None = None, figure: str | None = None) -> QuerySet[LedgerEntry]:
    """The entries behind a figure; reversals are listed with what they reverse."""
    entries = LedgerEntry.objects.filter(person=person).select_related(
        "reverses", "registered_by", "registered_by__person"
    )
    if year is not None:
        entries = entries.filter(year=year)
    if figure:
        entries = entries.filter(category__in=FIGURE_CATEGORIES[figure])
    return entries.order_by("-completed_on", "-pk")


def source_records_registered(*, source_system: str, source_record_ids: Iterable[str]) -> dict[str, tuple[int, str]]:
    """(entry id, fingerprint) by source record id, of those already registered by the system.

    The unique index on (source_system, source_record_id) is partial (WHERE source_record_id <> ''),
    and PostgreSQL proves a partial index's predicate from an IN list of at most 100 items: for an
    intake batch of 1,000 it fell back to scanning the whole ledger. Repeating the predicate lets
    the planner use the index whatever the batch size, so a batch's cost does not grow with the
    ledger (issue 14). A record without an id is never a duplicate of one anyway."""
    rows = LedgerEntry.objects.filter(
        ~Q(source_record_id=""), source_system=source_system, source_record_id__in=list(source_record_ids)
    )
    return {
        record_id: (pk, fingerprint)
        for record_id, pk, fingerprint in rows.values_list("source_record_id", "pk", "source_fingerprint")
    }


def compliance_overview(user, *, year: int, unit: int | None = None, only_short: bool = False):
    """R19: the people in the user's scope with their hours for a year and whether the year is qualified.

    Qualification is computed in the database from the year's rules (R11), so a unit's or a county's
    overview — and its counts — stays one query however many people it holds.
    Returns (people queryset with gp, ip, pro, public, total, qualified; summary dict).
    """
    versions = stored_versions()
    rules = rules_for_year(year, versions)
    decimal: DecimalField = DecimalField(max_digits=8, decimal_places=1)
    zero = Value(Decimal("0.0"), output_field=decimal)

    def column(name: str):
        # One LEFT JOIN to the person's total for the year, read once a column: correlated
        # subqueries were repeated inside public, total and qualified, 6–9 probes a person (issue 14).
        return Coalesce(F(f"year_total__{name}"), zero, output_field=decimal)

    people = Person.objects.visible_to(user).select_related("unit", "series", "county")
    people = people.annotate(year_total=FilteredRelation("year_totals", condition=Q(year_totals__year=year)))
    if unit is not None:
        people = people.filter(unit_id=unit)
    qualified, series_rules = _qualified_by_series(year, versions, rules)
    people = (
        people.annotate(gp=column("general_public"), ip=column("industry_public"), pro=column("professional"))
        .annotate(public=F("gp") + F("ip"))
        .annotate(total=F("public") + F("pro"))
        .annotate(qualified=Case(When(qualified, then=Value(True)), default=Value(False), output_field=BooleanField()))
    )
    summary = people.aggregate(people=Count("pk"), qualified=Count("pk", filter=qualified))
    summary["short"] = summary["people"] - summary["qualified"]
    summary["rules"], summary["series_rules"] = rules, series_rules
    if only_short:
        people = people.exclude(qualified)
    return people.order_by("unit__name", "name", "pk"), summary


class OverviewRows:
    """The overview's people as a pager takes them: their number known from the summary (no COUNT
    of its own), and a page read in two steps — the ids of its 100 people in order, a narrow sort
    however deep the page, then those people's rows.

    Sorting the whole annotated row (every person column, the encrypted ID number among them) to
    skip 199,900 of them spilled to disk and took 0.9 s at city scale (issue 14)."""

    def __init__(self, people: QuerySet[Person], count: int) -> None:
        self._people, self._count = people, count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Person]:
        return iter(self._people)

    @overload
    def __getitem__(self, index: int) -> Person: ...
    @overload
    def __getitem__(self, index: slice) -> list[Person]: ...
    def __getitem__(self, index: int | slice) -> Person | list[Person]:
        if isinstance(index, int):
            return self[index : index + 1][0]
        ids = list(self._people.values_list("pk", flat=True)[index])
        by_id = {person.pk: person for person in self._people.filter(pk__in=ids)}
        return [by_id[pk] for pk in ids]


def _meets(rules) -> Q:
    return Q(pro__gte=rules.annual_professional, public__gte=rules.annual_public, total__gte=rules.annual_total)


def _qualified_by_series(year: int, versions, city: RuleSet) -> tuple[Q, dict[str, RuleSet]]:
    """R11 as each person's own rules set it (R12d): a series whose versions change the annual
    figures is judged by them, everyone else by the city's — as on the person's own page.
    Returns the condition and the series whose standard differs, with their rules."""
    figures = ("annual_total", "annual_professional", "annual_public")
    own: dict[str, RuleSet] = {}
    for series in sorted({v.series for v in versions if v.series}):
        rules = rules_for_year(year, versions, series=series)
        if any(getattr(rules, f) != getattr(city, f) for f in figures):
            own[series] = rules
    if not own:
        return _meets(city), own
    qualified = (Q(series_id__isnull=True) | ~Q(series_id__in=list(own))) & _meets(city)
    for series, rules in own.items():
        qualified |= Q(series_id=series) & _meets(rules)
    return qualified, own


def held_queue(user) -> QuerySet[HeldRecord]:
    """Held records waiting for the user's decision, oldest first: a level-1 reviewer's for the
    people in their scope, the approving authority's for 高研班 attendees outside the series."""
    from cehours.access import policy

    decide = HeldRecord.objects.restrict(user, policy.Action.DECIDE)
    attendees = HeldRecord.objects.restrict(user, policy.Action.CHECK_ATTENDEES)
    return (
        (decide | attendees)
        .filter(status=HeldRecord.Status.PENDING)
        .select_related("person", "person__unit", "seminar")
        .order_by("held_at", "pk")
    )
