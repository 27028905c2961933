"""Check-digit validation of resident ID numbers (GB 11643) and unified social credit codes (GB 32100)."""

from __future__ import annotations

from datetime import date

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


class InvalidIdentifier(ValueError):
    """The identifier is malformed; the message says how, in Chinese."""


def id_check_digit(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalize_id_number(raw: str, *, today: date | None = None) -> str:
    """An 18-digit resident ID number, upper-cased, or InvalidIdentifier saying what is wrong."""
    value = (raw or "").strip().upper()
    if len(value) != 18:
        raise InvalidIdentifier("身份证号码应为18位")
    # isascii(): str.isdigit() also accepts full-width, Arabic-Indic and superscript digits, which would
    # either register a second person under a differently spelled number or crash int() below.
    if not value.isascii() or not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise InvalidIdentifier("身份证号码前17位应为数字，末位为数字或X")
    try:
        birth = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise InvalidIdentifier("身份证号码中的出生日期不存在") from exc
    if birth.year < 1900 or birth > (today or date.today()):  # noqa: DTZ011 - a calendar date is meant
        raise InvalidIdentifier("身份证号码中的出生日期不合理")
    if id_check_digit(value[:17]) != value[17]:
        raise InvalidIdentifier("身份证号码校验位错误")
    return value


def mask_id_number(value: str) -> str:
    """Shown to everyone but the person: the area code and the last four characters."""
    return f"{value[:6]}{'*' * 8}{value[-4:]}"


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def normalize_credit_code(raw: str) -> str:
    """An 18-character unified social credit code (统一社会信用代码) or InvalidIdentifier."""
    value = (raw or "").strip().upper()
    if len(value) != 18:
        raise InvalidIdentifier("统一社会信用代码应为18位")
    if any(c not in _USCC_ALPHABET for c in value):
        raise InvalidIdentifier("统一社会信用代码含有不允许的字符（不使用 I、O、Z、S、V）")
    if uscc_check_char(value[:17]) != value[17]:
        raise InvalidIdentifier("统一社会信用代码校验位错误")
    return value
