"""Parsing one pushed learning record into what the ledger registers (R3, R12a–c). No Django here.

Each record is checked on its own so that a bad record never spoils the good ones in its batch;
every problem is reported with the field, a stable code (cehours.errors.ErrorCode, the API's one
list of codes) and a Chinese message.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from cehours.errors import ErrorCode
from cehours.rules.conversion import offline_training_hours, online_hours, seminar_hours
from cehours.rules.hours import Category, to_hours
from cehours.rules.identifiers import InvalidIdentifier, normalize_credit_code, normalize_id_number
from cehours.rules.ruleset import RuleSet, SeminarLevel


class Activity(StrEnum):
    ONLINE_COURSE = "online_course"
    OFFLINE_TRAINING = "offline_training"
    ADVANCED_SEMINAR = "advanced_seminar"
    OTHER = "other"


# The record's fields as the pages name them (data quality counts refusals by field and code).
FIELD_LABELS = {
    "record": "记录", "source_record_id": "来源记录号", "id_number": "身份证号码", "name": "姓名",
    "category": "科目类别", "activity": "学习形式", "title": "名称", "completed_on": "完成日期",
    "start_on": "开始日期", "end_on": "结束日期", "hours": "学时", "minutes": "课件时长", "level": "高研班级别",
    "provider": "举办单位", "external_url": "链接", "industry": "行业（系列）",
    "unit_credit_code": "单位统一社会信用代码",
}  # fmt: skip
ACTIVITY_LABELS = {
    Activity.ONLINE_COURSE: "在线课程",
    Activity.OFFLINE_TRAINING: "线下培训",
    Activity.ADVANCED_SEMINAR: "高研班",
    Activity.OTHER: "其他",
}

_CATEGORIES = frozenset(c.value for c in Category)
_ACTIVITIES = frozenset(a.value for a in Activity)
_SEMINAR_LEVELS = frozenset(level.value for level in SeminarLevel)

MAX_MINUTES = 100_000
MAX_HOURS = Decimal("1000")
MAX_TRAINING_DAYS = 366
EARLIEST = date(1990, 1, 1)
# Longest text per field, in characters as sent (the API's schema documents the same bounds).
MAX_LENGTHS = {
    "source_record_id": 128, "name": 64, "title": 255, "provider": 128, "external_url": 500, "industry": 32,
    "unit_credit_code": 18,
}  # fmt: skip

# The submitted fields that make a record's content; a resend must match them exactly.
CONTENT_FIELDS = (
    "id_number", "name", "category", "activity", "title", "completed_on", "minutes", "start_on", "end_on",
    "hours", "seminar_level", "provider", "external_url", "industry",
)  # fmt: skip
# Fields added after systems had registered records: part of the content only when sent, so that a
# record registered before they existed, resent without them, keeps its fingerprint (a duplicate, not
# a conflict).
OPTIONAL_CONTENT_FIELDS = ("unit_credit_code",)


@dataclass(frozen=True)
class Problem:
    field: str
    code: ErrorCode
    message: str

    def as_dict(self) -> dict:
        return {"field": self.field, "code": self.code.value, "message": self.message}


@dataclass
class ParsedRecord:
    """A record that passed every check that needs no database."""

    source_record_id: str
    id_number: str
    name: str
    category: str
    activity: str
    title: str
    completed_on: date
    hours: Decimal
    start_on: date | None
    end_on: date | None
    explanation: str
    industry: str
    provider: str
    external_url: str
    fingerprint: str
    # The unit the sending system says the person works for (GB 32100, upper-cased); "" when not sent.
    unit_credit_code: str = ""
    extra: dict = field(default_factory=dict)


class _Problems(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems


def _text(raw: Mapping, name: str, label: str, max_length: int, problems: list[Problem], required: bool = True) -> str:
    value = raw.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            problems.append(Problem(name, ErrorCode.REQUIRED, f"{name}：缺少{label}"))
        return ""
    if not isinstance(value, str):
        problems.append(Problem(name, ErrorCode.INVALID, f"{name}：{label}应为文本"))
        return ""
    # Measured as sent, before the surrounding blanks are dropped: the bound the API documents.
    if len(value) > max_length:
        problems.append(Problem(name, ErrorCode.OUT_OF_RANGE, f"{name}：{label}不能超过 {max_length} 个字符"))
        return ""
    if "\x00" in value:
        # PostgreSQL cannot store NUL in text: refuse it here rather than fail the whole batch.
        problems.append(Problem(name, ErrorCode.INVALID, f"{name}：{label}不能含有空字符（\\x00）"))
        return ""
    return value.strip()


def _date(raw: Mapping, name: str, label: str, problems: list[Problem], today: date, required: bool) -> date | None:
    value = raw.get(name)
    if value is None or value == "":
        if required:
            problems.append(Problem(name, ErrorCode.REQUIRED, f"{name}：缺少{label}"))
        return None
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        parsed = date.fromisoformat(value)
    except ValueError:
        problems.append(Problem(name, ErrorCode.INVALID, f"{name}：{label}应为“年-月-日”格式的日期，如 2025-03-01"))
        return None
    if parsed > today:
        problems.append(Problem(name, ErrorCode.OUT_OF_RANGE, f"{name}：{label}不能晚于今天"))
        return None
    if parsed < EARLIEST:
        problems.append(Problem(name, ErrorCode.OUT_OF_RANGE, f"{name}：{label}不能早于 {EARLIEST.year} 年"))
        return None
    return parsed


def _decimal(raw: Mapping, name: str, label: str, problems: list[Problem]) -> Decimal | None:
    value = raw.get(name)
    if value is None or value == "":
        problems.append(Problem(name, ErrorCode.REQUIRED, f"{name}：缺少{label}"))
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        problems.append(Problem(name, ErrorCode.INVALID, f"{name}：{label}应为数字"))
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        problems.append(Problem(name, ErrorCode.INVALID, f"{name}：{label}应为数字"))
        return None
    if not number.is_finite() or number < 0 or number > MAX_HOURS:
        problems.append(Problem(name, ErrorCode.OUT_OF_RANGE, f"{name}：{label}应在 0–{MAX_HOURS} 之间"))
        return None
    return number


def fingerprint(raw: Mapping) -> str:
    content = {name: raw.get(name) for name in CONTENT_FIELDS}
    if isinstance(content["id_number"], str):
        content["id_number"] = content["id_number"].strip().upper()
    for name in ("hours", "minutes"):
        if content[name] is not None:
            try:
                content[name] = str(Decimal(str(content[name])).normalize())
            except InvalidOperation:
                content[name] = str(content[name])
    for name in OPTIONAL_CONTENT_FIELDS:
        value = raw.get(name)
        if isinstance(value, str):
            value = value.strip().upper()
        if value is not None and value != "":  # blank is "not sent", as the parser reads it
            content[name] = value
    payload = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(payload.encode()).hexdigest()


def parse_record(raw: object, *, rules_on: Callable[[date], RuleSet], today: date) -> ParsedRecord | list[Problem]:
    """Check one record and convert its learning into hours; a list of problems if it cannot be registered."""
    if not isinstance(raw, Mapping):
        return [Problem("", ErrorCode.INVALID, "记录应为 JSON 对象")]
    problems: list[Problem] = []
    source_record_id = _text(raw, "source_record_id", "来源记录号", MAX_LENGTHS["source_record_id"], problems)
    name = _text(raw, "name", "姓名", MAX_LENGTHS["name"], problems)
    title = _text(raw, "title", "名称", MAX_LENGTHS["title"], problems)
    provider = _text(raw, "provider", "举办单位", MAX_LENGTHS["provider"], problems, required=False)
    external_url = _text(raw, "external_url", "链接", MAX_LENGTHS["external_url"], problems, required=False)
    industry = _text(raw, "industry", "行业（系列）代码", MAX_LENGTHS["industry"], problems, required=False)
    unit_credit_code = _text(
        raw, "unit_credit_code", "工作单位统一社会信用代码", MAX_LENGTHS["unit_credit_code"], problems, required=False
    )
    if unit_credit_code:
        try:
            unit_credit_code = normalize_credit_code(unit_credit_code)
        except InvalidIdentifier as exc:
            problems.append(Problem("unit_credit_code", ErrorCode.INVALID, f"unit_credit_code：{exc}"))

    id_number = ""
    raw_id = raw.get("id_number")
    if raw_id is None or raw_id == "":
        problems.append(Problem("id_number", ErrorCode.REQUIRED, "id_number：缺少身份证号码"))
    else:
        try:
            id_number = normalize_id_number(raw_id if isinstance(raw_id, str) else "", today=today)
        except InvalidIdentifier as exc:
            problems.append(Problem("id_number", ErrorCode.INVALID_ID_NUMBER, f"id_number：{exc}"))

    category = raw.get("category")
    if category is None or category == "":
        problems.append(Problem("category", ErrorCode.REQUIRED, "category：缺少科目类别"))
    elif not isinstance(category, str) or category not in _CATEGORIES:
        problems.append(
            Problem("category", ErrorCode.INVALID, "category：应为 general_public、industry_public 或 professional")
        )
    activity = raw.get("activity")
    if activity is None or activity == "":
        problems.append(Problem("activity", ErrorCode.REQUIRED, "activity：缺少学习形式"))
        activity = None
    elif not isinstance(activity, str) or activity not in _ACTIVITIES:
        problems.append(
            Problem(
                "activity",
                ErrorCode.INVALID,
                "activity：应为 online_course、offline_training、advanced_seminar 或 other",
            )
        )
        activity = None
    completed_on = _date(raw, "completed_on", "完成日期", problems, today, required=True)

    hours = Decimal("0")
    explanation = ""
    start_on = end_on = None
    if activity == Activity.ONLINE_COURSE:
        minutes = raw.get("minutes")
        if minutes is None or minutes == "":
            problems.append(Problem("minutes", ErrorCode.REQUIRED, "minutes：在线课程须提供课件时长（分钟）"))
        elif isinstance(minutes, bool) or not isinstance(minutes, int):
            problems.append(Problem("minutes", ErrorCode.INVALID, "minutes：课件时长应为整数分钟"))
        elif not 0 < minutes <= MAX_MINUTES:
            problems.append(
                Problem("minutes", ErrorCode.OUT_OF_RANGE, f"minutes：课件时长应在 1–{MAX_MINUTES} 分钟之间")
            )
        elif completed_on is not None:
            rules = rules_on(completed_on)
            hours = online_hours(minutes, rules)
            explanation = f"课件时长 {minutes} 分钟，每{rules.online_minutes_per_hour}分钟折算1学时（第十二条）"
    elif activity == Activity.OFFLINE_TRAINING:
        start_on = _date(raw, "start_on", "开始日期", problems, today, required=True)
        end_on = _date(raw, "end_on", "结束日期", problems, today, required=True)
        claimed = _decimal(raw, "hours", "学时", problems)
        if start_on and end_on and end_on < start_on:
            problems.append(Problem("end_on", ErrorCode.INVALID, "end_on：结束日期不能早于开始日期"))
        elif start_on and end_on and (end_on - start_on).days >= MAX_TRAINING_DAYS:
            problems.append(Problem("start_on", ErrorCode.OUT_OF_RANGE, "start_on：一次培训不能超过一年"))
        elif start_on and end_on and completed_on and end_on != completed_on:
            problems.append(Problem("completed_on", ErrorCode.INVALID, "completed_on：线下培训的完成日期应为结束日期"))
        elif start_on and end_on and claimed is not None:
            result = offline_training_hours(start_on, end_on, claimed, rules_on(end_on))
            hours, explanation = result.hours, result.explanation
    elif activity == Activity.ADVANCED_SEMINAR:
        level = raw.get("seminar_level")
        if category not in (None, "", Category.PROFESSIONAL):
            problems.append(
                Problem("category", ErrorCode.INVALID, "category：高研班只能登记为专业科目（professional）")
            )
        if level is None or level == "":
            problems.append(Problem("seminar_level", ErrorCode.REQUIRED, "seminar_level：高研班须提供级别"))
        elif not isinstance(level, str) or level not in _SEMINAR_LEVELS:
            problems.append(
                Problem("seminar_level", ErrorCode.INVALID, "seminar_level：应为 national、provincial 或 municipal")
            )
        elif completed_on is not None:
            hours = seminar_hours(level, rules_on(completed_on))
            explanation = f"经批准的高研班按级别认定 {hours} 专业科目学时（第十二条）"
    elif activity == Activity.OTHER:
        claimed = _decimal(raw, "hours", "学时", problems)
        if claimed is not None:
            hours = to_hours(claimed)

    if problems:
        return problems
    return ParsedRecord(
        source_record_id=source_record_id,
        id_number=id_number,
        name=name,
        category=str(category),
        activity=str(activity),
        title=title,
        completed_on=completed_on,  # type: ignore[arg-type]
        hours=hours,
        start_on=start_on,
        end_on=end_on,
        explanation=explanation[:255],
        industry=industry,
        provider=provider,
        external_url=external_url,
        fingerprint=fingerprint(raw),
        unit_credit_code=unit_credit_code,
    )
