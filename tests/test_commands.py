"""The `cehours` commands: what an operator sees at the console and what the commands change.

Two ways in: `call_command` against the test database (runs on SQLite and PostgreSQL), and the
installed `cehours` console script in a subprocess with its own data directory and SQLite file
(exit status, messages on stdout/stderr, hyphenated command names, a real gunicorn).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import closing
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from cehours.access.models import Grant
from cehours.audit import triggers as audit_triggers
from cehours.audit.models import AuditEvent
from cehours.demo import DEMO_PASSWORD
from cehours.ledger.models import PersonYearTotal

from .audit.conftest import triggers_lifted

LISHUI_COUNTIES = [
    ("331102", "莲都区"),
    ("331121", "青田县"),
    ("331122", "缙云县"),
    ("331123", "遂昌县"),
    ("331124", "松阳县"),
    ("331125", "云和县"),
    ("331126", "庆元县"),
    ("331127", "景宁畲族自治县"),
    ("331181", "龙泉市"),
]
DEMO_USERNAMES = [
    "hr_admin",
    "reviewer3",
    "reviewer2",
    "reviewer1",
    "industry",
    "unit_staff",
    "evaluator",
    "provider",
    "professional",
]
ALL_ROLES = {"professional", "unit_staff", "reviewer", "industry_authority", "hr_admin", "evaluator", "provider"}
STAFF_PASSWORD = "staff-password-2026"


def _cehours_script() -> str:
    script = shutil.which("cehours", path=str(Path(sys.executable).parent))
    if script is None:
        pytest.fail(f"the console script `cehours` is not installed next to {sys.executable}")
    return script


class Cli:
    """The `cehours` console script bound to one private data directory (SQLite)."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.script = _cehours_script()
        self.env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY", "DEBUG"}}
        self.env["CEHOURS_DATA_DIR"] = str(data_dir)

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            [self.script, *args],
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def shell(self, code: str) -> str:
        """Run Python inside the configured app (`cehours shell -c`) and return what it printed."""
        done = self.run("shell", "-c", code)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        with closing(sqlite3.connect(self.data_dir / "cehours.sqlite3")) as db:
            return db.execute(sql, params).fetchall()

    def execute(self, sql: str, params: tuple = ()) -> None:
        """Raw SQL behind the application's back, as a tamperer with file access would."""
        with closing(sqlite3.connect(self.data_dir / "cehours.sqlite3")) as db:
            db.execute(sql, params)
            db.commit()

    def copy_to(self, target: Path) -> Cli:
        # The shared-memory index is rebuilt on open; a write-ahead log, if any, is data and is copied.
        shutil.copytree(self.data_dir, target, ignore=shutil.ignore_patterns("*-shm"))
        return Cli(target)


@pytest.fixture(scope="module")
def migrated_cli(tmp_path_factory) -> Cli:
    """A data directory whose SQLite database has every migration applied (a template; copy it)."""
    cli = Cli(tmp_path_factory.mktemp("cehours-migrated") / "data")
    cli.data_dir.mkdir()
    done = cli.run("migrate", "--verbosity", "0")
    assert done.returncode == 0, done.stderr
    return cli


@pytest.fixture(scope="module")
def demo_run(migrated_cli, tmp_path_factory) -> tuple[Cli, subprocess.CompletedProcess]:
    """`cehours demo --people 30 --years 2` run once in its own data directory (a template; copy it)."""
    cli = migrated_cli.copy_to(tmp_path_factory.mktemp("cehours-demo") / "data")
    return cli, cli.run("demo", "--people", "30", "--years", "2")


@pytest.fixture
def cli(migrated_cli, tmp_path) -> Cli:
    return migrated_cli.copy_to(tmp_path / "data")


@pytest.fixture
def demo_cli(demo_run, tmp_path) -> Cli:
    cli, done = demo_run
    assert done.returncode == 0, done.stderr
    return cli.copy_to(tmp_path / "data")


def _grants_of(cli: Cli, username: str) -> list[tuple]:
    return cli.query(
        "SELECT g.role, g.level, g.county_id, g.series_id, g.unit_id FROM access_grant g "
        "JOIN auth_user u ON u.id = g.user_id WHERE u.username = ?",
        (username,),
    )


# --- create-staff -------------------------------------------------------------------------------


