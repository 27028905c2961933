"""The one access policy: every action a user can take, which grants allow it, and over what.

Nothing else in the code decides permissions. Reading and acting go through the same door:
- `restrict(queryset, user, action)` narrows any scoped model's rows to those the user may act on
  (every scoped model's queryset also has `.restrict(user, action)`);
- `require(user, action, obj)` refuses (PolicyDenied) before a service writes;
- `can(user, action, obj)` answers the same question for a page deciding what to show.

A grant allows an action when its role is listed for the action (with the R17 level where one is
needed); the rows it reaches are those inside the grant's scope (county, series, unit; none = the
whole city), as each model defines "inside" in SCOPES below. Some actions are the person's own
(their record, their declarations, their evidence): the SELF rows.

R17 (第十七条), as this policy grants it:
- level 1 (一级): reviewers of any level and industry authorities decide offline declarations of the
  people in their scope; a unit-scoped review grant counts only for a self-evaluating unit (自主评聘);
- level 2 (二级): county HR bureaus and city evaluation-committee organisers spot-check level-1
  decisions in their scope and record integrity entries (R20);
- level 3 (三级): the city HR bureau spot-checks level-1 and level-2 decisions anywhere, lifts
  integrity entries, and reads the whole audit trail (R21).
第九条 / 第十二条: a municipal 高研班 is approved by the city HR bureau and the city industry
authority of its series (grants not limited to a county); national and provincial projects were
approved elsewhere and are registered by city HR with the approving body's document number.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.db.models import Q, QuerySet

from cehours.errors import FieldError

from .models import PERSON_READING_ROLES, Grant, Role

if TYPE_CHECKING:
    from django.contrib.auth.base_user import AbstractBaseUser

    from cehours.people.models import Unit

_QS = TypeVar("_QS", bound=QuerySet[Any])

NOTHING = Q(pk__in=[])
EVERYTHING = Q()


class Action(models.TextChoices):
    VIEW_PERSON = "view_person", "查看人员学时"
    EVALUATE = "evaluate", "查看职称申报资格"
    VIEW_OVERVIEW = "view_overview", "查看学时汇总"
    VIEW_EVIDENCE = "view_evidence", "查看证明材料"
    DECLARE = "declare", "申报线下学时"
    DECIDE = "decide", "审核线下学时申报"
    SPOT_CHECK = "spot_check", "抽查复审"
    RECORD_INTEGRITY = "record_integrity", "记录诚信档案"
    LIFT_INTEGRITY = "lift_integrity", "解除诚信档案"
    VIEW_SEMINAR = "view_seminar", "查看高研班项目"
    FILE_SEMINAR = "file_seminar", "申报高研班项目"
    APPROVE_SEMINAR = "approve_seminar", "审批市级高研班项目"
    REGISTER_SEMINAR = "register_seminar", "登记国家级、省级高研班项目"
    SUBMIT_ATTENDEES = "submit_attendees", "提交高研班学员名单"
    CHECK_ATTENDEES = "check_attendees", "审核高研班学员名单"
    EDIT_CATALOGUE = "edit_catalogue", "设置学习形式目录"
    MANAGE_SYSTEMS = "manage_systems", "管理对接系统与密钥"
    IMPORT_DATA = "import_data", "导入数据"
    EXPORT_DATA = "export_data", "导出数据"
    READ_AUDIT = "read_audit", "查阅审计记录"
    MANAGE_ACCOUNTS = "manage_accounts", "管理账号"
    MANAGE_GRANTS = "manage_grants", "管理授权与访问策略"
    READ_ACCESS_LOG = "read_access_log", "查阅个人信息访问记录"
    EDIT_RULES = "edit_rules", "录入学时规则版本"
    CLAIM_PERSON = "claim_person", "认领待确认人员"
    CONFIRM_ACCOUNT = "confirm_account", "确认专业技术人员实名注册"
    ISSUE_ACTIVATION = "issue_activation", "发放账号激活码"
    RELEASE_PERSON = "release_person", "办理人员调出本单位"
    MANAGE_UNITS = "manage_units", "登记单位"
    EDIT_ROSTER = "edit_roster", "维护本单位人员名册"
    WITHDRAW_CERTIFICATE = "withdraw_certificate", "撤销学时证明"
    MANAGE_COURSES = "manage_courses", "管理在线课程"


@dataclass(frozen=True)
class Allow:
    """Which grants allow an action."""

    roles: frozenset[str]
    min_level: int = 0  # the R17 level the grant must carry (see grant_level)
    city_wide: bool = False  # the grant may not be limited to one county (city bodies only)
    self_evaluating_unit: bool = False  # a unit-scoped grant counts only for a 自主评聘 unit


def _allow(*roles: str, **options) -> Allow:
    return Allow(frozenset(roles), **options)


_REVIEWING = _allow(Role.REVIEWER, Role.INDUSTRY_AUTHORITY, min_level=1, self_evaluating_unit=True)
_READING = Allow(frozenset(PERSON_READING_ROLES))

POLICY: dict[Action, tuple[Allow, ...]] = {
    Action.VIEW_PERSON: (_READING,),
    Action.EVALUATE: (_READING,),
    Action.VIEW_OVERVIEW: (_READING,),
    # Evidence is personal data beyond the hours: only those who may decide or re-review it.
    Action.VIEW_EVIDENCE: (_REVIEWING,),
    Action.DECLARE: (),
    Action.DECIDE: (_REVIEWING,),
    Action.SPOT_CHECK: (_allow(Role.REVIEWER, min_level=2),),
    Action.RECORD_INTEGRITY: (_allow(Role.REVIEWER, min_level=2),),
    Action.LIFT_INTEGRITY: (_allow(Role.REVIEWER, min_level=3),),
    Action.VIEW_SEMINAR: (_allow(Role.PROVIDER, Role.HR_ADMIN, Role.INDUSTRY_AUTHORITY),),
    Action.FILE_SEMINAR: (_allow(Role.PROVIDER),),
    Action.APPROVE_SEMINAR: (_allow(Role.HR_ADMIN, Role.INDUSTRY_AUTHORITY, city_wide=True),),
    Action.REGISTER_SEMINAR: (_allow(Role.HR_ADMIN, city_wide=True),),
    Action.SUBMIT_ATTENDEES: (_allow(Role.PROVIDER),),
    Action.CHECK_ATTENDEES: (_allow(Role.HR_ADMIN, Role.INDUSTRY_AUTHORITY, city_wide=True),),
    Action.EDIT_CATALOGUE: (_allow(Role.INDUSTRY_AUTHORITY),),
    Action.MANAGE_SYSTEMS: (_allow(Role.HR_ADMIN),),
    Action.IMPORT_DATA: (_allow(Role.HR_ADMIN),),
    Action.EXPORT_DATA: (_allow(Role.HR_ADMIN),),
    Action.READ_AUDIT: (_allow(Role.HR_ADMIN), _allow(Role.REVIEWER, min_level=2), _allow(Role.AUDIT_ADMIN)),
    # 等保 三权分立: accounts are the system administrator's, grants the security administrator's,
    # and the audit administrator reads the whole trail (above); services.grant_create keeps them apart.
    Action.MANAGE_ACCOUNTS: (_allow(Role.SYSTEM_ADMIN, city_wide=True),),
    Action.MANAGE_GRANTS: (_allow(Role.SECURITY_ADMIN, city_wide=True),),
    # PIPL 第五十一条 / 等保 安全审计: who read whose personal data is the audit administrator's to review.
    Action.READ_ACCESS_LOG: (_allow(Role.AUDIT_ADMIN, city_wide=True),),
    # R12d / 第四条: the rule versions are the city HR bureau's (市人力社保局, level 3) to enter, as are
    # the provincial ones it transcribes; a county body's grant does not reach the whole city's rules.
    Action.EDIT_RULES: (_allow(Role.REVIEWER, min_level=3, city_wide=True), _allow(Role.HR_ADMIN, city_wide=True)),
    # R2: a person belongs to their unit, so their unit's staff place them (people/placement.py); a
    # claim needs the grant's unit as well (claim_units), which the person then joins.
    Action.CLAIM_PERSON: (_allow(Role.UNIT_STAFF),),
    # Issue 10: the unit knows its people and confirms their accounts; for someone no unit has, the
    # HR bureau of the county of the unit they named.
    Action.CONFIRM_ACCOUNT: (_allow(Role.UNIT_STAFF), _allow(Role.HR_ADMIN)),
    Action.ISSUE_ACTIVATION: (_allow(Role.UNIT_STAFF),),
    # A person who left is released by their unit and claimed by the next (CLAIM_PERSON).
    Action.RELEASE_PERSON: (_allow(Role.UNIT_STAFF),),
    # Issue 10: county HR bureaus register the units of their county (the 自主评聘 flag is the
    # city's: services.unit_save asks for a city-wide grant); units keep their own roster.
    Action.MANAGE_UNITS: (_allow(Role.HR_ADMIN),),
    Action.EDIT_ROSTER: (_allow(Role.UNIT_STAFF),),
    # 第十八条: the certificate is the platform's statement, so the HR bureau in whose scope the
    # person is withdraws it (a figure found wrong, a record annulled); the ledger itself is corrected
    # by its own doors, and the verify page then reports the change.
    Action.WITHDRAW_CERTIFICATE: (_allow(Role.HR_ADMIN),),
    # 第七条, 第十条(一): the platform's general-public courses are the city HR bureau's; an industry
    # authority keeps its series' industry-public and professional ones (第十五条).
    Action.MANAGE_COURSES: (_allow(Role.HR_ADMIN, city_wide=True), _allow(Role.INDUSTRY_AUTHORITY)),
}

# Actions a person takes on their own rows (their record, declarations, evidence, audit events).
SELF_ACTIONS = frozenset({Action.VIEW_PERSON, Action.EVALUATE, Action.VIEW_EVIDENCE, Action.DECLARE, Action.READ_AUDIT})

# What the person refused is told, per action; "" where a missing object is the answer (404).
DENIED_MESSAGES: dict[Action, str] = {
    Action.DECIDE: "该申报不在您的审核范围内",
    Action.SPOT_CHECK: "只有二级、三级管理权限可以抽查复审，且仅限其职责范围内",
    Action.RECORD_INTEGRITY: "只有二级或三级管理权限可在其职责范围内记录诚信档案",
    Action.LIFT_INTEGRITY: "只有三级管理权限（市人力社保局）可以解除诚信档案记录",
    Action.FILE_SEMINAR: "只有继续教育基地或培训机构账号可以申报高研班项目",
    Action.APPROVE_SEMINAR: "只有市人力社保局和该系列的市级行业主管部门可以审批市级高研班项目（第九条）",
    Action.REGISTER_SEMINAR: "只有市人力社保局可以登记经上级批准的国家级、省级高研班项目",
    Action.SUBMIT_ATTENDEES: "只有申报该项目的机构可以提交学员名单",
    Action.CHECK_ATTENDEES: "只有审批该项目的人力社保部门或行业主管部门可以审核学员名单",
    Action.EDIT_CATALOGUE: "只能设置本行业的学习形式目录",
    Action.MANAGE_SYSTEMS: "只有人力社保部门管理员可以管理其范围内的对接系统",
    Action.IMPORT_DATA: "只有人力社保部门管理员可以导入数据",
    Action.EXPORT_DATA: "只有人力社保部门管理员可以导出学时交换文件",
    Action.MANAGE_ACCOUNTS: "只有系统管理员可以管理账号",
    Action.MANAGE_GRANTS: "只有安全管理员可以管理授权与访问策略",
    Action.READ_ACCESS_LOG: "只有审计管理员可以查阅个人信息访问记录",
    Action.EDIT_RULES: "只有市人力社保局（三级管理权限或全市人力社保部门管理员）可以录入学时规则版本",
    Action.CLAIM_PERSON: "只有单位经办人可以将待确认人员认领到本单位",
    Action.CONFIRM_ACCOUNT: "只有人员所在单位的经办人（无单位的人员由所在县人力社保部门）可以确认实名注册",
    Action.ISSUE_ACTIVATION: "只有单位经办人可以为本单位人员发放激活码",
    Action.RELEASE_PERSON: "只有人员所在单位的经办人可以办理调出",
    Action.MANAGE_UNITS: "只有人力社保部门管理员可以登记其范围内的单位",
    Action.EDIT_ROSTER: "只有单位经办人可以维护本单位人员名册",
    Action.WITHDRAW_CERTIFICATE: "只有人员所在地的人力社保部门管理员可以撤销学时证明",
    Action.MANAGE_COURSES: "一般公需课程由市人力社保局管理，行业公需和专业课程由该系列的行业主管部门管理",
}


class PolicyDenied(FieldError):
    """The access policy refuses the action; `message` says why in Chinese."""

    def __init__(self, action: Action, message: str = "", field: str = ""):
        super().__init__(field, message or DENIED_MESSAGES.get(action) or "您没有执行此操作的权限")
        self.action = action


def grant_level(grant: Grant) -> int:
    """The R17 level a grant carries: a reviewer's own level; industry authorities review at level 1."""
    if grant.role == Role.REVIEWER:
        return grant.level or 0
    return 1 if grant.role == Role.INDUSTRY_AUTHORITY else 0


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


