"""Issue 10: disabling accounts and withdrawing grants from the command line, as on /staff/, with 三权分立
kept (the system administrator disables, the security administrator withdraws) and every step audited."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command

from cehours.access.models import ApiToken, Grant
from cehours.access.services import token_issue
from cehours.audit.models import AuditEvent


def _run(*args) -> str:
    import io

    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_the_system_administrator_disables_an_account_and_its_tokens_lapse(make_staff):
    admin = make_staff("system_admin", username="sys-admin")
    clerk = make_staff("unit_staff", unit="hospital", username="hospital-clerk")
    token_issue(user=clerk)

    with pytest.raises(CommandError, match="--reason：停用账号须说明原因"):
        call_command("disable_account", "hospital-clerk", "--as", "sys-admin")
    clerk.refresh_from_db()
    assert clerk.is_active

    said = _run("disable_account", "hospital-clerk", "--reason", "调离岗位", "--as", "sys-admin")
    assert "账号 hospital-clerk 已停用。" in said
    clerk.refresh_from_db()
    assert not clerk.is_active
    assert not ApiToken.objects.filter(user=clerk, revoked_at__isnull=True).exists()
    event = AuditEvent.objects.get(action="access.account_disabled")
    assert event.actor == admin and event.after["reason"] == "调离岗位"
    assert "hospital-clerk（账号已停用）" in _run("list_grants", "hospital-clerk")

    assert "已启用" in _run("disable_account", "hospital-clerk", "--enable", "--as", "sys-admin")
    clerk.refresh_from_db()
    assert clerk.is_active


def test_the_security_administrator_withdraws_a_grant_by_its_listed_id(make_staff):
    make_staff("security_admin", username="sec-admin")
    make_staff("unit_staff", unit="hospital", username="hospital-clerk")
    grant = Grant.objects.get(user__username="hospital-clerk")
    listed = _run("list_grants", "hospital-clerk")
    assert f"{grant.pk}\thospital-clerk\t{grant}" in listed and "共 1 项授权。" in listed

    with pytest.raises(CommandError, match="--reason：撤销授权须说明原因"):
        call_command("withdraw_grant", str(grant.pk), "--as", "sec-admin")
    assert Grant.objects.filter(pk=grant.pk).exists()

    said = _run("withdraw_grant", str(grant.pk), "--reason", "岗位调整", "--as", "sec-admin")
    assert f"已撤销 hospital-clerk 的授权：{grant}" in said
    assert not Grant.objects.filter(pk=grant.pk).exists()
    event = AuditEvent.objects.get(action="access.grant_withdrawn")
    assert event.before["user"] == "hospital-clerk" and event.after["reason"] == "岗位调整"


@pytest.mark.parametrize(
    "args, says",
    [
        (["disable_account", "hospital-clerk", "--reason", "x", "--as", "sec-admin"], "--as："),
        (["disable_account", "nobody", "--reason", "x", "--as", "sys-admin"], "USERNAME：找不到工作人员账号 nobody"),
        (["disable_account", "sys-admin", "--reason", "x", "--as", "sys-admin"], "不能停用自己的账号"),
        (["disable_account", "hospital-clerk", "--reason", "x", "--as", "ghost"], "--as：找不到有效账号 ghost"),
        (["withdraw_grant", "GRANT", "--reason", "x", "--as", "sys-admin"], "--as："),
        (["withdraw_grant", "999999", "--reason", "x", "--as", "sec-admin"], "GRANT_ID：找不到编号为 999999 的授权"),
    ],
)
def test_the_commands_keep_the_duties_apart_and_name_what_is_wrong(make_staff, args, says):
    make_staff("system_admin", username="sys-admin")
    make_staff("security_admin", username="sec-admin")
    clerk = make_staff("unit_staff", unit="hospital", username="hospital-clerk")
    grant = Grant.objects.get(user=clerk)
    args = [str(grant.pk) if a == "GRANT" else a for a in args]
    before = (Grant.objects.count(), list(Grant.objects.values_list("user__is_active", flat=True)))

    with pytest.raises(CommandError, match=says):
        call_command(*args)

    assert (Grant.objects.count(), list(Grant.objects.values_list("user__is_active", flat=True))) == before