def test_create_staff_gives_a_county_reviewer_grant(db):
    out = StringIO()
    call_command(
        "create_staff",
        "county_reviewer",
        role="reviewer",
        level=2,
        county="331102",
        password=STAFF_PASSWORD,
        stdout=out,
    )
    user = get_user_model().objects.get(username="county_reviewer")
    grant = Grant.objects.get(user=user)
    assert (grant.role, grant.level, grant.county_id, grant.series_id, grant.unit_id) == (
        "reviewer",
        2,
        "331102",
        None,
        None,
    )
    assert user.check_password(STAFF_PASSWORD)
    assert "county_reviewer" in out.getvalue()
    assert "莲都区" in out.getvalue()


def test_create_staff_without_scope_means_the_whole_city(db):
    out = StringIO()
    call_command("create_staff", "city_admin", role="hr_admin", password=STAFF_PASSWORD, stdout=out)
    grant = Grant.objects.get(user__username="city_admin")
    assert (grant.county_id, grant.series_id, grant.unit_id) == (None, None, None)
    assert "全市" in out.getvalue()


def test_create_staff_with_unknown_county_names_the_option_and_creates_nothing(db):
    with pytest.raises(CommandError) as raised:
        call_command("create_staff", "nobody", role="reviewer", level=2, county="999999", password=STAFF_PASSWORD)
    assert "--county" in str(raised.value)
    assert "999999" in str(raised.value)
    assert not get_user_model().objects.filter(username="nobody").exists()
    assert not Grant.objects.exists()


def test_create_staff_reviewer_without_level_names_level_and_creates_nothing(db):
    with pytest.raises(CommandError) as raised:
        call_command("create_staff", "nolevel", role="reviewer", county="331102", password=STAFF_PASSWORD)
    assert str(raised.value).startswith("level：")
    assert "级别" in str(raised.value)
    assert not get_user_model().objects.filter(username="nolevel").exists()
    assert not Grant.objects.exists()


def test_console_create_staff_creates_the_grant(cli):
    done = cli.run(
        "create-staff", "rev2", "--role", "reviewer", "--level", "2", "--county", "331102", "--password", STAFF_PASSWORD
    )
    assert done.returncode == 0, done.stderr
    assert "rev2" in done.stdout and "莲都区" in done.stdout
    assert _grants_of(cli, "rev2") == [("reviewer", 2, "331102", None, None)]


def test_console_create_staff_bad_county_exits_nonzero_in_chinese_and_creates_nothing(cli):
    done = cli.run(
        "create-staff", "rev2", "--role", "reviewer", "--level", "2", "--county", "339999", "--password", STAFF_PASSWORD
    )
    assert done.returncode != 0
    assert "--county：找不到 339999" in done.stderr
    assert cli.query("SELECT count(*) FROM auth_user WHERE username = 'rev2'") == [(0,)]
    assert cli.query("SELECT count(*) FROM access_grant") == [(0,)]


def test_console_create_staff_reviewer_without_level_exits_nonzero_naming_level(cli):
    done = cli.run("create-staff", "rev2", "--role", "reviewer", "--county", "331102", "--password", STAFF_PASSWORD)
    assert done.returncode != 0
    assert "level：" in done.stderr
    assert cli.query("SELECT count(*) FROM auth_user WHERE username = 'rev2'") == [(0,)]


# --- issue-token --------------------------------------------------------------------------------


def test_issued_token_on_the_last_line_authenticates_the_api(client, make_staff, make_person, add_hours):
    staff = make_staff("hr_admin")
    person = make_person(name="令牌测试人员")
    add_hours(person, 2024, general_public="10", industry_public="8", professional="72")
    out = StringIO()
    call_command("issue_token", staff.username, stdout=out)
    token = out.getvalue().strip().splitlines()[-1]

    url = f"/api/v1/people/{person.id_number}/compliance?from=2024&to=2024"
    response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200, response.content
    assert response.json()["person"]["name"] == "令牌测试人员"
    assert response.json()["years"][0]["qualified"] is True
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}x").status_code == 401


def test_issue_token_for_unknown_account_names_it(db):
    with pytest.raises(CommandError) as raised:
        call_command("issue_token", "ghost")
    assert "ghost" in str(raised.value)


def test_console_issue_token_prints_a_token_that_the_api_accepts(demo_cli):
    created = demo_cli.run("create-staff", "token_holder", "--role", "hr_admin")
    assert created.returncode == 0, created.stderr
    issued = demo_cli.run("issue-token", "token_holder")
    assert issued.returncode == 0, issued.stderr
    lines = issued.stdout.strip().splitlines()
    assert len(lines) >= 2, "an explanation first, the token alone on the last line"
    token = lines[-1]
    assert token.startswith("ceh_") and " " not in token

    answers = demo_cli.shell(
        "import json\n"
        "from django.test import Client\n"
        "from cehours.people.models import Person\n"
        "person = Person.objects.order_by('pk').first()\n"
        "url = f'/api/v1/people/{person.id_number}/compliance'\n"
        f"good = Client().get(url, HTTP_AUTHORIZATION='Bearer {token}')\n"
        f"bad = Client().get(url, HTTP_AUTHORIZATION='Bearer {token[:-1]}')\n"
        "print(json.dumps([good.status_code, good.json()['person']['name'] == person.name, bad.status_code]))\n"
    )
    assert json.loads(answers.strip().splitlines()[-1]) == [200, True, 401]


