"""The one shape of a refused input: which field, a stable code, and a Chinese message saying why.

No Django here, so that the pure parsers (integration/records.py) and the API share one list of
codes: whatever code a program reads in an answer, per record or for the request, is a member of
`ErrorCode`.
"""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """Every machine-readable error code the platform answers with (README, "The JSON API")."""

    REQUIRED = "required"
    INVALID = "invalid"
    OUT_OF_RANGE = "out_of_range"
    INVALID_ID_NUMBER = "invalid_id_number"
    NOT_FOUND = "not_found"
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"
    TOO_LARGE = "too_large"  # a request body over its route's limit (cehours.web.uploads)
    RATE_LIMITED = "rate_limited"
    # Per record of a connected system's batch:
    NAME_MISMATCH = "name_mismatch"
    CONFLICT = "conflict"
    CATEGORY_NOT_ALLOWED = "category_not_allowed"
    INDUSTRY_NOT_ALLOWED = "industry_not_allowed"
    # What the ledger's door refuses or cuts, whichever way the hours came in:
    DAILY_CAP = "daily_cap"  # R12a: the person's offline hours that day already reach the cap
    FUTURE_DATE = "future_date"  # nothing dated after today enters the ledger
    # Why the door held a record no person checked, for a level-1 reviewer (ledger.HoldReason):
    ABOVE_RECORD_LIMIT = "above_record_limit"
    ABOVE_SYSTEM_YEAR_LIMIT = "above_system_year_limit"
    TOO_OLD = "too_old"
    LIKELY_DUPLICATE = "likely_duplicate"
    OUTSIDE_SERIES = "outside_series"
    HELD_REJECTED = "held_rejected"  # a held record the reviewer decided not to register


class FieldError(ValueError):
    """Input a service refuses; `field` names the input at fault ("" for the request as a whole)."""

    def __init__(self, field: str, message: str, code: ErrorCode = ErrorCode.INVALID):
        super().__init__(message)
        self.field = field
        self.message = message
        self.code = code


# What each code means, for pages that count records by code (data quality on /systems/quality/).
ERROR_CODE_LABELS: dict[str, str] = {  # keyed by ErrorCode, looked up by the stored string
    ErrorCode.REQUIRED: "缺少必填项",
    ErrorCode.INVALID: "填写格式有误",
    ErrorCode.OUT_OF_RANGE: "超出允许范围",
    ErrorCode.INVALID_ID_NUMBER: "身份证号码有误",
    ErrorCode.NOT_FOUND: "未找到",
    ErrorCode.UNAUTHENTICATED: "未登录或密钥无效",
    ErrorCode.FORBIDDEN: "无权操作",
    ErrorCode.UNAVAILABLE: "服务暂时不可用",
    ErrorCode.INTERNAL: "系统内部错误",
    ErrorCode.TOO_LARGE: "内容过大",
    ErrorCode.RATE_LIMITED: "查询过于频繁",
    ErrorCode.NAME_MISMATCH: "姓名与登记不一致",
    ErrorCode.CONFLICT: "与已登记记录冲突",
    ErrorCode.CATEGORY_NOT_ALLOWED: "无权登记该科目类别",
    ErrorCode.INDUSTRY_NOT_ALLOWED: "无权登记该行业人员",
    ErrorCode.DAILY_CAP: "超过当日线下学时上限",
    ErrorCode.FUTURE_DATE: "完成日期晚于今天",
    ErrorCode.ABOVE_RECORD_LIMIT: "单条记录学时超过上限",
    ErrorCode.ABOVE_SYSTEM_YEAR_LIMIT: "该系统本年度登记学时超过上限",
    ErrorCode.TOO_OLD: "记录年度过早",
    ErrorCode.LIKELY_DUPLICATE: "疑似重复",
    ErrorCode.OUTSIDE_SERIES: "不属于项目的行业（系列）",
    ErrorCode.HELD_REJECTED: "经审核不予登记",
}
