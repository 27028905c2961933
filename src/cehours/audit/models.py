"""Audit events, chained by HMAC-SHA256 under a key kept apart from the database, and the chain's head."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from cehours.access.querysets import RestrictedQuerySet


class ChainVersion(models.IntegerChoices):
    """How an event's digest was computed. Stored per event so that events written before the
    chain had a key still verify by their own rule, while nothing after them may use it."""

    SHA256 = 1, "SHA-256（无密钥，升级前的旧事件）"
    HMAC_SHA256 = 2, "HMAC-SHA256（审计密钥）"


class AuditEvent(models.Model):
    """One change or decision: who, what, when, from where, before and after (R21).

    Append-only: database triggers refuse UPDATE and DELETE (see triggers.py)."""

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
    chain_version = models.PositiveSmallIntegerField(
        "链版本", choices=ChainVersion.choices, default=ChainVersion.HMAC_SHA256
    )
    key_id = models.CharField("密钥标识", max_length=16, blank=True, default="")

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "审计事件"
        ordering = ["seq"]
        indexes = [models.Index(fields=["object_type", "object_id"]), models.Index(fields=["actor", "at"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.actor_label} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The chain's tip, one row. Locking it serialises appends on every database.

    It stays updatable (the append path moves it); a reset head hides nothing from an anchor
    taken earlier and kept off the host (`cehours audit-anchor`)."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)
