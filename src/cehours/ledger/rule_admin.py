"""City HR enters rule versions (R12d): checked and typed against the rule set, audited, append-only."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction

from cehours.access import policy
from cehours.audit.services import audit_record
from cehours.errors import FieldError
from cehours.people.models import Series
from cehours.rules.ruleset import (
    FIELD_SPECS,
    RULE_FIELDS,
    IssuingLevel,
    RuleValueError,
    RuleVersion,
    describe_value,
    rule_value,
    version_problems,
)

from .models import RuleVersionRecord
from .rulesets import stored_value, version_of

LEVEL_LABELS = {IssuingLevel.CITY: "市级", IssuingLevel.PROVINCE: "省级"}
# Dates a version may take effect: the platform's years (as the ledger's own year constraint).
FIRST_DAY, LAST_DAY = date(1990, 1, 1), date(2200, 12, 31)


class RuleVersionError(FieldError):
    """Refused; `field` is the input at fault: code, issuing_level, effective_from, series, or a rule
    field. `problems` lists every (field, message) found, the first being `field` and `message`."""

    def __init__(self, field: str, message: str, problems: list[tuple[str, str]] | None = None):
        super().__init__(field, message)
        self.problems = problems or [(field, message)]


def rule_version_add(
    *,
    by,
    code: str,
    issuing_level: str,
    effective_from: date,
    values: Mapping[str, object],
    series: Series | None = None,
) -> RuleVersionRecord:
    """Store a new rule version: each value checked and typed by its field (`rule_value`); a
    provincial version sets conversion fields only (R12d). Never an edit: a correction is a new one."""
    policy.require(by, policy.Action.EDIT_RULES)
    code = (code or "").strip()
    if not code or len(code) > 64:
        raise RuleVersionError("code", "文号不能为空，且不超过64个字符")
    try:
        level = IssuingLevel(issuing_level)
    except ValueError:
        raise RuleVersionError("issuing_level", "发文层级应为市级或省级") from None
    if not isinstance(effective_from, date) or not FIRST_DAY <= effective_from <= LAST_DAY:
        raise RuleVersionError("effective_from", f"生效日期应在 {FIRST_DAY} 至 {LAST_DAY} 之间")
    given = {name: raw for name, raw in values.items() if not (isinstance(raw, str) and not raw.strip())}
    if not given:
        raise RuleVersionError("", "请至少设置一项规则")
    # Every problem at once, in the rule set's field order, so one correction of the form is enough.
    typed: dict[str, object] = {}
    problems = version_problems(level, given)
    for name in [n for n in RULE_FIELDS if n in given]:
        try:
            typed[name] = rule_value(name, given[name])
        except RuleValueError as exc:
            problems.append(exc)
    if problems:
        raise RuleVersionError(
            problems[0].field, problems[0].message, problems=[(p.field, p.message) for p in problems]
        )
    RuleVersion(code=code, issuing_level=level, effective_from=effective_from, values=typed)  # checks once more
    with transaction.atomic():
        if RuleVersionRecord.objects.filter(code=code).exists():
            raise RuleVersionError("code", f"文号 {code} 已录入；版本不可修改，更正请以新的文号录入")
        stored = {name: stored_value(typed[name]) for name in RULE_FIELDS if name in typed}
        try:
            with transaction.atomic():  # a savepoint: two entries of one code at once, the second is told
                row = RuleVersionRecord.objects.create(
                    code=code, issuing_level=level, effective_from=effective_from, series=series, values=stored
                )
        except IntegrityError:
            raise RuleVersionError("code", f"文号 {code} 已录入；版本不可修改，更正请以新的文号录入") from None
        audit_record(
            actor=by,
            action="rules.version_added",
            object_type="rule_version",
            object_id=row.pk,
            after={
                "code": code,
                "issuing_level": level.value,
                "effective_from": effective_from.isoformat(),
                "series": series.code if series else None,
                "values": stored,
            },
        )
    return row


@dataclass(frozen=True)
class ListedVersion:
    """A stored version as the rules page lists it: what it sets, in the interface's words."""

    code: str
    level_label: str
    effective_from: date
    series_name: str
    settings: list[tuple[str, str]]  # (label, value as shown)
    created_at: object


def rule_versions_listed() -> list[ListedVersion]:
    """Every stored version, the latest effective first, with each field it sets labelled."""
    rows = RuleVersionRecord.objects.select_related("series").order_by("-effective_from", "-pk")
    listed = []
    for row in rows:
        version = version_of(row)
        settings = [
            (FIELD_SPECS[name].label, describe_value(name, version.values[name]))
            for name in RULE_FIELDS
            if version.values.get(name) is not None
        ]
        listed.append(
            ListedVersion(
                code=row.code,
                level_label=LEVEL_LABELS.get(IssuingLevel(row.issuing_level), row.issuing_level),
                effective_from=row.effective_from,
                series_name=row.series.name if row.series else "全部系列",
                settings=settings,
                created_at=row.created_at,
            )
        )
    return listed
