"""Two OS processes delivering at the same moment (DESIGN §5 "Idempotent intake", R15, R16.1).

A connected system retries, and a retry can arrive while the first copy is still being written.
Here two separate `cehours shell` processes on one shared database (a SQLite file, or a fresh
PostgreSQL database) wait at a file barrier and then call the intake service together:

- the same batch from both: every source_record_id is registered exactly once (one process is
  told created, the other duplicate), people first seen in the batch are created once (R3), and
  the per person-year totals are exact;
- different batches for the same people: both register everything, nobody's totals drift, and
  no deadlock reaches the caller;
- the same new ID number under two names from two processes: one name is registered, the other
  process's records are rejected as name_mismatch, never filed under someone else's name (R3).
"""

from __future__ import annotations

import hashlib
import itertools
import json
import random
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from cehours.integration.records import ParsedRecord, parse_record
from cehours.rules.ruleset import RuleSet

from .processes import SeparateDatabase
from .support import QINGTIAN, new_id_number, offline, online, other, seminar

pytestmark = pytest.mark.slow

TODAY = date(2026, 6, 30)  # every record below completes before this day

SETUP = """
import json, os
from cehours.integration.keys import system_save
from cehours.people.models import County
from cehours.people.services import person_register

job = json.loads(open(os.environ["JOB"]).read())
for code in job["systems"]:
    system_save(code=code, name=code, categories=[], industries=[])
county = County.objects.get(pk="331102")
for number, name in job["people"]:
    person_register(name=name, id_number=number, county=county)
print(json.dumps({"ready": True}))
"""

WORKER = """
import json, os, time
from datetime import date
from pathlib import Path
from cehours.integration.services import records_intake
from cehours.integration.models import ConnectedSystem

job = json.loads(open(os.environ["JOB"]).read())
me = os.environ["WORKER"]
barrier = Path(job["barrier"])
answers = []
for number, (code, records) in enumerate(job["rounds"][me]):
    system = ConnectedSystem.objects.get(code=code)
    (barrier / f"{number}-{me}").touch()
    deadline = time.monotonic() + 60
    while len(list(barrier.glob(f"{number}-*"))) < job["workers"]:
        if time.monotonic() > deadline:
            raise SystemExit(f"round {number}: the other process never arrived")
        time.sleep(0.0005)
    result = records_intake(system=system, records=records, today=date.fromisoformat(job["today"]))
    answers.append([[code, r.source_record_id, r.status, r.errors] for r in result.results])
print(json.dumps(answers, ensure_ascii=False))
"""

CHECK = """
import json
from collections import defaultdict
from django.db.models import Count
from cehours.audit.models import AuditEvent
from cehours.audit.services import audit_verify
from cehours.ledger.models import LedgerEntry, PersonYearTotal
from cehours.ledger.services import totals_rebuild
from cehours.people.models import Person

per_record = defaultdict(int)
for system, sid, n in (
    LedgerEntry.objects.values_list("source_system", "source_record_id").annotate(n=Count("id")).order_by()
):
    per_record[f"{system}/{sid}"] = n
registered_to = {
    f"{system}/{sid}": name
    for system, sid, name in LedgerEntry.objects.values_list("source_system", "source_record_id", "person__name")
}
people = defaultdict(int)
for person in Person.objects.all():
    people[person.id_number] += 1
totals = defaultdict(dict)
for t in PersonYearTotal.objects.select_related("person"):
    totals[t.person.id_number][str(t.year)] = [str(t.general_public), str(t.industry_public), str(t.professional)]
created_by_intake = defaultdict(int)
for event in AuditEvent.objects.filter(action="people.persons_created_by_intake"):
    for person_id, _masked in event.after["people"]:
        created_by_intake[person_id] += 1
checked, problems = audit_verify()
print(json.dumps({
    "entries": per_record,
    "registered_to": registered_to,
    "people": people,
    "totals": totals,
    "drift": [str(d) for d in totals_rebuild(fix=False)],
    "audit_events": checked,
    "creation_events": created_by_intake,
    "audit_problems": [p.message for p in problems],
}, ensure_ascii=False))
"""


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    root = tmp_path_factory.mktemp("concurrency")
    database = SeparateDatabase(root / "data")
    for name, code in (("setup", SETUP), ("worker", WORKER), ("check", CHECK)):
        (root / f"{name}.py").write_text(code)
    yield database, root
    database.drop()


def parse(record: dict) -> ParsedRecord:
    parsed = parse_record(record, rules_on=lambda day: RuleSet(), today=TODAY)
    assert isinstance(parsed, ParsedRecord), parsed
    return parsed


