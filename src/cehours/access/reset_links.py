"""Password-reset links by email (issue 10), where an email server is configured.

A professional who forgot their password asks their unit: the unit's staff issue an activation code
(cehours.access.professionals) or, where the platform has an email server and the person gave an
address, send a link to that address. The link is Django's password-reset token: it lapses after
PASSWORD_RESET_TIMEOUT and as soon as the password changes, so it works once. Every step is audited.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode

from cehours.audit.services import audit_record
from cehours.people.crypto import decrypt_id_number
from cehours.people.models import Person

from .models import ProfessionalAccount
from .policy import Action, PolicyDenied, restrict
from .professionals import AccountError, AccountMissed
from .services import password_set

LINK_REFUSED = "该链接无效、已使用或已过期；请向所在单位经办人索取激活码或新的链接"


def email_enabled() -> bool:
    return bool(settings.CEHOURS_EMAIL_ENABLED)


def _account_with_email(person: Person) -> ProfessionalAccount | None:
    if person.user_id is None:
        return None
    return (
        ProfessionalAccount.objects.filter(user_id=person.user_id, status=ProfessionalAccount.Status.CONFIRMED)
        .exclude(email_encrypted="")
        .first()
    )


def emails_on_file(people: list[Person]) -> dict[int, str]:
    """The masked address of each of these people who have a confirmed account with one, by person id."""
    rows = ProfessionalAccount.objects.filter(
        user_id__in=[p.user_id for p in people if p.user_id], status=ProfessionalAccount.Status.CONFIRMED
    ).exclude(email_encrypted="")
    return dict(rows.values_list("person_id", "email_masked"))


def reset_link_send(*, by, person: Person, base_url: str) -> str:
    """Email the person a link to set a new password; returns the masked address it went to."""
    if not restrict(Person.objects.filter(pk=person.pk), by, Action.ISSUE_ACTIVATION).exists():
        raise PolicyDenied(Action.ISSUE_ACTIVATION, "只能为本单位人员发送重置链接")
    if not email_enabled():
        raise AccountError("email", "本平台未配置邮件服务，请为其生成激活码")
    account = _account_with_email(person)
    if account is None:
        raise AccountError("email", "该人员尚未开通账号或未登记电子邮箱，请为其生成激活码")
    user = account.user
    link = (
        f"{(settings.CEHOURS_PUBLIC_URL or base_url).rstrip('/')}/reset/"
        f"{urlsafe_base64_encode(force_bytes(user.pk))}/{default_token_generator.make_token(user)}/"
    )
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    send_mail(
        "丽水市专业技术人员继续教育学时制管理平台：重新设置密码",
        f"{person.name}：\n\n您所在单位的继续教育经办人为您发送了重新设置密码的链接"
        f"（{hours} 小时内有效，只能使用一次）：\n\n{link}\n\n如非本人申请，请忽略本邮件并告知所在单位。",
        None,
        [decrypt_id_number(account.email_encrypted)],
    )
    audit_record(
        actor=by, action="access.reset_link_sent", object_type="person", object_id=person.pk,
        after={"email": account.email_masked, "id_number": person.id_number_masked},
    )  # fmt: skip
    return account.email_masked


def reset_link_user(uidb64: str, token: str):
    """The account a link opens, or None when the link is wrong, used or expired."""
    try:
        pk = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = get_user_model().objects.filter(pk=pk, is_active=True, person__isnull=False).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def reset_link_use(*, uidb64: str, token: str, password: str):
    """Set the new password the link allows; the link stops working with it."""
    user = reset_link_user(uidb64, token)
    if user is None:
        raise AccountMissed("token", LINK_REFUSED)
    password_set(user=user, raw=password, by=user)  # the password rules, and the old one's tokens revoked
    audit_record(
        actor=user, action="access.password_reset_by_link", object_type="person", object_id=user.person.pk,
        after={"id_number": user.person.id_number_masked},
    )  # fmt: skip
    return user
