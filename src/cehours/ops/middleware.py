"""`Cache-Control: no-store` on every answer that may carry personal data."""

from __future__ import annotations

from django.conf import settings


class NoStoreMiddleware:
    """Answers to a signed-in user or to an API caller (Authorization header) are never cached.

    The simplest rule that cannot miss a page with an ID number on it: static files are the only
    answers to such requests that a browser or a proxy may keep.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.static_prefix = settings.STATIC_URL or "/static/"
        if not self.static_prefix.startswith("/"):
            self.static_prefix = "/" + self.static_prefix

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith(self.static_prefix):
            return response
        user = getattr(request, "user", None)
        if "Authorization" in request.headers or (user is not None and user.is_authenticated):
            response["Cache-Control"] = "no-store, private"
        return response
