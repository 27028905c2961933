"""Machine-readable error codes with Chinese messages, one shape for every API error.

Every error answer is `{"errors": [{"field", "code", "message"}]}`: the field names the input
at fault (or is empty for the request as a whole), the code is stable for programs, the message
is for people.
"""

from __future__ import annotations

from ninja.errors import ValidationError

# The codes are the platform's one enumeration (cehours/errors.py), shared with the record parser;
# importable from here as before.
from cehours.errors import ErrorCode


class ApiInputError(Exception):
    """Bad input found after parsing (cross-field checks, identifiers); answers 422."""

    def __init__(self, field: str, message: str, code: ErrorCode = ErrorCode.INVALID, status: int = 422):
        super().__init__(message)
        self.field, self.message, self.code, self.status = field, message, code, status


_LOCATIONS = {"query", "path", "body", "header", "cookie", "form", "file"}


def _field_of(loc: list | tuple, body_params: frozenset[str] = frozenset({"payload", "body"})) -> str:
    parts = list(loc)
    if parts and parts[0] in _LOCATIONS:
        location = parts.pop(0)
        if location == "body" and parts and parts[0] in body_params:
            parts.pop(0)
    return ".".join(str(p) for p in parts)


def _message(error: dict) -> tuple[ErrorCode, str]:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return ErrorCode.REQUIRED, "缺少必填项"
    if kind in {"int_parsing", "int_type", "int_from_float"}:
        return ErrorCode.INVALID, "应为整数"
    if kind in {"decimal_parsing", "decimal_type", "float_parsing", "float_type"}:
        return ErrorCode.INVALID, "应为数字"
    if kind in {"date_parsing", "date_from_datetime_parsing", "date_type", "date_from_datetime_inexact"}:
        return ErrorCode.INVALID, "应为 YYYY-MM-DD 格式的日期"
    if kind in {"bool_parsing", "bool_type"}:
        return ErrorCode.INVALID, "应为 true 或 false"
    if kind in {"string_type", "string_unicode"}:
        return ErrorCode.INVALID, "应为文本"
    if kind == "greater_than_equal":
        return ErrorCode.OUT_OF_RANGE, f"不能小于 {ctx.get('ge')}"
    if kind == "greater_than":
        return ErrorCode.OUT_OF_RANGE, f"应大于 {ctx.get('gt')}"
    if kind == "less_than_equal":
        return ErrorCode.OUT_OF_RANGE, f"不能大于 {ctx.get('le')}"
    if kind == "less_than":
        return ErrorCode.OUT_OF_RANGE, f"应小于 {ctx.get('lt')}"
    if kind == "string_too_long":
        return ErrorCode.OUT_OF_RANGE, f"不能超过 {ctx.get('max_length')} 个字符"
    if kind == "string_too_short":
        return ErrorCode.OUT_OF_RANGE, f"不能少于 {ctx.get('min_length')} 个字符"
    if kind == "too_long":
        return ErrorCode.OUT_OF_RANGE, f"最多 {ctx.get('max_length')} 项"
    if kind == "too_short":
        return ErrorCode.OUT_OF_RANGE, f"至少 {ctx.get('min_length')} 项"
    if kind in {"enum", "literal_error"}:
        return ErrorCode.INVALID, f"取值应为 {ctx.get('expected', '允许的取值之一')}"
    if kind in {"json_invalid", "model_attributes_type", "dict_type", "model_type"}:
        return ErrorCode.INVALID, "请求内容不是有效的 JSON 对象"
    if kind == "list_type":
        return ErrorCode.INVALID, "应为列表"
    if kind == "extra_forbidden":
        return ErrorCode.INVALID, "不允许的字段"
    if kind == "value_error":
        return ErrorCode.INVALID, str(ctx.get("error", error.get("msg", "取值无效")))
    return ErrorCode.INVALID, "取值无效"


def validation_errors(exc: ValidationError) -> list[dict]:
    out = []
    for error in exc.errors:
        code, message = _message(error)
        field = _field_of(error.get("loc", ()))
        out.append({"field": field, "code": code.value, "message": f"{field}：{message}" if field else message})
    return out


def error_body(field: str, code: ErrorCode | str, message: str) -> dict:
    return {"errors": [{"field": field, "code": str(code), "message": message}]}
