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
        level = f" {self.level}级" if self.level else ""
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
