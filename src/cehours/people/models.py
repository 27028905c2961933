"""Persons (专业技术人员), units, organisations, series and the counties of Lishui."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from cehours.access.querysets import RestrictedQuerySet
from cehours.rules.identifiers import InvalidIdentifier, mask_id_number, normalize_credit_code
from cehours.rules.titles import LEVEL_LABELS, MAX_REQUIRED_YEARS, MIN_REQUIRED_YEARS, TitleLevel

from .crypto import decrypt_id_number


class County(models.Model):
    """A county-level division of Lishui (reference data)."""

    code = models.CharField("行政区划代码", max_length=6, primary_key=True)
    name = models.CharField("名称", max_length=32, unique=True)

    class Meta:
        verbose_name = verbose_name_plural = "县（市、区）"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Series(models.Model):
    """A professional title series / industry (职称系列), owned by one industry authority."""

    code = models.CharField("系列代码", max_length=32, primary_key=True)
    name = models.CharField("名称", max_length=64, unique=True)

    class Meta:
        verbose_name = verbose_name_plural = "职称系列（行业）"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class OrganisationKind(models.TextChoices):
    HR_BUREAU = "hr_bureau", "人力社保部门"
    INDUSTRY_AUTHORITY = "industry_authority", "行业主管部门"
    EVALUATION_COMMITTEE = "evaluation_committee", "评委会组建部门"
    PROVIDER = "provider", "继续教育基地/培训机构"


class Organisation(models.Model):
    """A government body or provider: HR bureaus, industry authorities, evaluation committees."""

    name = models.CharField("名称", max_length=128, unique=True)
    kind = models.CharField("类型", max_length=32, choices=OrganisationKind.choices)
    county = models.ForeignKey(County, models.PROTECT, null=True, blank=True, verbose_name="所属县（市、区）")
    series = models.ForeignKey(Series, models.PROTECT, null=True, blank=True, verbose_name="行业（系列）")

    class Meta:
        verbose_name = verbose_name_plural = "机构"

    def __str__(self) -> str:
        return self.name


def validate_credit_code(value: str) -> None:
    try:
        normalize_credit_code(value)
    except InvalidIdentifier as exc:
        raise ValidationError(str(exc)) from exc


class UnitKind(models.TextChoices):
    """第二条: the kinds of employer whose professional technical personnel the regulation covers."""

    ENTERPRISE = "enterprise", "企业"
    PUBLIC_INSTITUTION = "public_institution", "事业单位"
    PRIVATE_NON_ENTERPRISE = "private_non_enterprise", "民办非企业单位"
    INTERMEDIARY = "intermediary", "中介机构"
    SOCIAL_ORGANISATION = "social_organisation", "社会团体"


class Unit(models.Model):
    """An employer of professional technical personnel (R2)."""

    credit_code = models.CharField("统一社会信用代码", max_length=18, unique=True, validators=[validate_credit_code])
    name = models.CharField("单位名称", max_length=128)
    county = models.ForeignKey(County, models.PROTECT, verbose_name="所在县（市、区）")
    series = models.ForeignKey(Series, models.PROTECT, null=True, blank=True, verbose_name="主管行业")
    self_evaluating = models.BooleanField("自主评聘单位", default=False)
    kind = models.CharField("单位类型", max_length=32, choices=UnitKind.choices, blank=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "单位"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Person(models.Model):
    """A professional (专业技术人员), registered by real name (R3)."""

    name = models.CharField("姓名", max_length=64)
    id_number_encrypted = models.TextField("身份证号码（加密）")
    id_number_hash = models.CharField("身份证号码检索摘要", max_length=64, unique=True)
    id_number_masked = models.CharField("身份证号码（脱敏）", max_length=18)
    unit = models.ForeignKey(Unit, models.PROTECT, null=True, blank=True, verbose_name="工作单位")
    series = models.ForeignKey(Series, models.PROTECT, null=True, blank=True, verbose_name="职称系列")
    # Unknown for a person first seen in a connected system's record, until their unit confirms them.
    county = models.ForeignKey(County, models.PROTECT, null=True, blank=True, verbose_name="所在县（市、区）")
    title_level = models.CharField("现职称等级", max_length=32, blank=True)
    title_obtained_on = models.DateField("取得现职称日期", null=True, blank=True)
    unit_confirmed = models.BooleanField("单位已确认", default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True, related_name="person", verbose_name="登录账号"
    )
    created_at = models.DateTimeField("建档时间", auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "专业技术人员"
        indexes = [models.Index(fields=["name"]), models.Index(fields=["county", "series"])]

    def __str__(self) -> str:
        return f"{self.name}（{self.id_number_masked}）"

    @property
    def id_number(self) -> str:
        """The full number: only for the person themself and for matching, never for lists."""
        return decrypt_id_number(self.id_number_encrypted)

    def id_number_for(self, user) -> str:
        if user is not None and getattr(user, "pk", None) and self.user_id == user.pk:
            return self.id_number
        return self.id_number_masked


class TitleLevelChoice(models.TextChoices):
    """The title levels as stored (rules/titles.py `TitleLevel`), with their Chinese names."""

    JUNIOR = TitleLevel.JUNIOR.value, LEVEL_LABELS[TitleLevel.JUNIOR]
    INTERMEDIATE = TitleLevel.INTERMEDIATE.value, LEVEL_LABELS[TitleLevel.INTERMEDIATE]
    DEPUTY_SENIOR = TitleLevel.DEPUTY_SENIOR.value, LEVEL_LABELS[TitleLevel.DEPUTY_SENIOR]
    SENIOR = TitleLevel.SENIOR.value, LEVEL_LABELS[TitleLevel.SENIOR]


class TitleRequirement(models.Model):
    """City HR's table: a title level of a series and the years of qualified hours (规定年限) an
    application for it requires (R13 第十三条), from a date.

    Append-only like the rule versions: a row is never edited or deleted, since verdicts already
    given were judged by it. A change is a new row; the one in force on a date is the latest
    effective_from on or before it, and of rows alike in date the latest entered
    (rules/titles.py `requirement_in_force`). City-wide reference data, so no scope.
    """

    series = models.ForeignKey(Series, models.PROTECT, related_name="+", verbose_name="职称系列")
    level = models.CharField("职称等级", max_length=16, choices=TitleLevelChoice.choices)
    local_name = models.CharField("本系列名称", max_length=32, blank=True)
    required_years = models.PositiveSmallIntegerField("规定年限（年）")
    effective_from = models.DateField("生效日期")
    placeholder = models.BooleanField("占位值，待市人力社保局确认", default=False)
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="录入人"
    )

    class Meta:
        verbose_name = verbose_name_plural = "职称规定年限"
        ordering = ["series", "level", "effective_from", "pk"]
        indexes = [models.Index(fields=["series", "level", "effective_from"])]
        constraints = [
            models.CheckConstraint(
                name="title_requirement_years",
                condition=models.Q(required_years__gte=MIN_REQUIRED_YEARS, required_years__lte=MAX_REQUIRED_YEARS),
            ),
            models.CheckConstraint(
                name="title_requirement_level", condition=models.Q(level__in=[level.value for level in TitleLevel])
            ),
        ]

    def __str__(self) -> str:
        return f"{self.series_id} {self.get_level_display()} {self.required_years} 年（{self.effective_from} 起）"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError("职称规定年限不可修改；更正请录入新的一行")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("职称规定年限不可删除；更正请录入新的一行")


__all__ = [
    "County",
    "Series",
    "Organisation",
    "OrganisationKind",
    "Unit",
    "Person",
    "TitleLevelChoice",
    "TitleRequirement",
    "mask_id_number",
]
