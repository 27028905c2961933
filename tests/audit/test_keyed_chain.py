"""The keyed chain: HMAC-SHA256 under the audit key, and what an attacker without it cannot hide."""

import hashlib
import hmac
import importlib

from django.apps import apps
from django.conf import settings

from cehours.audit import chain
from cehours.audit.models import AuditEvent, AuditHead, ChainVersion
from cehours.audit.services import audit_record, audit_verify

from .conftest import WRONG_KEY, delete_and_renumber, rechain, run, triggers_lifted

keyed_chain_migration = importlib.import_module("cehours.audit.migrations.0002_keyed_chain")


def test_new_events_are_hmac_chained_under_the_audit_key(five_events):
    third = AuditEvent.objects.get(seq=3)
    assert third.chain_version == ChainVersion.HMAC_SHA256
    assert third.key_id == chain.key_id(settings.AUDIT_KEY)
    payload = (third.prev_hash + chain.canonical(chain.chained_fields(third))).encode()
    assert third.hash == hmac.new(settings.AUDIT_KEY, payload, hashlib.sha256).hexdigest()
    assert third.hash != hashlib.sha256(payload).hexdigest()


def test_audit_verify_passes_on_an_intact_keyed_chain(five_events):
    status, out, err = run("audit_verify")
    assert status == 0, err
    assert "共 5 条事件" in out and "校验通过" in out


def test_deleted_middle_event_rechained_with_plain_sha256_is_reported(five_events):
    with triggers_lifted():
        delete_and_renumber(3)
        rechain(version=ChainVersion.SHA256, key=b"")
    status, _, err = run("audit_verify")
    assert status == 1
    assert "没有任何以审计密钥签发的事件" in err


def test_tail_rewritten_with_plain_sha256_after_keyed_events_is_a_downgrade(five_events):
    with triggers_lifted():
        delete_and_renumber(3)
        prev_hash = AuditEvent.objects.get(seq=2).hash
        for event in AuditEvent.objects.filter(seq__gte=3).order_by("seq"):
            event.chain_version, event.key_id, event.prev_hash = ChainVersion.SHA256, "", prev_hash
            event.hash = chain.digest(ChainVersion.SHA256, prev_hash, chain.chained_fields(event), b"")
            AuditEvent.objects.filter(pk=event.pk).update(
                chain_version=event.chain_version, key_id="", prev_hash=prev_hash, hash=event.hash
            )
            prev_hash = event.hash
        AuditHead.objects.filter(pk=1).update(seq=4, hash=prev_hash)
    status, _, err = run("audit_verify")
    assert status == 1
    assert "事件 #3：密钥链之后出现无密钥（旧版 SHA-256）事件：链被降级改写" in err
    assert "事件 #4：密钥链之后出现无密钥" in err


def test_deleted_middle_event_rechained_with_a_wrong_key_is_reported(five_events):
    real_key_id = chain.key_id(settings.AUDIT_KEY)
    with triggers_lifted():
        delete_and_renumber(3)
        # Even claiming the real key's id: the digests still do not verify.
        rechain(version=ChainVersion.HMAC_SHA256, key=WRONG_KEY, fake_key_id=real_key_id)
    status, _, err = run("audit_verify")
    assert status == 1
    for seq in (1, 2, 3, 4):
        assert f"事件 #{seq}：事件内容与摘要不符：此事件被修改" in err
    assert "发现 4 处问题" in err


def test_event_edited_behind_the_triggers_is_named(five_events):
    with triggers_lifted():
        AuditEvent.objects.filter(seq=3).update(action="test.nothing_happened")
    checked, problems = audit_verify()
    assert checked == 5
    assert [(p.seq, p.message) for p in problems] == [(3, "事件内容与摘要不符：此事件被修改")]


def test_a_changed_audit_key_is_told_apart_from_tampering(five_events, settings):
    settings.AUDIT_KEY = WRONG_KEY
    status, _, err = run("audit_verify")
    assert status == 1
    assert f"当前为 {chain.key_id(WRONG_KEY)}" in err
    assert "请核对 CEHOURS_AUDIT_KEY" in err


def _legacy_chain(count: int) -> None:
    """Events as an installation from before the keyed chain holds them: plain SHA-256."""
    prev_hash = chain.GENESIS
    for seq in range(1, count + 1):
        event = audit_record(actor=None, action="legacy.step", object_type="thing", after={"n": seq})
        event.chain_version, event.key_id, event.prev_hash = ChainVersion.SHA256, "", prev_hash
        event.hash = chain.digest(ChainVersion.SHA256, prev_hash, chain.chained_fields(event), b"")
        with triggers_lifted():
            AuditEvent.objects.filter(pk=event.pk).update(
                chain_version=ChainVersion.SHA256, key_id="", prev_hash=prev_hash, hash=event.hash
            )
        prev_hash = event.hash
    AuditHead.objects.filter(pk=1).update(seq=count, hash=prev_hash)


def test_upgrade_seals_legacy_events_with_one_keyed_event(db):
    _legacy_chain(3)
    assert audit_verify()[1] != [], "a chain of legacy events only is not accepted unsealed"
    keyed_chain_migration.seal_legacy_chain(apps, None)
    marker = AuditEvent.objects.get(seq=4)
    assert marker.action == "audit.chain_keyed"
    assert marker.chain_version == ChainVersion.HMAC_SHA256
    assert marker.after["legacy_last_seq"] == 3
    assert marker.prev_hash == AuditEvent.objects.get(seq=3).hash
    audit_record(actor=None, action="test.after_upgrade", object_type="thing")
    assert audit_verify() == (5, [])


def test_legacy_prefix_rewritten_after_the_upgrade_is_reported(db):
    _legacy_chain(3)
    keyed_chain_migration.seal_legacy_chain(apps, None)
    with triggers_lifted():
        AuditEvent.objects.filter(seq=2).update(after={"n": "edited"})
        # Recompute the legacy prefix: easy without a key, but the keyed marker pins its end.
        prev_hash = chain.GENESIS
        for event in AuditEvent.objects.filter(seq__lte=3).order_by("seq"):
            event.hash = chain.digest(ChainVersion.SHA256, prev_hash, chain.chained_fields(event), b"")
            AuditEvent.objects.filter(pk=event.pk).update(prev_hash=prev_hash, hash=event.hash)
            prev_hash = event.hash
    checked, problems = audit_verify()
    assert (4, "前序摘要不符：此前的事件被删除或修改") in [(p.seq, p.message) for p in problems]


def test_upgrade_of_an_empty_trail_adds_nothing(db):
    keyed_chain_migration.seal_legacy_chain(apps, None)
    assert AuditEvent.objects.count() == 0
