"""Writes to the people register."""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction

from cehours.access.policy import Action, PolicyDenied, claim_units, require
from cehours.audit.services import audit_record
from cehours.errors import ErrorCode, FieldError
from cehours.rules.identifiers import InvalidIdentifier, normalize_id_number
from cehours.rules.titles import MAX_REQUIRED_YEARS, MIN_REQUIRED_YEARS, TitleLevel

from .crypto import id_number_hash
from .identity import stored_identity
from .models import County, Person, Series, TitleRequirement, Unit
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


class TitleRequirementError(FieldError):
    """A row of the title table refused (R13); `field` names the input at fault."""


# Dates a row may take effect from: the platform's years (as the rule versions' own range).
TITLE_FIRST_DAY, TITLE_LAST_DAY = date(1990, 1, 1), date(2200, 12, 31)


def title_requirement_add(
    *,
    by,
    series: Series | None,
    level: str,
    local_name: str = "",
    required_years: int | None,
    effective_from: date | None,
    placeholder: bool = False,
) -> TitleRequirement:
    """Add a row to city HR's title table (R13 第十三条): the years of qualified hours an application
    for `level` in `series` requires from `effective_from`. City HR only (the rule versions'
    permission); never an edit: a correction is a new row, which wins from its date."""
    require(
        by, Action.EDIT_RULES, message="只有市人力社保局（三级管理权限或全市人力社保部门管理员）可以录入职称规定年限"
    )
    if series is None:
        raise TitleRequirementError("series", "请选择职称系列", ErrorCode.REQUIRED)
    try:
        chosen = TitleLevel(level)
    except ValueError:
        raise TitleRequirementError("level", "职称等级应为初级、中级、副高级或正高级") from None
    local_name = (local_name or "").strip()
    if len(local_name) > 32:
        raise TitleRequirementError("local_name", "本系列名称不能超过 32 个字符")
    if isinstance(required_years, bool) or not isinstance(required_years, int):
        raise TitleRequirementError("required_years", "请填写规定年限（整数）", ErrorCode.REQUIRED)
    if not MIN_REQUIRED_YEARS <= required_years <= MAX_REQUIRED_YEARS:
        raise TitleRequirementError(
            "required_years",
            f"规定年限应在 {MIN_REQUIRED_YEARS} 至 {MAX_REQUIRED_YEARS} 年之间",
            ErrorCode.OUT_OF_RANGE,
        )
    if not isinstance(effective_from, date):
        raise TitleRequirementError("effective_from", "请填写生效日期", ErrorCode.REQUIRED)
    if not TITLE_FIRST_DAY <= effective_from <= TITLE_LAST_DAY:
        raise TitleRequirementError(
            "effective_from", f"生效日期应在 {TITLE_FIRST_DAY} 至 {TITLE_LAST_DAY} 之间", ErrorCode.OUT_OF_RANGE
        )
    with transaction.atomic():
        row = TitleRequirement.objects.create(
            series=series,
            level=chosen.value,
            local_name=local_name,
            required_years=required_years,
            effective_from=effective_from,
            placeholder=placeholder,
            created_by=by if getattr(by, "pk", None) else None,
        )
        audit_record(
            actor=by,
            action="titles.requirement_added",
            object_type="title_requirement",
            object_id=row.pk,
            after=title_requirement_facts(row),
        )
    return row


def title_requirement_facts(row: TitleRequirement) -> dict:
    """A row as the audit trail records it."""
    return {
        "series": row.series_id,
        "level": row.level,
        "local_name": row.local_name,
        "required_years": row.required_years,
        "effective_from": row.effective_from.isoformat(),
        "placeholder": row.placeholder,
    }


def person_release(*, by, person: Person, reason: str) -> Person:
    """A unit releases a person who left (调出): they keep every hour and become a 待确认人员 until
    the next unit claims them (person_claim). Audited with the unit before and after."""
    require(by, Action.RELEASE_PERSON, person, "只能办理本单位人员的调出", field="person")
    reason = (reason or "").strip()
    if not reason:
        raise PersonError("reason", "请填写调出原因（如：调往某单位、退休、离职）")
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        before = {"unit": locked.unit_id, "county": locked.county_id, "unit_confirmed": locked.unit_confirmed}
        locked.unit, locked.county, locked.unit_confirmed = None, None, False
        locked.save(update_fields=["unit", "county", "unit_confirmed"])
        audit_record(
            actor=by,
            action="people.person_released",
            object_type="person",
            object_id=locked.pk,
            before=before,
            after={"unit": None, "county": None, "reason": reason[:255], "id_number": locked.id_number_masked},
        )
    return locked


