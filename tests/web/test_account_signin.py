"""Sign-in from outside, through the real pages (DESIGN §7, 等保 2.0 第三级 身份鉴别): failed-sign-in
limits, the TOTP second factor, the forced password change, idle and absolute session limits.

Every test signs in with client.post("/login/"), never client.login()/force_login(), so the
shortcut in tests/conftest.py (which marks shortcut sessions as second-factor verified) plays no part.
"""

from __future__ import annotations

import time
from base64 import b32decode

import pytest
from axes.models import AccessAttempt
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from cehours.access.services import staff_create, token_issue, totp_device, totp_enrol_confirmed
from cehours.access.signin import LAST_ACTIVITY_KEY, SIGNED_IN_AT_KEY
from cehours.audit.models import AuditEvent
from tests.conftest import PASSWORD

LOCKED = "登录失败次数过多，请 15 分钟后再试"


def sign_in(client, username: str, password: str = PASSWORD, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def code_for(key: bytes, step_offset: int = 0) -> str:
    """The code an authenticator app shows now (or `step_offset` 30-second steps later)."""
    totp = TOTP(key)
    totp.time = time.time() + 30 * step_offset
    return f"{totp.token():06d}"


# ---- failed-sign-in limits (django-axes) ------------------------------------------------------------


def test_five_wrong_passwords_then_the_right_one_is_refused_with_one_audit_event(client, make_staff):
    staff = make_staff("reviewer", level=1, county="liandu")

    for _ in range(5):
        response = sign_in(client, staff.username, "wrong-Password-1")
    assert response.status_code == 429
    response = sign_in(client, staff.username)

    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert not signed_in(client)
    events = AuditEvent.objects.filter(action__startswith="auth.")
    assert list(events.values_list("action", flat=True)) == ["auth.locked_out"]
    assert events.get().after["username"] == staff.username
    # More attempts during the lockout neither extend it in the audit trail nor flood it.
    for _ in range(10):
        sign_in(client, staff.username, "wrong-Password-1")
    assert AuditEvent.objects.filter(action__startswith="auth.").count() == 1


def test_four_wrong_passwords_do_not_lock_the_account(client, make_staff):
    staff = make_staff("reviewer", level=1, county="liandu")
    for _ in range(4):
        assert sign_in(client, staff.username, "wrong-Password-1").status_code == 200

    response = sign_in(client, staff.username)

    assert response.status_code == 302 and signed_in(client)
    assert not AuditEvent.objects.filter(action__in=["auth.locked_out", "auth.login_failed"]).exists()


def test_the_account_limit_holds_across_addresses(client, make_staff):
    staff = make_staff("reviewer", level=1, county="liandu")
    for n in range(5):
        sign_in(client, staff.username, "wrong-Password-1", REMOTE_ADDR=f"10.0.0.{n + 1}")

    response = sign_in(client, staff.username, REMOTE_ADDR="10.0.0.99")

    assert response.status_code == 429 and not signed_in(client)


def test_twenty_failures_from_one_address_across_accounts_lock_that_address(client, make_staff):
    staff = make_staff("reviewer", level=1, county="liandu")
    for n in range(20):
        sign_in(client, f"guess{n}", "wrong-Password-1", REMOTE_ADDR="10.9.9.9")

    refused = sign_in(client, staff.username, REMOTE_ADDR="10.9.9.9")
    assert refused.status_code == 429 and LOCKED in refused.content.decode()
    assert not signed_in(client)
    assert AuditEvent.objects.filter(action="auth.locked_out").count() == 1

    elsewhere = sign_in(client, staff.username, REMOTE_ADDR="10.1.1.1")
    assert elsewhere.status_code == 302 and signed_in(client)


def test_nineteen_failures_from_one_address_do_not_lock_it(client, make_staff):
    staff = make_staff("reviewer", level=1, county="liandu")
    for n in range(19):
        sign_in(client, f"guess{n}", "wrong-Password-1", REMOTE_ADDR="10.9.9.9")

    assert sign_in(client, staff.username, REMOTE_ADDR="10.9.9.9").status_code == 302


def test_the_lockout_ends_after_fifteen_minutes(client, make_staff):
    staff = make_staff("reviewer", level=1, county="liandu")
    for _ in range(5):
        sign_in(client, staff.username, "wrong-Password-1")
    assert sign_in(client, staff.username).status_code == 429

    AccessAttempt.objects.update(attempt_time=timezone.now() - timezone.timedelta(minutes=16))

    assert sign_in(client, staff.username).status_code == 302 and signed_in(client)


# ---- forced password change (initial and demo passwords) --------------------------------------------


def test_an_initial_password_must_be_changed_before_any_other_page(client, city):
    staff_create(username="new-clerk", password="Initial-pass-2026", role="unit_staff", unit=city["units"]["hospital"])

    response = sign_in(client, "new-clerk", "Initial-pass-2026")
    assert response.status_code == 302
    assert response["Location"].startswith("/account/password/")
    for url in ("/", "/people/", "/me/", "/account/tokens/"):
        blocked = client.get(url)
        assert blocked.status_code == 302 and blocked["Location"].startswith("/account/password/"), url
    page = client.get("/account/password/")
    assert "您的密码由他人设置" in page.content.decode()

    changed = client.post(
        "/account/password/",
        {"old_password": "Initial-pass-2026", "new_password1": "Own-choice-2027!", "new_password2": "Own-choice-2027!"},
    )
    assert changed.status_code == 302
    assert client.get("/people/").status_code == 200

    client.post("/logout/")
    again = sign_in(client, "new-clerk", "Own-choice-2027!")
    assert again.status_code == 302 and again["Location"] == "/"


def test_logout_stays_open_while_the_password_change_is_owed(client, city):
    staff_create(username="new-clerk", password="Initial-pass-2026", role="unit_staff", unit=city["units"]["hospital"])
    sign_in(client, "new-clerk", "Initial-pass-2026")

    response = client.post("/logout/")

    assert response.status_code == 302 and response["Location"] == "/login/"
    assert not signed_in(client)


# ---- the TOTP second factor ---------------------------------------------------------------------------


def test_hr_admin_signs_in_with_password_then_totp_code(client, make_staff):
    admin = make_staff("hr_admin")
    device = totp_enrol_confirmed(user=admin)

    response = sign_in(client, admin.username)
    assert response.status_code == 302
    assert response["Location"].startswith("/account/otp/")
    page = client.get(response["Location"])
    assert "动态口令验证" in page.content.decode()

    blocked = client.get("/people/")
    assert blocked.status_code == 302 and blocked["Location"].startswith("/account/otp/")

    wrong = client.post("/account/otp/", {"code": f"{(int(code_for(device.bin_key)) + 1) % 10**6:06d}"})
    assert wrong.status_code == 400
    assert "动态口令不正确" in wrong.content.decode()
    assert client.get("/people/").status_code == 302

    # django-otp backs off after a wrong code; an immediate retry is refused even with the right one.
    throttled = client.post("/account/otp/", {"code": code_for(device.bin_key)})
    assert "动态口令错误次数过多" in throttled.content.decode()
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - timezone.timedelta(seconds=10)
    )

    right = client.post("/account/otp/", {"code": code_for(device.bin_key), "next": "/people/"})
    assert right.status_code == 302 and right["Location"] == "/people/"
    assert client.get("/people/").status_code == 200


