"""Intake throughput of POST /api/v1/records/batch through the real server, against the raw bulk path.

    python bench/intake.py [--people 20000] [--batches 40] [--batch-size 1000] [--workers 3] [--clients 3]

On a fresh database (SQLite by default, or a fresh one beside DATABASE_URL) it registers a
connected system, creates synthetic people (Faker zh_CN names, made-up ID numbers), then posts
`--batches` batches of learning records from `--clients` client processes to `cehours serve`
running `--workers` gunicorn workers, and reports records per second. In the same run it writes
the same number of rows straight into the same ledger table with the database's bulk path —
COPY on PostgreSQL, executemany on SQLite — as the baseline, and prints the ratio.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import time
from datetime import date, timedelta

from common import bench_environment, run, served

PEOPLE = """
import random, sys
from faker import Faker
from cehours.demo import synthetic_id_number
from cehours.people.identity import stored_identity
from cehours.people.models import County, Person
rng = random.Random(7); fake = Faker("zh_CN"); fake.seed_instance(7)
counties = list(County.objects.values_list("code", flat=True))
seen, people = set(), []
while len(people) < {people}:
    number = synthetic_id_number(rng, rng.choice(counties))
    if number in seen:
        continue
    seen.add(number)
    people.append(Person(name=fake.name(), **stored_identity(number).as_fields(), county_id=number[:6]))
Person.objects.bulk_create(people, batch_size=2000)
for p in people:
    sys.stdout.write(f"{{p.name}}\\t{{p.id_number}}\\n")
"""


def make_records(people: list[tuple[str, str]], count: int, prefix: str, seed: int) -> list[dict]:
    rng = random.Random(seed)
    today = date.today()  # noqa: DTZ011 - the calendar date is meant
    records = []
    for i in range(count):
        name, number = rng.choice(people)
        done = today - timedelta(days=rng.randrange(1, 700))
        kind = rng.random()
        record = {
            "source_record_id": f"{prefix}-{i}",
            "id_number": number,
            "name": name,
            "title": f"课程{rng.randrange(1000)}",
            "completed_on": done.isoformat(),
        }
        if kind < 0.6:
            record |= {
                "category": rng.choice(["general_public", "industry_public", "professional"]),
                "activity": "online_course",
                "minutes": rng.choice([45, 90, 135, 200]),
            }
        elif kind < 0.9:
            start = done - timedelta(days=rng.randrange(0, 3))
            record |= {
                "category": "professional",
                "activity": "offline_training",
                "start_on": start.isoformat(),
                "end_on": done.isoformat(),
                "hours": rng.choice([6, 8, 12, 18]),
            }
        else:
            record |= {"category": "professional", "activity": "other", "hours": "2.5"}
        records.append(record)
    return records


def post_batches(args: tuple[int, str, list[bytes]]) -> tuple[int, int]:
    port, key, bodies = args
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    created = failed = 0
    for body in bodies:
        conn.request("POST", "/api/v1/records/batch", body=body, headers=headers)
        response = conn.getresponse()
        answer = response.read()
        if response.status != 200:
            failed += 1
            continue
        created += json.loads(answer)["created"]
    conn.close()
    return created, failed


BASELINE = """
import sys, time
from datetime import date
from decimal import Decimal
from django.db import connection, transaction
from django.utils import timezone
from cehours.ledger.models import LedgerEntry
from cehours.people.models import Person
n = {rows}
ids = list(Person.objects.values_list("pk", flat=True)[:5000])
now = timezone.now()
cols = ("person_id", "year", "category", "hours", "source", "source_system", "source_record_id",
        "source_fingerprint", "activity_type", "title", "completed_on", "provider", "external_url",
        "explanation", "registered_by_label", "registered_at", "day_capped")
rows = [(ids[i % len(ids)], 2025, "professional", Decimal("1.9"), "connected_system", "baseline", f"b-{{i}}",
         "0" * 64, "online_course", "课程", date(2025, 3, 1), "", "", "", "baseline", now, False)
        for i in range(n)]
t0 = time.perf_counter()
with transaction.atomic():
    if connection.vendor == "postgresql":
        statement = f"COPY ledger_ledgerentry ({{', '.join(cols)}}) FROM STDIN"
        with connection.cursor() as c, c.cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row(row)
    else:
        ops = connection.ops
        adapted = [(*r[:3], str(r[3]), *r[4:10], r[10].isoformat(), *r[11:15], ops.adapt_datetimefield_value(r[15]),
                    r[16]) for r in rows]
        with connection.cursor() as c:
            marks = ", ".join(["%s"] * len(cols))
            c.executemany(f"INSERT INTO ledger_ledgerentry ({{', '.join(cols)}}) VALUES ({{marks}})", adapted)
print(n / (time.perf_counter() - t0))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=20000)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--clients", type=int, default=3)
    options = parser.parse_args()
    total = options.batches * options.batch_size

    with bench_environment() as (env, database):
        print(f"{database}: creating {options.people} people …", flush=True)
        listing = run(["shell", "-v", "0", "-c", PEOPLE.format(people=options.people)], env)
        people = [tuple(line.split("\t")) for line in listing.splitlines() if "\t" in line]
        key = run(["issue-api-key", "--system", "bench", "--name", "基准测试系统"], env).strip().splitlines()[-1]
        records = make_records(people, total, "r", seed=1)
        bodies = [
            json.dumps({"records": records[i : i + options.batch_size]}, ensure_ascii=False).encode()
            for i in range(0, total, options.batch_size)
        ]
        shares = [bodies[i :: options.clients] for i in range(options.clients)]
        with served(env, options.workers) as port:
            post_batches((port, key, [json.dumps({"records": records[:10]}).encode()]))  # warm up
            start = time.perf_counter()
            with multiprocessing.Pool(options.clients) as pool:
                outcomes = pool.map(post_batches, [(port, key, share) for share in shares])
            elapsed = time.perf_counter() - start
            created = sum(c for c, _ in outcomes)
            failed = sum(f for _, f in outcomes)
            # The same batches again: every record must come back as a duplicate.
            start_dup = time.perf_counter()
            with multiprocessing.Pool(options.clients) as pool:
                again = pool.map(post_batches, [(port, key, share[:3]) for share in shares])
            dup_elapsed = time.perf_counter() - start_dup
            dup_batches = sum(len(share[:3]) for share in shares)
        check = run(["rebuild-totals", "--check"], env).strip()
        baseline = float(run(["shell", "-v", "0", "-c", BASELINE.format(rows=total)], env).strip().splitlines()[-1])

    rate = created / elapsed
    print(f"\n{database}, {options.workers} workers, {options.clients} client processes, {os.cpu_count()} CPUs")
    print(f"intake: {created} records created in {elapsed:.2f} s = {rate:,.0f} records/s ({failed} failed batches)")
    resend = dup_batches * options.batch_size / dup_elapsed
    print(
        f"resend of {dup_batches} batches (all duplicates): {resend:,.0f} records/s, created {sum(c for c, _ in again)}"
    )
    print(f"raw bulk baseline ({'COPY' if database == 'PostgreSQL' else 'executemany'}): {baseline:,.0f} rows/s")
    print(f"ratio baseline / intake: {baseline / rate:.1f}×")
    print(f"rebuild-totals --check: {check}")
    print(
        json.dumps(
            {
                "database": database,
                "intake_per_s": round(rate),
                "baseline_per_s": round(baseline),
                "ratio": round(baseline / rate, 2),
                "failed_batches": failed,
            }
        )
    )


if __name__ == "__main__":
    main()
