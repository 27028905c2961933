"""The account pages from outside: changing a password (and what it closes), personal tokens."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from cehours.access.models import AccountState, ApiToken
from cehours.access.services import token_issue
from cehours.audit.models import AuditEvent
from tests.conftest import PASSWORD

NEW_PASSWORD = "Better-pass-2027"


def sign_in(client, username: str, password: str = PASSWORD):
    response = client.post("/login/", {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:300]
    return response


def change(client, old: str, new1: str, new2: str | None = None):
    return client.post(
        "/account/password/", {"old_password": old, "new_password1": new1, "new_password2": new2 or new1}
    )


def test_the_change_password_page_is_in_chinese_and_shows_the_rules(client, make_person):
    person = make_person(with_login=True)
    sign_in(client, person.user.username)

    html = client.get("/account/password/").content.decode()

    assert "<h1>修改密码</h1>" in html
    for label in ('<label for="id_old_password">原密码</label>', '<label for="id_new_password1">新密码</label>'):
        assert label in html
    assert "小写字母、大写字母、数字、其他符号中的至少 3 类" in html
    assert "至少 10 个字符" in html  # the length rule


def test_a_wrong_old_password_is_refused(client, make_person):
    person = make_person(with_login=True)
    sign_in(client, person.user.username)

    response = change(client, "not-the-Password-1", NEW_PASSWORD)

    assert response.status_code == 400
    assert "原密码：原密码不正确" in response.content.decode()
    person.user.refresh_from_db()
    assert person.user.check_password(PASSWORD)


def test_wrong_old_passwords_count_towards_the_lockout(client, make_person):
    person = make_person(with_login=True)
    sign_in(client, person.user.username)
    for _ in range(5):
        response = change(client, "not-the-Password-1", NEW_PASSWORD)

    assert response.status_code == 429
    assert Client().post("/login/", {"username": person.user.username, "password": PASSWORD}).status_code == 429


def test_a_weak_new_password_is_refused_naming_the_rule(client, make_person):
    person = make_person(with_login=True)
    sign_in(client, person.user.username)

    response = change(client, PASSWORD, "alllowercaseletters")

    assert response.status_code == 400
    assert "新密码：密码须包含小写字母、大写字母、数字、其他符号中的至少 3 类" in response.content.decode()
    mismatch = change(client, PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x")
    assert "两次输入的新密码不一致" in mismatch.content.decode()


def test_a_password_change_revokes_the_tokens_and_ends_the_other_sessions(make_person):
    person = make_person(with_login=True)
    user = person.user
    token = token_issue(user=user)
    api = f"/api/v1/people/{person.id_number}/compliance"
    here, elsewhere = Client(), Client()
    sign_in(here, user.username)
    sign_in(elsewhere, user.username)
    assert Client().get(api, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

    response = change(here, PASSWORD, NEW_PASSWORD)

    assert response.status_code == 302
    assert "密码已修改" in here.get(response["Location"], follow=True).content.decode()
    assert here.get("/me/").status_code == 200  # this session stays
    assert elsewhere.get("/me/").status_code == 302  # the other one is signed out
    assert Client().get(api, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert ApiToken.objects.get(user=user).revoked_at is not None
    state = AccountState.objects.get(user=user)
    assert state.must_change_password is False and state.password_changed_at is not None
    event = AuditEvent.objects.get(action="access.password_changed")
    assert event.actor == user and event.after["tokens_revoked"] == 1
    assert NEW_PASSWORD not in str(event.after)


# ---- personal tokens ----------------------------------------------------------------------------------


def test_the_tokens_page_lists_the_users_tokens_with_their_state(client, make_person):
    person = make_person(with_login=True)
    live, lapsed, revoked = (token_issue(user=person.user) for _ in range(3))
    ApiToken.objects.filter(prefix=lapsed[:12]).update(expires_at=timezone.now() - timezone.timedelta(days=1))
    ApiToken.objects.filter(prefix=revoked[:12]).update(revoked_at=timezone.now())
    other = make_person(with_login=True)
    foreign = token_issue(user=other.user)
    sign_in(client, person.user.username)

    html = client.get("/account/tokens/").content.decode()

    assert "<h1>个人接口令牌</h1>" in html
    for token, state in ((live, "有效"), (lapsed, "已过期"), (revoked, "已吊销")):
        row = html.split(f"{token[:12]}…")[1].split("</tr>")[0]
        assert state in row
    assert live not in html, "only the prefix is ever shown"
    assert foreign[:12] not in html


def test_revoking_a_token_on_the_page_stops_it_and_is_audited(client, make_person):
    person = make_person(with_login=True)
    token = token_issue(user=person.user)
    api = f"/api/v1/people/{person.id_number}/compliance"
    sign_in(client, person.user.username)

    response = client.post("/account/tokens/revoke/", {"prefix": token[:12]})

    assert response.status_code == 302 and response["Location"] == "/account/tokens/"
    assert Client().get(api, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert AuditEvent.objects.filter(action="access.token_revoked", actor=person.user).count() == 1
    assert client.get("/account/tokens/revoke/").status_code == 405


def test_nobody_revokes_someone_elses_token_from_the_page(client, make_person):
    person, other = make_person(with_login=True), make_person(with_login=True)
    foreign = token_issue(user=other.user)
    sign_in(client, person.user.username)

    client.post("/account/tokens/revoke/", {"prefix": foreign[:12]})

    assert ApiToken.objects.get(prefix=foreign[:12]).revoked_at is None
    assert not AuditEvent.objects.filter(action="access.token_revoked").exists()


def test_an_expired_token_is_refused_by_the_api(make_person, settings):
    person = make_person(with_login=True)
    token = token_issue(user=person.user)
    row = ApiToken.objects.get(prefix=token[:12])
    assert settings.CEHOURS_TOKEN_DAYS == 90
    assert abs((row.expires_at - row.created_at) - timezone.timedelta(days=90)) < timezone.timedelta(seconds=5)
    api = f"/api/v1/people/{person.id_number}/compliance"
    assert Client().get(api, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200

    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timezone.timedelta(seconds=1))

    assert Client().get(api, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401


def test_the_account_pages_need_a_sign_in(client, db):
    for url in ("/account/password/", "/account/tokens/", "/account/otp/", "/account/otp/enrol/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/?next="), url
