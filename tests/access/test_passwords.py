"""Password rules on every path (等保 2.0 第三级 口令复杂度): the validator, create-staff, password_set."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from cehours.access.models import AccountState, ApiToken
from cehours.access.passwords import ComplexityValidator, character_classes
from cehours.access.policy import PolicyDenied
from cehours.access.services import AccessError, password_set, token_issue
from cehours.audit.models import AuditEvent


@pytest.mark.parametrize(
    ("password", "classes"),
    [("abc", {"小写字母"}), ("aB3", {"小写字母", "大写字母", "数字"}), ("密码-1", {"其他符号", "数字"})],
)
def test_character_classes_are_counted(password, classes):
    assert character_classes(password) == classes


@pytest.mark.parametrize("password", ["Abcdefg1", "abcdefg1!", "ABCDEFG1-", "Ab-defghi"])
def test_three_of_four_classes_and_eight_characters_pass(password):
    ComplexityValidator().validate(password)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("Ab1-", "密码至少 8 个字符"),
        ("abcdefghij", "至少 3 类"),
        ("abcdefgh12", "至少 3 类"),
        ("ABCDEFGH!!", "至少 3 类"),
    ],
)
def test_short_or_plain_passwords_are_refused(password, message):
    with pytest.raises(ValidationError) as raised:
        ComplexityValidator().validate(password)
    assert any(message in m for m in raised.value.messages)


def test_create_staff_with_password_a_is_refused_naming_the_rule(db):
    with pytest.raises(CommandError) as raised:
        call_command("create_staff", "weak", role="hr_admin", password="a")

    text = str(raised.value)
    assert text.startswith("--password：")
    assert "至少 3 类" in text and "至少 10 个字符" in text
    assert not any("a" <= ch <= "z" for ch in text.split("：", 1)[1]), "every rule is told in Chinese"
    assert not get_user_model().objects.filter(username="weak").exists()


def test_create_staff_with_an_all_lowercase_password_is_refused(db):
    with pytest.raises(CommandError) as raised:
        call_command("create_staff", "plain", role="unit_staff", password="onlylowercaseletters")
    assert "至少 3 类" in str(raised.value)


def test_create_staff_sets_a_password_that_must_be_changed_and_says_so(db):
    out = StringIO()
    call_command("create_staff", "clerk", role="evaluator", password="Initial-pass-2026", stdout=out)

    user = get_user_model().objects.get(username="clerk")
    assert user.check_password("Initial-pass-2026")
    assert AccountState.objects.get(user=user).must_change_password is True
    assert "首次登录时须修改" in out.getvalue()
    assert "动态口令" not in out.getvalue()


@pytest.mark.parametrize(("role", "level"), [("hr_admin", None), ("reviewer", 3), ("system_admin", None)])
def test_create_staff_for_a_role_needing_totp_says_it_is_enrolled_at_first_sign_in(db, role, level):
    out = StringIO()
    options = {"level": level} if level else {}
    call_command("create_staff", f"new_{role}", role=role, password="Initial-pass-2026", stdout=out, **options)
    assert "首次登录时将引导绑定验证器" in out.getvalue()


def test_password_set_checks_the_rules_revokes_tokens_and_audits(db):
    user = get_user_model().objects.create_user("holder", password="Old-pass-2026")
    token_issue(user=user)

    with pytest.raises(AccessError) as raised:
        password_set(user=user, raw="short", by=user)
    assert raised.value.field == "password"
    assert ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() == 1

    state = password_set(user=user, raw="New-pass-2027", by=user)

    assert state.must_change_password is False
    assert ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() == 0
    assert AuditEvent.objects.filter(action="access.password_changed", object_id=str(user.pk)).count() == 1


def test_a_password_chosen_by_someone_else_must_be_changed(db, make_staff):
    user = get_user_model().objects.create_user("holder")
    admin = make_staff("system_admin")

    assert password_set(user=user, raw="Reset-pass-2027", by=admin).must_change_password is True
    assert password_set(user=user, raw="Reset-pass-2028").must_change_password is True


def test_only_the_system_administrator_sets_someone_elses_password(db, make_staff):
    user = get_user_model().objects.create_user("holder")
    for role in ("hr_admin", "security_admin", "audit_admin"):
        with pytest.raises(PolicyDenied):
            password_set(user=user, raw="Reset-pass-2027", by=make_staff(role))
