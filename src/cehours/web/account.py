"""Sign-in pages: password, second factor (TOTP), password change, personal tokens, lockout.

The rules live in cehours.access (services, signin); these views parse, call and render.
"""

from __future__ import annotations

import re
from base64 import b32encode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, get_user_model, update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.password_validation import password_validators_help_texts
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from cehours.access.services import (
    AccessError,
    password_set,
    token_revoke,
    tokens_of,
    totp_device,
    totp_enrol_confirm,
    totp_enrol_start,
    totp_verify,
)
from cehours.access.signin import MUST_CHANGE_PASSWORD_KEY, second_factor_required

CODE_SHAPE = re.compile(r"^[0-9]{6}$")


def _next_url(request: HttpRequest) -> str:
    """Where to go after this step: the `next` the flow carried, if it is one of our own pages."""
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}, request.is_secure()):
        return wanted
    return reverse("web:home")


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


class SignInView(LoginView):
    """Django's sign-in (axes refuses it while locked out); then the second factor or the forced
    password change comes before any other page."""

    template_name = "web/login.html"

    def get_success_url(self) -> str:
        url = super().get_success_url()
        if second_factor_required(self.request.user):
            return _with_next("web:account-otp", url)
        if self.request.session.get(MUST_CHANGE_PASSWORD_KEY):
            return _with_next("web:account-password", url)
        return url


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the page for a sign-in refused because of too many failures."""
    minutes = settings.CEHOURS_LOGIN_LOCKOUT_MINUTES
    return render(request, "web/account/locked.html", {"minutes": minutes}, status=429)


# ---- second factor ---------------------------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label="动态口令",
        max_length=6,
        error_messages={"required": "请输入验证器上显示的 6 位动态口令"},
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if not CODE_SHAPE.match(code):
            raise forms.ValidationError("动态口令应为 6 位数字")
        return code


WRONG_CODE = "动态口令不正确或已使用过，请输入验证器上当前显示的 6 位数字"
THROTTLED = "动态口令错误次数过多，请稍候再试"


def _second_factor_done(request: HttpRequest) -> bool:
    user = request.user
    return not second_factor_required(user) or getattr(user, "is_verified", lambda: False)()


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of sign-in for those who need a second factor."""
    next_url = _next_url(request)
    if _second_factor_done(request):
        return redirect(next_url)
    if totp_device(request.user) is None:
        return redirect(_with_next("web:account-otp-enrol", next_url))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device, throttled = totp_verify(user=request.user, code=form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            return redirect(next_url)
        form.add_error("code", THROTTLED if throttled else WRONG_CODE)
    status = 400 if form.errors else 200
    return render(request, "web/account/otp_verify.html", {"form": form, "next": next_url}, status=status)


def _grouped(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
def otp_enrol(request: HttpRequest) -> HttpResponse:
    """First sign-in of an account that needs a second factor: add the secret to an authenticator
    app, then prove it with a code."""
    next_url = _next_url(request)
    if not second_factor_required(request.user) or totp_device(request.user) is not None:
        return redirect(_with_next("web:account-otp", next_url))
    device = totp_enrol_start(user=request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if totp_enrol_confirm(user=request.user, device=device, code=form.cleaned_data["code"]):
            device.refresh_from_db()
            otp_login(request, device)
            messages.success(request, "动态口令已启用，今后登录时须输入验证器上的动态口令。")
            return redirect(next_url)
        form.add_error("code", WRONG_CODE)
    secret = b32encode(device.bin_key).decode()
    context = {"form": form, "next": next_url, "secret": _grouped(secret), "uri": device.config_url}
    return render(request, "web/account/otp_enrol.html", context, status=400 if form.errors else 200)


# ---- password --------------------------------------------------------------------------------------


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label="原密码", strip=False, widget=forms.PasswordInput, error_messages={"required": "请输入原密码"}
    )
    new_password1 = forms.CharField(
        label="新密码", strip=False, widget=forms.PasswordInput, error_messages={"required": "请输入新密码"}
    )
    new_password2 = forms.CharField(
        label="再次输入新密码", strip=False, widget=forms.PasswordInput, error_messages={"required": "请再次输入新密码"}
    )

    def __init__(self, *args, request: HttpRequest, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        old = self.cleaned_data["old_password"]
        # Through authenticate(), so axes counts a wrong old password as a failed sign-in: a session
        # left open does not become a way to guess the password without limit.
        user = authenticate(self.request, username=self.request.user.get_username(), password=old)
        if user is None or user.pk != self.request.user.pk:
            raise forms.ValidationError("原密码不正确")
        return old

    def clean(self):
        data = super().clean() or {}
        new1, new2 = data.get("new_password1"), data.get("new_password2")
        if new1 and new2 and new1 != new2:
            self.add_error("new_password2", "两次输入的新密码不一致")
        elif new1 and new1 == data.get("old_password"):
            self.add_error("new_password1", "新密码不能与原密码相同")
        return data


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    form = PasswordChangeForm(request.POST or None, request=request)
    if request.method == "POST" and form.is_valid():
        # A plain row for the service (request.user is django-otp's lazy wrapper); signed in: login_required.
        user = get_user_model().objects.get(username=request.user.get_username())
        try:
            password_set(user=user, raw=form.cleaned_data["new_password1"], by=user)
        except AccessError as exc:
            form.add_error("new_password1", exc.message)
        else:
            # This session stays; every other session of the account ends with the old hash.
            update_session_auth_hash(request, user)
            request.session.pop(MUST_CHANGE_PASSWORD_KEY, None)
            messages.success(request, "密码已修改。此前签发的个人接口令牌已全部吊销，其他已登录的会话已退出。")
            return redirect(next_url)
    context = {
        "form": form,
        "next": next_url,
        "rules": password_validators_help_texts(),
        "forced": bool(request.session.get(MUST_CHANGE_PASSWORD_KEY)),
    }
    return render(request, "web/account/password.html", context, status=400 if form.errors else 200)


# ---- personal tokens -------------------------------------------------------------------------------


def _token_state(token, now) -> str:
    if token.revoked_at is not None:
        return "已吊销"
    if token.expires_at <= now:
        return "已过期"
    return "有效"


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = [{"token": t, "state": _token_state(t, now)} for t in tokens_of(request.user)]
    return render(request, "web/account/tokens.html", {"rows": rows, "days": settings.CEHOURS_TOKEN_DAYS})


@login_required
@require_POST
def token_revoke_view(request: HttpRequest) -> HttpResponse:
    prefix = request.POST.get("prefix", "")[:12]
    live = [t for t in tokens_of(request.user) if t.prefix == prefix and t.revoked_at is None]
    if not live:
        messages.error(request, "没有找到该令牌，或它已被吊销")
    else:
        token_revoke(token_prefix=prefix, user=request.user, by=request.user)
        messages.success(request, f"令牌 {prefix}… 已吊销，使用它的调用将被拒绝。")
    return redirect("web:account-tokens")
