"""The /api/v1 NinjaAPI: authentication and error shape enforced once for every endpoint."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import Http404
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.renderers import JSONRenderer

from . import certificates, eligibility, people, records
from .auth import AUTH
from .errors import ApiInputError, ErrorCode, error_body, validation_errors
from .middleware import exception_answer
from .schemas import ErrorOut


class ReadableJSON(JSONRenderer):
    """UTF-8 JSON: Chinese messages stay readable in logs and terminals."""

    json_dumps_params = {"ensure_ascii": False}  # noqa: RUF012 - as ninja declares it


api = NinjaAPI(
    renderer=ReadableJSON(),
    title="cehours 继续教育学时制管理平台 API",
    version="1",
    description="丽水市专业技术人员继续教育学时：合规、职称申报资格、学时记录与对接系统接入。",
    auth=AUTH,
    urls_namespace="api-v1",
    docs_url="/docs",
)


@api.exception_handler(ValidationError)
def _validation(request, exc: ValidationError):
    return api.create_response(request, {"errors": validation_errors(exc)}, status=422)


@api.exception_handler(ApiInputError)
def _input(request, exc: ApiInputError):
    return api.create_response(request, error_body(exc.field, exc.code, exc.message), status=exc.status)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return api.create_response(
        request,
        error_body("", ErrorCode.UNAUTHENTICATED, "未登录或令牌无效：请登录，或提供 Authorization: Bearer 令牌"),
        status=401,
    )


@api.exception_handler(HttpError)
def _http(request, exc: HttpError):
    if exc.status_code == 400:
        # Ninja's only 400 is a body that is not JSON at all ("Cannot parse request body"): bad input
        # like any other, so the documented 422 with a Chinese message, as for a JSON non-object.
        return api.create_response(
            request, error_body("", ErrorCode.INVALID, "请求内容不是有效的 JSON 对象"), status=422
        )
    return api.create_response(request, error_body("", ErrorCode.INVALID, str(exc)), status=exc.status_code)


# Everything else an endpoint or its authentication raises answers in the same JSON shape, never
# Django's HTML page or a traceback: an unreachable database (the bearer-key lookup already reads
# it) is 503 `unavailable`, anything unexpected 500 `internal`. These replace ninja's own handlers
# for Exception and Http404 (which re-raise to Django, or answer {"detail": ...}).
@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
@api.exception_handler(DatabaseError)
@api.exception_handler(Http404)
@api.exception_handler(PermissionDenied)
@api.exception_handler(SuspiciousOperation)
@api.exception_handler(Exception)
def _failure(request, exc: Exception):
    return exception_answer(request, exc)


class HealthOut(Schema):
    status: str


@api.get("/health", auth=None, tags=["health"], response={200: HealthOut, 503: ErrorOut})
def health(request):
    """For load balancers: the app answers and its database does (503 `unavailable` when it does not)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"status": "ok"}


api.add_router("/", people.router)
api.add_router("/", eligibility.router)
api.add_router("/", records.router)
api.add_router("/", certificates.router)
