"""Personal API tokens expire and can be revoked; the console commands that list and revoke them."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.utils import timezone

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
