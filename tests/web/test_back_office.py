"""The back office (/admin/, issue 10): superusers read every model; nobody changes anything there,
least of all the ledger, the audit trail and the read log; ciphertext and hashes are never shown."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from cehours.ledger.models import LedgerEntry

PAGES = [
    "people/person", "people/unit", "ledger/ledgerentry", "ledger/heldrecord", "audit/auditevent",
    "privacy/readevent", "access/grant", "access/professionalaccount", "declarations/declaration",
    "integration/connectedsystem", "auth/user",
]  # fmt: skip


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("root-test", password="Lishui-2026-ok")


def test_a_superuser_reads_every_model_in_the_back_office(superuser, make_person, add_hours):
    person = make_person(name="后台查看")
    add_hours(person, 2025, professional="12")
    client = Client()
    client.force_login(superuser)
    for page in PAGES:
        answer = client.get(f"/admin/{page}/")
        assert answer.status_code == 200, page
    detail = client.get(f"/admin/people/person/{person.pk}/change/").content.decode()
    assert "后台查看" in detail and person.id_number_masked in detail
    assert person.id_number not in detail and person.id_number_hash not in detail
    assert person.id_number_encrypted[:20] not in detail


def test_nothing_is_added_changed_or_deleted_in_the_back_office(superuser, make_person, add_hours):
    person = make_person()
    (entry,) = add_hours(person, 2025, professional="12")
    client = Client()
    client.force_login(superuser)
    assert client.get("/admin/ledger/ledgerentry/add/").status_code == 403
    assert client.post(f"/admin/ledger/ledgerentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    changed = client.post(f"/admin/ledger/ledgerentry/{entry.pk}/change/", {"hours": "500"})
    assert changed.status_code == 403
    assert LedgerEntry.objects.get(pk=entry.pk).hours == entry.hours
    # No password is set here (it would skip the rules and the audit trail of password_set).
    for path in (f"/admin/auth/user/{superuser.pk}/password/", f"/admin/auth/user/{superuser.pk}/change/"):
        client.post(path, {"password1": "x", "password2": "x", "username": "renamed"}, follow=True)
    superuser.refresh_from_db()
    assert superuser.username == "root-test" and superuser.check_password("Lishui-2026-ok")


def test_staff_without_superuser_rights_do_not_reach_the_back_office(make_staff):
    client = Client()
    client.force_login(make_staff("hr_admin"))
    answer = client.get("/admin/ledger/ledgerentry/")
    assert answer.status_code == 302 and "/admin/login/" in answer["Location"]
