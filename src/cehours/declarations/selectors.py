"""Reads of the integrity archive."""

from __future__ import annotations

from cehours.people.models import Person
from cehours.rules.eligibility import IntegrityRecord

from .models import IntegrityEntry


def integrity_records(person: Person) -> list[IntegrityRecord]:
    return [
        IntegrityRecord(recorded_on=row.recorded_on, lifted_on=row.lifted_on)
        for row in IntegrityEntry.objects.filter(person=person)
    ]
