"""Anchors: the signed chain head kept off the host reveals a truncated chain and a reset head."""

import json

import pytest
from django.core.management.base import CommandError

from cehours.audit import chain
from cehours.audit.models import AuditEvent, AuditHead
from cehours.audit.services import audit_record, audit_verify

from .conftest import WRONG_KEY, rechain, run, triggers_lifted


@pytest.fixture
def anchor_file(five_events, tmp_path):
    path = tmp_path / "anchor.json"
    status, out, err = run("audit_anchor", output=path)
    assert status == 0, err
    assert f"序号 5，摘要 {five_events[-1].hash}" in out
    return path


def test_anchor_is_printed_to_stdout_by_default_and_names_the_head(five_events, settings):
    status, out, _ = run("audit_anchor")
    assert status == 0
    document = json.loads(out)
    assert (document["seq"], document["hash"]) == (5, five_events[-1].hash)
    assert document["key_id"] == chain.key_id(settings.AUDIT_KEY)
    assert chain.signature_valid(document, settings.AUDIT_KEY)


def test_chain_with_its_anchor_verifies(anchor_file):
    audit_record(actor=None, action="test.later", object_type="thing")  # the chain grows past it
    status, out, err = run("audit_verify", anchor=[anchor_file])
    assert status == 0, err
    assert "1 个锚点均在链中" in out


def test_deleted_tail_with_reset_head_is_caught_only_by_the_anchor(anchor_file):
    with triggers_lifted():
        AuditEvent.objects.filter(seq__gte=4).delete()
        third = AuditEvent.objects.get(seq=3)
        AuditHead.objects.filter(pk=1).update(seq=3, hash=third.hash)
    assert audit_verify() == (3, []), "without an anchor a clean truncation looks intact"

    status, _, err = run("audit_verify", anchor=[anchor_file])
    assert status == 1
    assert f"事件 #5：锚点 {anchor_file} 记录的序号 5 已不在链中（链尾为 3）：末尾事件被删除" in err


def test_tail_replaced_by_new_events_is_caught_by_the_anchor(anchor_file):
    with triggers_lifted():
        AuditEvent.objects.filter(seq__gte=4).delete()
        AuditHead.objects.filter(pk=1).update(seq=3, hash=AuditEvent.objects.get(seq=3).hash)
    # The application writes on, so seq 5 exists again, but it is not the event that was anchored.
    audit_record(actor=None, action="test.new_four", object_type="thing")
    audit_record(actor=None, action="test.new_five", object_type="thing")
    assert audit_verify() == (5, [])
    status, _, err = run("audit_verify", anchor=[anchor_file])
    assert status == 1
    assert f"事件 #5：摘要与锚点 {anchor_file} 所记不符：链在此处被改写" in err


def test_full_rechain_with_a_wrong_key_is_caught_with_and_without_the_anchor(anchor_file):
    with triggers_lifted():
        rechain(version=2, key=WRONG_KEY)
    status, _, err = run("audit_verify", anchor=[anchor_file])
    assert status == 1
    assert "事件 #1：事件以另一把审计密钥" in err
    assert f"事件 #5：摘要与锚点 {anchor_file} 所记不符" in err


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.update(seq=3),
        lambda d: d.update(hash="0" * 64),
        lambda d: d.update(anchored_at="2020-01-01T00:00:00+00:00"),
    ],
    ids=["seq", "hash", "time"],
)
def test_tampered_anchor_file_is_rejected(anchor_file, edit):
    document = json.loads(anchor_file.read_text())
    edit(document)
    anchor_file.write_text(json.dumps(document))
    status, _, err = run("audit_verify", anchor=[anchor_file])
    assert status == 1
    assert f"锚点 {anchor_file} 签名不符：文件被篡改" in err


def test_anchor_forged_with_a_wrong_key_is_rejected(anchor_file):
    document = json.loads(anchor_file.read_text())
    document.update(seq=3, hash=AuditEvent.objects.get(seq=3).hash, key_id=chain.key_id(WRONG_KEY))
    document["signature"] = chain.signature(document, WRONG_KEY)
    anchor_file.write_text(json.dumps(document))
    status, _, err = run("audit_verify", anchor=[anchor_file])
    assert status == 1
    assert "由另一把审计密钥" in err


def test_anchor_file_that_is_not_json_is_rejected(five_events, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text("{not json")
    status, _, err = run("audit_verify", anchor=[path])
    assert status == 1
    assert f"锚点 {path} 不是有效的 JSON" in err


def test_no_anchor_is_signed_for_a_head_that_disagrees_with_the_chain(five_events):
    AuditHead.objects.filter(pk=1).update(seq=7)
    with pytest.raises(CommandError, match="链头（序号 7）与最后一条事件不符"):
        run("audit_anchor")
