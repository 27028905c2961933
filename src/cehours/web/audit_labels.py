"""How the audit page (R21) names what the trail records in codes: the area of an action, the kind
of object acted on, and each field of an event's before/after with its value — a role, a status,
a category named as the other pages name them. The codes themselves stay in the trail, as data."""

from __future__ import annotations

import functools
import re

from cehours.rules.hours import CATEGORY_LABELS

# The audit trail's codes grouped as a reader names them; the code itself stays beside it, as data.
_AUDIT_AREAS = {
    "auth": "登录", "access": "账号与授权", "declaration": "学时申报", "declarations": "学时申报", "ledger": "学时记录",
    "people": "人员与单位", "integration": "对接与数据交换", "intake": "对接系统报送", "ops": "运维",
    "audit": "审计", "privacy": "个人信息", "seminar": "高研班", "spot_check": "抽查复审", "integrity": "诚信档案",
    "demo": "演示数据", "rules": "学时规则", "catalogue": "学习形式目录", "exchange": "对接与数据交换",
    "titles": "职称", "registration": "人员注册", "activation": "账号激活", "certificate": "学时证明",
    "jobs": "后台任务", "reminders": "学时提醒", "learning": "在线学习",
}  # fmt: skip
_OBJECT_TYPES = {
    "user": "账号", "person": "人员", "declaration": "申报", "entry": "学时记录", "grant": "授权", "unit": "单位",
    "seminar": "高研班", "spot_check": "抽查", "system": "对接系统", "field_key": "字段密钥", "token": "令牌",
    "activity_type": "学习形式目录条目", "api_token": "接口令牌", "attendee_list": "高研班学员名单",
    "audit_chain": "审计日志链", "connected_system": "对接系统", "demo": "演示数据", "held_record": "暂缓登记记录",
    "installation": "平台安装", "integrity_entry": "诚信档案记录", "ledger_entry": "学时记录",
    "person_year_total": "年度学时汇总", "rule_version": "学时规则版本", "seminar_project": "高研班项目",
    "title_requirement": "职称申报年限", "certificate": "学时证明", "job": "后台任务", "reminder": "学时提醒",
    "enrollment": "选课", "attempt": "课程考核", "courseware": "课件", "course": "在线课程", "question": "考试题目",
}  # fmt: skip


def audit_area_prefixes() -> dict[str, list[str]]:
    """Each area's name and the action codes' first parts it covers, for the audit page's filter."""
    areas: dict[str, list[str]] = {}
    for prefix, label in _AUDIT_AREAS.items():
        areas.setdefault(label, []).append(prefix)
    return areas


def area_name(action: str) -> str:
    return _AUDIT_AREAS.get((action or "").split(".")[0], "其他")


def object_type_name(code: str) -> str:
    return _OBJECT_TYPES.get(code or "", "对象")


# What an audit record's before/after fields are called on the page. A key not listed here is shown
# as it is, marked as code, so nothing recorded is hidden from an auditor.
_AUDIT_FIELDS = {
    "user": "账号", "username": "登录名", "full_name": "姓名", "name": "名称", "role": "角色", "level": "级别",
    "scope": "管辖范围", "status": "状态", "reason": "原因", "reasons": "原因", "hours": "学时", "year": "年度",
    "years": "年度", "series": "职称系列", "unit": "单位", "county": "县（市、区）", "people": "人数",
    "person_years": "人·年", "person_ids": "人员编号（起止）", "entries": "学时记录", "entry_ids": "学时记录编号",
    "ledger_entry": "学时记录",
    "source_record_ids": "来源记录编号", "created": "新登记", "held": "暂缓登记", "held_ids": "暂缓登记记录编号",
    "rows": "行数", "count": "数量", "counts": "各类数量", "file": "文件", "size": "大小（字节）",
    "sha256": "文件校验值", "fingerprint": "指纹", "must_change_password": "须修改密码",
    "tokens_revoked": "已作废令牌数", "revoked": "已作废", "revoked_keys": "已作废密钥", "code": "代码",
    "active": "启用", "categories": "科目类别", "industries": "行业", "seed": "随机种子", "through": "截至",
    "last_year": "截止年度", "digest": "文件摘要（SHA-256）", "withdrawn": "已撤销", "params": "参数",
    "in_app": "站内消息", "emailed": "电子邮件", "only_short": "只看未合格",
    "first_year": "起始年度", "short_people": "未达标人数", "attendee_lists": "学员名单", "evidence": "证明材料",
    "spot_check": "抽查", "project": "项目", "lifted_on": "撤销日期", "expires_at": "到期时间",
    "title_level": "职称等级", "title_obtained_on": "取得职称日期", "id_number": "身份证号码",
    "email": "电子邮箱", "account": "账号", "kind": "类型", "prefix": "前缀", "minutes": "分钟数",
    "line": "行号", "document": "文号", "credit_code": "统一社会信用代码", "code_issued_by": "激活码签发人",
    "failures": "失败次数", "drifted_figures": "不一致的汇总", "first_seq": "起始序号", "last_seq": "截止序号",
    "at": "时间", "backup_created_at": "备份时间", "path": "路径", "format": "格式", "before": "变更前",
    "as": "身份",
}  # fmt: skip


