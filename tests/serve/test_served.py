"""The served process is the tested process (DESIGN §5): `cehours serve` hit concurrently over loopback.

The server is started exactly as README tells an operator — `cehours serve` with its default
migrate, gunicorn with three workers forked from one master — on a fresh, unmigrated database
(a SQLite file, or a new PostgreSQL database when DATABASE_URL names one). Nothing the master
opened before the fork may be used after it: on PostgreSQL a database connection inherited by
several workers makes them talk over one socket, and intake answers 500, valid keys get 401 and
the log says "lost synchronization with server". Here, from client threads at the same moment:

- copies of one batch for people new to the platform register every record once;
- batches from two systems crossing over the same new people register exactly what they carry;
- readers with valid keys, interleaved with writers, are never refused and never see a 5xx;
- a committee's lists of applicants sent at once are each answered as single lookups answer;
- afterwards the totals agree with the ledger, the audit chain verifies, every record reads back
  once, and every person-year total is the sum of the hours that were sent.

A server whose database is unreachable answers every /api/v1/ request in the documented JSON
error shape: 503 `unavailable` where the database is needed, 404 `not_found` for unknown routes.
"""

from __future__ import annotations

import hashlib
import http.client
import itertools
import json
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest

from cehours.rules.identifiers import mask_id_number
from tests.integration.processes import SeparateDatabase, Server, free_port, on_postgresql
from tests.integration.support import BATCH_URL, RECORDS_URL, new_id_number, other

pytestmark = pytest.mark.slow

WORKERS = 3
YEAR = 2025  # `other` records complete on 2025-03-15
CATEGORIES = ("general_public", "industry_public", "professional")
HOURS = ("0.5", "1", "1.5", "2", "3", "4.5")
UNAVAILABLE = "数据库暂时不可用，请稍后重试"
STAFF_PASSWORD = "serve-test-password-2026"


@dataclass
class Answer:
    status: int
    content_type: str
    body: object

    def describe(self) -> str:
        return f"{self.status} {self.content_type} {str(self.body)[:300]}"


