"""Archives of events past the retention period: a JSONL file that verifies on its own."""

import json
from datetime import timedelta

import pytest
from django.core.management.base import CommandError
from django.utils import timezone

from cehours.audit.archive import archive_check, latest_archivable_date
from cehours.audit.models import AuditEvent
from cehours.audit.services import audit_record

from .conftest import run


@pytest.fixture
def old_and_new_events(db, monkeypatch):
    """Four events from 400 days ago, two from today."""
    long_ago = timezone.now() - timedelta(days=400)
    with monkeypatch.context() as patched:
        patched.setattr(timezone, "now", lambda: long_ago)
        for n in range(4):
            audit_record(actor=None, action="test.old", object_type="thing", after={"n": n})
    for n in range(2):
        audit_record(actor=None, action="test.new", object_type="thing", after={"n": n})
    return AuditEvent.objects.order_by("seq")


def _archive(tmp_path, before=None, name="archive.jsonl"):
    path = tmp_path / name
    before = before or latest_archivable_date()
    return path, run("audit_archive", before=before.isoformat(), output=path)


def test_archive_round_trip_verifies(old_and_new_events, tmp_path):
    path, (status, out, err) = _archive(tmp_path)
    assert status == 0, err
    assert "已归档 4 条事件（序号 1–4）" in out
    assert "事件仍保留在库中" in out
    assert AuditEvent.objects.filter(action="test.old").count() == 4, "archiving deletes nothing"
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line["type"] for line in lines] == ["header", "event", "event", "event", "event", "seal"]
    assert [line["hash"] for line in lines[1:-1]] == list(
        AuditEvent.objects.filter(seq__lte=4).order_by("seq").values_list("hash", flat=True)
    )
    assert (path.stat().st_mode & 0o777) == 0o600, "before/after data can hold personal data"

    found = archive_check(path)
    assert (found.count, found.first_seq, found.last_seq, found.problems) == (4, 1, 4, [])
    status, out, err = run("audit_verify", archive=[path])
    assert status == 0, err
    assert "4 条事件（序号 1–4），签名与哈希链校验通过" in out


def test_archiving_is_itself_an_audit_event(old_and_new_events, tmp_path):
    _archive(tmp_path)
    event = AuditEvent.objects.get(action="audit.archived")
    assert event.after == {
        "before": latest_archivable_date().isoformat(),
        "first_seq": 1,
        "last_seq": 4,
        "count": 4,
        "file": "archive.jsonl",
    }


def test_next_archive_continues_from_a_seq(old_and_new_events, tmp_path):
    path = tmp_path / "part2.jsonl"
    status, out, err = run("audit_archive", before=latest_archivable_date().isoformat(), output=path, from_seq=3)
    assert status == 0, err
    assert "已归档 2 条事件（序号 3–4）" in out
    assert archive_check(path).problems == []


def test_archive_within_the_retention_period_is_refused(old_and_new_events, tmp_path):
    too_late = latest_archivable_date() + timedelta(days=1)
    with pytest.raises(CommandError) as refused:
        _archive(tmp_path, before=too_late)
    assert "CEHOURS_AUDIT_RETENTION_DAYS" in str(refused.value)
    assert "180 天" in str(refused.value)
    assert not (tmp_path / "archive.jsonl").exists()


def test_archive_never_overwrites_a_file(old_and_new_events, tmp_path):
    (tmp_path / "archive.jsonl").write_text("earlier archive")
    with pytest.raises(CommandError, match="已存在"):
        _archive(tmp_path)
    assert (tmp_path / "archive.jsonl").read_text() == "earlier archive"


def test_nothing_old_enough_writes_no_file(db, tmp_path):
    audit_record(actor=None, action="test.new", object_type="thing")
    path, (status, out, _) = _archive(tmp_path)
    assert status == 0
    assert "未写出归档" in out
    assert not path.exists()


@pytest.mark.parametrize(
    "edit",
    [
        lambda lines: lines[2].update(fields={**lines[2]["fields"], "action": "test.nothing"}),
        lambda lines: lines.pop(2),
        lambda lines: lines.pop(-1),
    ],
    ids=["edited-event", "removed-event", "removed-seal"],
)
def test_tampered_archive_is_rejected(old_and_new_events, tmp_path, edit):
    path, _ = _archive(tmp_path)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    edit(lines)
    path.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines))
    status, _, err = run("audit_verify", archive=[path])
    assert status == 1
    assert f"归档 {path}" in err
