"""The request a change happens in: id, client address and user, for the audit trail."""

from __future__ import annotations

import contextvars
import uuid
from contextlib import contextmanager
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    request_id: str
    remote_addr: str = ""
    via: str = "web"


_current: contextvars.ContextVar[RequestContext | None] = contextvars.ContextVar("cehours_request", default=None)


def current() -> RequestContext:
    ctx = _current.get()
    if ctx is None:
        # Commands and background work: one id per process run is enough to group their changes.
        ctx = RequestContext(request_id=uuid.uuid4().hex, via="cli")
        _current.set(ctx)
    return ctx


@contextmanager
def request_context(ctx: RequestContext):
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)
