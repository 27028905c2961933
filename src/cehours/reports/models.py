"""An issued hours certificate: what it said, to whom, when, and whether it still stands."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from cehours.people.models import Person


class Certificate(models.Model):
    """One 学时证明 as issued (第十八条). The figures are kept exactly as printed, so the verify page
    can show them and compare them with the ledger of today; the PDF itself is not kept: the
    person can ask for a new one, and the digest says which file was the one issued."""

    code = models.CharField("验证码", max_length=16, unique=True)
    person = models.ForeignKey(Person, models.PROTECT, related_name="certificates", verbose_name="人员")
    first_year = models.PositiveSmallIntegerField("起始年度")
    last_year = models.PositiveSmallIntegerField("截止年度")
    figures = models.JSONField("证明所载数据")
    issued_at = models.DateTimeField("出具时间")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="申请人"
    )
    digest = models.CharField("文件摘要（SHA-256）", max_length=64)
    withdrawn_at = models.DateTimeField("撤销时间", null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="撤销人"
    )
    withdrawn_reason = models.CharField("撤销理由", max_length=255, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "学时证明"
        indexes = [models.Index(fields=["person", "issued_at"])]
        constraints = [
            models.CheckConstraint(name="certificate_years", condition=models.Q(first_year__lte=models.F("last_year"))),
        ]

    def __str__(self) -> str:
        return f"学时证明 {self.code}"