def test_a_totp_code_is_refused_a_second_time(client, make_staff):
    admin = make_staff("hr_admin")
    device = totp_enrol_confirmed(user=admin)
    code = code_for(device.bin_key)
    sign_in(client, admin.username)
    assert client.post("/account/otp/", {"code": code}).status_code == 302
    client.post("/logout/")

    sign_in(client, admin.username)
    replay = client.post("/account/otp/", {"code": code})

    assert replay.status_code == 400
    assert client.get("/people/").status_code == 302


@pytest.mark.parametrize(("role", "level"), [("hr_admin", None), ("reviewer", 3), ("audit_admin", None)])
def test_first_sign_in_of_an_account_needing_totp_enrols_it(client, make_staff, role, level):
    staff = make_staff(role, level=level)

    response = sign_in(client, staff.username)
    enrol = client.get(response["Location"], follow=True)
    assert enrol.redirect_chain[-1][0].startswith("/account/otp/enrol/")
    html = enrol.content.decode()
    assert "启用动态口令" in html
    uri = html.split('id="otp-uri">')[1].split("<")[0].replace("&amp;", "&")
    assert uri.startswith("otpauth://totp/") and "secret=" in uri
    secret = html.split('id="otp-secret">')[1].split("<")[0].replace(" ", "")
    assert client.get("/people/").status_code == 302  # not before a code proves the enrolment

    wrong = client.post("/account/otp/enrol/", {"code": f"{(int(code_for(b32decode(secret))) + 1) % 10**6:06d}"})
    assert wrong.status_code == 400
    assert totp_device(staff) is None, "a wrong code confirms nothing"
    assert client.get("/people/").status_code == 302

    TOTPDevice.objects.filter(user=staff).update(throttling_failure_timestamp=None, throttling_failure_count=0)
    confirmed = client.post("/account/otp/enrol/", {"code": code_for(b32decode(secret)), "next": "/"})
    assert confirmed.status_code == 302
    assert totp_device(staff) is not None
    assert client.get("/account/tokens/").status_code == 200