# --- rebuild-totals -----------------------------------------------------------------------------


@pytest.fixture
def person_with_hours(make_person, add_hours):
    person = make_person()
    add_hours(person, 2025, general_public="10", industry_public="8", professional="72")
    add_hours(person, 2024, general_public="20", professional="60")
    return person


def _rebuild(check: bool) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("rebuild_totals", check=check, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def _stored_professional(person, year: int):
    return PersonYearTotal.objects.get(person=person, year=year).professional


def test_rebuild_totals_check_finds_no_drift_after_normal_writes(person_with_hours):
    status, out, _ = _rebuild(check=True)
    assert status == 0
    assert "无差异" in out


def test_rebuild_totals_check_reports_a_corrupted_total_and_leaves_it(person_with_hours):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_personyeartotal SET professional = 77 WHERE person_id = %s AND year = 2025",
            [person_with_hours.pk],
        )
    status, out, err = _rebuild(check=True)
    assert status == 1
    assert f"人员 {person_with_hours.pk} 2025年 professional：已存 77.0，应为 72.0" in out
    assert "1 项差异" in err
    assert _stored_professional(person_with_hours, 2025) == 77


def test_rebuild_totals_repairs_drift_so_the_next_check_passes(person_with_hours):
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_personyeartotal SET professional = 77 WHERE person_id = %s AND year = 2025",
            [person_with_hours.pk],
        )
        cursor.execute(
            "DELETE FROM ledger_personyeartotal WHERE person_id = %s AND year = 2024", [person_with_hours.pk]
        )
    status, out, _ = _rebuild(check=False)
    assert status == 0
    assert "已存 77.0，应为 72.0" in out
    assert "2024年 professional：已存 0.0，应为 60.0" in out
    assert "已全部按学时记录重建" in out
    assert _stored_professional(person_with_hours, 2025) == 72
    assert _stored_professional(person_with_hours, 2024) == 60
    assert _rebuild(check=True)[0] == 0


def test_rebuild_totals_in_steps_finds_and_repairs_drift_in_every_step_and_nothing_else(make_person, add_hours):
    """Issue 14: people are taken a few at a time (memory bounded at city scale). Drift in the first
    and the last step is found — a wrong figure, a missing total, a total with no entries behind
    it — and the repair rewrites those person-years only; the others keep their rows."""
    from cehours.ledger.services import totals_rebuild, totals_rebuild_counted

    people = [make_person(name=f"分批{i}") for i in range(5)]
    for person in people:
        add_hours(person, 2025, general_public="10", industry_public="8", professional="72")
    first, last = people[0], people[-1]
    untouched = set(PersonYearTotal.objects.exclude(person__in=[first, last]).values_list("pk", flat=True))
    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_personyeartotal SET professional = 70 WHERE person_id = %s", [first.pk])
        cursor.execute("DELETE FROM ledger_personyeartotal WHERE person_id = %s", [last.pk])
        cursor.execute(
            "INSERT INTO ledger_personyeartotal (person_id, year, general_public, industry_public, professional)"
            " VALUES (%s, 2019, 0, 0, 5)",
            [people[2].pk],
        )

    found = totals_rebuild(fix=False, chunk=2)
    assert {(d.person_id, d.year, d.category, d.stored, d.actual) for d in found} == {
        (first.pk, 2025, "professional", Decimal("70.0"), Decimal("72.0")),
        (last.pk, 2025, "general_public", Decimal("0.0"), Decimal("10.0")),
        (last.pk, 2025, "industry_public", Decimal("0.0"), Decimal("8.0")),
        (last.pk, 2025, "professional", Decimal("0.0"), Decimal("72.0")),
        (people[2].pk, 2019, "professional", Decimal("5.0"), Decimal("0.0")),
    }
    # What the command shows of a city's drift: the first figures and the count, not every object.
    assert totals_rebuild_counted(fix=False, chunk=2, keep=2) == (found[:2], 5)
    assert totals_rebuild(fix=True, chunk=2) == found
    repairs = AuditEvent.objects.filter(action="ledger.totals_rebuilt").order_by("seq")
    assert [e.after["drifted_figures"] for e in repairs] == [1, 1, 3]  # the steps holding drift, each audited
    assert repairs[0].after["person_ids"] == [first.pk, people[1].pk]
    assert totals_rebuild(fix=False, chunk=2) == [] and totals_rebuild(fix=False) == []
    assert untouched <= set(PersonYearTotal.objects.values_list("pk", flat=True))
    assert not PersonYearTotal.objects.filter(year=2019).exists()