_GRANTS = "_cehours_grants"  # the attribute of a user object holding the grants read for this request


def user_grants(user) -> list[Grant]:
    """All of the user's grants, read once per request (cached on the user object)."""
    if not _active(user):
        return []
    cached = getattr(user, _GRANTS, None)
    if cached is None:
        cached = list(grant_rows().filter(user=user))
        setattr(user, _GRANTS, cached)
    return cached


def grant_rows() -> QuerySet[Grant]:
    """Grants as user_grants reads them: with their unit and county, in the order they were made."""
    return Grant.objects.select_related("unit", "county").order_by("pk")


def grants_known(user, grants: list[Grant]) -> None:
    """Hand user_grants the user's grants when they came with the user's own row (a bearer token's
    one query), so the request does not read them again."""
    setattr(user, _GRANTS, grants)


def _grant_allows(grant: Grant, allow: Allow) -> bool:
    if grant.role not in allow.roles or grant_level(grant) < allow.min_level:
        return False
    if allow.city_wide and grant.county_id is not None:
        return False
    return not (allow.self_evaluating_unit and grant.unit is not None and not grant.unit.self_evaluating)


def grants_for(user, action: Action) -> list[Grant]:
    """The user's grants that allow the action (on something inside their scope)."""
    allows = POLICY[Action(action)]
    return [g for g in user_grants(user) if any(_grant_allows(g, a) for a in allows)]


