"""Writes to the people register."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction

from cehours.access.policy import Action, PolicyDenied, claim_units, require
from cehours.audit.services import audit_record
from cehours.errors import FieldError
from cehours.rules.identifiers import InvalidIdentifier, normalize_id_number

from .crypto import id_number_hash
from .identity import stored_identity
from .models import County, Person, Series, Unit
from .placement import UnitFacts, placement_on_claim


class PersonError(FieldError):
    """A registration of a person refused (R3)."""


class ClaimMissed(PersonError):
    """A claim by full ID number that reached no one it may take: the caller's page counts it against
    the limit of lookups that miss (cehours.privacy), as a search by ID number that finds no one."""


# One answer for "no such ID number" and "the name is not theirs": a claim form must not tell which
# ID numbers are registered (the mask-reversal loop, privacy/services.py).
CLAIM_NOT_MATCHED = "没有身份证号码与姓名均相符的人员，请核对身份证号码和姓名"


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


def person_claim(*, by, id_number: str, name: str, unit: Unit | None = None) -> Person:
    """A unit's staff claim a person no unit has (待确认人员) by full ID number and real name (R2, R3).

    The person joins the unit and its county, takes the unit's series if they have none, and counts as
    confirmed by the unit. A person already in another unit cannot be taken; one their own unit has
    not yet confirmed (a connected system named it) is confirmed by the claim. `unit` chooses among the
    claimer's units when they hold several.
    """
    require(by, Action.CLAIM_PERSON)
    units = claim_units(by)
    if not units:
        raise PolicyDenied(Action.CLAIM_PERSON, "您的单位经办人授权未指定单位，不能认领人员")
    if unit is None:
        if len(units) > 1:
            raise PersonError("unit", "请选择认领到哪个单位")
        unit = units[0]
    elif unit.pk not in {u.pk for u in units}:
        raise PersonError("unit", "只能认领到您经办的单位")
    try:
        number = normalize_id_number(id_number)
    except InvalidIdentifier as exc:
        raise PersonError("id_number", str(exc)) from exc
    name = (name or "").strip()
    if not name:
        raise PersonError("name", "请填写姓名")
    with transaction.atomic():
        # Locked: two units claiming the same person at once, the second finds them taken.
        person = Person.objects.select_for_update().filter(id_number_hash=id_number_hash(number)).first()
        if person is None or person.name != name:
            raise ClaimMissed("id_number", CLAIM_NOT_MATCHED)
        if person.unit_id is not None and person.unit_id != unit.pk:
            raise ClaimMissed("id_number", "该人员已属于其他单位，不能认领；如已调入本单位，请联系人力社保部门")
        if person.unit_id == unit.pk and person.unit_confirmed:
            raise PersonError("id_number", f"{person.name}已是本单位人员，无需认领")
        before = {
            "unit": person.unit_id,
            "county": person.county_id,
            "series": person.series_id,
            "unit_confirmed": person.unit_confirmed,
        }
        place = placement_on_claim(unit=UnitFacts(unit.pk, unit.county_id, unit.series_id), series_id=person.series_id)
        person.unit, person.county_id, person.series_id = unit, place.county_id, place.series_id
        person.unit_confirmed = True
        person.save(update_fields=["unit", "county", "series", "unit_confirmed"])
        audit_record(
            actor=by,
            action="people.person_claimed",
            object_type="person",
            object_id=person.pk,
            before=before,
            after={
                "id_number": person.id_number_masked,
                "unit": unit.pk,
                "county": person.county_id,
                "series": person.series_id,
                "unit_confirmed": True,
            },
        )
        # Re-read through the same door: a grant narrowed to a series or county the person is not in
        # must not place someone it then cannot see (the transaction rolls back).
        if not Person.objects.restrict(by, Action.VIEW_PERSON).filter(pk=person.pk).exists():
            raise PolicyDenied(Action.CLAIM_PERSON, "该人员的职称系列或所在地不在您的授权范围内，未认领", "id_number")
    return person
