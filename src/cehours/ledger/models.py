"""Ledger entries (学时记录), per person-year totals and the stored rule versions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from cehours.access.querysets import RestrictedQuerySet
from cehours.people.models import Person, Series
from cehours.rules.hours import CATEGORY_LABELS, Category
from cehours.rules.ruleset import ANNUAL_FIELDS, IssuingLevel

CATEGORY_CHOICES = [(c.value, CATEGORY_LABELS[c]) for c in Category]


class Source(models.TextChoices):
    PLATFORM_COURSE = "platform_course", "平台在线课程"
    CONNECTED_SYSTEM = "connected_system", "对接系统"
    DECLARATION = "declaration", "线下申报"
    SEMINAR = "seminar", "高研班"
    PROVINCIAL_IMPORT = "provincial_import", "省平台导入"
    CORRECTION = "correction", "更正"


class LedgerEntry(models.Model):
    """One registration of hours (R3, R14). Never changed: a correction is a reversing entry.

    The database itself refuses UPDATE and DELETE on this table (see ledger/triggers.py).
    """

    person = models.ForeignKey(Person, models.PROTECT, related_name="ledger_entries", verbose_name="人员")
    year = models.PositiveSmallIntegerField("年度")
    category = models.CharField("科目类别", max_length=20, choices=CATEGORY_CHOICES)
    hours = models.DecimalField("学时", max_digits=7, decimal_places=1)
    source = models.CharField("来源", max_length=24, choices=Source.choices)
    source_system = models.CharField("来源系统", max_length=64, blank=True)
    source_record_id = models.CharField("来源记录号", max_length=128, blank=True)
    source_fingerprint = models.CharField("来源内容摘要", max_length=64, blank=True)
    activity_type = models.CharField("学习形式", max_length=64, blank=True)
    title = models.CharField("名称", max_length=255)
    start_on = models.DateField("开始日期", null=True, blank=True)
    end_on = models.DateField("结束日期", null=True, blank=True)
    completed_on = models.DateField("完成日期")
    provider = models.CharField("举办单位", max_length=128, blank=True)
    external_url = models.CharField("链接", max_length=500, blank=True)
    explanation = models.CharField("折算说明", max_length=255, blank=True)
    reverses = models.OneToOneField(
        "self", models.PROTECT, null=True, blank=True, related_name="reversed_by", verbose_name="冲销的记录"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="登记人"
    )
    registered_by_label = models.CharField("登记人标识", max_length=150)
    registered_at = models.DateTimeField("登记时间", auto_now_add=True)
    # R12a: offline learning that counts toward the person's 6 hours a day across every source.
    day_capped = models.BooleanField("计入每日线下学时上限", default=False)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "学时记录"
        indexes = [models.Index(fields=["person", "year", "category"])]
        constraints = [
            models.CheckConstraint(
                name="ledger_entry_sign",
                condition=(
                    Q(reverses__isnull=True, hours__gte=0, hours__lte=10000)
                    | Q(reverses__isnull=False, hours__lte=0, hours__gte=-10000)
                ),
            ),
            models.CheckConstraint(name="ledger_entry_category", condition=Q(category__in=[c.value for c in Category])),
            models.CheckConstraint(name="ledger_entry_year", condition=Q(year__gte=1990, year__lte=2200)),
            models.UniqueConstraint(
                fields=["source_system", "source_record_id"],
                condition=~Q(source_record_id=""),
                name="ledger_entry_source_record_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_category_display()} {self.hours} {self.title}"


class PersonYearTotal(models.Model):
    """Sum of a person's entries in one year, kept in the entry's transaction; rebuildable."""

    person = models.ForeignKey(Person, models.CASCADE, related_name="year_totals")
    year = models.PositiveSmallIntegerField("年度")
    general_public = models.DecimalField("一般公需", max_digits=8, decimal_places=1, default=0)
    industry_public = models.DecimalField("行业公需", max_digits=8, decimal_places=1, default=0)
    professional = models.DecimalField("专业科目", max_digits=8, decimal_places=1, default=0)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "年度学时合计"
        constraints = [models.UniqueConstraint(fields=["person", "year"], name="person_year_total_once")]


class RuleVersionRecord(models.Model):
    """A stored rule version (R12d); `values` holds only the fields this version sets.

    Append-only: a version is never edited or deleted, since the hours already converted by it and
    the years already judged by it must stay explainable. A correction is a new version (entered
    later, it wins over one alike in level, series and date; see rules/ruleset.py `precedence`).
    """

    code = models.CharField("文号", max_length=64, unique=True)
    issuing_level = models.CharField(
        "发文层级", max_length=16, choices=[(IssuingLevel.CITY, "市级"), (IssuingLevel.PROVINCE, "省级")]
    )
    effective_from = models.DateField("生效日期")
    # One industry series the version is for (its people only); empty = every series.
    series = models.ForeignKey(
        Series, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="适用行业（系列）"
    )
    values = models.JSONField("规则取值")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "学时规则版本"
        ordering = ["effective_from"]
        constraints = [
            models.CheckConstraint(
                name="rule_version_level", condition=Q(issuing_level__in=[IssuingLevel.CITY, IssuingLevel.PROVINCE])
            ),
            # R12d: a provincial version sets conversion only, never the city's annual requirement (第十一条).
            models.CheckConstraint(
                name="rule_version_province_not_annual",
                condition=~Q(
                    issuing_level=IssuingLevel.PROVINCE,
                    values__has_any_keys=list(ANNUAL_FIELDS),
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code}（{self.effective_from} 起）"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError("学时规则版本不可修改；更正请录入新的版本")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("学时规则版本不可删除；更正请录入新的版本")


class HoldReason(models.TextChoices):
    """Why the door held a record for a person to decide (DESIGN §2, plausibility)."""

    ABOVE_RECORD_LIMIT = "above_record_limit", "单条记录学时超过上限"
    ABOVE_SYSTEM_YEAR_LIMIT = "above_system_year_limit", "该系统本年度登记学时超过上限"
    TOO_OLD = "too_old", "记录年度早于可直接登记的最早年度"
    LIKELY_DUPLICATE = "likely_duplicate", "疑似与其他来源已登记的记录重复"
    OUTSIDE_SERIES = "outside_series", "学员不属于该高研班项目的行业（系列）"


class HeldRecord(models.Model):
    """A record the write door neither registered nor refused: held until a person decides.

    It keeps everything the door was given, so that an approval registers exactly what was sent
    (through the same door, with the checks that need no person still applied) and a rejection
    answers the sender with the reviewer's reason. Its source key is taken like a ledger entry's:
    a resend of a held record is answered with the hold, not held twice.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "待审核"
        APPROVED = "approved", "已确认登记"
        REJECTED = "rejected", "不予登记"

    person = models.ForeignKey(Person, models.PROTECT, related_name="held_records", verbose_name="人员")
    year = models.PositiveSmallIntegerField("年度")
    category = models.CharField("科目类别", max_length=20, choices=CATEGORY_CHOICES)
    hours = models.DecimalField("学时", max_digits=7, decimal_places=1)
    source = models.CharField("来源", max_length=24, choices=Source.choices)
    source_system = models.CharField("来源系统", max_length=64, blank=True)
    source_record_id = models.CharField("来源记录号", max_length=128, blank=True)
    source_fingerprint = models.CharField("来源内容摘要", max_length=64, blank=True)
    activity_type = models.CharField("学习形式", max_length=64, blank=True)
    title = models.CharField("名称", max_length=255)
    start_on = models.DateField("开始日期", null=True, blank=True)
    end_on = models.DateField("结束日期", null=True, blank=True)
    completed_on = models.DateField("完成日期")
    provider = models.CharField("举办单位", max_length=128, blank=True)
    external_url = models.CharField("链接", max_length=500, blank=True)
    explanation = models.CharField("折算说明", max_length=255, blank=True)
    day_capped = models.BooleanField("计入每日线下学时上限", default=False)
    reason = models.CharField("暂缓原因", max_length=32, choices=HoldReason.choices)
    reason_detail = models.CharField("暂缓说明", max_length=500)
    # For a likely duplicate: the registered entry it looks like.
    similar_to = models.ForeignKey(
        LedgerEntry, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="疑似重复的记录"
    )
    # For a 高研班 attendee outside the project's series: the project, whose approvers decide.
    seminar = models.ForeignKey(
        "declarations.SeminarProject", models.PROTECT, null=True, blank=True, related_name="held_records"
    )
    held_by_label = models.CharField("提交方", max_length=150)
    held_at = models.DateTimeField("暂缓时间", auto_now_add=True)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="审核人"
    )
    decided_at = models.DateTimeField("审核时间", null=True, blank=True)
    decided_level = models.PositiveSmallIntegerField("审核人权限级别", null=True, blank=True)
    decision_reason = models.TextField("审核意见", blank=True)
    entry = models.OneToOneField(
        LedgerEntry, models.PROTECT, null=True, blank=True, related_name="held_record", verbose_name="登记的学时记录"
    )

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "暂缓登记的记录"
        ordering = ["held_at", "pk"]
        indexes = [models.Index(fields=["status", "held_at"])]
        constraints = [
            models.UniqueConstraint(
                fields=["source_system", "source_record_id"],
                condition=~Q(source_record_id=""),
                name="held_record_source_record_once",
            ),
            models.CheckConstraint(name="held_record_hours", condition=Q(hours__gte=0, hours__lte=10000)),
        ]

    def __str__(self) -> str:
        return f"{self.title}（{self.get_reason_display()}）"
