"""Reads for certificates: a person's figures computed from the ledger today, a certificate by code."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Sum

from cehours.ledger.models import LedgerEntry, Source
from cehours.ledger.rulesets import rules_for_year, stored_versions
from cehours.ledger.selectors import person_compliance
from cehours.people.models import Person, TitleLevelChoice
from cehours.rules.hours import to_hours

from .codes import normalised
from .figures import PersonFacts, certificate_figures, changes_since
from .models import Certificate

SOURCE_LABELS = dict(Source.choices)


def person_facts(person: Person) -> PersonFacts:
    return PersonFacts(
        name=person.name,
        id_number_masked=person.id_number_masked,
        unit=person.unit.name if person.unit else "—",
        county=person.county.name if person.county else "—",
        series=person.series.name if person.series else "—",
        title_level=dict(TitleLevelChoice.choices).get(person.title_level, "") or "未登记",
    )


def source_totals(person: Person, first: int, last: int) -> dict[int, dict[str, Decimal]]:
    """The entries' hours per year and source (a reversal counts under 更正, negative)."""
    totals: dict[int, dict[str, Decimal]] = defaultdict(dict)
    rows = (
        LedgerEntry.objects.filter(person=person, year__gte=first, year__lte=last)
        .values_list("year", "source")
        .annotate(hours=Sum("hours"))
        .order_by()
    )
    for year, source, hours in rows:
        totals[year][SOURCE_LABELS.get(source, source)] = to_hours(hours)
    return totals


def figures_today(person: Person, first: int, last: int, *, today: date) -> dict:
    """What a certificate for these years would say if issued today."""
    versions = stored_versions()
    rules = {year: rules_for_year(year, versions, series=person.series_id) for year in range(first, last + 1)}
    rows = person_compliance(person, first, last, today=today)
    return certificate_figures(person_facts(person), rows, rules, source_totals(person, first, last))


def certificate_by_code(typed: str) -> Certificate | None:
    code = normalised(typed)
    if code is None:
        return None
    rows = Certificate.objects.select_related("person__unit", "person__series", "person__county")
    return rows.filter(code=code).first()


@dataclass(frozen=True)
class Verification:
    """What the verify page and GET /api/v1/certificates/{code} say about one certificate."""

    certificate: Certificate
    changes: list[str]  # empty: the ledger agrees today with every figure as issued

    @property
    def withdrawn(self) -> bool:
        return self.certificate.withdrawn_at is not None


def verification(certificate: Certificate, *, today: date) -> Verification:
    now = figures_today(certificate.person, certificate.first_year, certificate.last_year, today=today)
    return Verification(certificate, changes_since(certificate.figures, now))