# ---- what "inside a grant's scope" means for each scoped model -------------------------------


def grant_person_q(grant: Grant, prefix: str = "") -> Q:
    """People inside the grant's scope (an empty Q for a city-wide grant)."""
    q = Q()
    if grant.county_id:
        q &= Q(**{f"{prefix}county_id": grant.county_id})
    if grant.series_id:
        q &= Q(**{f"{prefix}series_id": grant.series_id})
    if grant.unit_id:
        q &= Q(**{f"{prefix}unit_id": grant.unit_id})
    return q


@dataclass(frozen=True)
class Scope:
    """How one model's rows fall inside a grant and which rows are a user's own.

    Both are called only for an active, signed-in user (allowed_q checks that first).
    """

    inside: Callable[[Grant, AbstractBaseUser, Action], Q]
    own: Callable[[AbstractBaseUser], Q] | None = None


def _person_scope(prefix: str) -> Scope:
    return Scope(
        inside=lambda grant, user, action: grant_person_q(grant, prefix),
        own=lambda user: Q(**{f"{prefix}user_id": user.pk}),
    )


def _seminar_scope(prefix: str) -> Scope:
    def inside(grant: Grant, user, action: Action) -> Q:
        from cehours.rules.ruleset import SeminarLevel

        if grant.role == Role.PROVIDER:
            return Q(**{f"{prefix}provider_id": user.pk})
        q = Q(**{f"{prefix}series_id": grant.series_id}) if grant.series_id else Q()
        if action == Action.APPROVE_SEMINAR:  # national and provincial ones were approved elsewhere
            q &= Q(**{f"{prefix}level": SeminarLevel.MUNICIPAL})
        return q

    return Scope(inside=inside)


