"""Issue 12: the declaration form loses nothing. A proof file chosen before 计算学时 or before a
field had to be corrected is kept on the server for the person (and only them) until the draft is
saved; for an activity counted by the day, the days follow from the dates."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from cehours.declarations import kept_uploads
from cehours.declarations.kept_uploads import FOLDER, kept_name, upload_keep, upload_take
from cehours.declarations.models import Declaration

from .support import activity, pdf_bytes, today
from .test_pages import FORM, _text

PROOF = pdf_bytes("kept")


def _signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _kept_token(response) -> str:
    import re

    found = re.search(r'name="kept" value="([^"]+)"', response.content.decode())
    assert found, "the page carries the kept file"
    return found.group(1)


def test_a_file_chosen_before_a_correction_is_saved_with_the_draft(cast):
    nurse = _signed_in(cast["nurse"].user)
    training = str(activity(cast["nurse"], "training").pk)
    upload = SimpleUploadedFile("结业证书.pdf", PROOF, content_type="application/pdf")

    wrong = nurse.post(
        "/declarations/", {**FORM, "title": "", "activity_type": training, "action": "save", "file": upload}
    )
    assert wrong.status_code == 400 and "名称：请填写名称" in _text(wrong)
    assert "已上传：结业证书.pdf" in _text(wrong) and not Declaration.objects.exists()
    token = _kept_token(wrong)

    saved = nurse.post(
        "/declarations/", {**FORM, "activity_type": training, "action": "save", "kept": token}, follow=True
    )
    declaration = Declaration.objects.get()
    evidence = declaration.evidence.get()
    assert evidence.original_name == "结业证书.pdf" and evidence.size == len(PROOF)
    assert f"结业证书.pdf（PDF，{len(PROOF)} 字节）" in _text(saved)
    assert upload_take(cast["nurse"].user, token) is None, "taken once: the keep is empty"


def test_a_file_kept_through_the_preview_and_a_new_file_replaces_it(cast):
    nurse = _signed_in(cast["nurse"].user)
    training = str(activity(cast["nurse"], "training").pk)
    first = SimpleUploadedFile("旧证书.pdf", pdf_bytes("old"), content_type="application/pdf")
    preview = nurse.post("/declarations/", {**FORM, "activity_type": training, "action": "preview", "file": first})
    assert preview.status_code == 200 and "预计登记 6.0 学时" in _text(preview)
    token = _kept_token(preview)
    second = SimpleUploadedFile("新证书.pdf", PROOF, content_type="application/pdf")
    nurse.post("/declarations/", {**FORM, "activity_type": training, "action": "save", "kept": token, "file": second})
    assert Declaration.objects.get().evidence.get().original_name == "新证书.pdf"


def test_a_kept_file_is_the_persons_own(cast):
    token = upload_keep(user=cast["nurse"].user, name="结业证书.pdf", content=PROOF)
    other = cast["teacher"].user
    assert kept_name(other, token) is None and upload_take(other, token) is None
    assert kept_name(cast["nurse"].user, token) == "结业证书.pdf"
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert kept_name(cast["nurse"].user, forged) is None
    teacher = _signed_in(other)
    training = str(activity(cast["teacher"], "training").pk)
    teacher.post("/declarations/", {**FORM, "activity_type": training, "action": "save", "kept": token})
    assert not Declaration.objects.get().evidence.exists(), "someone else's token brings no file"
    assert upload_take(cast["nurse"].user, token) == ("结业证书.pdf", PROOF)


def test_a_file_that_is_not_evidence_is_refused_at_once_and_not_kept(cast):
    nurse = _signed_in(cast["nurse"].user)
    training = str(activity(cast["nurse"], "training").pk)
    script = SimpleUploadedFile("证书.pdf", b"#!/bin/sh\nrm -rf /\n", content_type="application/pdf")
    answer = nurse.post("/declarations/", {**FORM, "activity_type": training, "action": "preview", "file": script})
    assert answer.status_code == 400
    assert "证明材料（PDF、JPEG 或 PNG，不超过 10 MB）：证明材料只接受 PDF、JPEG 或 PNG 文件" in _text(answer)
    assert 'name="kept"' not in answer.content.decode()


def test_files_of_abandoned_forms_are_swept_after_a_day(cast, monkeypatch):
    """By the time in the kept file's name, so a storage that cannot tell a file's age sweeps too."""
    nurse = cast["nurse"].user
    old = upload_keep(user=nurse, name="a.pdf", content=PROOF)
    recent = upload_keep(user=nurse, name="b.pdf", content=PROOF)
    monkeypatch.setattr(default_storage, "get_modified_time", _unimplemented, raising=False)
    a_day_on = timezone.now() + timedelta(days=1, minutes=1)

    monkeypatch.setattr(kept_uploads.timezone, "now", lambda: a_day_on - timedelta(minutes=2))
    upload_keep(user=nurse, name="c.pdf", content=PROOF)
    assert len(default_storage.listdir(FOLDER)[1]) == 3  # not a day old yet: nothing swept

    monkeypatch.setattr(kept_uploads.timezone, "now", lambda: a_day_on)
    upload_keep(user=nurse, name="d.pdf", content=PROOF)
    assert len(default_storage.listdir(FOLDER)[1]) == 2  # a and b swept; c and d kept
    monkeypatch.undo()
    assert upload_take(nurse, old) is None and upload_take(nurse, recent) is None


def _unimplemented(name):
    raise NotImplementedError("this storage does not tell a file's age")


def test_the_days_of_a_day_based_activity_follow_from_its_dates(cast):
    nurse = _signed_in(cast["nurse"].user)
    training = str(activity(cast["nurse"], "training").pk)
    three_days = {**FORM, "quantity": "", "start_on": (today() - timedelta(days=2)).isoformat()}
    preview = nurse.post("/declarations/", {**three_days, "activity_type": training, "action": "preview"})
    assert preview.status_code == 200 and "预计登记 18.0 学时：3 天 × 每天 6 学时" in _text(preview)

    paper = str(activity(cast["nurse"], "paper").pk)
    missing = nurse.post("/declarations/", {**three_days, "activity_type": paper, "action": "preview"})
    assert missing.status_code == 400 and "数量（天数、篇数、学分等）：请填写数量（篇）" in _text(missing)


def test_a_kept_file_opens_only_what_it_was_kept_for(cast):
    from cehours.declarations.kept_uploads import IMPORT

    token = upload_keep(user=cast["nurse"].user, name="结业证书.pdf", content=PROOF)
    assert upload_take(cast["nurse"].user, token, IMPORT) is None, "a proof file's token opens no import"
    assert upload_take(cast["nurse"].user, token) == ("结业证书.pdf", PROOF)