_FIRST_TRAINING_DAY = date(2019, 1, 1)
_training_windows = itertools.count()


def make_records(rng: random.Random, prefix: str, people: list[tuple[str, str]], count: int) -> list[dict]:
    records = []
    for i in range(count):
        number, name = rng.choice(people)
        sid = f"{prefix}-{i}"
        kind = rng.randrange(4)
        if kind == 0:
            record = online(
                sid,
                number,
                name,
                minutes=rng.randrange(1, 400),
                category=rng.choice(["professional", "general_public"]),
            )
        elif kind == 1:
            # Each training gets days of its own: R12a caps a person's offline hours per calendar
            # day across records, and these tests count exact totals, not the cap.
            start = _FIRST_TRAINING_DAY + timedelta(days=3 * next(_training_windows))
            record = offline(
                sid, number, name, start.isoformat(), (start + timedelta(days=2)).isoformat(), str(rng.randrange(1, 18))
            )
        elif kind == 2:
            record = seminar(sid, number, name, rng.choice(["national", "provincial", "municipal"]))
        else:
            record = other(
                sid,
                number,
                name,
                f"{rng.randrange(1, 80) / 10}",
                category="industry_public",
                completed_on=rng.choice(["2024-11-30", "2025-01-15", "2026-02-01"]),
            )
        # A title of its own: two systems reporting one title on the same days for one person is a
        # likely duplicate, held for a reviewer (tests/ledger/test_holds.py); these tests count totals.
        record["title"] = f"课程{hashlib.sha256(sid.encode()).hexdigest()[:12]}"
        records.append(record)
    return records


def expected_totals(batches: list[list[dict]]) -> dict[str, dict[str, list[str]]]:
    """Per ID number and year, the three category totals the pure rules give for these records."""
    sums: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(lambda: Decimal("0.0"))))
    for records in batches:
        for record in records:
            parsed = parse(record)
            sums[parsed.id_number][str(parsed.completed_on.year)][parsed.category] += parsed.hours
    categories = ("general_public", "industry_public", "professional")
    return {
        number: {year: [str(by_category[c]) for c in categories] for year, by_category in years.items()}
        for number, years in sums.items()
    }


def run_together(database: SeparateDatabase, root: Path, name: str, rounds: dict[str, list]) -> dict[str, list]:
    """Start one worker process per key of `rounds`; they meet at a barrier before every round."""
    barrier = root / f"{name}-barrier"
    barrier.mkdir()
    job = root / f"{name}-job.json"
    job.write_text(
        json.dumps(
            {"barrier": str(barrier), "workers": len(rounds), "rounds": rounds, "today": TODAY.isoformat()},
            ensure_ascii=False,
        )
    )
    processes = {
        worker: database.start(*database.python(root / "worker.py"), env={"JOB": str(job), "WORKER": worker})
        for worker in rounds
    }
    answers = {}
    for worker, process in processes.items():
        stdout, stderr = process.communicate(timeout=240)
        assert process.returncode == 0, f"worker {worker} failed:\n{stderr}"
        answers[worker] = json.loads(stdout.strip().splitlines()[-1])
    return answers


def check(database: SeparateDatabase, root: Path) -> dict:
    return database.run_script(root / "check.py")


def setup(database: SeparateDatabase, root: Path, name: str, systems: list[str], people: list[tuple[str, str]]):
    job = root / f"{name}-setup.json"
    job.write_text(json.dumps({"systems": systems, "people": people}, ensure_ascii=False))
    assert database.run_script(root / "setup.py", JOB=str(job)) == {"ready": True}


def test_r15_the_same_batch_from_two_processes_at_once_registers_every_record_exactly_once(shared):
    database, root = shared
    rng = random.Random(20260629)
    known = [(new_id_number(), f"已知{i}") for i in range(10)]
    unknown = [(new_id_number(QINGTIAN), f"新人{i}") for i in range(10)]
    setup(database, root, "same", ["dup-platform"], known)
    batches = [make_records(rng, f"same-r{n}", known + unknown, 250) for n in range(4)]
    rounds = [["dup-platform", records] for records in batches]

    deadlocks_before = database.deadlocks()

    answers = run_together(database, root, "same", {"a": rounds, "b": rounds})

    assert database.deadlocks() == deadlocks_before

    for number, records in enumerate(batches):
        a, b = answers["a"][number], answers["b"][number]
        assert [row[1] for row in a] == [row[1] for row in b] == [r["source_record_id"] for r in records]
        for (_, sid, status_a, errors_a), (_, _, status_b, errors_b) in zip(a, b, strict=True):
            assert sorted((status_a, status_b)) == ["created", "duplicate"], (sid, errors_a, errors_b)
    state = check(database, root)
    sent = {f"dup-platform/{r['source_record_id']}" for records in batches for r in records}
    registered = {k: n for k, n in state["entries"].items() if k.startswith("dup-platform/")}
    assert registered == dict.fromkeys(sent, 1)
    # R3: a person first seen in the batch is created once, though both processes saw them as new.
    for number, _ in known + unknown:
        assert state["people"].get(number) == 1
    expected = expected_totals(batches)
    assert {n: state["totals"][n] for n in expected} == expected
    assert state["drift"] == []
    assert state["audit_problems"] == []
    assert set(state["creation_events"].values()) <= {1}, state["creation_events"]