def _system_inside(grant: Grant, user, action: Action) -> Q:
    # A system belongs to the scope that registered it; a grant reaches the systems inside its scope.
    q = Q()
    if grant.county_id:
        q &= Q(owner_county_id=grant.county_id)
    if grant.series_id:
        q &= Q(owner_series_id=grant.series_id)
    if grant.unit_id:
        return NOTHING
    return q


def _unit_inside(grant: Grant, user, action: Action) -> Q:
    q = Q()
    if grant.county_id:
        q &= Q(county_id=grant.county_id)
    if grant.series_id:
        q &= Q(series_id=grant.series_id)
    if grant.unit_id:
        q &= Q(pk=grant.unit_id)
    return q


def _catalogue_inside(grant: Grant, user, action: Action) -> Q:
    return Q(series_id=grant.series_id) if grant.series_id else Q(series__isnull=False)


def _course_inside(grant: Grant, user, action: Action) -> Q:
    """General-public courses (no series) are city HR's; a series' courses its industry authority's."""
    if action != Action.MANAGE_COURSES:
        return NOTHING
    if grant.role == Role.HR_ADMIN:
        return Q(series__isnull=True)
    return Q(series_id=grant.series_id) if grant.series_id else Q(series__isnull=False)


def _audit_inside(grant: Grant, user, action: Action) -> Q:
    """R21: superiors read what the staff inside their scope did; the city level and the audit
    administrator (等保 审计管理员) read everything."""
    if not (grant.county_id or grant.series_id or grant.unit_id) and (
        grant.role in (Role.HR_ADMIN, Role.AUDIT_ADMIN) or grant_level(grant) >= 3
    ):
        return Q()
    inside = Q()
    if grant.county_id:
        inside &= Q(county_id=grant.county_id)
    if grant.series_id:
        inside &= Q(series_id=grant.series_id)
    if grant.unit_id:
        inside &= Q(unit_id=grant.unit_id)
    return Q(actor_id__in=Grant.objects.filter(inside).values("user_id"))


