"""Connected systems' API keys from the console (R15): issue, rights, rotation, revocation, storage.

`cehours issue-api-key` prints the key once on its last line; the key then works on the intake
endpoint within the rights it was given; `--rotate` and `revoke-api-key` end old keys; mistakes
get a Chinese message naming the option; the database keeps only a hash of each key.
"""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cehours.audit.models import AuditEvent
from cehours.integration.models import ConnectedSystem, SystemKey
from cehours.ledger.models import LedgerEntry

from .support import RECORDS_URL, online, post_batch, system_auth


def issue(*args: str) -> tuple[str, list[str]]:
    """Run issue-api-key; (the key on the last line, all lines printed)."""
    out = StringIO()
    call_command("issue_api_key", *args, stdout=out)
    lines = out.getvalue().strip().splitlines()
    return lines[-1], lines


def revoke(*args: str) -> str:
    out = StringIO()
    call_command("revoke_api_key", *args, stdout=out)
    return out.getvalue()


def test_issue_api_key_prints_the_key_once_on_its_last_line_and_it_works(client, city, make_person):
    key, lines = issue("--system", "health-platform", "--name", "卫生健康继续教育平台")
    assert key.startswith("cehsys_")
    assert len(key) > 40
    assert lines[0] == "已登记对接系统：卫生健康继续教育平台（health-platform）"
    assert "只显示这一次" in lines[1]
    person = make_person()
    response = post_batch(client, key, [online("k-1", person.id_number, person.name)])
    assert response.status_code == 200
    assert response.json()["created"] == 1
    entry = LedgerEntry.objects.get(source_record_id="k-1")
    assert entry.source_system == "health-platform"


def test_issued_key_may_register_only_the_categories_and_industries_it_was_given(client, city, make_person):
    key, _ = issue(
        "--system", "health-platform", "--name", "卫生平台", "--categories", "professional", "--industries", "health"
    )
    system = ConnectedSystem.objects.get(code="health-platform")
    assert system.categories == ["professional"]
    assert list(system.industries.values_list("code", flat=True)) == ["health"]
    nurse = make_person(unit="hospital")
    teacher = make_person(unit="school")
    body = post_batch(
        client,
        key,
        [
            online("r-1", nurse.id_number, nurse.name, category="professional"),
            online("r-2", nurse.id_number, nurse.name, category="general_public"),
            online("r-3", teacher.id_number, teacher.name, category="professional"),
        ],
    ).json()
    assert [(r["status"], [e["code"] for e in r["errors"]]) for r in body["results"]] == [
        ("created", []),
        ("rejected", ["category_not_allowed"]),
        ("rejected", ["industry_not_allowed"]),
    ]


def test_reissuing_for_a_known_system_updates_its_name_and_rights_and_keeps_its_other_keys(client, city, make_person):
    first, _ = issue("--system", "edu-platform", "--name", "教育平台", "--categories", "professional")
    second, lines = issue("--system", "edu-platform", "--name", "教育继续教育平台")
    assert lines[0] == "已更新对接系统：教育继续教育平台（edu-platform）"
    system = ConnectedSystem.objects.get(code="edu-platform")
    assert (system.name, system.categories) == ("教育继续教育平台", [])
    person = make_person()
    for n, key in enumerate((first, second)):
        record = online(f"u-{n}", person.id_number, person.name, category="general_public")
        assert post_batch(client, key, [record]).json()["created"] == 1


def test_rotate_revokes_the_old_key_and_the_new_one_works(client, city, make_person):
    old, _ = issue("--system", "health-platform", "--name", "卫生平台")
    new, _ = issue("--system", "health-platform", "--name", "卫生平台", "--rotate")
    assert new != old
    person = make_person()
    assert post_batch(client, old, [online("rot-1", person.id_number, person.name)]).status_code == 401
    assert post_batch(client, new, [online("rot-1", person.id_number, person.name)]).status_code == 200
    assert client.get(RECORDS_URL, {"source_record_id": "rot-1"}, **system_auth(old)).status_code == 401
    assert SystemKey.objects.filter(system__code="health-platform", revoked_at__isnull=True).count() == 1
    event = AuditEvent.objects.filter(action="integration.key_rotated").get()
    assert event.after == {"prefix": new[:14], "revoked_keys": 1}


def test_revoke_api_key_by_prefix_ends_that_key_only(client, city, make_person):
    first, _ = issue("--system", "health-platform", "--name", "卫生平台")
    second, _ = issue("--system", "health-platform", "--name", "卫生平台")
    printed = revoke("--system", "health-platform", "--prefix", first[:14])
    assert "已吊销" in printed and first[:14] in printed
    person = make_person()
    assert post_batch(client, first, [online("rev-1", person.id_number, person.name)]).status_code == 401
    assert post_batch(client, second, [online("rev-1", person.id_number, person.name)]).status_code == 200
    assert AuditEvent.objects.filter(action="integration.key_revoked", after__prefix=first[:14]).exists()


def test_revoking_twice_or_an_unknown_system_is_a_chinese_error_naming_the_option(city):
    key, _ = issue("--system", "health-platform", "--name", "卫生平台")
    revoke("--system", "health-platform", "--prefix", key[:14])
    with pytest.raises(CommandError, match=r"^--prefix：没有该前缀的有效密钥$"):
        revoke("--system", "health-platform", "--prefix", key[:14])
    with pytest.raises(CommandError, match=r"^--system：找不到对接系统 nowhere$"):
        revoke("--system", "nowhere", "--prefix", key[:14])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--categories", "professional", "leisure"], r"^--categories：科目类别无效：leisure"),
        (["--industries", "health", "astrology"], r"^--industries：找不到行业（系列）代码：astrology$"),
    ],
)
def test_bad_rights_are_a_chinese_command_error_naming_the_option_and_change_nothing(city, args, message):
    with pytest.raises(CommandError, match=message):
        issue("--system", "health-platform", "--name", "卫生平台", *args)
    assert not ConnectedSystem.objects.exists()
    assert not SystemKey.objects.exists()


@pytest.mark.parametrize(
    ("system", "name", "message"),
    [
        ("Health Platform!", "卫生平台", r"^--system：系统代码应为"),
        ("health-platform", "  ", r"^--name：系统名称不能为空"),
    ],
)
def test_bad_code_or_name_is_a_chinese_command_error_naming_the_option(city, system, name, message):
    with pytest.raises(CommandError, match=message):
        issue("--system", system, "--name", name)
    assert not ConnectedSystem.objects.exists()


def test_keys_are_stored_hashed_and_the_key_text_is_nowhere_in_the_database(city):
    key, _ = issue("--system", "health-platform", "--name", "卫生平台", "--categories", "professional")
    rotated, _ = issue("--system", "health-platform", "--name", "卫生平台", "--rotate")
    dump = StringIO()
    call_command("dumpdata", stdout=dump)
    everything = dump.getvalue()
    for issued in (key, rotated):
        secret_part = issued[14:]
        assert issued not in everything
        assert secret_part not in everything
        assert issued[:14] in everything  # the prefix is kept, to tell keys apart
    assert SystemKey.objects.count() == 2
    assert all(len(k.key_hash) == 64 for k in SystemKey.objects.all())


def test_issuing_a_key_is_audited_without_the_key(city):
    key, _ = issue("--system", "health-platform", "--name", "卫生平台")
    registered = AuditEvent.objects.get(action="integration.system_registered")
    assert registered.after["code"] == "health-platform"
    issued = AuditEvent.objects.get(action="integration.key_issued")
    assert issued.after == {"prefix": key[:14], "revoked_keys": 0}
