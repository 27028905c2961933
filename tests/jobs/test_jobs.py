"""Long exports as background jobs (issue 13 "Long work in the background"): the overview CSV past
CEHOURS_INLINE_EXPORT_ROWS is queued, the worker writes it with progress, and only its requester
downloads it — the same rows the request would have written."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.test import Client

from cehours.jobs.models import Job, JobStatus
from cehours.privacy.models import ReadAction, ReadEvent

YEAR = 2025


@pytest.fixture
def worker_db(django_db_serialized_rollback, transactional_db):
    """Committed data, as the worker sees it: db_worker closes connections between tasks, which on
    PostgreSQL would end a test-wrapping transaction (serialized rollback brings the counties back)."""


def _rows(content: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


def test_a_large_overview_csv_runs_as_a_job_with_progress_and_the_same_rows(
    worker_db,
    settings, make_person, make_staff, add_hours, django_capture_on_commit_callbacks, tmp_path
):
    settings.DATA_DIR = tmp_path
    for i in range(5):
        person = make_person(unit="hospital")
        add_hours(person, YEAR, general_public="9", industry_public="9", professional=str(60 + i * 5))
    make_person(unit="school")  # outside the clerk's county
    clerk = make_staff("hr_admin", county="liandu")
    client = Client()
    client.force_login(clerk)
    inline = client.get("/overview/", {"year": YEAR, "format": "csv"})  # 5 rows: inside the request
    assert inline["Content-Type"].startswith("text/csv")

    settings.CEHOURS_INLINE_EXPORT_ROWS = 2
    with django_capture_on_commit_callbacks(execute=True):
        asked = client.get("/overview/", {"year": YEAR, "format": "csv"})
    job = Job.objects.get()
    assert asked.status_code == 302 and asked["Location"] == f"/jobs/{job.pk}/"
    waiting = client.get(asked["Location"]).content.decode()
    assert "排队中" in waiting and 'http-equiv="refresh"' in waiting and "2025年学时汇总" in waiting

    call_command("worker", batch=True, verbosity=0)  # the worker `cehours serve` starts, once through
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.done == job.total == 5
    done = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "已完成：已处理 5 / 5 行" in done and 'http-equiv="refresh"' not in done
    assert "我的后台任务（共 1 个）" in client.get("/jobs/").content.decode()
    download = client.get(f"/jobs/{job.pk}/file/")
    assert download.status_code == 200
    assert _rows(b"".join(download.streaming_content)) == _rows(inline.content)
    assert ReadEvent.objects.filter(action=ReadAction.OVERVIEW_CSV, count=5).count() == 2  # inline, and the job

    other = Client()
    other.force_login(make_staff("hr_admin", county="liandu"))
    assert other.get(f"/jobs/{job.pk}/").status_code == 404
    assert other.get(f"/jobs/{job.pk}/file/").status_code == 404
    assert "我的后台任务（共 0 个）" in other.get("/jobs/").content.decode()


def test_a_failed_job_says_so_in_chinese_and_leaves_no_file(
    worker_db,
    settings, make_staff, django_capture_on_commit_callbacks, tmp_path, monkeypatch
):
    settings.DATA_DIR = tmp_path
    settings.CEHOURS_INLINE_EXPORT_ROWS = -1
    client = Client()
    client.force_login(make_staff("hr_admin"))
    with django_capture_on_commit_callbacks(execute=True):
        client.get("/overview/", {"year": YEAR, "format": "csv"})

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("cehours.jobs.kinds.write_csv", broken)
    call_command("worker", batch=True, verbosity=0)
    job = Job.objects.get()
    assert job.status == JobStatus.FAILED
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "生成失败，请稍后重试" in page and "disk full" not in page
    assert client.get(f"/jobs/{job.pk}/file/").status_code == 404
    assert list((tmp_path / "jobs").iterdir()) == []