def test_console_rebuild_totals_check_exit_status_follows_drift(demo_cli):
    assert demo_cli.run("rebuild-totals", "--check").returncode == 0
    ((person_id, year),) = demo_cli.query("SELECT person_id, year FROM ledger_personyeartotal ORDER BY id LIMIT 1")
    demo_cli.execute(
        "UPDATE ledger_personyeartotal SET professional = professional + 3 WHERE person_id = ? AND year = ?",
        (person_id, year),
    )

    found = demo_cli.run("rebuild-totals", "--check")
    assert found.returncode == 1
    assert f"人员 {person_id} {year}年 professional" in found.stdout
    assert demo_cli.run("rebuild-totals", "--check").returncode == 1, "--check must not repair"

    repaired = demo_cli.run("rebuild-totals")
    assert repaired.returncode == 0, repaired.stderr
    assert demo_cli.run("rebuild-totals", "--check").returncode == 0


# --- audit-verify -------------------------------------------------------------------------------


@pytest.fixture
def five_events(make_person, add_hours) -> list[int]:
    """Exactly five audit events: a registration and four ledger entries."""
    person = make_person()
    add_hours(person, 2025, general_public="10", industry_public="8", professional="60")
    add_hours(person, 2024, professional="12")
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == [1, 2, 3, 4, 5]
    return seqs


