"""Reads of jobs: a user sees only the jobs they asked for."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import Job


def jobs_of(user) -> QuerySet[Job]:
    return Job.objects.filter(requested_by=user).order_by("-created_at", "-pk")


def job_of(user, pk: int) -> Job | None:
    return jobs_of(user).filter(pk=pk).first()
