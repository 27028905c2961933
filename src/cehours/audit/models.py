"""Audit events, chained by SHA-256 so that an edited or deleted event is detectable."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from cehours.access.querysets import RestrictedQuerySet


class AuditEvent(models.Model):
    """One change or decision: who, what, when, from where, before and after (R21)."""

    seq = models.BigIntegerField("序号", unique=True)
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="操作人"
    )
    actor_label = models.CharField("操作人标识", max_length=150)
    action = models.CharField("操作", max_length=64)
    object_type = models.CharField("对象类型", max_length=64)
    object_id = models.CharField("对象标识", max_length=64, blank=True)
    before = models.JSONField("变更前", null=True, blank=True)
    after = models.JSONField("变更后", null=True, blank=True)
    remote_addr = models.CharField("来源地址", max_length=64, blank=True)
    request_id = models.CharField("请求标识", max_length=64)
    via = models.CharField("途径", max_length=8)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "审计事件"
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"]), models.Index(fields=["actor", "at"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The chain's tip, one row. Locking it serialises appends on every database."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
