"""Separation of duties (等保 2.0 第三级 三权分立): system, security and audit administrators."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from cehours.access.models import Grant
from cehours.access.policy import Action, PolicyDenied, can, grants_for
from cehours.access.services import AccessError, grant_create, staff_create
from cehours.audit.models import AuditEvent
from cehours.audit.selectors import audit_events_visible_to


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("system_admin", "security_admin"),
        ("system_admin", "audit_admin"),
        ("security_admin", "audit_admin"),
        ("audit_admin", "system_admin"),
    ],
)
def test_no_one_holds_two_of_the_three_administrator_roles(db, first, second):
    user = get_user_model().objects.create_user("admin")
    grant_create(user=user, role=first)

    with pytest.raises(AccessError) as raised:
        grant_create(user=user, role=second)

    labels = {"system_admin": "系统管理员", "security_admin": "安全管理员", "audit_admin": "审计管理员"}
    assert labels[first] in raised.value.message and labels[second] in raised.value.message
    assert "三权分立" in raised.value.message
    assert list(Grant.objects.filter(user=user).values_list("role", flat=True)) == [first]


def test_the_same_administrator_role_again_is_not_a_conflict(db):
    user = get_user_model().objects.create_user("admin")
    grant_create(user=user, role="audit_admin")
    grant_create(user=user, role="audit_admin")
    assert Grant.objects.filter(user=user).count() == 2


def test_administrator_grants_are_city_wide(db, city):
    user = get_user_model().objects.create_user("admin")
    with pytest.raises(AccessError) as raised:
        grant_create(user=user, role="security_admin", county=city["counties"]["liandu"])
    assert "全市" in raised.value.message


def test_each_administrator_holds_only_their_own_duty(db, make_staff):
    system, security, audit, hr = (make_staff(r) for r in ("system_admin", "security_admin", "audit_admin", "hr_admin"))

    assert [can(u, Action.MANAGE_ACCOUNTS) for u in (system, security, audit, hr)] == [True, False, False, False]
    assert [can(u, Action.MANAGE_GRANTS) for u in (system, security, audit, hr)] == [False, True, False, False]
    assert bool(grants_for(audit, Action.READ_AUDIT)) and not grants_for(system, Action.READ_AUDIT)
    assert not any(grants_for(u, Action.VIEW_PERSON) for u in (system, security, audit))  # no personal data
    # The audit administrator reads every event, whoever did it; the other two read only their own.
    assert audit_events_visible_to(audit).count() == AuditEvent.objects.count() > 0
    assert not audit_events_visible_to(system).exclude(actor=system).exists()


def test_only_the_security_administrator_gives_grants(db, make_staff):
    target = get_user_model().objects.create_user("target")
    for role in ("system_admin", "audit_admin", "hr_admin"):
        with pytest.raises(PolicyDenied):
            grant_create(user=target, role="evaluator", by=make_staff(role))

    security = make_staff("security_admin")
    grant_create(user=target, role="evaluator", by=security)
    with pytest.raises(AccessError):
        grant_create(user=security, role="evaluator", by=security)  # nor to themselves


def test_only_the_system_administrator_creates_accounts(db, make_staff):
    with pytest.raises(PolicyDenied):
        staff_create(username="x", password="Initial-pass-2026", role="evaluator", by=make_staff("security_admin"))
    assert not get_user_model().objects.filter(username="x").exists()


def test_create_staff_accepts_the_administrator_roles_and_refuses_a_second_one(db):
    out = StringIO()
    call_command("create_staff", "sysadmin", role="system_admin", password="Initial-pass-2026", stdout=out)
    assert "系统管理员" in out.getvalue()

    with pytest.raises(CommandError) as raised:
        call_command("create_staff", "sysadmin", role="audit_admin")
    assert "三权分立" in str(raised.value)
    assert list(Grant.objects.filter(user__username="sysadmin").values_list("role", flat=True)) == ["system_admin"]
