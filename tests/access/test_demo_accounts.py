"""The demo's accounts: demo passwords must be changed at first sign-in; the HR administrator and the
level-3 reviewer are enrolled in TOTP and their secret is printed so a tester can compute codes."""

from __future__ import annotations

import re
import time
from base64 import b32decode

from django.contrib.auth import get_user_model
from django.test import Client
from django_otp.oath import TOTP

from cehours.access.models import AccountState
from cehours.access.services import totp_device
from cehours.demo import DEMO_PASSWORD, load_demo


def test_demo_accounts_change_their_password_first_and_admins_sign_in_with_the_printed_secret(db):
    result = load_demo(people=4, years=1)
    accounts = {a.username: a for a in result["accounts"]}
    User = get_user_model()

    assert all(AccountState.objects.get(user__username=name).must_change_password for name in accounts)
    secrets = {}
    for name in ("hr_admin", "reviewer3"):
        match = re.search(r"动态口令密钥：([A-Z2-7]+)", accounts[name].description)
        assert match, accounts[name].description
        secrets[name] = match.group(1)
        assert totp_device(User.objects.get(username=name)) is not None
    assert "动态口令" not in accounts["reviewer1"].description

    client = Client()
    response = client.post("/login/", {"username": "hr_admin", "password": DEMO_PASSWORD})
    assert response["Location"].startswith("/account/otp/")
    totp = TOTP(b32decode(secrets["hr_admin"]))
    totp.time = time.time()
    verified = client.post("/account/otp/", {"code": f"{totp.token():06d}"})
    assert verified.status_code == 302
    assert client.get("/people/")["Location"].startswith("/account/password/")  # then the demo password goes


def test_running_the_demo_again_keeps_the_same_secret(db):
    first = {a.username: a.description for a in load_demo(people=4, years=1)["accounts"]}
    again = {a.username: a.description for a in load_demo(people=4, years=1)["accounts"]}
    assert first["hr_admin"] == again["hr_admin"]
