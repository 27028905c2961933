"""API authentication: a personal bearer token, or the browser's session."""

from __future__ import annotations

from ninja.security import HttpBearer, SessionAuth

from cehours.access.services import token_user


class PersonalToken(HttpBearer):
    """`Authorization: Bearer <token>` issued by `cehours issue-token`."""

    def authenticate(self, request, token):
        user = token_user(token)
        if user is None:
            return None
        request.user = user
        return user


class Session(SessionAuth):
    """The logged-in page session (CSRF applies to writes, as in the pages)."""

    def authenticate(self, request, key):
        user = request.user
        return user if user.is_authenticated and user.is_active else None


AUTH = [PersonalToken(), Session()]


class SystemKeyAuth(HttpBearer):
    """`Authorization: Bearer <key>` of a connected system (`cehours issue-api-key`)."""

    def authenticate(self, request, token):
        from cehours.integration.keys import system_for_key

        return system_for_key(token)


SYSTEM_AUTH = [SystemKeyAuth()]