def _spot_check_inside(grant: Grant, user, action: Action) -> Q:
    return Q(drawn_by_id=user.pk)


def _spot_check_item_inside(grant: Grant, user, action: Action) -> Q:
    # An item samples exactly one of a declaration, a ledger entry or a held record: its person's.
    declaration, entry, held = (
        Q(**{f"{subject}__isnull": False}) & grant_person_q(grant, f"{subject}__person__")
        for subject in ("declaration", "entry", "held")
    )
    return Q(spot_check__drawn_by_id=user.pk) & (declaration | entry | held)


def _held_record_scope() -> Scope:
    """A held record is decided by a level-1 reviewer of the person's scope, except a 高研班
    attendee outside the project's series, which the project's approving authority decides."""
    person, seminar = _person_scope("person__"), _seminar_scope("seminar__")

    def inside(grant: Grant, user, action: Action) -> Q:
        if action == Action.CHECK_ATTENDEES:
            return Q(seminar__isnull=False) & seminar.inside(grant, user, action)
        q = person.inside(grant, user, action)
        return q & Q(seminar__isnull=True) if action == Action.DECIDE else q

    return Scope(inside=inside, own=person.own)


SCOPES: dict[str, Scope] = {
    "people.person": _person_scope(""),
    "people.unit": Scope(inside=_unit_inside),
    "ledger.ledgerentry": _person_scope("person__"),
    "ledger.personyeartotal": _person_scope("person__"),
    "ledger.heldrecord": _held_record_scope(),
    "declarations.declaration": _person_scope("person__"),
    "declarations.evidence": _person_scope("declaration__person__"),
    "declarations.integrityentry": _person_scope("person__"),
    "declarations.spotcheck": Scope(inside=_spot_check_inside),
    "declarations.spotcheckitem": Scope(inside=_spot_check_item_inside),
    "declarations.seminarproject": _seminar_scope(""),
    "declarations.attendeelist": _seminar_scope("project__"),
    "declarations.activitytype": Scope(inside=_catalogue_inside),
    "learning.course": Scope(inside=_course_inside),
    "integration.connectedsystem": Scope(inside=_system_inside),
    "audit.auditevent": Scope(inside=_audit_inside, own=lambda user: Q(actor_id=user.pk)),
}


def _scope_of(model: type[models.Model]) -> Scope:
    try:
        return SCOPES[model._meta.label_lower]
    except KeyError:
        raise LookupError(f"{model._meta.label} is not a scoped model of the access policy") from None


