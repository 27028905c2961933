"""Who must prove what at sign-in, and the failed-sign-in limits (等保 2.0 第三级: 身份鉴别).

The counting and refusing of failed sign-ins is django-axes'; this module only tells it the
limits: CEHOURS_LOGIN_FAILURES_PER_ACCOUNT failures for one account, or
CEHOURS_LOGIN_FAILURES_PER_ADDRESS from one address, within CEHOURS_LOGIN_LOCKOUT_MINUTES.
"""

from __future__ import annotations

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.db.models import Sum

from .models import SEPARATED_ROLES, Role
from .policy import user_grants

# Session keys the sign-in flow keeps.
LAST_ACTIVITY_KEY = "cehours_last_activity"  # epoch seconds of the last request (idle timeout)
SIGNED_IN_AT_KEY = "cehours_signed_in_at"  # epoch seconds of the sign-in (absolute limit)
MUST_CHANGE_PASSWORD_KEY = "cehours_must_change_password"  # read once at sign-in from AccountState

# Roles whose holders sign in with a second factor: the city's HR administrators (personal data of
# everyone, accounts' grants once), the level-3 reviewers (R17 三级: every decision in the city) and
# the three separated administrators.
SECOND_FACTOR_ROLES = frozenset({Role.HR_ADMIN, *SEPARATED_ROLES})


def second_factor_required(user) -> bool:
    """Whether this account must prove a TOTP code after its password (DESIGN §7)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(
        grant.role in SECOND_FACTOR_ROLES or (grant.role == Role.REVIEWER and (grant.level or 0) >= 3)
        for grant in user_grants(user)
    )


def failure_limit(request, credentials) -> int:
    """AXES_FAILURE_LIMIT: one number for both of axes' counts (per username, per address).

    axes locks out when the larger of the two counts reaches the limit. So: once this account has
    reached its own (smaller) limit, the limit is that one; otherwise the address limit, which the
    account's count, being below its own limit, cannot reach on its own.
    """
    per_account = settings.CEHOURS_LOGIN_FAILURES_PER_ACCOUNT
    username = get_client_username(request, credentials)
    if username:
        failures = (
            AccessAttempt.objects.filter(username=username, attempt_time__gte=get_cool_off_threshold(request))
            .aggregate(total=Sum("failures_since_start"))
            .get("total")
            or 0
        )
        if failures >= per_account:
            return per_account
    return settings.CEHOURS_LOGIN_FAILURES_PER_ADDRESS


def client_address(request) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the connection's address, as the audit trail records it. Forwarded
    headers are not trusted: anyone could send one to spread guesses over made-up addresses."""
    return request.META.get("REMOTE_ADDR") or None


class LockoutBackend(AxesStandaloneBackend):
    """axes' lockout check for every sign-in that comes with a request (the sign-in page, the admin's,
    the old-password check of the change-password page).

    authenticate() without a request is code running on the server itself (the test client's
    login(), a shell): there is no address to count, and axes would refuse it with an exception
    instead of an answer.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class ProfessionalBackend(ModelBackend):
    """Professionals sign in with their ID number or mobile number and password (issue 10); staff
    keep their usernames (ModelBackend after this one). A registration still waiting for its unit
    signs in too, and reaches nothing of the record until the unit confirms it."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        from .professionals import account_by_login

        if not username or password is None:
            return None
        user = account_by_login(username)
        if user is None:
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
