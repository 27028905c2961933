"""Staff grants, personal API tokens and the sign-in state of accounts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from cehours.people.models import County, Series, Unit


class Role(models.TextChoices):
    PROFESSIONAL = "professional", "专业技术人员"
    UNIT_STAFF = "unit_staff", "单位经办人"
    REVIEWER = "reviewer", "审核人员"
    INDUSTRY_AUTHORITY = "industry_authority", "行业主管部门"
    HR_ADMIN = "hr_admin", "人力社保部门管理员"
    EVALUATOR = "evaluator", "评委会"
    PROVIDER = "provider", "继续教育基地/培训机构"
    # 等保 2.0 第三级 三权分立: accounts, grants and the audit trail are three administrators' duties.
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


# Roles whose grant lets the holder read the people (and their hours) inside the grant's scope.
PERSON_READING_ROLES = frozenset(
    {Role.UNIT_STAFF, Role.REVIEWER, Role.INDUSTRY_AUTHORITY, Role.HR_ADMIN, Role.EVALUATOR}
)

# No one holds two of these (等保 三权分立): each watches what the others do.
SEPARATED_ROLES = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)


# 第十七条 names the levels of administrative power in words (一级管理权限…); so does every page.
LEVEL_NAMES = {1: "一级", 2: "二级", 3: "三级"}


def level_name(level: int | None) -> str:
    return LEVEL_NAMES.get(level or 0, "")


class Grant(models.Model):
    """A staff power: a role (with a level for reviewers, R17) over a scope.

    The scope is the intersection of the county, series and unit that are set; none set means the
    whole city. Adding a county or an industry is a row, not a code change.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="grants", verbose_name="账号")
    role = models.CharField("角色", max_length=32, choices=Role.choices)
    level = models.PositiveSmallIntegerField("管理权限级别", null=True, blank=True)
    county = models.ForeignKey(County, models.PROTECT, null=True, blank=True, verbose_name="县（市、区）范围")
    series = models.ForeignKey(Series, models.PROTECT, null=True, blank=True, verbose_name="行业（系列）范围")
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, verbose_name="单位范围")
    created_at = models.DateTimeField("授予时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "授权"
        constraints = [
            models.CheckConstraint(
                name="grant_reviewer_has_level",
                condition=(Q(role="reviewer", level__in=[1, 2, 3]) | (~Q(role="reviewer") & Q(level__isnull=True))),
            ),
        ]

    def __str__(self) -> str:
        level = f" {level_name(self.level)}" if self.level else ""
        return f"{self.get_role_display()}{level} · {self.scope_label}"

    @property
    def scope_label(self) -> str:
        parts = [str(p) for p in (self.county, self.series, self.unit) if p is not None]
        return " / ".join(parts) if parts else "全市"

    def person_q(self) -> Q:
        q = Q()
        if self.county_id:
            q &= Q(county_id=self.county_id)
        if self.series_id:
            q &= Q(series_id=self.series_id)
        if self.unit_id:
            q &= Q(unit_id=self.unit_id)
        return q


class ApiToken(models.Model):
    """A personal API token; only its SHA-256 is kept, the token itself is shown once."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    token_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField("前缀", max_length=12)
    created_at = models.DateTimeField("签发时间", auto_now_add=True)
    # A token is a standing credential: it lapses on its own (CEHOURS_TOKEN_DAYS) even if nobody revokes it.
    expires_at = models.DateTimeField("到期时间")
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "个人接口令牌"


class AccountState(models.Model):
    """What the sign-in flow needs to know about an account beyond Django's user row.

    `must_change_password` is set when someone else chose the password (create-staff, the demo, an
    administrator's reset): the holder must replace it at the next sign-in, so nobody else knows it.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="account_state", verbose_name="账号"
    )
    must_change_password = models.BooleanField("须修改密码", default=False)
    password_changed_at = models.DateTimeField("密码修改时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "账号状态"


class ProfessionalAccount(models.Model):
    """How a professional's login came to be linked to their record (实名注册 or activation).

    A self-registered account is `pending` until the staff of the person's unit (or of the unit the
    registrant named, for someone no unit has) confirm it: until then `Person.user` is not set, so
    the account reaches nothing of the person's hours — knowing a name and an ID number is not
    enough. An activation code issued by the unit links the account at once (`confirmed`).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "待单位确认"
        CONFIRMED = "confirmed", "已确认"
        REFUSED = "refused", "未予确认"

    class Via(models.TextChoices):
        REGISTRATION = "registration", "本人实名注册"
        ACTIVATION = "activation", "单位发放激活码"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.CASCADE, related_name="professional_account", verbose_name="账号"
    )
    person = models.ForeignKey("people.Person", models.PROTECT, related_name="accounts", verbose_name="专业技术人员")
    # The unit whose staff confirm: the person's own, or the one the registrant named.
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="确认单位")
    via = models.CharField("开通方式", max_length=16, choices=Via.choices)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    # The name typed at registration: it may not be the record's (someone else's ID number); the
    # unit sees both and decides.
    name_given = models.CharField("注册时填写的姓名", max_length=64)
    mobile_encrypted = models.TextField("手机号码（加密）", blank=True)
    mobile_hash = models.CharField("手机号码检索摘要", max_length=64, blank=True, db_index=True)
    mobile_masked = models.CharField("手机号码（脱敏）", max_length=11, blank=True)
    # Optional: where an email server is configured, the unit can send a password-reset link here.
    email_encrypted = models.TextField("电子邮箱（加密）", blank=True)
    email_masked = models.CharField("电子邮箱（脱敏）", max_length=254, blank=True)
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="确认人"
    )
    decided_at = models.DateTimeField("确认时间", null=True, blank=True)
    decision_reason = models.CharField("说明", max_length=255, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "专业技术人员账号"
        constraints = [
            # One mobile number signs in one account.
            models.UniqueConstraint(
                fields=["mobile_hash"],
                condition=~Q(mobile_hash="") & ~Q(status="refused"),
                name="professional_account_mobile_once",
            ),
        ]


class ActivationCode(models.Model):
    """A one-time code a unit gives a person on its roster to open (or reopen) their account.

    Only the code's SHA-256 is kept: it is shown once, on the page or in the XLSX, to be handed over.
    """

    person = models.ForeignKey("people.Person", models.CASCADE, related_name="activation_codes", verbose_name="人员")
    code_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="发放人")
    issued_at = models.DateTimeField("发放时间", auto_now_add=True)
    expires_at = models.DateTimeField("有效期至")
    used_at = models.DateTimeField("使用时间", null=True, blank=True)
    # A newer code for the same person replaces the older ones.
    revoked_at = models.DateTimeField("作废时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "账号激活码"