def _verify() -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("audit_verify", stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_audit_verify_passes_on_an_intact_chain(five_events):
    status, out, err = _verify()
    assert status == 0, err
    assert "共 5 条事件" in out
    assert "校验通过" in out


@pytest.mark.parametrize(
    "tampering",
    [
        "UPDATE audit_auditevent SET action = 'ledger.nothing_happened' WHERE seq = 3",
        "UPDATE audit_auditevent SET after = NULL WHERE seq = 3",
    ],
    ids=["action", "after"],
)
def test_audit_verify_names_an_edited_event(five_events, tampering):
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(tampering)  # the table is append-only: the database itself refuses
    with triggers_lifted(), connection.cursor() as cursor:  # what someone who drops the trigger can do
        cursor.execute(tampering)
    status, _, err = _verify()
    assert status == 1
    assert "事件 #3：" in err
    assert "被修改" in err
    for other in (1, 2, 4, 5):
        assert f"事件 #{other}：" not in err


def test_audit_verify_names_a_deleted_middle_event(five_events):
    with triggers_lifted(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = 3")
    status, _, err = _verify()
    assert status == 1
    assert "事件 #4：缺少序号 3–3 的事件（已被删除）" in err


def test_audit_verify_names_a_deleted_last_event(five_events):
    with triggers_lifted(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE seq = 5")
    status, _, err = _verify()
    assert status == 1
    assert "链尾应为序号 5，实际为 4" in err
    assert "末尾事件被删除" in err


def test_console_audit_verify_exit_status_follows_tampering(demo_cli):
    intact = demo_cli.run("audit-verify")
    assert intact.returncode == 0, intact.stderr
    (count,) = demo_cli.query("SELECT count(*) FROM audit_auditevent")[0]
    middle = count // 2 + 1
    with pytest.raises(sqlite3.DatabaseError, match=audit_triggers.MESSAGE):
        demo_cli.execute("UPDATE audit_auditevent SET action = 'edited' WHERE seq = ?", (middle,))
    for statement in audit_triggers.SQLITE_DROP:  # someone with the database file drops the triggers
        demo_cli.execute(statement)
    demo_cli.execute("UPDATE audit_auditevent SET action = 'edited' WHERE seq = ?", (middle,))

    tampered = demo_cli.run("audit-verify")
    assert tampered.returncode == 1
    assert f"事件 #{middle}：" in tampered.stderr


def test_console_audit_verify_detects_deleted_events(demo_cli):
    (count,) = demo_cli.query("SELECT count(*) FROM audit_auditevent")[0]
    for statement in audit_triggers.SQLITE_DROP:  # someone with the database file drops the triggers
        demo_cli.execute(statement)
    demo_cli.execute("DELETE FROM audit_auditevent WHERE seq = ?", (count,))
    last_gone = demo_cli.run("audit-verify")
    assert last_gone.returncode == 1
    assert f"链尾应为序号 {count}" in last_gone.stderr

    demo_cli.execute("DELETE FROM audit_auditevent WHERE seq = 2")
    middle_gone = demo_cli.run("audit-verify")
    assert middle_gone.returncode == 1
    assert "事件 #3：缺少序号 2–2" in middle_gone.stderr


# --- demo ---------------------------------------------------------------------------------------


def test_demo_creates_the_nine_lishui_counties_people_and_entries(demo_run):
    cli, done = demo_run
    assert done.returncode == 0, done.stderr
    # 30 in their units, and the 2 a demo connected system reported without a unit (待确认人员).
    assert "32 名人员（其中待确认人员 2 名）" in done.stdout and "暂缓登记 2 条" in done.stdout
    assert cli.query("SELECT code, name FROM people_county ORDER BY code") == LISHUI_COUNTIES
    assert cli.query("SELECT count(*) FROM people_person") == [(32,)]
    assert cli.query("SELECT count(*) FROM people_person WHERE unit_id IS NULL") == [(2,)]
    years = [y for (y,) in cli.query("SELECT DISTINCT year FROM ledger_ledgerentry ORDER BY year")]
    assert years == [years[-1] - 2, years[-1] - 1, years[-1]], "--years 2: two complete years and this one"
    (entries,) = cli.query("SELECT count(*) FROM ledger_ledgerentry")[0]
    assert entries >= 30 * 2 * 3, "every person has entries in every category of both complete years"
    assert cli.run("rebuild-totals", "--check").returncode == 0


def test_demo_prints_one_account_per_role_with_working_credentials(demo_run, demo_cli):
    _, done = demo_run
    cli = demo_cli  # a copy: a failed sign-in would add an audit event
    assert f"密码均为 {DEMO_PASSWORD}" in done.stdout
    printed = [line.split()[0] for line in done.stdout.splitlines() if line.startswith("  ")]
    assert printed == DEMO_USERNAMES

    answers = cli.shell(
        "import json\n"
        "from django.contrib.auth import authenticate\n"
        "from cehours.access.models import Grant\n"
        f"names = {printed!r}\n"
        "out = {}\n"
        "for name in names:\n"
        f"    user = authenticate(username=name, password={DEMO_PASSWORD!r})\n"
        "    roles = sorted(set(Grant.objects.filter(user=user).values_list('role', flat=True)))\n"
        "    if user is not None and hasattr(user, 'person'):\n"
        "        roles.append('professional')\n"
        "    out[name] = roles if user is not None else None\n"
        "print(json.dumps(out))\n"
    )
    roles_by_account = json.loads(answers.strip().splitlines()[-1])
    assert all(roles is not None for roles in roles_by_account.values()), roles_by_account
    assert {role for roles in roles_by_account.values() for role in roles} == ALL_ROLES
    assert all(len(roles) == 1 for roles in roles_by_account.values()), roles_by_account


def test_demo_run_again_duplicates_nothing(demo_cli):
    tables = ["people_county", "people_unit", "people_person", "ledger_ledgerentry", "auth_user", "access_grant"]

    def counts():
        return {t: demo_cli.query(f"SELECT count(*) FROM {t}")[0][0] for t in tables}

    before = counts()
    again = demo_cli.run("demo", "--people", "30", "--years", "2")
    assert again.returncode == 0, again.stderr
    assert "未重复生成" in again.stdout
    assert counts() == before
    assert demo_cli.run("audit-verify").returncode == 0


# --- serve --------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, bytes, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback, never a proxy
    try:
        with opener.open(url, timeout=5) as response:
            return response.status, response.read(), response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers.get("Content-Type", "")


@pytest.mark.slow
def test_serve_answers_the_login_page_and_its_stylesheet(cli):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [cli.script, "serve", "--port", str(port), "--workers", "1"],
        env=cli.env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        status = None
        while time.monotonic() < deadline:
            if server.poll() is not None:
                pytest.fail(f"cehours serve exited with {server.returncode}:\n{server.stdout.read()}")
            try:
                status, body, _ = _get(f"{base}/login/")
                break
            except (ConnectionError, urllib.error.URLError, TimeoutError):
                time.sleep(0.25)
        assert status == 200, f"no answer from {base}/login/ within 20 s"
        assert "登录" in body.decode()

        css_status, css, css_type = _get(f"{base}/static/cehours/site.css")
        assert css_status == 200
        assert css_type.startswith("text/css")
        assert b"Noto Sans CJK SC" in css
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=5)
        if server.stdout:
            server.stdout.close()
