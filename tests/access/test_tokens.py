"""Personal API tokens expire and can be revoked; the console commands that list and revoke them."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

from cehours.access import policy
from cehours.access.models import ApiToken
from cehours.access.services import token_issue, token_user
from cehours.audit.models import AuditEvent


@pytest.fixture
def holder(db):
    return get_user_model().objects.create_user("holder")


def test_a_token_lapses_after_the_configured_days(holder, settings):
    settings.CEHOURS_TOKEN_DAYS = 7
    token = token_issue(user=holder)
    row = ApiToken.objects.get(prefix=token[:12])
    assert timezone.timedelta(days=7) - (row.expires_at - row.created_at) < timezone.timedelta(seconds=5)
    assert token_user(token) == holder

    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now())

    assert token_user(token) is None


def test_a_revoked_token_opens_nothing(holder):
    token = token_issue(user=holder)
    call_command("revoke_token", "holder", token[:12], stdout=StringIO())
    assert token_user(token) is None


def test_list_tokens_shows_prefixes_dates_and_states(holder):
    live, revoked = token_issue(user=holder), token_issue(user=holder)
    ApiToken.objects.filter(prefix=revoked[:12]).update(revoked_at=timezone.now())
    out = StringIO()

    call_command("list_tokens", "holder", stdout=out)

    lines = out.getvalue().splitlines()
    assert any(line.startswith(live[:12]) and line.endswith("有效") for line in lines)
    assert any(line.startswith(revoked[:12]) and "已吊销" in line for line in lines)
    assert live not in out.getvalue()


def test_revoke_token_revokes_one_and_audits_it(holder):
    kept, gone = token_issue(user=holder), token_issue(user=holder)
    out = StringIO()

    call_command("revoke_token", "holder", gone[:12], stdout=out)

    assert "已吊销" in out.getvalue()
    assert token_user(kept) == holder and token_user(gone) is None
    assert AuditEvent.objects.filter(action="access.token_revoked", object_id=gone[:12]).count() == 1


def test_revoke_token_names_what_it_could_not_find(holder):
    with pytest.raises(CommandError) as raised:
        call_command("revoke_token", "holder", "ceh_nothing0")
    assert "ceh_nothing0" in str(raised.value)
    with pytest.raises(CommandError) as raised:
        call_command("list_tokens", "ghost")
    assert "ghost" in str(raised.value)


def test_a_staff_token_is_checked_and_its_grants_read_in_one_query(make_staff, django_assert_num_queries):
    staff = make_staff("reviewer", level=1, county="liandu")
    token = token_issue(user=staff)

    with django_assert_num_queries(1):
        user = token_user(token)
        grants = policy.user_grants(user)  # what every access check of the request reads

    assert user == staff
    assert [(g.role, g.level, g.county.name) for g in grants] == [("reviewer", 1, "莲都区")]


@pytest.mark.parametrize("lapse", ["revoked", "expired", "disabled"])
def test_a_staff_token_that_lapsed_opens_nothing_though_its_user_holds_grants(make_staff, lapse):
    staff = make_staff("hr_admin")
    token = token_issue(user=staff)
    row = ApiToken.objects.get(prefix=token[:12])
    if lapse == "revoked":
        ApiToken.objects.filter(pk=row.pk).update(revoked_at=timezone.now())
    elif lapse == "expired":
        ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now())
    else:
        get_user_model().objects.filter(pk=staff.pk).update(is_active=False)

    assert token_user(token) is None
    assert token_user(token_issue(user=make_staff("hr_admin"))) is not None  # another's still opens
