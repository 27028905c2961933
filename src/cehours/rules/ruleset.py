"""Versioned rule sets (R12d): which conversion and requirement figures apply on a given day.

The regulation (第十二条) lets provincial rules on conversion take precedence (从其规定). A rule
version therefore names its issuing level and effective date, optionally one industry series, and
may leave a field unset (None): for each field the in-force version highest in `precedence` wins,
otherwise the regulation's own figure. This way a provincial rule that only changes, say, the online
minutes per hour does not silently reset the city's annual requirements; and a provincial version
may set conversion fields only (the annual requirement is the city's, 第十一条).

`FIELD_SPECS` says, for every field, its Chinese label, how a value is written and checked
(`rule_value`), whether a provincial version may set it, and whether it is an option of the
platform rather than a figure of the regulation.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from enum import StrEnum


class IssuingLevel(StrEnum):
    CITY = "city"
    PROVINCE = "province"


class SeminarLevel(StrEnum):
    """R12c 第十二条: 高研班 approved at national, provincial or municipal level."""

    NATIONAL = "national"
    PROVINCIAL = "provincial"
    MUNICIPAL = "municipal"


@dataclass(frozen=True)
class RuleSet:
    """The figures in force on one day, every one of them data (R11, R12a–c, R20)."""

    # R11 第十一条
    annual_total: Decimal = Decimal("90")
    annual_professional: Decimal = Decimal("60")
    annual_public: Decimal = Decimal("18")
    # R12a 第十二条: offline training, hours per day at most
    offline_hours_per_day: Decimal = Decimal("6")
    # R12b 第十二条: courseware minutes per hour
    online_minutes_per_hour: int = 45
    # R12c 第十二条: 高研班 professional hours
    seminar_national_hours: Decimal = Decimal("60")
    seminar_provincial_hours: Decimal = Decimal("48")
    seminar_municipal_hours: Decimal = Decimal("36")
    # Hours are kept to this quantum and truncated to it.
    hours_quantum: Decimal = Decimal("0.1")
    # R20 第二十条: years an integrity entry blocks title applications; None = until lifted by L3.
    integrity_block_years: int | None = None
    # R16.2 第十六条 sets no deadline, so none is on by default (None). City HR may turn one on: a
    # year's offline learning is then first submitted no later than this many days after 31 December.
    declaration_deadline_days: int | None = None
    # With a deadline on, a claim a reviewer returned may still be resubmitted this many days after
    # the return: the person answers the reviewer, and a return near the deadline must not close the
    # year on them. Unused while the deadline is off.
    resubmission_days: int = 30
    # Plausibility of records no person checked (DESIGN §2): above these they are held for a
    # level-1 reviewer, neither registered nor refused. 60 is the most the regulation awards at
    # once (a national 高研班, 第十二条). `record_hours_limits` maps an activity ("offline_training")
    # or "activity:category" to its own limit.
    max_record_hours: Decimal = Decimal("60")
    record_hours_limits: tuple[tuple[str, Decimal], ...] = ()
    # Records for a year more than this many years before the current one are held. Off (None) by
    # default: the regulation has no such rule, and systems that connect bring their history.
    oldest_record_years: int | None = None
    # The most hours one connected system may register for one person in one year, by system code;
    # above it the record is held. None set by default: the regulation caps no source's year.
    system_year_hours_limits: tuple[tuple[str, Decimal], ...] = ()
    # Issue 11: attention checks a platform course's player asks per credit hour of courseware (at
    # least one an item). On by default because the issue asks for it: watch time nobody attended
    # is worth nothing (NASBA asks for three a credit hour). Not a rule of the regulation.
    attention_checks_per_hour: int = 3

    def record_limit(self, activity: str, category: str) -> Decimal:
        """The most hours one unchecked record of this activity and category may carry."""
        limits = dict(self.record_hours_limits)
        return Decimal(str(limits.get(f"{activity}:{category}", limits.get(activity, self.max_record_hours))))

    def system_year_limit(self, system: str) -> Decimal | None:
        """The most hours the connected system may register per person in a year; None if no limit."""
        limits = dict(self.system_year_hours_limits)
        return Decimal(str(limits[system])) if system in limits else None

    def seminar_hours(self, level: SeminarLevel | str) -> Decimal:
        return {
            SeminarLevel.NATIONAL: self.seminar_national_hours,
            SeminarLevel.PROVINCIAL: self.seminar_provincial_hours,
            SeminarLevel.MUNICIPAL: self.seminar_municipal_hours,
        }[SeminarLevel(level)]


RULE_FIELDS = tuple(f.name for f in fields(RuleSet))

# A version gives an option this value to turn it off again: None in a version means "not set here"
# (the field falls back to a lower version), so "off" needs a word of its own.
OFF = "off"
OFF_WORDS = frozenset({OFF, "关闭", "不设"})
TENTH = Decimal("0.1")
MAX_HOURS = Decimal("1000")
MAX_COUNT = 36500  # a hundred years in days: above any figure a rule could mean
ACTIVITY_KEY = re.compile(r"^[a-z][a-z0-9_]*(:[a-z][a-z0-9_]*)?$")
SYSTEM_KEY = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # a connected system's code (a slug)


class FieldKind(StrEnum):
    """How a rule-set field is written in a version, and what it may hold."""

    HOURS = "hours"  # a decimal ≥ 0 with at most one decimal (the ledger keeps tenths of an hour)
    QUANTUM = "quantum"  # a decimal > 0 with at most one decimal
    COUNT = "count"  # a whole number ≥ 1
    OPTIONAL_COUNT = "optional_count"  # a whole number ≥ 1, or OFF
    HOURS_LIMITS = "hours_limits"  # activity (or activity:category) = hours, several
    SYSTEM_HOURS_LIMITS = "system_hours_limits"  # connected system code = hours, several


@dataclass(frozen=True)
class FieldSpec:
    """What the interface calls a field, how it is written, and who may set it."""

    label: str
    kind: FieldKind
    unit: str = ""
    # R12d 第十二条: a 学时折算 rule, which a provincial version may set (从其规定). Every other
    # field is the city's: the annual requirement is 第十一条's, the options are the platform's.
    conversion: bool = False
    # Not a figure of the regulation but a choice the platform makes (README, "Rule-set options").
    option: bool = False
    # How a None / OFF value reads, for the optional fields.
    off_text: str = ""


HOURS, QUANTUM, COUNT, OPTIONAL, LIMITS = (
    FieldKind.HOURS,
    FieldKind.QUANTUM,
    FieldKind.COUNT,
    FieldKind.OPTIONAL_COUNT,
    FieldKind.HOURS_LIMITS,
)
FIELD_SPECS: dict[str, FieldSpec] = {
    "annual_total": FieldSpec("年度总学时要求", HOURS, "学时"),
    "annual_professional": FieldSpec("年度专业科目学时要求", HOURS, "学时"),
    "annual_public": FieldSpec("年度公需科目学时要求（一般公需与行业公需合计）", HOURS, "学时"),
    "offline_hours_per_day": FieldSpec("线下学习每天最多折算学时", HOURS, "学时", conversion=True),
    "online_minutes_per_hour": FieldSpec("在线学习每学时课件时长", COUNT, "分钟", conversion=True),
    "seminar_national_hours": FieldSpec("国家级高研班认定学时", HOURS, "学时", conversion=True),
    "seminar_provincial_hours": FieldSpec("省级高研班认定学时", HOURS, "学时", conversion=True),
    "seminar_municipal_hours": FieldSpec("市级高研班认定学时", HOURS, "学时", conversion=True),
    "hours_quantum": FieldSpec("学时计算精度（向下取整到）", QUANTUM, "学时", conversion=True, option=True),
    "integrity_block_years": FieldSpec(
        "诚信档案记录限制职称申报年数", OPTIONAL, "年", option=True, off_text="直至三级管理权限解除"
    ),
    "declaration_deadline_days": FieldSpec(
        "线下学习申报截止（年度结束后天数）", OPTIONAL, "天", option=True, off_text="不设截止"
    ),
    "resubmission_days": FieldSpec("退回补充材料后可重新提交天数（设有申报截止时）", COUNT, "天", option=True),
    "max_record_hours": FieldSpec("未经人工审核的单条记录学时上限", HOURS, "学时", option=True),
    "record_hours_limits": FieldSpec("按学习形式的单条记录学时上限", LIMITS, "学时", option=True, off_text="无"),
    "oldest_record_years": FieldSpec(
        "可直接登记记录的最早年度（距当年年数）", OPTIONAL, "年", option=True, off_text="不限"
    ),
    "attention_checks_per_hour": FieldSpec("在线课程每学时专注度确认次数", COUNT, "次", option=True),
    "system_year_hours_limits": FieldSpec(
        "对接系统每人每年登记学时上限", FieldKind.SYSTEM_HOURS_LIMITS, "学时", option=True, off_text="不限"
    ),
}
LIMIT_KINDS = (FieldKind.HOURS_LIMITS, FieldKind.SYSTEM_HOURS_LIMITS)
ANNUAL_FIELDS = ("annual_total", "annual_professional", "annual_public")


class RuleValueError(ValueError):
    """A rule version or one of its values refused; `field` names the rule-set field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def _hours(name: str, spec: FieldSpec, raw: object) -> Decimal:
    if isinstance(raw, bool | float):  # True is an int and a float is not exact: neither is hours
        raise RuleValueError(name, f"“{spec.label}”应为数字，如 6 或 4.5")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise RuleValueError(name, f"“{spec.label}”应为数字，如 6 或 4.5") from None
    if not value.is_finite():
        raise RuleValueError(name, f"“{spec.label}”应为数字，如 6 或 4.5")
    if value != value.quantize(TENTH, rounding=ROUND_DOWN):
        raise RuleValueError(name, f"“{spec.label}”最多一位小数")
    if spec.kind is FieldKind.QUANTUM and value <= 0:
        raise RuleValueError(name, f"“{spec.label}”应大于 0")
    if value < 0:
        raise RuleValueError(name, f"“{spec.label}”不能为负数")
    if value > MAX_HOURS:
        raise RuleValueError(name, f"“{spec.label}”不能超过 {MAX_HOURS}")
    return value.quantize(TENTH)


