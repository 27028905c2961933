"""The task the worker runs (Django's Tasks API, django-tasks backport; database backend by default)."""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(job_id: int) -> None:
    from .services import job_run

    job_run(job_id)
