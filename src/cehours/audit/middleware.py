"""Gives every request an id and remembers its client address for the audit trail."""

from __future__ import annotations

import re
import uuid

from .context import RequestContext, request_context

_VALID_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _VALID_ID.match(incoming) else uuid.uuid4().hex
        via = "api" if request.path.startswith("/api/") else "web"
        ctx = RequestContext(request_id=request_id, remote_addr=request.META.get("REMOTE_ADDR", ""), via=via)
        request.request_id = request_id
        with request_context(ctx):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response
