"""The audit trail (R21): who, when, from where, which request; hash-chained."""

import threading

import pytest
from django.db import connection

from cehours.audit.models import AuditEvent
from cehours.audit.services import audit_record, audit_verify
from tests.conftest import PASSWORD


def test_r21_sign_in_is_recorded_with_address_and_request_id(client, make_staff):
    staff = make_staff("hr_admin")
    client.post(
        "/login/",
        {"username": staff.username, "password": PASSWORD},
        HTTP_X_REQUEST_ID="req-0000-1111-test",
        REMOTE_ADDR="10.1.2.3",
    )
    event = AuditEvent.objects.get(action="auth.logged_in")
    assert event.actor == staff
    assert (event.remote_addr, event.request_id, event.via) == ("10.1.2.3", "req-0000-1111-test", "web")


def test_r21_failed_sign_ins_are_not_chained_one_by_one_but_a_lockout_is_recorded_without_the_password(
    client, make_staff
):
    """Each failure used to write to the audit chain, so anyone could flood it; now the failure limit
    (django-axes) counts them, and the chain gets one event when an account is locked out."""
    staff = make_staff("hr_admin")
    before = AuditEvent.objects.count()
    response = client.post("/login/", {"username": staff.username, "password": "wrong-password-9"})
    assert "用户名或密码不正确" in response.content.decode()
    assert AuditEvent.objects.count() == before
    for _ in range(6):
        client.post("/login/", {"username": staff.username, "password": "wrong-password-9"})
    (event,) = AuditEvent.objects.filter(action="auth.locked_out")
    assert staff.username in str(event.after)
    assert "wrong-password-9" not in str(event.after)


def test_r21_response_carries_the_request_id_that_groups_its_events(client):
    response = client.get("/login/", HTTP_X_REQUEST_ID="abc12345-grouping")
    assert response["X-Request-ID"] == "abc12345-grouping"
    generated = client.get("/login/")["X-Request-ID"]
    assert len(generated) == 32


def test_r21_events_form_an_unbroken_chain(db):
    first = audit_record(actor=None, action="test.first", object_type="thing", after={"n": 1})
    second = audit_record(actor=None, action="test.second", object_type="thing", after={"n": 2})
    assert second.seq == first.seq + 1
    assert second.prev_hash == first.hash
    checked, problems = audit_verify()
    assert (checked, problems) == (AuditEvent.objects.count(), [])


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_r21_concurrent_appends_keep_one_chain():
    if connection.vendor != "postgresql":
        pytest.skip("并发追加需要真正的多连接数据库：在 PostgreSQL 上运行（CI 的第二轮）")
    errors = []

    def append(worker: int) -> None:
        try:
            for i in range(25):
                audit_record(actor=None, action="test.concurrent", object_type="thing", after={"w": worker, "i": i})
        except Exception as exc:  # surfaced below; a thread's exception would otherwise vanish
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=append, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    checked, problems = audit_verify()
    assert checked == 100
    assert problems == []