def _count(name: str, spec: FieldSpec, raw: object) -> int:
    text = str(raw).strip() if not isinstance(raw, bool) else ""
    if not text.isdigit() or not text.isascii():
        raise RuleValueError(name, f"“{spec.label}”应为正整数")
    value = int(text)
    if not 1 <= value <= MAX_COUNT:
        raise RuleValueError(name, f"“{spec.label}”应为 1 至 {MAX_COUNT} 之间的整数")
    return value


def _hours_limits(name: str, spec: FieldSpec, raw: object) -> tuple[tuple[str, Decimal], ...]:
    systems = spec.kind is FieldKind.SYSTEM_HOURS_LIMITS
    pattern, what = (SYSTEM_KEY, "对接系统代码") if systems else (ACTIVITY_KEY, "学习形式代码")
    example = "city-hospital=120" if systems else "offline_training=40"
    if isinstance(raw, str):
        items = [item.strip() for item in re.split(r"[;,；，\n]", raw) if item.strip()]
        pairs = []
        for item in items:
            key, sep, hours = item.partition("=")
            if not sep:
                raise RuleValueError(name, f"“{spec.label}”每项应写作 {what}=学时，如 {example}")
            pairs.append((key.strip(), hours.strip()))
    elif isinstance(raw, dict):
        pairs = list(raw.items())
    elif isinstance(raw, list | tuple):
        pairs = [tuple(pair) for pair in raw]
    else:
        raise RuleValueError(name, f"“{spec.label}”每项应写作 {what}=学时，如 {example}")
    limits: dict[str, Decimal] = {}
    for key, hours in pairs:
        key = str(key)
        if not pattern.match(key):
            shape = "如 city-hospital" if systems else "如 offline_training 或 offline_training:professional"
            raise RuleValueError(name, f"“{spec.label}”中的“{key}”不是{what}（{shape}）")
        if key in limits:
            raise RuleValueError(name, f"“{spec.label}”中“{key}”出现了两次")
        limits[key] = _hours(name, spec, hours)
    return tuple(limits.items())


