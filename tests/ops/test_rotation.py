"""`cehours rotate-field-key`: everything readable and findable under the new key, the old one refused."""

from __future__ import annotations

import stat
import subprocess
from datetime import date

import pytest

from cehours.declarations.models import AttendeeList, Evidence
from cehours.ops.rotation import RotationError, field_key_rotate
from cehours.ops.storage import FERNET_PREFIX
from cehours.people.crypto import FieldKeyring, decrypt_id_number, encrypt_id_number, id_number_hash, key_fingerprint
from cehours.people.models import Person

from .conftest import DEMO, FACTS, new_key, ok


@pytest.mark.slow
def test_rotation_round_trip_through_the_console_script(installation, tmp_path):
    db = installation()
    ok(db.run(*DEMO))
    before = db.run_script(FACTS)
    key_file = tmp_path / "keys" / "field_key"

    out = ok(db.run("rotate-field-key", "--new-key-file", str(key_file)))

    assert f"CEHOURS_FIELD_KEY_FILE 设为 {key_file}" in out
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    new_env = {k: v for k, v in db.env.items() if k != "CEHOURS_FIELD_KEY"} | {"CEHOURS_FIELD_KEY_FILE": str(key_file)}
    old_env = db.env
    db.env = new_env
    after = db.run_script(FACTS)
    assert after["fingerprint"] != before["fingerprint"]
    for field in ("id_numbers", "found_by_id_number", "compliance", "accounts", "declarations", "evidence"):
        assert after[field] == before[field], field
    assert all(int(pk) == found for pk, found in after["found_by_id_number"].items())
    assert all(stored == opened for stored, opened in after["evidence"].values()) and after["evidence"]
    assert after["audit_actions"][-1] == "ops.field_key_rotated"
    ok(db.run("check"))
    ok(db.run("audit-verify"))
    refused = subprocess.run(db.command("check"), env=old_env, capture_output=True, text=True, timeout=90)
    assert refused.returncode != 0 and "CEHOURS_FIELD_KEY" in refused.stderr


@pytest.mark.slow
def test_rotation_refuses_a_key_file_inside_the_data_directory(installation):
    db = installation()
    done = db.run("rotate-field-key", "--new-key-file", str(db.data_dir / "field_key"))
    assert done.returncode != 0 and "数据目录" in done.stderr
    assert not (db.data_dir / "field_key").exists()


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _declaration_with_evidence(make_person, content: bytes) -> Evidence:
    from cehours.declarations.models import ActivityType
    from cehours.declarations.services import declaration_create

    person = make_person(with_login=True)
    activity = ActivityType.objects.filter(active=True).order_by("pk").first()
    declaration = declaration_create(
        person=person,
        by=person.user,
        activity=activity,
        title="培训",
        organiser="",
        quantity=1,
        start_on=date(2025, 3, 1),
        end_on=date(2025, 3, 1),
        evidence=("证书.pdf", content),
    )
    return declaration.evidence.get()


def test_rotation_in_one_process_moves_people_lists_and_evidence(db, settings, media, make_person):
    content = b"%PDF-1.4\n% rotated certificate\n"
    evidence = _declaration_with_evidence(make_person, content)
    person = evidence.declaration.person
    number = person.id_number
    project_list = AttendeeList.objects.none()  # rows live in JSON: re-encrypted element by element
    from cehours.declarations.models import SeminarProject

    project = SeminarProject.objects.first()
    if project is not None:
        project_list = AttendeeList.objects.create(
            project=project, submitted_by=person.user, rows=[[1, encrypt_id_number(number), person.name]]
        )
    key = new_key()

    result = field_key_rotate(new_key=key)

    settings.FIELD_ENCRYPTION_KEY = key  # what the operator configures next
    assert result.people == Person.objects.count() and result.evidence == 1
    assert key_fingerprint() == result.new_fingerprint
    person.refresh_from_db()
    assert person.id_number == number and person.id_number_hash == id_number_hash(number)
    assert Person.objects.get(id_number_hash=id_number_hash(number)) == person
    evidence.refresh_from_db()
    assert evidence.file.open("rb").read() == content
    assert (media / evidence.file.name).read_bytes().startswith(FERNET_PREFIX)
    for attendees in AttendeeList.objects.filter(pk__in=[a.pk for a in project_list]):
        assert decrypt_id_number(attendees.rows[0][1]) == number
    assert not list(media.rglob("*.rotating"))


def test_rotation_to_the_same_key_changes_nothing(db, settings):
    with pytest.raises(RotationError):
        field_key_rotate(new_key=settings.FIELD_ENCRYPTION_KEY)


def test_keyring_cache_follows_the_configured_key(settings):
    first = encrypt_id_number("331102199001011234")
    settings.FIELD_ENCRYPTION_KEY = new_key()
    second = encrypt_id_number("331102199001011234")
    assert FieldKeyring(settings.FIELD_ENCRYPTION_KEY).decrypt_id_number(second) == "331102199001011234"
    with pytest.raises(Exception):  # noqa: B017 - Fernet's InvalidToken: the old token is not the new key's
        decrypt_id_number(first)


def test_rotation_keeps_professionals_signing_in_by_mobile_number_and_their_email(db, settings, make_person):
    from cehours.access.professionals import account_by_login, registration_submit

    person = make_person(unit="hospital")
    user, _ = registration_submit(
        name=person.name, id_number=person.id_number, mobile="13905782222", unit_query="莲都测试医院",
        password="Lishui-2026-ok", email="hu.yisheng@example.cn",
    )  # fmt: skip
    assert account_by_login("13905782222") == user
    key = new_key()
    field_key_rotate(new_key=key)
    settings.FIELD_ENCRYPTION_KEY = key
    assert account_by_login("13905782222") == user
    from cehours.access.models import ProfessionalAccount

    account = ProfessionalAccount.objects.get(user=user)
    assert decrypt_id_number(account.mobile_encrypted) == "13905782222"
    assert decrypt_id_number(account.email_encrypted) == "hu.yisheng@example.cn"
    assert account.email_masked == "h***@example.cn"
