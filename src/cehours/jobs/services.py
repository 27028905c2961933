"""Asking for a job, and running it (the task the worker calls): the only writes of the jobs app."""

from __future__ import annotations

import logging
import secrets
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cehours.audit.services import audit_record
from cehours.config import tighten

from .kinds import WRITERS
from .models import Job, JobStatus

log = logging.getLogger(__name__)
FAILED_MESSAGE = "生成失败，请稍后重试；如仍失败请联系管理员"


def jobs_directory() -> Path:
    path = Path(settings.DATA_DIR) / "jobs"
    path.mkdir(mode=0o700, exist_ok=True)
    tighten(path, 0o700)
    return path


def job_request(user, *, kind: str, params: dict, title: str) -> Job:
    """A new job, queued for the worker once this transaction commits."""
    from .tasks import run_job

    with transaction.atomic():
        job = Job.objects.create(kind=kind, requested_by=user, params=params, title=title)
        audit_record(actor=user, action=f"jobs.{kind}", object_type="job", object_id=job.pk, after={"params": params})
        transaction.on_commit(lambda: run_job.enqueue(job.pk))
    return job


def job_run(job_id: int) -> None:
    """Claim the job (once: a second worker finds it taken), write its file with progress, finish."""
    with transaction.atomic():
        job = Job.objects.select_for_update().select_related("requested_by").filter(pk=job_id).first()
        if job is None or job.status != JobStatus.QUEUED:
            return
        job.status, job.started_at = JobStatus.RUNNING, timezone.now()
        job.save(update_fields=["status", "started_at"])
    write, suffix, _content_type = WRITERS[job.kind]
    stored_as = f"{job.pk}-{secrets.token_hex(8)}.{suffix}"
    path = jobs_directory() / stored_as

    def progress(done: int, total: int | None = None) -> None:
        fields = {"done": done} if total is None else {"done": done, "total": total}
        Job.objects.filter(pk=job.pk).update(**fields)

    try:
        with open(path, "w", encoding="utf-8", newline="") as out:  # noqa: PTH123 - a TextIOWrapper
            rows = write(job, out, progress)
    except Exception:
        log.exception("job %s (%s) failed", job.pk, job.kind)
        path.unlink(missing_ok=True)
        Job.objects.filter(pk=job.pk).update(status=JobStatus.FAILED, error=FAILED_MESSAGE, finished_at=timezone.now())
        return
    tighten(path, 0o600)
    name = f"{job.title}-{timezone.localdate():%Y%m%d}.{suffix}"
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE, done=rows, total=rows, file_name=name, stored_as=stored_as, finished_at=timezone.now()
    )
