"""Read throughput of the person endpoints through the real server, against a baseline in the same run.

    python bench/api_reads.py [--people 3000] [--workers 3] [--clients 8] [--rounds 4] [--seconds 2.5]

Starts `cehours serve` (gunicorn, several worker processes) on a fresh data dir with the demo
city — SQLite by default, or a fresh database beside the one in DATABASE_URL — and drives it
from client threads over loopback keep-alive connections. The baseline is `/api/v1/health` on
the same server (routing, middleware, JSON and one trivial query), so the ratio shows what the
compliance and eligibility logic itself costs. Scenarios are interleaved in rounds so that a
noisy neighbour slows all of them alike.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import threading
import time
from urllib.parse import quote

from common import bench_environment, run, served

REASON = quote("基准测试统一按3年")


def drive(port: int, paths: list[str], headers: dict, clients: int, seconds: float) -> tuple[list[float], int, float]:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, bad = [], 0
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            conn.request("GET", rng.choice(paths), headers=headers)
            response = conn.getresponse()
            response.read()
            mine.append(time.perf_counter() - t0)
            bad += response.status != 200
        conn.close()
        with lock:
            latencies.extend(mine)
            errors[0] += bad

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return latencies, errors[0], time.perf_counter() - start


def summary(latencies: list[float], errors: int, elapsed: float) -> dict:
    latencies = sorted(latencies)
    n = len(latencies)
    return {
        "requests": n,
        "errors": errors,
        "per_second": round(n / elapsed, 1),
        "p50_ms": round(latencies[n // 2] * 1000, 2),
        "p95_ms": round(latencies[int(n * 0.95)] * 1000, 2),
    }


def measure(env: dict, options) -> dict:
    run(["demo", "--people", str(options.people)], env)
    token = run(["issue-token", "hr_admin"], env).strip().splitlines()[-1]
    script = "from cehours.people.models import Person\nfor p in Person.objects.order_by('?')[:200]: print(p.id_number)"
    ids = run(["shell", "-v", "0", "-c", script], env).split()
    year = time.localtime().tm_year
    scenarios = {
        "baseline /api/v1/health": ["/api/v1/health"],
        "compliance (5 years)": [f"/api/v1/people/{i}/compliance?from={year - 4}&to={year}" for i in ids],
        # N=3 for everyone: where a person's title gives another figure, the override needs its reason.
        "eligibility (N=3)": [
            f"/api/v1/people/{i}/eligibility?application_year={year}&required_years=3&override_reason={REASON}"
            for i in ids
        ],
    }
    headers = {"Authorization": f"Bearer {token}"}
    collected = {name: ([], 0, 0.0) for name in scenarios}
    with served(env, options.workers) as port:
        drive(port, scenarios["baseline /api/v1/health"], headers, options.clients, 1.0)  # warm up
        for _ in range(options.rounds):
            for name, paths in scenarios.items():
                lat, err, elapsed = drive(port, paths, headers, options.clients, options.seconds)
                old = collected[name]
                collected[name] = (old[0] + lat, old[1] + err, old[2] + elapsed)
    return {name: summary(*values) for name, values in collected.items()}


def report(database: str, options, results: dict) -> None:
    baseline = results["baseline /api/v1/health"]["per_second"]
    setup = f"{options.workers} workers, {options.clients} clients, {options.rounds}×{options.seconds:g} s"
    print(f"\n{database}, {setup}, {os.cpu_count()} CPUs")
    print(f"{'scenario':<28}{'req/s':>10}{'× baseline':>12}{'p50 ms':>10}{'p95 ms':>10}{'errors':>8}")
    for name, r in results.items():
        ratio = r["per_second"] / baseline
        print(f"{name:<28}{r['per_second']:>10}{ratio:>12.2f}{r['p50_ms']:>10}{r['p95_ms']:>10}{r['errors']:>8}")
    print(json.dumps({"database": database, "results": results}, ensure_ascii=False))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=3000)
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=2.5)
    options = parser.parse_args()
    with bench_environment() as (env, database):
        print(f"loading demo data ({options.people} people) on {database} …", flush=True)
        results = measure(env, options)
    report(database, options, results)


if __name__ == "__main__":
    main()
