"""Accounts for professionals: self-registration (实名注册) confirmed by the unit, and activation codes
the unit hands out. Writes here; the pages are web/professionals.py.

Knowing someone's name and ID number must not open their record: a self-registered account is
linked to the person (`Person.user`) only when the staff of their unit confirm it, and the unit is
told of every registration, including one whose name is not the record's. A code the unit issued
links at once, since the unit gave it to the person it knows. Every step is audited.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from cehours.audit.services import audit_record
from cehours.errors import ErrorCode, FieldError
from cehours.people.crypto import encrypt_id_number, id_number_hash
from cehours.people.identity import stored_identity
from cehours.people.models import Person, Unit
from cehours.rules.identifiers import InvalidIdentifier, normalize_credit_code, normalize_id_number

from .models import ActivationCode, Grant, ProfessionalAccount, Role
from .policy import Action, PolicyDenied, require, restrict
from .services import password_check, password_set

MOBILE_SHAPE = re.compile(r"^1[3-9][0-9]{9}$")
# Letters and digits that cannot be misread for each other when read aloud or copied from paper.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10


class AccountError(FieldError):
    """A registration, confirmation or activation refused; `field` names the input at fault."""


class AccountMissed(AccountError):
    """An activation that matched no code: the page counts it against the limit of lookups that miss."""


# One answer for every failed activation: it must not tell which ID numbers have codes.
ACTIVATION_REFUSED = "身份证号码或激活码不正确，或激活码已过期、已使用；请向所在单位经办人索取新的激活码"


def mobile_normalised(raw: str) -> str:
    number = re.sub(r"[\s-]", "", raw or "")
    if number.startswith("+86"):
        number = number[3:]
    if not MOBILE_SHAPE.match(number):
        raise AccountError("mobile", "手机号码应为 11 位中国大陆手机号码")
    return number


def mobile_lookup_hash(number: str) -> str:
    # Keyed like the ID number's lookup hash, in a space of its own ("mobile:").
    return id_number_hash(f"mobile:{number}")


def email_fields(raw: str) -> dict[str, str]:
    """The stored form of an optional address: encrypted (personal data, like the mobile number) and masked."""
    address = (raw or "").strip()
    if not address:
        return {"email_encrypted": "", "email_masked": ""}
    try:
        validate_email(address)
    except ValidationError:
        raise AccountError("email", "电子邮箱格式不正确") from None
    if len(address) > 254:
        raise AccountError("email", "电子邮箱不超过 254 个字符")
    local, _, domain = address.rpartition("@")
    return {"email_encrypted": encrypt_id_number(address), "email_masked": f"{local[:1]}***@{domain}"}


def unit_found(query: str) -> Unit:
    """The unit a registrant names: by its credit code, or by its full registered name."""
    text = (query or "").strip()
    if not text:
        raise AccountError("unit", "请填写工作单位的全称或统一社会信用代码", ErrorCode.REQUIRED)
    try:
        unit = Unit.objects.filter(credit_code=normalize_credit_code(text)).first()
    except InvalidIdentifier:
        unit = None
    if unit is None:
        named = list(Unit.objects.filter(name=text)[:2])
        unit = named[0] if len(named) == 1 else None
    if unit is None:
        raise AccountError("unit", "平台上找不到该单位；请核对单位全称或统一社会信用代码，或请单位先向人力社保部门登记")
    return unit


def _new_username(prefix: str) -> str:
    users = get_user_model().objects
    while True:
        name = f"{prefix}{secrets.token_hex(5)}"
        if not users.filter(username=name).exists():
            return name


def _unit_staff(unit: Unit) -> list:
    return [g.user for g in Grant.objects.filter(role=Role.UNIT_STAFF, unit=unit).select_related("user")]


def _tell_unit(unit: Unit | None, message: str) -> None:
    from cehours.declarations.services import notify  # the one store of notices

    if unit is None:
        return
    for user in _unit_staff(unit):
        notify(user, message, link="/roster/accounts/")


def registration_submit(*, name: str, id_number: str, mobile: str, unit_query: str, password: str, email: str = ""):
    """实名注册: an account that waits for its unit's confirmation; returns (user, account).

    A person new to the platform is recorded in the unit named (not yet confirmed by it). Someone
    else's ID number gets the same answer as one's own — the registration waits — and the unit
    sees the mismatching name.
    """
    name = (name or "").strip()
    if not name:
        raise AccountError("name", "请填写姓名", ErrorCode.REQUIRED)
    if len(name) > 64:
        raise AccountError("name", "姓名不超过 64 个字符", ErrorCode.OUT_OF_RANGE)
    try:
        number = normalize_id_number(id_number)
    except InvalidIdentifier as exc:
        raise AccountError("id_number", str(exc), ErrorCode.INVALID_ID_NUMBER) from exc
    phone = mobile_normalised(mobile)
    address = email_fields(email)
    unit = unit_found(unit_query)
    password_check(raw=password)
    with transaction.atomic():
        person = Person.objects.select_for_update().filter(id_number_hash=id_number_hash(number)).first()
        if person is not None and person.user_id is not None:
            raise AccountError(
                "id_number", "该身份证号码已开通账号。如忘记密码，请向所在单位经办人索取激活码重新设置密码"
            )
        # Another registration waiting for the same person does not block this one: it may be someone
        # else's, made first. The unit sees both and confirms the person's own.
        phone_hash = mobile_lookup_hash(phone)
        if ProfessionalAccount.objects.filter(mobile_hash=phone_hash).exclude(status="refused").exists():
            raise AccountError("mobile", "该手机号码已用于其他账号")
        created = person is None
        if person is None:
            person = Person.objects.create(
                name=name, **stored_identity(number).as_fields(), unit=unit, county_id=unit.county_id,
                series_id=unit.series_id, unit_confirmed=False,
            )  # fmt: skip
        user = get_user_model().objects.create_user(_new_username("p"), password=password)
        account = ProfessionalAccount.objects.create(
            user=user,
            person=person,
            unit=person.unit or unit,
            via=ProfessionalAccount.Via.REGISTRATION,
            name_given=name,
            mobile_encrypted=encrypt_id_number(phone),
            mobile_hash=phone_hash,
            mobile_masked=f"{phone[:3]}****{phone[-4:]}",
            **address,
        )
        mismatch = person.name != name
        audit_record(
            actor=user,
            action="access.professional_registered",
            object_type="person",
            object_id=person.pk,
            after={
                "account": account.pk, "person_created": created, "unit": account.unit_id,
                "name_matches_record": not mismatch, "id_number": person.id_number_masked,
            },
        )  # fmt: skip
        note = "；注意：填写的姓名与平台档案不一致，请核实是否本人" if mismatch else ""
        _tell_unit(account.unit, f"有专业技术人员实名注册待确认：{name}（{person.id_number_masked}）{note}")
    return user, account


def accounts_to_confirm(user) -> QuerySet[ProfessionalAccount]:
    """Registrations waiting for the user: people in their scope, or, for someone no unit has, the
    unit named at registration if it is in their scope."""
    people = restrict(Person.objects.all(), user, Action.CONFIRM_ACCOUNT)
    units = restrict(Unit.objects.all(), user, Action.CONFIRM_ACCOUNT)
    return (
        ProfessionalAccount.objects.filter(status=ProfessionalAccount.Status.PENDING)
        .filter(Q(person__in=people) | Q(person__unit__isnull=True, unit__in=units))
        .select_related("person", "unit", "user")
        .order_by("requested_at", "pk")
    )


def registration_decide(*, account: ProfessionalAccount, by, confirm: bool, reason: str = "") -> ProfessionalAccount:
    """The unit confirms (the account now reaches the person's record) or refuses (disabled)."""
    if not accounts_to_confirm(by).filter(pk=account.pk).exists():
        raise PolicyDenied(Action.CONFIRM_ACCOUNT, "该注册申请不在您的确认范围内")
    reason = (reason or "").strip()
    if not confirm and not reason:
        raise AccountError("reason", "不予确认须说明理由（如：非本单位人员、非本人注册）", ErrorCode.REQUIRED)
    with transaction.atomic():
        locked = ProfessionalAccount.objects.select_for_update().select_related("person", "user").get(pk=account.pk)
        if locked.status != ProfessionalAccount.Status.PENDING:
            raise AccountError("", "该注册申请已处理")
        person = Person.objects.select_for_update().get(pk=locked.person_id)
        before = {"user": person.user_id, "unit": person.unit_id, "unit_confirmed": person.unit_confirmed}
        if confirm:
            if person.user_id is not None:
                raise AccountError("", "该人员已有账号，不能再确认新的注册")
            person.user = locked.user
            if person.unit_id is None and locked.unit is not None:  # someone no unit had: it is now theirs
                person.unit, person.county_id = locked.unit, locked.unit.county_id
                person.series_id = person.series_id or locked.unit.series_id
            person.unit_confirmed = True  # the unit's staff have now seen and confirmed the person
            person.save(update_fields=["user", "unit", "county", "series", "unit_confirmed"])
            locked.status = ProfessionalAccount.Status.CONFIRMED
            others = ProfessionalAccount.objects.filter(person=person, status=ProfessionalAccount.Status.PENDING)
            for other in others.exclude(pk=locked.pk).select_related("user"):
                other.status = ProfessionalAccount.Status.REFUSED
                other.decided_by, other.decided_at = by, timezone.now()
                other.decision_reason = "单位已确认本人的另一注册"
                other.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
                other.user.is_active = False
                other.user.save(update_fields=["is_active"])
        else:
            locked.status = ProfessionalAccount.Status.REFUSED
            locked.user.is_active = False
            locked.user.save(update_fields=["is_active"])
        locked.decided_by, locked.decided_at, locked.decision_reason = by, timezone.now(), reason[:255]
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
        audit_record(
            actor=by,
            action="access.registration_confirmed" if confirm else "access.registration_refused",
            object_type="person",
            object_id=person.pk,
            before=before,
            after={"account": locked.pk, "user": person.user_id, "unit": person.unit_id, "reason": reason},
        )
    return locked


def pending_account(user) -> ProfessionalAccount | None:
    """The user's registration still waiting for its unit, if any (the page tells whom to ask)."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        ProfessionalAccount.objects.filter(user=user, status=ProfessionalAccount.Status.PENDING)
        .select_related("unit", "unit__county")
        .first()
    )


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def activation_codes_issue(*, by, people: list[Person]) -> list[tuple[Person, str, object]]:
    """One-time codes for people on the user's roster: (person, code, expiry) each; older unused
    codes of those people are void. A person who has an account gets a code to set a new password
    (忘记密码)."""
    require(by, Action.ISSUE_ACTIVATION)
    if not people:
        raise AccountError("people", "请选择要发放激活码的人员", ErrorCode.REQUIRED)
    if len(people) > 500:
        raise AccountError("people", "每次最多为 500 人发放激活码", ErrorCode.OUT_OF_RANGE)
    reachable = set(
        restrict(Person.objects.filter(pk__in=[p.pk for p in people]), by, Action.ISSUE_ACTIVATION).values_list(
            "pk", flat=True
        )
    )
    if len(reachable) != len({p.pk for p in people}):
        raise PolicyDenied(Action.ISSUE_ACTIVATION, "只能为本单位名册上的人员发放激活码", "people")
    now = timezone.now()
    expires = now + timedelta(days=settings.CEHOURS_ACTIVATION_DAYS)
    issued: list[tuple[Person, str, object]] = []
    with transaction.atomic():
        ActivationCode.objects.filter(person__in=people, used_at__isnull=True, revoked_at__isnull=True).update(
            revoked_at=now
        )
        rows = []
        for person in people:
            code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
            rows.append(ActivationCode(person=person, code_hash=_code_hash(code), issued_by=by, expires_at=expires))
            issued.append((person, code, expires))
        ActivationCode.objects.bulk_create(rows)
        audit_record(
            actor=by,
            action="access.activation_codes_issued",
            object_type="person",
            after={"people": sorted(p.pk for p in people), "expires_at": expires},
        )
    return issued


def activation_use(*, id_number: str, code: str, password: str, email: str = ""):
    """The person opens their account with the code: sets a password, and is linked to their record."""
    try:
        number = normalize_id_number(id_number)
    except InvalidIdentifier as exc:
        raise AccountError("id_number", str(exc), ErrorCode.INVALID_ID_NUMBER) from exc
    typed = re.sub(r"[\s-]", "", code or "").upper()
    address = email_fields(email)
    now = timezone.now()
    with transaction.atomic():
        person = Person.objects.select_for_update().filter(id_number_hash=id_number_hash(number)).first()
        found = (
            ActivationCode.objects.select_for_update()
            .filter(person=person, code_hash=_code_hash(typed), used_at__isnull=True, revoked_at__isnull=True)
            .filter(expires_at__gt=now)
            .first()
            if person is not None and typed
            else None
        )
        if found is None:
            raise AccountMissed("code", ACTIVATION_REFUSED)
        assert person is not None
        user = person.user
        password_check(raw=password, user=user)
        created = user is None
        if user is None:
            user = get_user_model().objects.create_user(_new_username("p"), password=password)
            person.user = user
            person.save(update_fields=["user"])
            ProfessionalAccount.objects.filter(person=person, status=ProfessionalAccount.Status.PENDING).update(
                status=ProfessionalAccount.Status.REFUSED, decision_reason="已由单位发放的激活码开通账号"
            )
            ProfessionalAccount.objects.create(
                user=user, person=person, unit=person.unit, via=ProfessionalAccount.Via.ACTIVATION,
                name_given=person.name, status=ProfessionalAccount.Status.CONFIRMED,
                decided_by=found.issued_by, decided_at=now, **address,
            )  # fmt: skip
        else:
            if not user.is_active:
                # Stopped by the system administrator (account_set_active): a unit's code sets a
                # password, it does not overrule that decision (三权分立). The code stays unused.
                raise AccountError("code", "该账号已被系统管理员停用，激活码不能重新开通；请联系系统管理员")
            # Through the one password door: what the old password opened (personal API tokens,
            # other sessions) is closed, as after any change by the holder.
            password_set(user=user, raw=password, by=user)
            if address["email_encrypted"]:  # a new address given with the code replaces the old one
                ProfessionalAccount.objects.filter(user=user, status=ProfessionalAccount.Status.CONFIRMED).update(
                    **address
                )
        found.used_at = now
        found.save(update_fields=["used_at"])
        audit_record(
            actor=user,
            action="access.account_activated" if created else "access.password_reset_by_code",
            object_type="person",
            object_id=person.pk,
            after={"code_issued_by": found.issued_by_id, "id_number": person.id_number_masked},
        )
    return user


def account_by_login(login: str):
    """The account a professional signs in with: their ID number or their mobile number."""
    text = re.sub(r"\s", "", login or "")
    try:
        number = normalize_id_number(text)
    except InvalidIdentifier:
        number = None
    if number is not None:
        person = Person.objects.filter(id_number_hash=id_number_hash(number)).select_related("user").first()
        return person.user if person is not None else None
    if MOBILE_SHAPE.match(text):
        account = (
            ProfessionalAccount.objects.filter(mobile_hash=mobile_lookup_hash(text))
            .exclude(status=ProfessionalAccount.Status.REFUSED)
            .select_related("user")
            .first()
        )
        return account.user if account is not None else None
    return None
