"""Staff accounts and grants on a page (issue 10), kept apart as 等保 三权分立 asks: the system
administrator creates and disables accounts, the security administrator gives and withdraws grants
under 第十七条's level rules; everything is audited, and bad input is named and changes nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from cehours.access.models import Grant
from cehours.audit.models import AuditEvent

PASSWORD = "Lishui-2026-ok"


@pytest.fixture
def admins(make_staff):
    clients = {}
    for role in ("system_admin", "security_admin"):
        client = Client()
        client.force_login(make_staff(role))
        clients[role] = client
    return clients


def test_accounts_by_the_system_administrator_grants_by_the_security_administrator(admins, city):
    system, security = admins["system_admin"], admins["security_admin"]
    made = system.post("/staff/accounts/", {"username": "lishui-clerk", "full_name": "林经办", "password": PASSWORD})
    assert made.status_code == 302
    clerk = get_user_model().objects.get(username="lishui-clerk")
    assert clerk.first_name == "林经办" and not clerk.grants.exists()
    assert "林经办" in system.get("/staff/").content.decode()
    # The system administrator gives no grant; the security administrator creates no account.
    assert system.post("/staff/grants/", {"username": "lishui-clerk", "role": "unit_staff"}).status_code == 403
    assert security.post("/staff/accounts/", {"username": "x-y-z", "password": PASSWORD}).status_code == 403

    refused = security.post("/staff/grants/", {"username": "lishui-clerk", "role": "reviewer"})
    assert refused.status_code == 400 and "审核人员须指定管理权限级别 1、2 或 3" in refused.content.decode()
    assert not clerk.grants.exists()
    unit = city["units"]["hospital"]
    given = security.post(
        "/staff/grants/", {"username": "lishui-clerk", "role": "reviewer", "level": "1", "unit": unit.credit_code}
    )
    assert given.status_code == 302
    grant = Grant.objects.get(user=clerk)
    assert (grant.role, grant.level, grant.unit) == ("reviewer", 1, unit)
    page = security.get("/staff/").content.decode()
    assert "审核人员 一级 · 莲都测试医院" in page  # 第十七条 writes the levels in words

    missing = security.post(f"/staff/grants/{grant.pk}/withdraw/", {"reason": ""}, follow=True)
    assert "原因：撤销授权须说明原因" in missing.content.decode()
    security.post(f"/staff/grants/{grant.pk}/withdraw/", {"reason": "调离审核岗位"})
    assert not Grant.objects.filter(pk=grant.pk).exists()
    withdrawn = AuditEvent.objects.get(action="access.grant_withdrawn")
    assert withdrawn.before["role"] == "reviewer" and withdrawn.after["reason"] == "调离审核岗位"

    system.post(f"/staff/accounts/{clerk.pk}/active/", {"active": "0", "reason": "离职"})
    clerk.refresh_from_db()
    assert not clerk.is_active
    assert Client().post("/login/", {"username": "lishui-clerk", "password": PASSWORD}).status_code == 200
    assert {"access.account_created", "access.account_disabled", "access.grant_created"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"username": "", "password": PASSWORD}, "用户名：请填写用户名"),
        ({"username": "a b", "password": PASSWORD}, "用户名应为 3–150 个字母"),
        ({"username": "weak-one", "password": "abc"}, "初始密码（本人首次登录须修改）："),
    ],
)
def test_bad_account_input_is_named_and_changes_nothing(admins, fields, message):
    before = get_user_model().objects.count()
    answer = admins["system_admin"].post("/staff/accounts/", fields)
    assert answer.status_code == 400 and message in answer.content.decode()
    assert get_user_model().objects.count() == before


def test_a_separated_administrator_cannot_hold_a_second_separated_role(admins, make_staff):
    auditor = make_staff("audit_admin", username="auditor-one")
    refused = admins["security_admin"].post("/staff/grants/", {"username": auditor.username, "role": "system_admin"})
    assert refused.status_code == 400 and "三权分立，不得兼任" in refused.content.decode()


def test_other_staff_do_not_reach_the_staff_page(make_staff):
    client = Client()
    client.force_login(make_staff("hr_admin"))
    assert client.get("/staff/").status_code == 403
