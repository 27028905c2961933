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
