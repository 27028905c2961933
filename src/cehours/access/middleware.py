"""How long a session lasts, and what it may reach before it has done what sign-in asks (等保 2.0 第三级).

IdleTimeoutMiddleware ends a session left alone for CEHOURS_SESSION_IDLE_MINUTES, and any session
CEHOURS_SESSION_MAX_HOURS after its sign-in (the session cookie's age alone would slide forward
with every write of the session). AccountGateMiddleware
keeps a session that still owes a second factor on the TOTP pages, and one signed in with a password
someone else chose on the change-password page; logout is always open. Bearer tokens are not
sessions and pass untouched; a session that owes something reaches the API as nobody.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.models import AnonymousUser
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from .signin import LAST_ACTIVITY_KEY, MUST_CHANGE_PASSWORD_KEY, SIGNED_IN_AT_KEY, second_factor_required

IDLE_MESSAGE = "长时间未操作，已自动退出，请重新登录"
MAX_AGE_MESSAGE = "本次登录已超过允许的最长时间，已自动退出，请重新登录"
# The session is written at most once a minute for the idle clock, not on every request: the clock
# is that much coarser, and pages do not pay a session write each.
TOUCH_SECONDS = 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVITY_KEY)
            # A session from before these keys existed starts its clocks now.
            signed_in = request.session.setdefault(SIGNED_IN_AT_KEY, now)
            if now - int(signed_in) > settings.SESSION_COOKIE_AGE:
                logout(request)
                messages.warning(request, MAX_AGE_MESSAGE)
            elif last is not None and now - int(last) > settings.CEHOURS_SESSION_IDLE_MINUTES * 60:
                logout(request)
                messages.warning(request, IDLE_MESSAGE)
            elif last is None or now - int(last) >= TOUCH_SECONDS:
                request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)


def _paths(*names: str) -> tuple[str, ...]:
    return tuple(reverse(name) for name in names)


class AccountGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated:
            owed = self._owed(request, user)
            if owed is not None:
                page, open_paths = owed
                if request.path.startswith("/api/"):
                    # ninja's session auth then sees nobody (401); a bearer token still authenticates.
                    request.user = AnonymousUser()
                elif not request.path.startswith(open_paths + (settings.STATIC_URL,)):
                    target = reverse(page)
                    if request.method == "GET":
                        target += "?" + urlencode({"next": request.get_full_path()})
                    return redirect(target)
        return self.get_response(request)

    @staticmethod
    def _owed(request, user) -> tuple[str, tuple[str, ...]] | None:
        """The page the session must go through first and the paths open meanwhile, or None."""
        if second_factor_required(user) and not getattr(user, "is_verified", lambda: False)():
            return "web:account-otp", _paths("web:account-otp", "web:account-otp-enrol", "web:logout")
        if request.session.get(MUST_CHANGE_PASSWORD_KEY):
            return "web:account-password", _paths("web:account-password", "web:logout")
        return None
