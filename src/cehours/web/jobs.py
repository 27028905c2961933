"""后台任务 pages: the user's own jobs, one job's progress (the page refreshes itself until it is
done), and its file — for the user who asked for it only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from cehours.jobs.kinds import WRITERS
from cehours.jobs.models import JobKind, JobStatus
from cehours.jobs.selectors import job_of, jobs_of
from cehours.jobs.services import jobs_directory
from cehours.privacy.models import ReadAction
from cehours.privacy.services import record_read

from .certificates import _quoted

JOBS_PAGE_SIZE = 20
# What the file of each kind reads, for the access log when it is downloaded.
READS = {
    JobKind.OVERVIEW_CSV: ReadAction.OVERVIEW_CSV,
    JobKind.COMMITTEE_PDF: ReadAction.COMMITTEE_LIST,
    JobKind.COMMITTEE_CERTIFICATES: ReadAction.CERTIFICATE,
}


@login_required
def jobs(request: HttpRequest) -> HttpResponse:
    page = Paginator(jobs_of(request.user), JOBS_PAGE_SIZE).get_page(request.GET.get("page") or 1)
    return render(request, "web/jobs.html", {"page": page})


@login_required
def job(request: HttpRequest, pk: int) -> HttpResponse:
    found = job_of(request.user, pk)
    if found is None:
        raise Http404("未找到该任务")
    running = found.status in (JobStatus.QUEUED, JobStatus.RUNNING)
    return render(request, "web/job.html", {"job": found, "running": running})


@login_required
def job_file(request: HttpRequest, pk: int) -> FileResponse:
    found = job_of(request.user, pk)
    if found is None or found.status != JobStatus.DONE:
        raise Http404("未找到该任务的文件")
    path = jobs_directory() / found.stored_as
    if not found.stored_as or not path.is_file():
        raise Http404("该文件已过期清理，请重新生成")
    record_read(request, READS[JobKind(found.kind)], count=found.done)
    response = FileResponse(path.open("rb"), content_type=WRITERS[found.kind].content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quoted(found.file_name)}"
    return response
