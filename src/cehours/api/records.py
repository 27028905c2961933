"""Connected systems push completed learning (R15, R16.1) and read back what they registered.

The batch body is checked in two layers. The batch as a whole (an object, `records` a list of
1–1000 objects) is pydantic's, and a malformed body answers 422 and changes nothing. Each record is
checked on its own by integration/records.py, so that one bad record never spoils the others and
gets its own field, code and message in the 200 answer. The OpenAPI document still describes a
record completely: `records` items are declared as `RecordIn` (one shape per activity, every field
with its bounds) through `json_schema_input_type`, while at run time an item is only required to
be an object and is handed to the parser as sent.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from django.utils import timezone
from ninja import Field, Query, Router, Schema
from pydantic import BaseModel, PlainValidator, RootModel, field_validator

from cehours.errors import ErrorCode
from cehours.integration.records import MAX_HOURS, MAX_LENGTHS, MAX_MINUTES, Activity
from cehours.integration.selectors import system_held_records, system_records
from cehours.integration.services import MAX_BATCH, records_intake
from cehours.ledger.holds import hold_notice
from cehours.ledger.models import HeldRecord
from cehours.rules.hours import Category, format_hours
from cehours.rules.ruleset import SeminarLevel

from .auth import SYSTEM_AUTH
from .schemas import ErrorOut, Out

router = Router(tags=["records"], auth=SYSTEM_AUTH)


def _text(description: str, field: str, required: bool = True) -> Any:
    bound = MAX_LENGTHS[field]
    if required:
        return Field(..., min_length=1, max_length=bound, description=f"{description}（1–{bound} 个字符）")
    return Field(None, max_length=bound, description=f"{description}（可选，最多 {bound} 个字符）")


# A number or a decimal string; the string's form is the parser's to judge (it answers per record).
_Hours = Annotated[float, Field(ge=0, le=float(MAX_HOURS))] | str


class _RecordCommon(BaseModel):
    """The fields every record has, whatever its activity."""

    source_record_id: str = _text("来源记录号：在本系统内唯一；重发同一记录须内容相同", "source_record_id")
    id_number: str = Field(
        ...,
        pattern=r"^[0-9]{17}[0-9Xx]$",
        description="18 位居民身份证号码（GB 11643 校验位）；平台尚无此人时据此与姓名建档",
    )
    name: str = _text("姓名：须与平台登记的该身份证号码持有人一致（实名制，第三条）", "name")
    category: Category = Field(..., description="科目类别：一般公需、行业公需或专业科目（第六条）")
    title: str = _text("课程或活动名称", "title")
    completed_on: date = Field(..., description="完成日期（YYYY-MM-DD，不晚于今天，不早于 1990 年）；决定学时年度")
    provider: str | None = _text("举办单位", "provider", required=False)
    external_url: str | None = _text("课程链接", "external_url", required=False)
    industry: str | None = _text("行业（系列）代码：平台尚无此人时，作为其职称系列", "industry", required=False)
    unit_credit_code: str | None = _text(
        "工作单位的统一社会信用代码（18 位，GB 32100 校验位）：平台尚无此人时，平台已登记的该单位即为其工作单位，"
        "所在县（市、区）随单位；不提供或单位未登记的，列入待确认人员，由单位认领（身份证号码不决定所在地）",
        "unit_credit_code",
        required=False,
    )


class OnlineCourseRecord(_RecordCommon):
    """在线课程（第十二条）：每 45 分钟课件折算 1 学时，向下取至 0.1 学时。"""

    activity: Literal[Activity.ONLINE_COURSE] = Field(..., description="学习形式")
    minutes: int = Field(..., ge=1, le=MAX_MINUTES, description=f"课件时长（整数分钟，1–{MAX_MINUTES}）")


class OfflineTrainingRecord(_RecordCommon):
    """线下培训（第十二条）：每天最多 6 学时；完成日期须为结束日期，一次培训不超过一年。"""

    activity: Literal[Activity.OFFLINE_TRAINING] = Field(..., description="学习形式")
    start_on: date = Field(..., description="开始日期（YYYY-MM-DD）")
    end_on: date = Field(..., description="结束日期（YYYY-MM-DD，不早于开始日期，等于完成日期）")
    hours: _Hours = Field(
        ..., description=f'申报学时：数字或十进制字符串（如 "1.5"），0–{MAX_HOURS}；超过每天 6 学时的部分不登记'
    )


class AdvancedSeminarRecord(_RecordCommon):
    """经批准的高研班（第十二条）：国家级 60、省级 48、市级 36 专业科目学时；科目类别须为 professional。"""

    activity: Literal[Activity.ADVANCED_SEMINAR] = Field(..., description="学习形式")
    seminar_level: SeminarLevel = Field(..., description="高研班级别")


class OtherRecord(_RecordCommon):
    """其他学习：学时已由发送方按其规则折算（第十二条“从其规定”）。"""

    activity: Literal[Activity.OTHER] = Field(..., description="学习形式")
    hours: _Hours = Field(..., description=f'学时：数字或十进制字符串（如 "2.5"），0–{MAX_HOURS}，向下取至 0.1 学时')


class RecordIn(
    RootModel[
        Annotated[
            OnlineCourseRecord | OfflineTrainingRecord | AdvancedSeminarRecord | OtherRecord,
            Field(discriminator="activity"),
        ]
    ]
):
    """一条学习记录；`activity` 决定其余必填字段。不符合的记录在应答中逐条标为 rejected 并说明原因。"""


def _as_sent(value: object) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ValueError("记录应为 JSON 对象")
    return value


RecordItem = Annotated[dict[str, Any], PlainValidator(_as_sent, json_schema_input_type=RecordIn)]


class BatchIn(Schema):
    records: list[RecordItem] = Field(
        ...,
        min_length=1,
        max_length=MAX_BATCH,
        description=f"学习记录，每批 1–{MAX_BATCH} 条；每条单独检查并在应答中逐条答复",
    )


class RecordErrorOut(Out):
    field: str
    code: ErrorCode
    message: str


class RecordResultOut(Out):
    source_record_id: str
    status: str = Field(
        ...,
        description="created | duplicate | held（暂缓登记，待审核人员确认，errors 给出原因） | rejected",
    )
    hours: str | None
    errors: list[RecordErrorOut]


class BatchOut(Out):
    results: list[RecordResultOut]
    created: int
    duplicate: int
    rejected: int
    held: int


@router.post("/records/batch", response={200: BatchOut, 401: ErrorOut, 422: ErrorOut})
def batch(request, payload: BatchIn):
    """Register a batch; each record answers created / duplicate / rejected (with reasons), in the order sent."""
    result = records_intake(system=request.auth, records=payload.records, today=timezone.localdate())
    return result.as_dict()


class RecordOut(Out):
    id: int | None = Field(..., description="学时记录编号；暂缓或不予登记的记录为 null")
    status: str = Field(
        ...,
        description="registered（已登记） | reversed（已冲销） | held（暂缓登记，待审核） | rejected（经审核不予登记）",
    )
    reason: RecordErrorOut | None = Field(..., description="暂缓或不予登记的原因")
    source_record_id: str
    id_number: str
    name: str
    year: int
    category: str
    hours: str
    activity: str
    title: str
    completed_on: str
    reversed: bool


class RecordsQuery(Schema):
    source_record_id: str = Field(..., min_length=1, max_length=128, description="来源记录号")

    @field_validator("source_record_id")
    @classmethod
    def _no_nul(cls, value: str) -> str:
        # As in intake: PostgreSQL cannot compare text with NUL, so it is bad input, not a 500.
        if "\x00" in value:
            raise ValueError("来源记录号不能含有空字符（\\x00）")
        return value


@router.get("/records", response={200: list[RecordOut], 401: ErrorOut, 422: ErrorOut})
def records(request, query: Query[RecordsQuery]):
    """A system reads back its own records (never another system's): registered or reversed
    entries, and records held for a reviewer or rejected by one."""
    entries = [
        {
            "id": e.pk,
            "status": "reversed" if hasattr(e, "reversed_by") else "registered",
            "reason": None,
            "source_record_id": e.source_record_id,
            "id_number": e.person.id_number_masked,
            "name": e.person.name,
            "year": e.year,
            "category": e.category,
            "hours": format_hours(e.hours),
            "activity": e.activity_type,
            "title": e.title,
            "completed_on": e.completed_on.isoformat(),
            "reversed": hasattr(e, "reversed_by"),
        }
        for e in system_records(system=request.auth, source_record_id=query.source_record_id)
    ]
    return entries + [
        {
            "id": None,
            "status": h.status if h.status == HeldRecord.Status.REJECTED else "held",
            "reason": _hold_reason(h),
            "source_record_id": h.source_record_id,
            "id_number": h.person.id_number_masked,
            "name": h.person.name,
            "year": h.year,
            "category": h.category,
            "hours": format_hours(h.hours),
            "activity": h.activity_type,
            "title": h.title,
            "completed_on": h.completed_on.isoformat(),
            "reversed": False,
        }
        for h in system_held_records(system=request.auth, source_record_id=query.source_record_id)
    ]


def _hold_reason(held: HeldRecord) -> dict:
    if held.status == HeldRecord.Status.REJECTED:
        return {
            "field": "source_record_id",
            "code": ErrorCode.HELD_REJECTED,
            "message": f"该记录经审核不予登记：{held.decision_reason}",
        }
    field, code, message = hold_notice(held.reason, held.reason_detail)
    return {"field": field, "code": code, "message": message}
