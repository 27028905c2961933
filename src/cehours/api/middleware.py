"""JSON error answers for everything under /api/, wherever the failure happens.

Every answer under /api/ is JSON; an error is `{"errors": [{"field", "code", "message"}]}`, also
when the database cannot be reached (503 `unavailable`) or something unexpected broke (500
`internal`, no traceback). Three places produce them, all through `exception_answer` here:

- ninja's exception handlers (api/v1.py), for failures inside an endpoint and its authentication
  (the bearer-key lookup reads the database before the endpoint runs);
- Django's handler404 / handler500 (`page_not_found`, `server_error`, named in cehours.urls), for
  what fails outside ninja: an unknown route (the URL resolver answers before ninja sees it),
  another middleware, the session;
- `ApiErrorShapeMiddleware`, the last net: an error answer under /api/ that is still not JSON
  (ninja's bare 405, Django's 400 for a bad Host header, the DEBUG pages) gets the same shape.

Pages outside /api/ keep Django's HTML error pages.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from django.core.exceptions import BadRequest, PermissionDenied, RequestDataTooBig, SuspiciousOperation
from django.db import (
    DatabaseError,
    DataError,
    IntegrityError,
    InterfaceError,
    InternalError,
    NotSupportedError,
    ProgrammingError,
)
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.log import log_response
from django.views import defaults

from .errors import ErrorCode, error_body

API_PREFIX = "/api/"
CONTENT_TYPE = "application/json; charset=utf-8"
UNAVAILABLE_MESSAGE = "数据库暂时不可用，请稍后重试"
RETRY_AFTER_SECONDS = 5

# Database errors that are a fault in the platform (a bug, a broken invariant), not an outage:
# retrying the same request will not help, so they answer 500 `internal`, not 503.
_DATABASE_FAULTS = (IntegrityError, DataError, ProgrammingError, NotSupportedError, InternalError)

# Error answers whose HTML body is replaced, by status: (code, Chinese message).
_BY_STATUS: dict[int, tuple[ErrorCode, str]] = {
    400: (ErrorCode.INVALID, "请求无效"),
    401: (ErrorCode.UNAUTHENTICATED, "未登录或令牌无效：请登录，或提供 Authorization: Bearer 令牌"),
    403: (ErrorCode.FORBIDDEN, "无权执行此操作"),
    404: (ErrorCode.NOT_FOUND, "未找到请求的接口：请核对地址"),
    405: (ErrorCode.INVALID, "该接口不支持此请求方法"),
    413: (ErrorCode.INVALID, "请求内容过大"),
    503: (ErrorCode.UNAVAILABLE, UNAVAILABLE_MESSAGE),
}


def is_api(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def is_database_unavailable(exc: BaseException) -> bool:
    """A database error that means "cannot reach or use the database now": refused or lost
    connections, a file that is not a database, lock timeouts, deadlocks — worth retrying later.

    InterfaceError (a closed or broken connection) is not a DatabaseError in Django's hierarchy.
    """
    return isinstance(exc, InterfaceError) or (isinstance(exc, DatabaseError) and not isinstance(exc, _DATABASE_FAULTS))


def error_response(status: int, code: ErrorCode, message: str, field: str = "") -> JsonResponse:
    response = JsonResponse(
        error_body(field, code, message),
        status=status,
        content_type=CONTENT_TYPE,
        json_dumps_params={"ensure_ascii": False},
    )
    if status == 503:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def internal_message(request: HttpRequest) -> str:
    request_id = getattr(request, "request_id", "")
    reference = f"（请求编号 {request_id}）" if request_id else ""
    return f"服务器内部错误，请稍后再试；问题已记录{reference}"


def exception_answer(request: HttpRequest, exc: BaseException | None, *, logged: bool = False) -> JsonResponse:
    """The JSON answer for an exception raised while serving an /api/ request.

    The operator's log gets what the caller never sees: an outage as one warning line, anything
    unexpected with its traceback (`logged`: Django has already logged it, in handler500). Logged
    through Django's log_response, which marks the answer so Django does not log it a second time.
    """
    if exc is not None and is_database_unavailable(exc):
        response = error_response(503, ErrorCode.UNAVAILABLE, UNAVAILABLE_MESSAGE)
        if not logged:
            log_response(
                "Database unavailable: %s %s: %s: %s",
                request.method,
                request.path,
                type(exc).__name__,
                str(exc).strip(),
                response=response,
                request=request,
                level="warning",
            )
        return response
    if isinstance(exc, Http404):
        return error_response(404, ErrorCode.NOT_FOUND, "未找到请求的资源")
    if isinstance(exc, PermissionDenied):
        return error_response(403, ErrorCode.FORBIDDEN, "无权执行此操作")
    if isinstance(exc, RequestDataTooBig):
        return error_response(413, ErrorCode.INVALID, "请求内容过大")
    if isinstance(exc, SuspiciousOperation | BadRequest):
        return error_response(400, ErrorCode.INVALID, "请求无效")
    response = error_response(500, ErrorCode.INTERNAL, internal_message(request))
    if not logged:
        log_response("Internal Server Error: %s", request.path, response=response, request=request, exception=exc)
    return response


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler404: JSON under /api/ (unknown routes never reach ninja), Django's page elsewhere."""
    if is_api(request):
        code, message = _BY_STATUS[404]
        return error_response(404, code, message)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: JSON under /api/, telling an unreachable database (503) from a fault (500).

    Django calls it while the exception is being handled, so sys.exc_info() names it.
    """
    if is_api(request):
        return exception_answer(request, sys.exc_info()[1], logged=True)
    return defaults.server_error(request)


class ApiErrorShapeMiddleware:
    """Outermost: replaces any non-JSON error answer under /api/ by the documented shape, same status."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api(request) or response.status_code < 400 or response.streaming:
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        status = response.status_code
        if status >= 500 and status != 503:
            code, message = ErrorCode.INTERNAL, internal_message(request)
        else:
            code, message = _BY_STATUS.get(status, (ErrorCode.INVALID, "请求无效"))
        shaped = error_response(status, code, message)
        for header, value in response.items():
            if header.lower() not in {"content-type", "content-length"}:
                shaped[header] = value
        shaped.cookies = response.cookies
        return shaped