def unit_save(
    *, by, credit_code: str, name: str, county: County, kind: str, series: Series | None = None,
    self_evaluating: bool | None = None,
) -> tuple[Unit, bool]:  # fmt: skip
    """A county HR bureau registers (or corrects) a unit of its county (第二条); returns (unit, created).

    The 自主评聘 flag decides whose reviewers may decide its people's declarations (R17), so only a
    city-wide grant sets it; `None` leaves it as it is.
    """
    from cehours.access.policy import holds_place, reaches_everything
    from cehours.rules.identifiers import normalize_credit_code

    from .models import UnitKind

    require(by, Action.MANAGE_UNITS)
    try:
        code = normalize_credit_code(credit_code)
    except InvalidIdentifier as exc:
        raise PersonError("credit_code", str(exc)) from exc
    name = (name or "").strip()
    if not name or len(name) > 128:
        raise PersonError("name", "单位名称不能为空，且不超过128个字符")
    if kind not in UnitKind.values:
        raise PersonError("kind", "请选择单位类型：企业、事业单位、民办非企业单位、中介机构或社会团体")
    if not holds_place(by, Action.MANAGE_UNITS, county_id=county.pk, series_id=series.pk if series else None):
        raise PolicyDenied(Action.MANAGE_UNITS, f"{county.name}不在您的登记范围内", "county")
    city_wide = reaches_everything(by, Action.MANAGE_UNITS, Unit)
    if self_evaluating is not None and not city_wide:
        raise PolicyDenied(Action.MANAGE_UNITS, "自主评聘单位由市人力社保局认定，县级不能设置", "self_evaluating")
    with transaction.atomic():
        unit = Unit.objects.select_for_update().filter(credit_code=code).first()
        created = unit is None
        before = None
        if unit is None:
            unit = Unit(credit_code=code)
        else:
            if not Unit.objects.restrict(by, Action.MANAGE_UNITS).filter(pk=unit.pk).exists():
                raise PolicyDenied(Action.MANAGE_UNITS, "该单位已由其他县（市、区）登记，不在您的范围内", "credit_code")
            before = {"name": unit.name, "county": unit.county_id, "kind": unit.kind, "series": unit.series_id,
                      "self_evaluating": unit.self_evaluating}  # fmt: skip
        unit.name, unit.county, unit.kind, unit.series = name, county, kind, series
        if self_evaluating is not None:
            unit.self_evaluating = self_evaluating
        unit.save()
        audit_record(
            actor=by, action="people.unit_saved", object_type="unit", object_id=unit.pk, before=before,
            after={"credit_code": code, "name": name, "county": county.pk, "kind": kind,
                   "series": series.pk if series else None, "self_evaluating": unit.self_evaluating},
        )  # fmt: skip
    return unit, created


def roster_person_add(*, by, unit: Unit, name: str, id_number: str) -> Person:
    """Unit staff add a person to their roster by real name and ID number (R3)."""
    require(by, Action.EDIT_ROSTER, unit, "只能向本单位名册添加人员", field="unit")
    try:
        number = normalize_id_number(id_number)
    except InvalidIdentifier as exc:
        raise PersonError("id_number", str(exc)) from exc
    if Person.objects.filter(id_number_hash=id_number_hash(number)).exists():
        raise PersonError(
            "id_number", "该身份证号码已在平台登记；尚无单位的人员请用“认领人员”，其他单位的人员须先由原单位办理调出"
        )
    return person_register(
        name=name, id_number=number, county=unit.county, by=by, unit=unit, series=unit.series, unit_confirmed=True
    )


def roster_title_set(
    *, by, person: Person, series: Series | None, title_level: str, title_obtained_on: date | None
) -> Person:
    """Unit staff record a person's series, current title level and the date it was obtained: what
    eligibility (R13) takes its defaults from."""
    from django.utils import timezone

    from .models import TitleLevelChoice

    require(by, Action.EDIT_ROSTER, person, "只能维护本单位人员的职称信息", field="person")
    labels = {c.label for c in TitleLevelChoice}
    if title_level and title_level not in labels:
        raise PersonError("title_level", "现职称等级应为初级、中级、副高级或正高级")
    if title_obtained_on is not None and title_obtained_on > timezone.localdate():
        raise PersonError("title_obtained_on", "取得现职称日期不能晚于今天")
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        before = {"series": locked.series_id, "title_level": locked.title_level,
                  "title_obtained_on": locked.title_obtained_on}  # fmt: skip
        locked.series, locked.title_level, locked.title_obtained_on = series, title_level, title_obtained_on
        locked.save(update_fields=["series", "title_level", "title_obtained_on"])
        audit_record(
            actor=by, action="people.title_recorded", object_type="person", object_id=locked.pk, before=before,
            after={"series": locked.series_id, "title_level": title_level, "title_obtained_on": title_obtained_on},
        )  # fmt: skip
    return locked
