"""Issue 10: 忘记密码 by email, where an email server is configured — the unit sends a password-reset
link to the address the person gave; the link works once and for PASSWORD_RESET_TIMEOUT; without an
email server nothing asks for an address and nothing is sent. Every step is audited."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.test import Client

from cehours.access.models import ProfessionalAccount
from cehours.access.professionals import AccountError, activation_codes_issue, activation_use
from cehours.access.reset_links import reset_link_send
from cehours.audit.models import AuditEvent

from .test_professional_accounts import PASSWORD, register, sign_in, unit_staff  # noqa: F401 - fixture

NEW_PASSWORD = "Another-2026-ok"


@pytest.fixture
def with_email(settings):
    settings.CEHOURS_EMAIL_ENABLED = True  # the test runner's mail backend keeps the messages in mail.outbox
    return settings


def _activated(make_person, unit_staff, email: str):  # noqa: F811 - the fixture's value
    nurse = make_person(unit="hospital", name="卫重置")
    ((_, code, _),) = activation_codes_issue(by=unit_staff["hospital"], people=[nurse])
    activation_use(id_number=nurse.id_number, code=code, password=PASSWORD, email=email)
    nurse.refresh_from_db()
    return nurse


def _staff(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_unit_emails_a_link_that_sets_a_new_password_once(city, make_person, unit_staff, with_email, mailoutbox):  # noqa: F811
    nurse = _activated(make_person, unit_staff, "wei.chongzhi@example.cn")
    account = ProfessionalAccount.objects.get(user=nurse.user)
    assert account.email_masked == "w***@example.cn" and "wei.chongzhi" not in account.email_encrypted

    hospital = _staff(unit_staff["hospital"])
    roster = hospital.get("/roster/accounts/").content.decode()
    assert "向卫重置发送重置密码邮件（w***@example.cn）" in roster
    # Another unit's staff reach neither the button's address nor the person.
    assert _staff(unit_staff["school"]).post(f"/roster/people/{nurse.pk}/reset-link/").status_code == 404
    assert mailoutbox == []

    sent = hospital.post(f"/roster/people/{nurse.pk}/reset-link/", follow=True).content.decode()
    assert "已向卫重置的电子邮箱 w***@example.cn 发送重置密码链接。" in sent
    (mail,) = mailoutbox
    assert mail.to == ["wei.chongzhi@example.cn"] and "24 小时内有效" in mail.body
    link = re.search(r"http://testserver(/reset/[^/\s]+/[^/\s]+/)", mail.body).group(1)

    person = Client()
    assert "设置新密码" in person.get(link).content.decode()
    mismatch = person.post(link, {"password1": NEW_PASSWORD, "password2": "Other-2026-ok"})
    assert mismatch.status_code == 400 and "再次输入新密码：两次输入的密码不一致" in mismatch.content.decode()
    weak = person.post(link, {"password1": "short", "password2": "short"})
    assert weak.status_code == 400 and "新密码：" in weak.content.decode()
    done = person.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True)
    assert "密码已重新设置" in done.content.decode()
    sign_in(nurse.id_number, NEW_PASSWORD)
    assert Client().post("/login/", {"username": nurse.id_number, "password": PASSWORD}).status_code == 200

    used = Client().get(link)  # the password changed: the link is spent
    assert used.status_code == 404 and "该链接无效、已使用或已过期" in used.content.decode()
    again = Client().post(link, {"password1": "Third-2026-ok", "password2": "Third-2026-ok"})
    assert again.status_code == 404
    sign_in(nurse.id_number, NEW_PASSWORD)
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", flat=True))
    assert actions.index("access.reset_link_sent") < actions.index("access.password_reset_by_link")
    sent_event = AuditEvent.objects.get(action="access.reset_link_sent")
    assert sent_event.actor == unit_staff["hospital"] and sent_event.after["email"] == "w***@example.cn"


def test_a_link_lapses_after_its_hours(city, make_person, unit_staff, with_email, mailoutbox, monkeypatch):  # noqa: F811
    nurse = _activated(make_person, unit_staff, "wei@example.cn")
    reset_link_send(by=unit_staff["hospital"], person=nurse, base_url="http://testserver/")
    link = re.search(r"(/reset/[^/\s]+/[^/\s]+/)", mailoutbox[0].body).group(1)
    now = default_token_generator._now()
    monkeypatch.setattr(default_token_generator, "_now", lambda: now + timedelta(hours=24, minutes=1))
    assert Client().get(link).status_code == 404


def test_without_an_email_server_no_address_is_asked_and_nothing_is_sent(city, make_person, unit_staff, mailoutbox):  # noqa: F811
    assert 'name="email"' not in Client().get("/register/").content.decode()
    assert 'name="email"' not in Client().get("/activate/").content.decode()
    nurse = _activated(make_person, unit_staff, "")
    assert ProfessionalAccount.objects.get(user=nurse.user).email_encrypted == ""
    assert "发送重置邮件" not in _staff(unit_staff["hospital"]).get("/roster/accounts/").content.decode()
    with pytest.raises(AccountError, match="本平台未配置邮件服务"):
        reset_link_send(by=unit_staff["hospital"], person=nurse, base_url="http://testserver/")
    assert mailoutbox == []


def test_a_bad_address_is_named_and_changes_nothing(city, with_email):
    client = Client()
    assert 'name="email"' in client.get("/register/").content.decode()
    answer = register(client, email="not-an-address")
    assert answer.status_code == 400 and "电子邮箱：电子邮箱格式不正确" in answer.content.decode()
    assert not ProfessionalAccount.objects.exists()


def test_a_person_without_an_address_is_told_to_use_a_code(city, make_person, unit_staff, with_email, mailoutbox):  # noqa: F811
    nurse = _activated(make_person, unit_staff, "")
    hospital = _staff(unit_staff["hospital"])
    assert "发送重置邮件" not in hospital.get("/roster/accounts/").content.decode()
    answer = hospital.post(f"/roster/people/{nurse.pk}/reset-link/", follow=True).content.decode()
    assert "电子邮箱：该人员尚未开通账号或未登记电子邮箱，请为其生成激活码" in answer
    assert mailoutbox == []