def rule_value(name: str, raw: object) -> object:
    """The typed value of `raw` for the field `name`: text as typed on the page or the command
    line, or a value already typed. RuleValueError, naming the field, for anything else."""
    spec = FIELD_SPECS.get(name)
    if spec is None:
        raise RuleValueError(name, f"未知的规则字段：{name}")
    if spec.kind in LIMIT_KINDS:
        return _hours_limits(name, spec, raw)
    if spec.kind is FieldKind.OPTIONAL_COUNT and (raw is None or (isinstance(raw, str) and raw.strip() in OFF_WORDS)):
        return OFF
    if spec.kind in (FieldKind.COUNT, FieldKind.OPTIONAL_COUNT):
        return _count(name, spec, raw)
    return _hours(name, spec, raw)


def describe_value(name: str, value: object) -> str:
    """A field's value as the interface shows it, in Chinese."""
    spec = FIELD_SPECS[name]
    if value is None or value == OFF:
        return spec.off_text or "未设置"
    if spec.kind in LIMIT_KINDS:
        pairs = _hours_limits(name, spec, value)  # typed pairs, or a stored dict read back
        return "；".join(f"{key} {hours} {spec.unit}" for key, hours in pairs) or spec.off_text
    return f"{value} {spec.unit}".strip()


def _provincial_refusal(name: str) -> str:
    label = FIELD_SPECS[name].label
    if name in ANNUAL_FIELDS:
        return (
            f"省级版本不能设置“{label}”：年度学时要求由本办法第十一条规定，第十二条“从其规定”只及于学时折算。"
            "省级要求调整时，请由市人力社保局以市级版本录入"
        )
    return f"省级版本只能设置学时折算规则（第十二条“从其规定”）；“{label}”由市人力社保局以市级版本设定"


