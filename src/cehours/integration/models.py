"""Connected systems and their API keys."""

from __future__ import annotations

from django.db import models

from cehours.access.querysets import RestrictedQuerySet
from cehours.people.models import County, Series


class ConnectedSystem(models.Model):
    """An industry, provincial or training-base learning system that pushes completed learning (R15)."""

    code = models.SlugField("系统代码", max_length=64, unique=True)
    name = models.CharField("系统名称", max_length=128)
    # Empty means no restriction on that axis.
    categories = models.JSONField("允许登记的科目类别", default=list, blank=True)
    industries = models.ManyToManyField(Series, blank=True, verbose_name="允许登记的行业（系列）")
    active = models.BooleanField("启用", default=True)
    # The scope that registered the system owns it and its keys (none = the city HR bureau).
    owner_county = models.ForeignKey(
        County, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="登记范围（县市区）"
    )
    owner_series = models.ForeignKey(
        Series, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="登记范围（行业）"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "对接系统"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class SystemKey(models.Model):
    """An API key of a connected system; only its SHA-256 is stored, the key is shown once."""

    system = models.ForeignKey(ConnectedSystem, models.CASCADE, related_name="keys")
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField("前缀", max_length=16)
    created_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "对接系统密钥"


class IntakeTally(models.Model):
    """How many of a system's records ended how on a day, by the code of why (data quality, issue 13):
    one row per (system, day, outcome, code), counted up by every batch. Rejected records are not
    kept themselves (they never entered the ledger); their count and reason are."""

    system = models.ForeignKey(ConnectedSystem, models.CASCADE, related_name="tallies", verbose_name="对接系统")
    day = models.DateField("日期")
    outcome = models.CharField("结果", max_length=16)  # created | duplicate | rejected | held
    code = models.CharField("原因代码", max_length=32, blank=True)  # rejected / held: the first reason's code
    field = models.CharField("字段", max_length=32, blank=True)  # and the record field it names
    count = models.PositiveIntegerField("记录数", default=0)
    last_at = models.DateTimeField("最近一次收到")

    class Meta:
        verbose_name = verbose_name_plural = "对接数据统计"
        constraints = [
            models.UniqueConstraint(fields=["system", "day", "outcome", "code", "field"], name="intake_tally_once"),
        ]