def test_r15_different_batches_for_the_same_people_from_two_processes_keep_totals_exact(shared):
    database, root = shared
    rng = random.Random(4242)
    known = [(new_id_number(), f"共享{i}") for i in range(8)]
    setup(database, root, "diff", ["east-platform", "west-platform"], known)
    people = list(known)
    east, west = [], []
    for n in range(6):
        # The same people met in opposite orders, so the two processes' writes cross: in every round
        # east also brings people nobody has seen yet, and in every other round so does west.
        newcomers = [(new_id_number(QINGTIAN), f"首见{n}-{i}") for i in range(8)]
        people += newcomers
        forward = make_records(rng, f"east-{n}", known + newcomers, 200)
        backward = make_records(rng, f"west-{n}", known + (newcomers if n % 2 else []), 200)
        east.append(["east-platform", sorted(forward, key=lambda r: r["id_number"])])
        west.append(["west-platform", sorted(backward, key=lambda r: r["id_number"], reverse=True)])
    deadlocks_before = database.deadlocks()

    answers = run_together(database, root, "diff", {"east": east, "west": west})

    outcomes = Counter(row[2] for worker in answers.values() for batch in worker for row in batch)
    assert outcomes == {"created": 2400}
    # Batches take their locks in one order (people, entries, totals, audit trail), so none waits in a
    # circle; a deadlock would cost a second of PostgreSQL's deadlock_timeout and a retry each time.
    assert database.deadlocks() == deadlocks_before
    state = check(database, root)
    for prefix, rounds in (("east-platform", east), ("west-platform", west)):
        for _, records in rounds:
            for record in records:
                assert state["entries"][f"{prefix}/{record['source_record_id']}"] == 1
    expected = expected_totals([records for _, records in east + west])
    assert {n: state["totals"][n] for n in expected} == expected
    for number, _ in people:
        assert state["people"].get(number) == 1
    assert state["drift"] == []
    assert state["audit_problems"] == []
    assert set(state["creation_events"].values()) <= {1}, state["creation_events"]


def test_r3_one_new_id_number_under_two_names_from_two_processes_registers_one_real_name(shared):
    database, root = shared
    setup(database, root, "names", ["name-a", "name-b"], [])
    rounds: dict[str, list] = {"a": [], "b": []}
    newcomers = []
    for n in range(4):
        people = [new_id_number(QINGTIAN) for _ in range(6)]
        newcomers += people
        for worker, system in (("a", "name-a"), ("b", "name-b")):
            records = [
                online(f"{worker}-{n}-{i}-{k}", number, f"{worker}名{n}-{i}", minutes=45 * (k + 1))
                for i, number in enumerate(people)
                for k in range(3)
            ]
            rounds[worker].append([system, records])

    deadlocks_before = database.deadlocks()

    answers = run_together(database, root, "names", rounds)

    assert database.deadlocks() == deadlocks_before

    state = check(database, root)
    for number in newcomers:
        assert state["people"].get(number) == 1
    sent_names = {r["source_record_id"]: r["name"] for rs in rounds.values() for _, records in rs for r in records}
    for worker, system in (("a", "name-a"), ("b", "name-b")):
        for batch in answers[worker]:
            for _, sid, status, errors in batch:
                if status == "created":
                    # Filed under the person with exactly the name this process sent.
                    assert state["registered_to"][f"{system}/{sid}"] == sent_names[sid]
                else:
                    assert (status, [e["code"] for e in errors]) == ("rejected", ["name_mismatch"])
                    assert f"{system}/{sid}" not in state["entries"]
    # Every new person holds the three records of one process, under the name that process sent.
    per_person = Counter(name for key, name in state["registered_to"].items() if key.startswith("name-"))
    assert sorted(per_person.values()) == [3] * len(newcomers)
    assert state["drift"] == []
    assert state["audit_problems"] == []
    assert set(state["creation_events"].values()) <= {1}, state["creation_events"]
