"""Writes to the people register."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction

from cehours.audit.services import audit_record
from cehours.errors import FieldError
from cehours.rules.identifiers import InvalidIdentifier

from .identity import stored_identity
from .models import County, Person, Series, Unit


class PersonError(FieldError):
    """A registration of a person refused (R3)."""


def person_register(
    *,
    name: str,
    id_number: str,
    county: County,
    by=None,
    unit: Unit | None = None,
    series: Series | None = None,
    title_level: str = "",
    title_obtained_on: date | None = None,
    unit_confirmed: bool = True,
) -> Person:
    """Create a person by real name (R3): a valid ID number that is not yet registered."""
    name = (name or "").strip()
    if not name or len(name) > 64:
        raise PersonError("name", "姓名不能为空，且不超过64个字符")
    try:
        identity = stored_identity(id_number)
    except InvalidIdentifier as exc:
        raise PersonError("id_number", str(exc)) from exc
    if Person.objects.filter(id_number_hash=identity.hash).exists():
        raise PersonError("id_number", "该身份证号码已登记")
    try:
        with transaction.atomic():
            person = Person.objects.create(
                name=name,
                **identity.as_fields(),
                county=county,
                unit=unit,
                series=series,
                title_level=title_level,
                title_obtained_on=title_obtained_on,
                unit_confirmed=unit_confirmed,
            )
            audit_record(
                actor=by,
                action="people.person_registered",
                object_type="person",
                object_id=person.pk,
                after={
                    "name": name,
                    "id_number": person.id_number_masked,
                    "county": county.pk,
                    "unit": unit.pk if unit else None,
                    "series": series.pk if series else None,
                },
            )
    except IntegrityError as exc:  # registered by a concurrent request since the check above
        raise PersonError("id_number", "该身份证号码已登记") from exc
    return person
