"""The access log of personal data: one row per read of a person's data (PIPL 第五十一条, 等保 安全审计)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class ReadAction(models.TextChoices):
    """What was read, named after the page, endpoint or file that read it."""

    PERSON_PAGE = "person_page", "人员学时页面"
    PERSON_ENTRIES_PAGE = "person_entries_page", "人员学时记录页面"
    PERSON_ELIGIBILITY_PAGE = "person_eligibility_page", "人员申报资格页面"
    API_COMPLIANCE = "api_compliance", "接口：学时合规"
    API_ELIGIBILITY = "api_eligibility", "接口：申报资格"
    API_ELIGIBILITY_BATCH = "api_eligibility_batch", "接口：批量申报资格"
    API_ENTRIES = "api_entries", "接口：学时记录"
    SEARCH = "search", "人员查询"
    EXPORT = "export", "导出学时交换文件"
    OVERVIEW_CSV = "overview_csv", "导出学时汇总 CSV"
    EVIDENCE = "evidence", "查看证明材料"
    CERTIFICATE = "certificate", "出具学时证明"
    API_CERTIFICATE = "api_certificate", "接口：出具学时证明"
    # The verify page needs no sign-in: a guessed code is a miss, throttled like an ID number.
    CERTIFICATE_VERIFY = "certificate_verify", "核验学时证明"
    API_CERTIFICATE_VERIFY = "api_certificate_verify", "接口：核验学时证明"
    COMMITTEE_LIST = "committee_list", "评审名单学时判断"


class ReadOutcome(models.TextChoices):
    FOUND = "found", "已读取"
    # A lookup by full ID number that found no one the caller may see: what the mask-reversal
    # loop produces, so these rows are what the lookup throttle counts.
    MISSED = "missed", "未找到"
    REFUSED = "refused", "查询过多被拒绝"


class ReadEvent(models.Model):
    """One read of personal data: who (a user or a connected system, else the address), when, what,
    whose, from where and in which request.

    Append-only: database triggers refuse UPDATE and DELETE (see triggers.py). Written once per
    request at most (middleware.ReadLogMiddleware), with no chain and no lock, so reads stay cheap.
    """

    at = models.DateTimeField("时间", default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="访问人"
    )
    system = models.ForeignKey(
        "integration.ConnectedSystem",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="对接系统",
    )
    # "user:<pk>", "system:<pk>" or "addr:<address>": the throttle and the anomaly table group by it.
    caller_key = models.CharField("访问方标识", max_length=80)
    action = models.CharField("访问内容", max_length=32, choices=ReadAction.choices)
    outcome = models.CharField("结果", max_length=8, choices=ReadOutcome.choices, default=ReadOutcome.FOUND)
    person = models.ForeignKey(
        "people.Person", models.PROTECT, null=True, blank=True, related_name="+", verbose_name="被访问人员"
    )
    count = models.PositiveIntegerField("涉及人数", null=True, blank=True)  # searches and exports
    remote_addr = models.CharField("来源地址", max_length=64, blank=True)
    request_id = models.CharField("请求标识", max_length=64, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "个人信息访问记录"
        indexes = [
            models.Index(fields=["at"], name="privacy_read_at"),
            # The throttle's count: one caller's misses in the last hour, a short range of a small index.
            models.Index(
                fields=["caller_key", "at"], name="privacy_read_misses", condition=Q(outcome=ReadOutcome.MISSED)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.caller_key} {self.action}"
