"""A committee's list as background jobs (issue 13, R13 第十三条, R18 第十八条): the judged list as a
PDF for print, and a signed certificate for every applicant found, in one ZIP — each written by the
worker, with progress, for its requester alone; the personal data they work through is kept out of
the audit trail and dropped once the job ends."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from cehours.audit.models import AuditEvent
from cehours.jobs.models import Job, JobKind, JobStatus
from cehours.people.models import Person
from cehours.reports.models import Certificate
from cehours.reports.signing import check_signature
from tests.reports.conftest import pdf_text
from tests.web.test_committee import YEAR, _scene, _xlsx


@pytest.fixture
def worker_db(django_db_serialized_rollback, transactional_db):
    """Committed data, as the worker sees it (see test_jobs.py)."""


def _asked(client: Client, rows, chosen: str, capture) -> Job:
    with capture(execute=True):
        answer = client.post("/committee/", {"file": _xlsx(rows), "format": chosen})
    job = Job.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/jobs/{job.pk}/"
    return job


def _download(client: Client, job: Job) -> bytes:
    response = client.get(f"/jobs/{job.pk}/file/")
    assert response.status_code == 200
    return b"".join(response.streaming_content)


def test_r13_the_judged_list_as_pdf_is_a_job_with_the_pages_verdicts(
    worker_db, settings, tmp_path, cjk_font, make_person, make_staff, add_hours, django_capture_on_commit_callbacks
):
    settings.DATA_DIR = tmp_path
    evaluator, good, short, outside, rows = _scene(make_person, make_staff, add_hours)
    client = Client()
    client.force_login(evaluator)
    job = _asked(client, rows, "pdf", django_capture_on_commit_callbacks)
    assert job.kind == JobKind.COMMITTEE_PDF and len(job.payload) == 5
    assert "排队中" in client.get(f"/jobs/{job.pk}/").content.decode()

    call_command("worker", batch=True, verbosity=0)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.done == 5 and job.payload == []
    text = pdf_text(_download(client, job))
    assert "评审名单学时判断结果" in text
    assert "名单文件：名单.xlsx，共5人" in text
    assert "合格申报人" in text and "不足申报人" in text
    assert good.id_number_masked in text and good.id_number not in text and short.id_number not in text
    assert "继续教育学时符合申报条件" in text and "继续教育学时不符合申报条件" in text
    assert f"{YEAR - 2}年不合格（30.0学时）" in text
    assert "申报等级：应为初级、中级、副高级或正高级" in text
    # Out of scope: not found, with only what the committee typed (masked), nothing of the register.
    assert "青田测试学校" not in text and outside.id_number not in text
    # The audit trail records that the list was asked for, not whom it named.
    asked = AuditEvent.objects.get(action="jobs.committee_pdf")
    assert "合格申报人" not in str(asked.after) and good.id_number_masked not in str(asked.after)

    # A week on, the file (names, verdicts) is removed when the next job is asked for.
    Job.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(days=8))
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/committee/", {"file": _xlsx(rows), "format": "pdf"})
    assert [p.name for p in (tmp_path / "jobs").iterdir()] == []  # the new one is not yet written
    assert "文件已超过保存期限（7 天）被清理" in client.get(f"/jobs/{job.pk}/").content.decode()
    assert client.get(f"/jobs/{job.pk}/file/").status_code == 404


def test_r18_every_applicant_found_gets_a_signed_certificate_in_one_zip(
    worker_db,
    settings,
    tmp_path,
    certifiable,
    make_person,
    make_staff,
    add_hours,
    city,
    django_capture_on_commit_callbacks,
):
    settings.DATA_DIR = tmp_path
    evaluator, good, short, outside, rows = _scene(make_person, make_staff, add_hours)
    moved = make_person(unit="hospital", name="调出申报人")
    rows.append([moved.id_number, "调出申报人", "卫生", "中级", YEAR, 3, "", ""])
    client = Client()
    client.force_login(evaluator)
    job = _asked(client, rows, "certificates", django_capture_on_commit_callbacks)
    assert job.kind == JobKind.COMMITTEE_CERTIFICATES
    assert [row[1] for row in job.payload] == [good.pk, short.pk, moved.pk]  # the rows found, not the rest
    # Between asking and the worker's run, one applicant leaves the evaluator's county.
    Person.objects.filter(pk=moved.pk).update(unit=city["units"]["school"], county=city["counties"]["qingtian"])

    call_command("worker", batch=True, verbosity=0)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE and job.done == 2 and job.payload == []
    assert "已完成：已处理 2 / 2 人" in client.get(f"/jobs/{job.pk}/").content.decode()
    bundle = zipfile.ZipFile(io.BytesIO(_download(client, job)))
    index = list(csv.DictReader(io.StringIO(bundle.read("证明清单.csv").decode("utf-8-sig"))))
    assert [(r["行号"], r["姓名"]) for r in index] == [("2", "合格申报人"), ("3", "不足申报人"), ("7", "调出申报人")]
    assert index[2]["说明"] == "已不在您的查询范围内" and index[2]["文件名"] == ""
    assert {r["起始年度"] for r in index[:2]} == {str(YEAR - 3)}
    for row, person in zip(index[:2], (good, short), strict=True):
        pdf = bundle.read(row["文件名"])
        assert check_signature(pdf).ok
        text = pdf_text(pdf)
        assert person.name in text and person.id_number not in text
        certificate = Certificate.objects.get(code=row["证明编号"])
        assert certificate.person == person and certificate.issued_by == evaluator
        assert (certificate.first_year, certificate.last_year) == (YEAR - 3, YEAR - 1)  # the years R13 weighed
    assert not Certificate.objects.filter(person=moved).exists()
    assert AuditEvent.objects.filter(action="certificate.issue", actor=evaluator).count() == 2

    other = Client()
    other.force_login(make_staff("evaluator", county="liandu"))
    assert other.get(f"/jobs/{job.pk}/file/").status_code == 404


def test_a_certificates_job_without_a_signing_key_fails_saying_why(
    worker_db, settings, tmp_path, cjk_font, make_person, make_staff, add_hours, django_capture_on_commit_callbacks
):
    settings.DATA_DIR = tmp_path
    settings.CEHOURS_SIGNING_CERT_FILE = settings.CEHOURS_SIGNING_KEY_FILE = ""
    evaluator, _good, _short, _outside, rows = _scene(make_person, make_staff, add_hours)
    client = Client()
    client.force_login(evaluator)
    job = _asked(client, rows, "certificates", django_capture_on_commit_callbacks)

    call_command("worker", batch=True, verbosity=0)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.payload == []
    page = client.get(f"/jobs/{job.pk}/").content.decode()
    assert "签名" in page  # the signing identity's own message, not a generic failure
    assert not Certificate.objects.exists()
    assert list((tmp_path / "jobs").iterdir()) == []
