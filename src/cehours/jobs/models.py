"""A background job as its requester sees it: what, how far, the file when done, why it failed."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class JobKind(models.TextChoices):
    OVERVIEW_CSV = "overview_csv", "学时汇总 CSV"
    COMMITTEE_PDF = "committee_pdf", "评审名单判断结果 PDF"
    COMMITTEE_CERTIFICATES = "committee_certificates", "评审名单学时证明压缩包"


class JobStatus(models.TextChoices):
    QUEUED = "queued", "排队中"
    RUNNING = "running", "进行中"
    DONE = "done", "已完成"
    FAILED = "failed", "失败"


class Job(models.Model):
    """One request for long work. The worker re-checks the requester's rights when it runs, with the
    scope they have then; the file is the requester's alone (and deleted with the job's expiry)."""

    kind = models.CharField("任务类型", max_length=32, choices=JobKind.choices)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="申请人")
    params = models.JSONField("参数", default=dict)
    # What the job works through (a judged list's rows): personal data, so kept out of the audit
    # trail, which records `params` only, and emptied once the job has ended.
    payload = models.JSONField("待处理数据", default=list, blank=True)
    title = models.CharField("名称", max_length=200)
    status = models.CharField("状态", max_length=16, choices=JobStatus.choices, default=JobStatus.QUEUED)
    done = models.PositiveIntegerField("已处理", default=0)
    total = models.PositiveIntegerField("总数", default=0)
    file_name = models.CharField("文件名", max_length=200, blank=True)
    stored_as = models.CharField("存储文件", max_length=200, blank=True)
    error = models.CharField("失败原因", max_length=500, blank=True)
    created_at = models.DateTimeField("申请时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "后台任务"
        indexes = [models.Index(fields=["requested_by", "-created_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def counted_in(self) -> str:
        """What `done` and `total` count, as the page says it."""
        return "人" if self.kind == JobKind.COMMITTEE_CERTIFICATES else "行"

    @property
    def percent(self) -> int:
        if self.status == JobStatus.DONE:
            return 100
        return min(99, self.done * 100 // self.total) if self.total else 0