def allowed_q(model: type[models.Model], user, action: Action) -> Q:
    """The filter on `model` of the rows the user may take the action on."""
    action = Action(action)
    if not _active(user):
        return NOTHING
    scope = _scope_of(model)
    q = NOTHING
    if action in SELF_ACTIONS and scope.own is not None:
        q |= scope.own(user)
    for grant in grants_for(user, action):
        term = scope.inside(grant, user, action)
        if term == EVERYTHING:
            return EVERYTHING
        q |= term
    return q


def restrict(queryset: _QS, user, action: Action) -> _QS:
    """The rows of the queryset that the user may take the action on (no rows for anyone else)."""
    q = allowed_q(queryset.model, user, action)
    return queryset if q == EVERYTHING else queryset.filter(q)


def can(user, action: Action, obj: models.Model | None = None) -> bool:
    """Whether the user may take the action (on obj, when given)."""
    action = Action(action)
    if obj is None:
        return bool(grants_for(user, action)) or (action in SELF_ACTIONS and _active(user))
    return restrict(type(obj)._default_manager.filter(pk=obj.pk), user, action).exists()


def require(user, action: Action, obj: models.Model | None = None, message: str = "", field: str = "") -> None:
    """Refuse (PolicyDenied) unless the user may take the action (on obj, when given); `field`
    names the input that chose the object, for forms that point at it."""
    if not can(user, action, obj):
        raise PolicyDenied(Action(action), message, field)


def level_over(user, action: Action, obj: models.Model) -> int:
    """The highest R17 level among the user's grants that allow the action on obj; 0 if none."""
    action = Action(action)
    scope = _scope_of(type(obj))
    rows = type(obj)._default_manager.filter(pk=obj.pk)
    levels = [
        grant_level(grant)
        for grant in grants_for(user, action)
        if rows.filter(scope.inside(grant, user, action)).exists()
    ]
    return max(levels, default=0)


def reaches_everything(user, action: Action, model: type[models.Model]) -> bool:
    """Whether the user's grants for the action reach every row of the model (a city-wide grant)."""
    return allowed_q(model, user, action) == EVERYTHING


def holds_place(user, action: Action, *, county_id=None, series_id=None, unit_id=None) -> bool:
    """Whether a person placed at this county / series / unit would be inside the user's scope for
    the action (asked before a write creates or moves someone there)."""
    return any(
        g.county_id in (None, county_id) and g.series_id in (None, series_id) and g.unit_id in (None, unit_id)
        for g in grants_for(user, action)
    )


def claim_units(user) -> list[Unit]:
    """The units the user may claim people into (待确认人员): those of their grants that allow claiming."""
    units = {g.unit_id: g.unit for g in grants_for(user, Action.CLAIM_PERSON) if g.unit is not None}
    return list(units.values())


def reaches_unplaced(user) -> bool:
    """Whether some people with no unit can be inside the user's reading scope: a grant that reads
    people and is not limited to a unit (the 待确认人员 list is theirs; a unit's staff claim instead)."""
    return any(g.unit_id is None for g in grants_for(user, Action.VIEW_PERSON))


def highest_level(user, action: Action) -> int:
    """The highest R17 level among the user's grants that allow the action anywhere."""
    return max((grant_level(g) for g in grants_for(user, action)), default=0)


def is_staff(user) -> bool:
    """Holds a grant that reads people: staff pages (search, overview) are theirs."""
    return bool(grants_for(user, Action.VIEW_PERSON))


# The action that reading a model's rows means, where it is not reading a person's hours.
READ_ACTIONS: dict[str, Action] = {
    "declarations.evidence": Action.VIEW_EVIDENCE,
    "declarations.seminarproject": Action.VIEW_SEMINAR,
    "declarations.attendeelist": Action.CHECK_ATTENDEES,
    "declarations.spotcheck": Action.SPOT_CHECK,
    "declarations.spotcheckitem": Action.SPOT_CHECK,
    "declarations.activitytype": Action.EDIT_CATALOGUE,
    "learning.course": Action.MANAGE_COURSES,
    "integration.connectedsystem": Action.MANAGE_SYSTEMS,
    "audit.auditevent": Action.READ_AUDIT,
    "people.unit": Action.VIEW_PERSON,
}