def test_a_level_one_reviewer_needs_no_second_factor(client, make_staff):
    reviewer = make_staff("reviewer", level=1, county="liandu")

    response = sign_in(client, reviewer.username, follow=True)

    assert response.redirect_chain[-1][0] == "/" and "待审核的学时申报" in response.content.decode()


def test_a_session_owing_the_second_factor_reaches_the_api_as_nobody_but_a_token_still_works(
    client, make_staff, make_person
):
    admin = make_staff("hr_admin")
    totp_enrol_confirmed(user=admin)
    person = make_person()
    url = f"/api/v1/people/{person.id_number}/compliance"
    sign_in(client, admin.username)

    assert client.get(url).status_code == 401

    token = token_issue(user=admin)
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200


# ---- session limits ----------------------------------------------------------------------------------


def _age_session(client, key: str, seconds: int) -> None:
    session = client.session
    session[key] = int(session[key]) - seconds
    session.save()


def test_an_idle_session_is_signed_out_with_a_chinese_message(client, make_staff):
    reviewer = make_staff("reviewer", level=1, county="liandu")
    sign_in(client, reviewer.username)
    assert client.get("/people/").status_code == 200

    _age_session(client, LAST_ACTIVITY_KEY, 29 * 60)
    assert client.get("/people/").status_code == 200  # 29 minutes: still there

    _age_session(client, LAST_ACTIVITY_KEY, 31 * 60)
    response = client.get("/people/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not signed_in(client)
    login_page = client.get(response["Location"])
    assert "长时间未操作，已自动退出，请重新登录" in login_page.content.decode()


def test_an_active_session_still_ends_eight_hours_after_sign_in(client, make_staff, settings):
    reviewer = make_staff("reviewer", level=1, county="liandu")
    sign_in(client, reviewer.username)
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True

    _age_session(client, SIGNED_IN_AT_KEY, 8 * 3600 + 1)
    response = client.get("/people/")

    assert response.status_code == 302 and not signed_in(client)
    assert "已自动退出" in client.get(response["Location"]).content.decode()


def test_the_idle_limit_follows_its_setting(client, make_staff, settings):
    settings.CEHOURS_SESSION_IDLE_MINUTES = 2
    reviewer = make_staff("reviewer", level=1, county="liandu")
    sign_in(client, reviewer.username)

    _age_session(client, LAST_ACTIVITY_KEY, 3 * 60)

    assert client.get("/people/").status_code == 302 and not signed_in(client)
