"""Small template helpers."""

from django import template

from cehours.rules.hours import format_hours

from .. import audit_labels

register = template.Library()


@register.filter
def get_item(mapping, key):
    return mapping.get(key, key)


@register.filter
def hours(value) -> str:
    """Hours as everywhere else: one decimal place ("90.0"), whatever the database returned."""
    return format_hours(value)


@register.filter
def level_name(value) -> str:
    """一级 / 二级 / 三级 管理权限, as 第十七条 writes them."""
    from cehours.access.models import level_name as name

    return name(value)


@register.filter
def who(user, label: str = "") -> str:
    """The name a page shows for an account (or, with none, for the process the label names)."""
    from cehours.access.names import display_name

    return display_name(user, label or "")


@register.filter
def percent(value) -> str:
    """A fraction as the percentage clerks speak of: 0.1 → 10%, 0.005 → 0.5%."""
    from decimal import Decimal

    shown = (Decimal(str(value)) * 100).quantize(Decimal("0.1")).normalize()
    return f"{shown:f}%"


@register.filter
def audit_area(action: str) -> str:
    return audit_labels.area_name(action)


@register.filter
def object_type_name(code: str) -> str:
    return audit_labels.object_type_name(code)


@register.filter
def audit_details(value, object_type: str = "") -> list[tuple[str, bool, str, str, bool]]:
    return audit_labels.details(value, object_type)


# Exchange-file columns as a clerk names them; the column's own name stays beside it, as code.
_COLUMN_NAMES = {
    "source_record_id": "记录编号", "id_number": "身份证号码", "name": "姓名", "category": "科目类别",
    "hours": "学时", "title": "名称", "completed_on": "完成日期", "start_on": "开始日期", "end_on": "结束日期",
    "provider": "举办单位", "activity": "学习形式", "activity_type": "学习形式", "credit_code": "统一社会信用代码",
    "county_code": "县（市、区）代码", "unit_credit_code": "单位统一社会信用代码", "series": "职称系列",
    "minutes": "分钟数", "days": "天数", "year": "年度", "kind": "单位类型",
}  # fmt: skip


@register.filter
def row_problem(message: str):
    """An import row's problem, its leading column code ("completed_on：…") named in Chinese."""
    from django.utils.html import format_html

    column, sep, rest = (message or "").partition("：")
    if sep and column in _COLUMN_NAMES:
        return format_html("{}（<code>{}</code>）：{}", _COLUMN_NAMES[column], column, rest)
    return message