@dataclass(frozen=True)
class RuleVersion:
    """One issued version: a level, an effective date, optionally one industry series, and the
    fields it sets (others absent or None)."""

    code: str
    issuing_level: IssuingLevel
    effective_from: date
    values: dict[str, object] = field(default_factory=dict)
    # The industry series (its code) the version is for; None = every series.
    series: str | None = None
    # Order of entry (the stored row's id). Versions are never edited: a correction is a new version,
    # often with the same level, series and date, and it must win over the one it corrects.
    sequence: int = 0

    def __post_init__(self) -> None:
        problems = version_problems(self.issuing_level, self.values)
        if problems:
            raise problems[0]


def version_problems(issuing_level: IssuingLevel | str, values: dict[str, object]) -> list[RuleValueError]:
    """Every reason a version setting these fields cannot be issued at this level, in field order:
    unknown fields, and, for a provincial version, the fields that are not conversion rules."""
    problems = [RuleValueError(name, f"未知的规则字段：{name}") for name in sorted(set(values) - set(RULE_FIELDS))]
    if IssuingLevel(issuing_level) is IssuingLevel.PROVINCE:
        # R12d: 从其规定 covers conversion only; a provincial version never silently replaces the
        # city's annual requirement (第十一条) or the city's options.
        problems += [
            RuleValueError(name, _provincial_refusal(name))
            for name in RULE_FIELDS
            if values.get(name) is not None and not FIELD_SPECS[name].conversion
        ]
    return problems


_LEVEL_RANK = {IssuingLevel.CITY: 0, IssuingLevel.PROVINCE: 1}


def precedence(version: RuleVersion) -> tuple:
    """Where a version stands, lowest first; for each field the highest version setting it wins.

    1. Provincial over city (R12d, 从其规定), whatever their dates.
    2. Within a level, a version for one series over a city-wide one, whatever their dates: the
       special rule over the general (特别规定优于一般规定). A later city-wide change reaches a series
       with its own figure only through a new version for that series.
    3. Then the later effective date, then the later entry (a correction), then the code.
    """
    level = _LEVEL_RANK[IssuingLevel(version.issuing_level)]
    return (level, version.series is not None, version.effective_from, version.sequence, version.code)


def rules_in_force(versions: Iterable[RuleVersion], on: date, series: str | None = None) -> RuleSet:
    """The rule set applying on `on` to a person of `series` (R12d), per field by `precedence`.

    Versions for other series are ignored; with `series` None only city-wide versions apply.
    """
    in_force = [v for v in versions if v.effective_from <= on and v.series in (None, series)]
    merged: dict[str, object] = {}
    for version in sorted(in_force, key=precedence):  # lowest first: later items overwrite
        for name, value in version.values.items():
            if value is not None:
                merged[name] = None if value == OFF else value
    return RuleSet(**merged)  # type: ignore[arg-type]