def call(port: int, method: str, path: str, *, key: str | None = None, payload: object = None) -> Answer:
    """One request on a connection of its own (gunicorn's sync workers close it after each answer)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Accept": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    body = None
    if payload is not None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        raw = response.read()
        content_type = response.getheader("Content-Type", "")
    finally:
        connection.close()
    try:
        parsed: object = json.loads(raw)
    except ValueError:
        parsed = raw.decode(errors="replace")
    return Answer(response.status, content_type, parsed)


def at_once(jobs: list[Callable[[], Answer]]) -> list[Answer]:
    """Run every job in a thread of its own, released together by a barrier; answers in job order."""
    barrier = threading.Barrier(len(jobs))

    def run(job: Callable[[], Answer]) -> Answer:
        barrier.wait(timeout=30)
        return job()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        return list(pool.map(run, jobs))


@dataclass
class Sent:
    """What a record carried, to compare with what the platform kept."""

    system: str
    id_number: str
    name: str
    category: str
    hours: Decimal


@dataclass
class Site:
    database: SeparateDatabase
    server: Server
    keys: dict[str, str]
    staff_token: str
    sent: dict[tuple[str, str], Sent] = field(default_factory=dict)  # (system, source_record_id) → Sent

    @property
    def port(self) -> int:
        return self.server.port

    def batch(self, system: str, records: list[dict]) -> Callable[[], Answer]:
        return lambda: call(self.port, "POST", BATCH_URL, key=self.keys[system], payload={"records": records})

    def remember(self, system: str, records: list[dict]) -> None:
        for record in records:
            self.sent[(system, record["source_record_id"])] = Sent(
                system, record["id_number"], record["name"], record["category"], Decimal(record["hours"])
            )


def last_line(done) -> str:
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1].strip()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    database = SeparateDatabase(tmp_path_factory.mktemp("serve") / "data", migrate=False)
    try:
        with database.serve("--workers", str(WORKERS)) as server:
            health = call(server.port, "GET", "/api/v1/health")
            assert health.status == 200, f"{health.describe()}\n{server.log()}"
            keys = {
                code: last_line(database.run("issue-api-key", "--system", code, "--name", f"{code} 学习平台"))
                for code in ("serve-a", "serve-b")
            }
            staff = database.run("create-staff", "serve-auditor", "--role", "hr_admin", "--password", STAFF_PASSWORD)
            assert staff.returncode == 0, staff.stderr
            token = last_line(database.run("issue-token", "serve-auditor"))
            yield Site(database, server, keys, token)
            log = server.log()
            assert "lost synchronization" not in log, log
            assert "Traceback" not in log, log
    finally:
        database.drop()


_people = itertools.count(1)


def new_people(count: int) -> list[tuple[str, str]]:
    """People the platform has never seen: the first batch naming them creates them."""
    return [(new_id_number(), f"并发测试人员{next(_people)}") for _ in range(count)]


def records_for(prefix: str, people: list[tuple[str, str]], count: int) -> list[dict]:
    """`count` records over `people` (round robin), every category and several hour values."""
    records = []
    for i in range(count):
        number, name = people[i % len(people)]
        sid = f"{prefix}-{i}"
        # A title of its own: the same title from two systems on one day for one person is a likely
        # duplicate, held for a reviewer (tests/ledger/test_holds.py).
        title = f"学习{hashlib.sha256(sid.encode()).hexdigest()[:12]}"
        record = other(sid, number, name, HOURS[i % len(HOURS)], category=CATEGORIES[i % 3], title=title)
        records.append(record)
    return records


def assert_served(answers: list[Answer], log: str) -> None:
    for answer in answers:
        assert answer.status == 200, f"{answer.describe()}\n--- server log ---\n{log[-4000:]}"


def test_copies_of_one_batch_sent_at_once_register_each_record_once(site):
    records = records_for("same", new_people(50), 50)
    answers = at_once([site.batch("serve-a", records) for _ in range(6)])
    assert_served(answers, site.server.log())
    site.remember("serve-a", records)

    assert sum(a.body["created"] for a in answers) == 50
    assert sum(a.body["duplicate"] for a in answers) == 5 * 50
    assert sum(a.body["rejected"] for a in answers) == 0
    created = Counter(r["source_record_id"] for a in answers for r in a.body["results"] if r["status"] == "created")
    assert created == Counter({r["source_record_id"]: 1 for r in records})


def test_copies_of_a_batch_with_implausible_records_hold_each_once_and_answer_it_every_time(site):
    """DESIGN §2 across processes: 75 hours in one record is held, never registered, never held twice."""
    people = new_people(5)
    records = [
        other(f"held-{i}", number, name, "75", category="professional", title=f"超长学习{i}")
        for i, (number, name) in enumerate(people)
    ]
    answers = at_once([site.batch("serve-a", records) for _ in range(4)])
    assert_served(answers, site.server.log())
    for answer in answers:
        assert (answer.body["held"], answer.body["created"], answer.body["rejected"]) == (5, 0, 0), answer.body
        assert {e["code"] for r in answer.body["results"] for e in r["errors"]} == {"above_record_limit"}
    for record in records:
        back = call(site.port, "GET", f"{RECORDS_URL}?source_record_id={record['source_record_id']}",
                    key=site.keys["serve-a"])  # fmt: skip
        assert back.status == 200 and [(r["status"], r["id"]) for r in back.body] == [("held", None)], back.describe()


def test_crossing_batches_over_the_same_new_people_register_exactly_what_they_carry(site):
    for round_number in range(4):
        people = new_people(20)
        a = records_for(f"cross{round_number}-a", people, 30)
        b = records_for(f"cross{round_number}-b", list(reversed(people)), 30)
        # Each batch twice (a retry crossing its original), from two systems, all four at once.
        answers = at_once(
            [site.batch("serve-a", a), site.batch("serve-b", b), site.batch("serve-a", a), site.batch("serve-b", b)]
        )
        assert_served(answers, site.server.log())
        site.remember("serve-a", a)
        site.remember("serve-b", b)
        assert [x.body["rejected"] for x in answers] == [0, 0, 0, 0], [x.body for x in answers]
        assert answers[0].body["created"] + answers[2].body["created"] == 30
        assert answers[1].body["created"] + answers[3].body["created"] == 30
        assert answers[0].body["duplicate"] + answers[2].body["duplicate"] == 30
        assert answers[1].body["duplicate"] + answers[3].body["duplicate"] == 30


def test_a_committees_lists_sent_at_once_are_each_answered_as_one_lookup_answers(site):
    """POST /api/v1/eligibility/batch from every worker at once (R13): each list answers 200, each row
    as GET …/eligibility answers for that person; a mistyped row and an unknown number stay rows."""
    people = new_people(30)
    records = records_for("committee", people, 60)
    assert_served([site.batch("serve-a", records)()], site.server.log())
    site.remember("serve-a", records)
    query = {"application_year": 2026, "required_years": 2}
    applicants = [{"id_number": number, "name": name, **query} for number, name in people]
    applicants += [{"id_number": "33110219800101123", **query}, {"id_number": new_id_number(), **query}]

    def send() -> Answer:
        payload = {"applicants": applicants}
        return call(site.port, "POST", "/api/v1/eligibility/batch", key=site.staff_token, payload=payload)

    answers = at_once([send for _ in range(6)])
    assert_served(answers, site.server.log())

    first = answers[0].body
    assert (first["count"], first["found"], first["invalid"], first["not_found"]) == (32, 30, 1, 1)
    assert first["applicants"][30]["errors"][0]["field"] == "applicants.30.id_number"
    assert all(answer.body == first for answer in answers[1:])
    for (number, _), row in zip(people[:5], first["applicants"], strict=False):
        single = call(site.port, "GET", f"/api/v1/people/{number}/eligibility?application_year=2026&required_years=2",
                      key=site.staff_token)  # fmt: skip
        assert single.status == 200 and row["result"] == single.body


def test_readers_with_valid_keys_are_never_refused_while_writers_write(site):
    seed = records_for("seed", new_people(20), 40)
    assert_served([site.batch("serve-b", seed)()], site.server.log())
    site.remember("serve-b", seed)
    writes = [records_for(f"load{w}-{n}", new_people(10), 25) for w in range(2) for n in range(4)]
    done = threading.Event()

    def writer(batches: list[list[dict]]) -> Callable[[], list[Answer]]:
        def run() -> list[Answer]:
            return [site.batch("serve-a", records)() for records in batches]

        return run

    def reader(number: int) -> Callable[[], list[Answer]]:
        def run() -> list[Answer]:
            answers = []
            # Bounded: at most 60 requests each, fewer if the writers finish first.
            for i in range(60):
                if done.is_set() and i >= 20:
                    break
                if i % 3 == 2:
                    answers.append(call(site.port, "GET", "/api/v1/health"))
                    continue
                record = seed[(number * 7 + i) % len(seed)]
                path = f"{RECORDS_URL}?source_record_id={quote(record['source_record_id'])}"
                answer = call(site.port, "GET", path, key=site.keys["serve-b"])
                answers.append(answer)
                if answer.status == 200:
                    assert [r["source_record_id"] for r in answer.body] == [record["source_record_id"]], answer
            return answers

        return run

    jobs = [writer(writes[:4]), writer(writes[4:])] + [reader(n) for n in range(8)]
    barrier = threading.Barrier(len(jobs))

    def run(job: Callable[[], list[Answer]], is_writer: bool) -> list[Answer]:
        barrier.wait(timeout=30)
        try:
            return job()
        finally:
            if is_writer:
                done.set()

    with ThreadPoolExecutor(max_workers=len(jobs)) as pool:
        futures = [pool.submit(run, job, i < 2) for i, job in enumerate(jobs)]
        results = [f.result(timeout=300) for f in futures]
    log = site.server.log()
    statuses = Counter(a.status for answers in results for a in answers)
    refused = [a.describe() for answers in results for a in answers if a.status != 200]
    assert not refused, f"{statuses}: {refused[:5]}\n--- server log ---\n{log[-4000:]}"
    for batches, answers in ((writes[:4], results[0]), (writes[4:], results[1])):
        for records, answer in zip(batches, answers, strict=True):
            assert answer.body["created"] == len(records), answer.body
            site.remember("serve-a", records)


# A signed-in session for an HR administrator of its own (a password change revokes the account's
# API tokens, and serve-auditor's is read by the next test), made in the app as the sign-in and TOTP pages
# would leave it (the password changed by its holder, a confirmed device shown), printed as its key.
SESSION_SCRIPT = """
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.db import SessionStore
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice
from cehours.access.services import password_set
user = get_user_model().objects.get(username="serve-clerk")
password_set(user=user, raw="Serve-pages-2026-changed", by=user)
device = TOTPDevice.objects.create(user=user, name="并发测试", confirmed=True)
session = SessionStore()
session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY], session[DEVICE_ID_SESSION_KEY] = user.get_session_auth_hash(), device.persistent_id
session.create()
print(session.session_key)
"""
PAGES = {  # page → what its reader sees on it
    "/": "待办事项",
    "/review/held/": "暂缓登记的记录",
    "/people/unplaced/": "待确认人员",
    "/overview/": "学时汇总",
    "/audit/": "审计日志",
    "/exchange/": "导入学时或名册",
}


def page(port: int, path: str, session: str) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Cookie": f"sessionid={session}", "Accept": "text/html"})
        response = connection.getresponse()
        return Answer(response.status, response.getheader("Content-Type", ""), response.read().decode())
    finally:
        connection.close()


def test_the_pages_a_clerk_opens_answer_from_every_worker_at_once(site):
    """Issue 12's pages under gunicorn: the landing counts, the held-record queue, the people without
    a unit, the overview and the grouped audit trail, each opened by several clients at the same
    moment (spread over the forked workers) while a connected system sends a batch. Every answer is
    the page itself, with what its reader expects to see — no 5xx, no sign-in page, no Traceback."""
    clerk = site.database.run("create-staff", "serve-clerk", "--role", "hr_admin", "--password", STAFF_PASSWORD)
    assert clerk.returncode == 0, clerk.stderr
    session = last_line(site.database.run("shell", "-c", SESSION_SCRIPT))
    records = records_for("pages", new_people(20), 20)
    site.remember("serve-b", records)
    jobs = [site.batch("serve-b", records)]
    jobs += [lambda path=path: page(site.port, path, session) for path in PAGES for _ in range(3)]
    answers = at_once(jobs)

    assert answers[0].status == 200, answers[0].describe()
    for path, answer in zip([p for p in PAGES for _ in range(3)], answers[1:], strict=True):
        assert answer.status == 200 and answer.content_type.startswith("text/html"), (path, answer.describe())
        assert PAGES[path] in str(answer.body), (path, str(answer.body)[:500])
    log = site.server.log()
    assert "Traceback" not in log, log


def test_totals_ledger_and_audit_trail_agree_after_the_load(site):
    if not site.sent:  # run on its own: give it something to check
        records = records_for("alone", new_people(10), 20)
        assert_served([site.batch("serve-a", records)()], site.server.log())
        site.remember("serve-a", records)

    check = site.database.run("rebuild-totals", "--check")
    assert check.returncode == 0, check.stdout + check.stderr
    verify = site.database.run("audit-verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr

    def read_back(item: tuple[tuple[str, str], Sent]) -> str | None:
        (system, sid), sent = item
        answer = call(site.port, "GET", f"{RECORDS_URL}?source_record_id={quote(sid)}", key=site.keys[system])
        if answer.status != 200 or len(answer.body) != 1:
            return f"{system}/{sid}: {answer.describe()}"
        kept = answer.body[0]
        expected = (mask_id_number(sent.id_number), sent.name, YEAR, sent.category, sent.hours, False)
        found = (
            kept["id_number"],
            kept["name"],
            kept["year"],
            kept["category"],
            Decimal(kept["hours"]),
            kept["reversed"],
        )
        return None if found == expected else f"{system}/{sid}: kept {found}, sent {expected}"

    sums: dict[str, dict[str, Decimal]] = defaultdict(lambda: dict.fromkeys(CATEGORIES, Decimal(0)))
    names = {}
    for sent in site.sent.values():
        sums[sent.id_number][sent.category] += sent.hours
        names[sent.id_number] = sent.name

    def totals_of(number: str) -> str | None:
        path = f"/api/v1/people/{number}/compliance?from={YEAR}&to={YEAR}"
        answer = call(site.port, "GET", path, key=site.staff_token)
        if answer.status != 200:
            return f"{number}: {answer.describe()}"
        year = answer.body["years"][0]
        found = {c: Decimal(year[c]) for c in CATEGORIES}
        person = answer.body["person"]["name"]
        return None if (found, person) == (sums[number], names[number]) else f"{number}: {found} {person}"

    with ThreadPoolExecutor(max_workers=6) as pool:
        wrong = [p for p in pool.map(read_back, site.sent.items()) if p]
        wrong += [p for p in pool.map(totals_of, sorted(sums)) if p]
    assert not wrong, f"{len(wrong)} problems, first: {wrong[:5]}"


def unreachable_databases(tmp: Path) -> list[tuple[str, str]]:
    if on_postgresql():
        # Nothing listens there: connecting is refused at once.
        return [("closed_port", f"postgresql://postgres@127.0.0.1:{free_port()}/cehours_unreachable")]
    not_a_database = tmp / "not-a-database.sqlite3"
    not_a_database.write_bytes(b"this file is not an SQLite database\n" * 200)
    return [
        ("missing_directory", f"sqlite:///{tmp / 'missing' / 'directory' / 'cehours.sqlite3'}"),
        ("not_a_database", f"sqlite:///{not_a_database}"),
    ]


def assert_error(answer: Answer, status: int, code: str, message: str | None = None) -> None:
    assert answer.status == status, answer.describe()
    assert answer.content_type.startswith("application/json"), answer.describe()
    assert isinstance(answer.body, dict), answer.describe()
    assert list(answer.body) == ["errors"], answer.describe()
    [error] = answer.body["errors"]
    assert set(error) == {"field", "code", "message"}, answer.describe()
    assert error["code"] == code, answer.describe()
    if message is not None:
        assert error["message"] == message, answer.describe()
    assert "Traceback" not in error["message"]


def test_unreachable_database_answers_503_json_never_an_html_page(tmp_path):
    database = SeparateDatabase(tmp_path / "data", migrate=False)
    try:
        for label, url in unreachable_databases(tmp_path):
            with database.serve("--no-migrate", "--workers", "2", env={"DATABASE_URL": url}) as server:
                port = server.port
                some_key = "cehsys_" + "k" * 43
                answers = {
                    "health": call(port, "GET", "/api/v1/health"),
                    "batch": call(port, "POST", BATCH_URL, key=some_key, payload={"records": [{}]}),
                    "records": call(port, "GET", f"{RECORDS_URL}?source_record_id=x", key=some_key),
                    "people with a token": call(
                        port, "GET", "/api/v1/people/331102200101010011/compliance", key="ceh_" + "t" * 43
                    ),
                }
                for name, answer in answers.items():
                    try:
                        assert_error(answer, 503, "unavailable", UNAVAILABLE)
                    except AssertionError as exc:
                        raise AssertionError(f"{label}, {name}: {exc}\n{server.log()[-3000:]}") from None
                assert_error(call(port, "GET", "/api/v1/nope"), 404, "not_found")
                assert_error(call(port, "POST", "/api/v1/records/nope/deeper", payload={}), 404, "not_found")
                # Without credentials the request is refused before the database is asked.
                assert_error(call(port, "POST", BATCH_URL, payload={"records": [{}]}), 401, "unauthenticated")
                assert_error(call(port, "GET", "/api/v1/people/331102200101010011/compliance"), 401, "unauthenticated")
                assert call(port, "GET", "/api/v1/openapi.json").status == 200
    finally:
        database.drop()