def _audit_value(value, depth: int = 0) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, str) and _ISO_TIME.match(value):
        return value[:16].replace("T", " ")  # 2026-12-03T10:32:55.388+08:00 → 2026-12-03 10:32
    if isinstance(value, list):
        shown = "、".join(_audit_value(v, depth + 1) for v in value[:10])
        return f"共 {len(value)} 项：{shown}{'……' if len(value) > 10 else ''}" if len(value) > 1 else shown
    if isinstance(value, dict) and depth < 2:
        return "；".join(f"{_AUDIT_FIELDS.get(k, k)} {_audit_value(v, depth + 1)}" for k, v in value.items())
    return str(value)


_ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
_CODE_LIKE = re.compile(r"^[\x00-\x7f]*[A-Za-z][\x00-\x7f]*$")


def _code_names(key: str, object_type: str, value=None) -> dict:
    """The names of the codes a field holds (a role, a category, a status), as the pages name them."""
    if key == "level" and isinstance(value, int):  # a grant's level: 一级 / 二级 / 三级
        from cehours.access.models import level_name

        return {value: level_name(value)}
    return _names_of(key, object_type)


@functools.cache
def _names_of(key: str, object_type: str) -> dict:
    """_code_names for a field of an object type, built once a process: the audit page asks for
    every field of every event it lists."""
    from cehours.access.models import Role
    from cehours.declarations.models import AttendeeList, SeminarProject
    from cehours.ledger.models import HeldRecord, HoldReason, Source
    from cehours.rules.review import STATE_LABELS

    if key in ("role", "as"):  # "as": which of a seminar's two approvers acted (R9)
        return {**dict(Role.choices), "hr": "人力社保部门", "industry": "行业主管部门"}
    if key in ("category", "categories"):
        return {c.value: label for c, label in CATEGORY_LABELS.items()}
    if key == "source":
        return dict(Source.choices)
    if key == "reasons":  # why records were held (R11's exceptions to the ledger's door)
        return dict(HoldReason.choices)
    if key == "level":  # a seminar's: 国家级 / 省级 / 市级
        return dict(SeminarProject._meta.get_field("level").choices or ())
    if key == "status":
        by_type = {
            "declaration": {s.value: label for s, label in STATE_LABELS.items()},
            "seminar_project": dict(SeminarProject.Status.choices),
            "attendee_list": dict(AttendeeList.Status.choices),
            "held_record": dict(HeldRecord.Status.choices),
        }
        return by_type.get(object_type, {})
    return {}


def details(value, object_type: str = "") -> list[tuple[str, bool, str, str, bool]]:
    """An audit record's before/after as lines (name, name is a raw key, lead, value, value is a
    code) rather than a Python dictionary: a role, category, source, level or status is named as the
    pages name it, times read as times, lists say how many (the lead, "共 3 项："), booleans say
    是/否, long values are cut at 200 characters. What stays a code (a login, a hash, a record number
    from a connected system) is marked as such, as elsewhere on the page."""
    if value in (None, "", {}, []):
        return []
    if not isinstance(value, dict):
        value = {"内容": value}
    lines = []
    for key, item in value.items():
        names = _code_names(key, object_type, item)
        lead = ""
        if isinstance(item, list):
            lead = f"共 {len(item)} 项：" if len(item) > 1 else ""
            parts = [str(names.get(v, v)) if names else _audit_value(v, 1) for v in item[:10]] or ["—"]
        elif names and isinstance(item, str | int):
            parts = [str(names.get(item, item))]
        else:
            parts = [_audit_value(item)]
        code = all(_CODE_LIKE.match(part) for part in parts)
        text = "、".join(parts) + ("……" if isinstance(item, list) and len(item) > 10 else "")
        text = text if len(text) <= 200 else text[:200] + "……"
        label = _AUDIT_FIELDS.get(key, key)
        lines.append((label, label == key and key != "内容", lead, text, code))
    return lines
