"""Asking for a job, and running it (the task the worker calls): the only writes of the jobs app."""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cehours.audit.services import audit_record
from cehours.config import tighten

from .kinds import WRITERS, JobError
from .models import Job, JobStatus

log = logging.getLogger(__name__)
FAILED_MESSAGE = "生成失败，请稍后重试；如仍失败请联系管理员"
# A job's file names people (masked ID numbers, verdicts, certificates): kept a week for the
# requester to download, then removed when the next job is asked for.
FILES_KEPT_FOR = timedelta(days=7)


def jobs_directory() -> Path:
    path = Path(settings.DATA_DIR) / "jobs"
    path.mkdir(mode=0o700, exist_ok=True)
    tighten(path, 0o700)
    return path


def job_request(user, *, kind: str, params: dict, title: str, payload: list | None = None) -> Job:
    """A new job, queued for the worker once this transaction commits."""
    from .tasks import run_job

    _sweep_files()
    with transaction.atomic():
        job = Job.objects.create(kind=kind, requested_by=user, params=params, title=title, payload=payload or [])
        audit_record(actor=user, action=f"jobs.{kind}", object_type="job", object_id=job.pk, after={"params": params})
        transaction.on_commit(lambda: run_job.enqueue(job.pk))
    return job


def _sweep_files() -> None:
    """Remove the files of jobs finished more than FILES_KEPT_FOR ago; their pages then say so."""
    old = Job.objects.filter(finished_at__lt=timezone.now() - FILES_KEPT_FOR).exclude(stored_as="")
    for stored_as in old.values_list("stored_as", flat=True):
        (jobs_directory() / stored_as).unlink(missing_ok=True)
    old.update(stored_as="")


def job_run(job_id: int) -> None:
    """Claim the job (once: a second worker finds it taken), write its file with progress, finish."""
    with transaction.atomic():
        job = Job.objects.select_for_update().select_related("requested_by").filter(pk=job_id).first()
        if job is None or job.status != JobStatus.QUEUED:
            return
        job.status, job.started_at = JobStatus.RUNNING, timezone.now()
        job.save(update_fields=["status", "started_at"])
    writer = WRITERS[job.kind]
    stored_as = f"{job.pk}-{secrets.token_hex(8)}.{writer.suffix}"
    path = jobs_directory() / stored_as

    def progress(done: int, total: int | None = None) -> None:
        fields = {"done": done} if total is None else {"done": done, "total": total}
        Job.objects.filter(pk=job.pk).update(**fields)

    def failed(message: str) -> None:
        path.unlink(missing_ok=True)
        Job.objects.filter(pk=job.pk).update(
            status=JobStatus.FAILED, error=message[:500], payload=[], finished_at=timezone.now()
        )

    try:
        if writer.binary:
            with open(path, "wb") as out:  # noqa: PTH123 - the same shape as the text branch
                rows = writer.write(job, out, progress)
        else:
            with open(path, "w", encoding="utf-8", newline="") as text:  # noqa: PTH123 - a TextIOWrapper
                rows = writer.write(job, text, progress)
    except JobError as exc:
        failed(str(exc))
        return
    except Exception:
        log.exception("job %s (%s) failed", job.pk, job.kind)
        failed(FAILED_MESSAGE)
        return
    tighten(path, 0o600)
    name = f"{job.title}-{timezone.localdate():%Y%m%d}.{writer.suffix}"
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.DONE,
        done=rows,
        total=rows,
        file_name=name,
        stored_as=stored_as,
        payload=[],
        finished_at=timezone.now(),
    )
