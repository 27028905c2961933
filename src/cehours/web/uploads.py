"""The request-body cap (DESIGN §7): a request larger than its route allows is refused before its body is read.

Django's DATA_UPLOAD_MAX_MEMORY_SIZE bounds only what it holds in memory; the file parts of a
multipart body are streamed to a temporary file whatever their size, so a 1 GB POST to any page
would fill the disk. `RequestBodyLimitMiddleware` reads nothing but the `Content-Length` header:
upload routes allow their file limit plus the form around it, every other route
DATA_UPLOAD_MAX_MEMORY_SIZE. A body without a length (chunked transfer) is refused too: Django
would read it as empty, so no upload can arrive that way anyway, and its size cannot be known.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve

from cehours.api.middleware import error_response, is_api
from cehours.errors import ErrorCode

MB = 1024 * 1024
# Multipart boundaries, part headers and the form's other fields, on top of the file itself.
FORM_OVERHEAD_BYTES = 256 * 1024
# Routes that take a file, and the setting naming the largest file each accepts.
UPLOAD_ROUTES = {
    "web:exchange-import": "CEHOURS_MAX_UPLOAD_BYTES",
    "web:seminar-attendees": "CEHOURS_MAX_UPLOAD_BYTES",
    "web:declarations": "EVIDENCE_MAX_BYTES",  # a new declaration may carry its first proof file
    "web:declaration-act": "EVIDENCE_MAX_BYTES",  # adds a proof file to a draft
    "web:course-manage": "CEHOURS_MAX_COURSEWARE_BYTES",  # a courseware video
}
DEFAULT_BODY_BYTES = 12 * MB  # when DATA_UPLOAD_MAX_MEMORY_SIZE is None (Django's "no limit")


def body_limit(request: HttpRequest) -> tuple[int, int | None]:
    """(largest body accepted, largest file accepted or None) for the request's route."""
    try:
        view_name = resolve(request.path_info).view_name
    except Resolver404:
        view_name = ""
    setting = UPLOAD_ROUTES.get(view_name)
    if setting:
        file_limit = getattr(settings, setting)
        return file_limit + FORM_OVERHEAD_BYTES, file_limit
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE or DEFAULT_BODY_BYTES, None


def _content_length(request: HttpRequest) -> int | None:
    raw = request.META.get("CONTENT_LENGTH")
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        return None  # Django reads such a body as empty; nothing to bound


def _refusal(request: HttpRequest, status: int, message: str) -> HttpResponse:
    if is_api(request):
        code = ErrorCode.TOO_LARGE if status == 413 else ErrorCode.INVALID
        return error_response(status, code, message)
    title = "文件过大" if status == 413 else "请求无效"
    page = (
        '<!DOCTYPE html><html lang="zh-Hans"><head><meta charset="utf-8">'
        f"<title>{title} · 继续教育学时管理</title></head><body><main>"
        f"<h1>{title}</h1><p>{escape(message)}</p>"
        '<p><a href="/">返回首页</a></p>'
        "</main></body></html>"
    )
    return HttpResponse(page, status=status, content_type="text/html; charset=utf-8")


class RequestBodyLimitMiddleware:
    """Before anything reads the body (CSRF reads request.POST): 413 when Content-Length is over
    the route's limit, 411 when a body comes without a length."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        length = _content_length(request)
        if length is None:
            if request.META.get("HTTP_TRANSFER_ENCODING"):
                return _refusal(request, 411, "请求须带 Content-Length 头：不接受分块传输的请求体")
            return self.get_response(request)
        limit, file_limit = body_limit(request)
        if length > limit:
            if file_limit is not None:
                message = f"请求内容过大：上传的文件不能超过 {file_limit // MB} MB"
            else:
                message = f"请求内容过大：请求体不能超过 {limit // MB} MB"
            return _refusal(request, 413, message)
        return self.get_response(request)
